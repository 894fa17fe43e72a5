// A payment-session client: signs a cumulative voucher for each request to a provider node's
// OpenAI-compatible endpoint, never above the caller's cap, and checks and keeps the provider's
// attestation of each answer (the evidence a dispute needs). Browser-safe: only fetch and viem.
import { recoverAddress, toHex, type Address, type Hex, type LocalAccount } from "viem";

import { SessionAttestationInvalidError, SessionBudgetExceededError, SessionPaymentRequiredError } from "../errors/sessionClient.js";
import { sessionDigests } from "./digests.js";
import { sessionsDomain, voucherTypes } from "./typedData.js";
import {
  ATTESTATION_HEADER,
  ATTESTATION_SSE_PREFIX,
  CHARGED_HEADER,
  formatVoucher,
  parseAttestation,
  SESSION_HEADER,
  sessionPromptOf,
  textHash,
  VOUCHER_HEADER,
  type PaymentRequiredBody,
  type SessionAttestation,
  type Voucher,
} from "./wire.js";

export interface CreateSessionClientParameters {
  sessionId: Hex;
  /** Signs the vouchers: the session's client account or its session key. */
  account: LocalAccount;
  chainId: number;
  /** The PaymentSessions contract (the vouchers' EIP-712 `verifyingContract`). */
  sessions: Address;
  /** The provider's registered signer key (`market.provider(provider).signer`): attestations by any other key are refused. */
  providerSigner: Address;
  /** The session's model id: an attestation naming another is refused. */
  model: Hex;
  /** The session's pricing: a price per request, or per 1,000 tokens (prompt and completion). */
  pricing: "request" | "1k-tokens";
  /** The session's `maxPrice` (per request, or per 1,000 tokens). */
  price: bigint;
  /** The most the client will ever sign (cumulative, token units), whatever the provider asks. */
  cap: bigint;
  /**
   * The most one request may add to what the provider has charged so far. Default: the price for
   * per-request sessions; 1,000 tokens' worth for per-token sessions (the node stops streaming when
   * the voucher runs out; what is not used is credited to the next request).
   */
  maxPerRequest?: bigint | undefined;
  /** Resume after a restart: the last voucher signed for this session, and what the node had charged. */
  resume?: { cumulativeAmount: bigint; requestCount: bigint; charged?: bigint | undefined } | undefined;
  /** The fetch to send requests with. Default `globalThis.fetch`. */
  fetch?: typeof globalThis.fetch | undefined;
  /** Called with each verified attestation (e.g. to store it). */
  onAttestation?: ((attestation: SessionAttestationRecord) => void) | undefined;
}

/** A verified attestation, with the prompt and output it binds (what a dispute needs). */
export interface SessionAttestationRecord extends SessionAttestation {
  prompt: string;
  output: string;
}

export interface SessionClient {
  /**
   * A `fetch` that pays: pass it to the `openai` client (`new OpenAI({ baseURL, fetch: session.fetch, apiKey: "unused" })`).
   * Throws {@link SessionBudgetExceededError} before signing above the cap, {@link SessionPaymentRequiredError}
   * on a 402 a new voucher cannot fix, and {@link SessionAttestationInvalidError} (for a stream: while
   * reading it) when an answer is not attested by the provider's signer.
   */
  fetch: typeof globalThis.fetch;
  /** Every verified attestation, in the order the answers arrived. */
  readonly attestations: readonly SessionAttestationRecord[];
  /** The latest voucher signed (what the provider can settle at most), or undefined before the first. */
  latestVoucher(): Voucher | undefined;
  /** What the node says it has charged so far (cumulative), from its last answer. */
  charged(): bigint;
}

type Kind = "chat" | "completion";

/**
 * Creates a session client for one session with one provider. Every request gets the next
 * cumulative voucher (signed with `account`); a 402 that names a higher price is paid (retried) only
 * within `cap` and `maxPerRequest`. Each answer's attestation is checked against the provider's signer,
 * the session, the model, the prompt sent and the output received.
 *
 * @example
 * import OpenAI from "openai";
 * const session = createSessionClient({ sessionId, account: sessionKey, chainId, sessions, providerSigner, model, pricing: "request", price, cap: 100n * price });
 * const openai = new OpenAI({ baseURL: `${providerUrl}/v1`, apiKey: "unused", fetch: session.fetch });
 * const answer = await openai.chat.completions.create({ model, messages: [{ role: "user", content: "hello" }] });
 * console.log(answer.choices[0].message.content, session.attestations.at(-1));
 */
export function createSessionClient(parameters: CreateSessionClientParameters): SessionClient {
  const { sessionId, account, chainId, sessions, providerSigner, model, pricing, price, cap } = parameters;
  const baseFetch = parameters.fetch ?? globalThis.fetch.bind(globalThis);
  const maxPerRequest = parameters.maxPerRequest ?? price;
  const domain = sessionsDomain(chainId, sessions);
  // Digests with the domain separator computed once; a key account signs the digest itself (the
  // same signature as signTypedData), any other account signs the typed data.
  const digests = sessionDigests(chainId, sessions);
  const signsDigests = typeof account.sign === "function" && (account.source === "privateKey" || account.source === "hd");
  const attestations: SessionAttestationRecord[] = [];
  let signed = parameters.resume?.cumulativeAmount ?? 0n;
  let count = parameters.resume?.requestCount ?? 0n;
  let charged = parameters.resume?.charged ?? signed;
  let latest: Voucher | undefined;
  let unanswered: Voucher | undefined;

  const max = (a: bigint, b: bigint) => (a > b ? a : b);

  async function sign(cumulativeAmount: bigint, requestCount: bigint, askedBy: "client" | "provider"): Promise<Voucher> {
    if (cumulativeAmount > cap) throw new SessionBudgetExceededError({ sessionId, requested: cumulativeAmount, cap, askedBy });
    // Reserved before the await: concurrent requests each take their own count and amount.
    signed = max(signed, cumulativeAmount);
    count = max(count, requestCount);
    const message = { sessionId, cumulativeAmount, requestCount };
    const signature = signsDigests ? await account.sign!({ hash: toHex(digests.voucher(message)) }) : await account.signTypedData({ domain, types: voucherTypes, primaryType: "Voucher", message });
    const voucher = { cumulativeAmount, requestCount, signature };
    if (!latest || requestCount > latest.requestCount) latest = voucher;
    return voucher;
  }

  async function verify(attestation: SessionAttestation | undefined, requestIndex: bigint, prompt: string, output: string): Promise<SessionAttestationRecord> {
    const fail = (reason: string) => new SessionAttestationInvalidError({ sessionId, requestIndex, reason });
    if (!attestation) throw fail("the answer carries no attestation");
    if (attestation.requestIndex !== requestIndex) throw fail(`it is for request ${attestation.requestIndex}`);
    if (attestation.model.toLowerCase() !== model.toLowerCase()) throw fail(`it names model ${attestation.model}`);
    if (attestation.inputHash.toLowerCase() !== textHash(prompt)) throw fail("its inputHash is not the hash of the prompt sent");
    if (attestation.outputHash.toLowerCase() !== textHash(output)) throw fail("its outputHash is not the hash of the output received");
    const { signature, ...message } = attestation;
    let recovered: Address | undefined;
    try {
      recovered = await recoverAddress({ hash: digests.attestation(message), signature });
    } catch {
      recovered = undefined;
    }
    if (recovered?.toLowerCase() !== providerSigner.toLowerCase()) throw fail(`signed by ${recovered ?? "nobody"}, not the provider's signer ${providerSigner}`);
    const record = { ...attestation, prompt, output };
    attestations.push(record);
    parameters.onAttestation?.(record);
    return record;
  }

  const sessionFetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const kind: Kind | undefined = /\/chat\/completions(\?|$)/.test(url) ? "chat" : /\/completions(\?|$)/.test(url) ? "completion" : undefined;
    // Anything else (e.g. GET /v1/models) is not paid for.
    if (!kind || (init?.method ?? "GET").toUpperCase() !== "POST") return baseFetch(input, init);
    const text = typeof init?.body === "string" ? init.body : init?.body instanceof Uint8Array ? new TextDecoder().decode(init.body) : undefined;
    if (text === undefined) throw new TypeError("session.fetch: the request body must be a JSON string (as the openai client sends it)");
    const body = JSON.parse(text) as Record<string, unknown>;
    const prompt = sessionPromptOf(kind, body) ?? "";
    const stream = body.stream === true;

    // A voucher whose request got no answer (the connection broke, the node restarted) is sent
    // again: the node serves it if it never answered it, and sends the same answer if it did.
    let voucher = unanswered ?? (await sign(max(signed, charged + maxPerRequest), count + 1n, "client"));
    unanswered = undefined;
    for (let attempt = 0; ; attempt++) {
      const headers = new Headers(init?.headers);
      headers.set(SESSION_HEADER, sessionId);
      headers.set(VOUCHER_HEADER, formatVoucher(voucher));
      let response: Response;
      try {
        response = await baseFetch(input, { ...init, headers });
      } catch (error) {
        unanswered = voucher;
        throw error;
      }
      if (response.status >= 500) unanswered = voucher;
      if (response.status !== 402) return response.ok ? attested(response, voucher, prompt, stream, kind) : response;
      const refusal = (await response.json().catch(() => undefined)) as PaymentRequiredBody | undefined;
      const next = refusal?.error?.next;
      if (!next || attempt >= 2) throw new SessionPaymentRequiredError({ sessionId, body: refusal });
      const nodeCharged = BigInt(refusal.error.session?.charged ?? "0");
      charged = max(charged, nodeCharged);
      const amount = BigInt(next.cumulativeAmount);
      // Whatever the provider asks: never above the cap, and never more than one request's worth beyond what it has charged.
      if (amount > cap || amount > max(signed, nodeCharged) + maxPerRequest) {
        throw amount > cap
          ? new SessionBudgetExceededError({ sessionId, requested: amount, cap, askedBy: "provider" })
          : new SessionPaymentRequiredError({ sessionId, body: refusal });
      }
      voucher = await sign(amount, max(BigInt(next.requestCount), count + 1n), "provider");
    }
  };

  function noteCharged(value: string | null | undefined) {
    if (value && /^\d{1,78}$/.test(value)) charged = max(charged, BigInt(value));
  }

  async function attested(response: Response, voucher: Voucher, prompt: string, stream: boolean, kind: Kind): Promise<Response> {
    const requestIndex = voucher.requestCount - 1n;
    noteCharged(response.headers.get(CHARGED_HEADER));
    if (!stream) {
      const text = await response.text();
      const json = JSON.parse(text) as { choices?: { message?: { content?: string }; text?: string }[] };
      const output = kind === "chat" ? (json.choices?.[0]?.message?.content ?? "") : (json.choices?.[0]?.text ?? "");
      await verify(parseAttestation(sessionId, response.headers.get(ATTESTATION_HEADER)), requestIndex, prompt, output);
      return new Response(text, { status: response.status, statusText: response.statusText, headers: response.headers });
    }
    // A stream: passed through as it arrives; the attestation comes as an SSE comment before [DONE],
    // and is checked against the text streamed before the stream ends.
    const decoder = new TextDecoder();
    let buffer = "";
    let output = "";
    let attestation: SessionAttestation | undefined;
    const onLine = (line: string) => {
      if (line.startsWith(ATTESTATION_SSE_PREFIX)) {
        const value = line.slice(ATTESTATION_SSE_PREFIX.length);
        attestation = parseAttestation(sessionId, value);
        noteCharged(/charged=(\d+)/.exec(value)?.[1]);
      } else if (line.startsWith("data: ") && line !== "data: [DONE]") {
        try {
          const chunk = JSON.parse(line.slice(6)) as { choices?: { delta?: { content?: string }; text?: string }[] };
          output += (kind === "chat" ? chunk.choices?.[0]?.delta?.content : chunk.choices?.[0]?.text) ?? "";
        } catch {
          // not JSON: not ours to judge; the attestation check below fails if the text differs
        }
      }
    };
    let verified = false;
    // Checked when `[DONE]` arrives, before it is passed on: a reader (the openai client) stops there.
    const check = async () => {
      if (verified) return;
      verified = true;
      await verify(attestation, requestIndex, prompt, output);
    };
    const transform = new TransformStream<Uint8Array, Uint8Array>({
      async transform(chunk, controller) {
        buffer += decoder.decode(chunk, { stream: true });
        let newline: number;
        let done = false;
        while ((newline = buffer.indexOf("\n")) >= 0) {
          const line = buffer.slice(0, newline).replace(/\r$/, "");
          buffer = buffer.slice(newline + 1);
          if (line === "data: [DONE]") done = true;
          else onLine(line);
        }
        if (done) await check();
        controller.enqueue(chunk);
      },
      async flush() {
        if (buffer && buffer !== "data: [DONE]") onLine(buffer);
        await check();
      },
    });
    // A stream that breaks, or ends, before its attestation (a node passing an upstream stream through
    // sends the headers before the text exists): paid for by this voucher but not answered, so the
    // voucher goes again with the next request, and the node serves it then.
    response.body!.pipeTo(transform.writable).catch(() => {
      if (!attestation) unanswered ??= voucher;
    });
    return new Response(transform.readable, { status: response.status, statusText: response.statusText, headers: response.headers });
  }

  return {
    fetch: sessionFetch as typeof globalThis.fetch,
    attestations,
    latestVoucher: () => latest,
    charged: () => charged,
  };
}
