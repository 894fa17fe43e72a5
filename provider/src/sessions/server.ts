// Node-only. The session server: the provider node's paid OpenAI-compatible endpoint
// (`POST /v1/chat/completions`, `POST /v1/completions`, `stream: true` included), mounted on the
// node's HTTP server. Each request carries a cumulative EIP-712 voucher (headers in depinfer's
// sessions/wire.ts); the node checks it before computing anything and answers 402 with the next
// voucher it would accept otherwise. Every accepted voucher, and every attestation, is journaled
// before the answer is sent (journal.ts). docs/provider-node.md, "Paid requests (sessions)".
import type { IncomingMessage, ServerResponse } from "node:http";

import { zeroAddress, type Address, type Hex, type LocalAccount } from "viem";

import {
  ATTESTATION_HEADER,
  attestationSseComment,
  CHARGED_HEADER,
  formatAttestation,
  isSessionId,
  parseVoucher,
  SESSION_HEADER,
  sessionPromptOf,
  textHash,
  VOUCHER_HEADER,
  type PaymentRequiredBody,
  type PaymentRequiredCode,
  type SessionAttestation,
  type Voucher,
} from "depinfer";
import type { InferenceBackend } from "../backends/types.js";
import type { Logger } from "../logger.js";
import { SESSION_STATUS, SessionLookupBusyError, type SessionView } from "./chain.js";
import { recoverSigner, sessionDigests, signDigest } from "./crypto.js";
import type { SessionJournal } from "./journal.js";
import { StreamNotStartedError, streamAnswer } from "./passthrough.js";

/** Where the crash tests stop the node: right after a voucher, or an attestation, is journaled. */
export type SessionStep = "voucher-journaled" | "attestation-journaled";

export interface SessionServerParameters {
  /** Reads sessions (cached) and the chain's clock. */
  reader: { get(sessionId: Hex, options?: { refresh?: boolean }): Promise<SessionView | undefined>; now(): number };
  journal: SessionJournal;
  /** The provider's registered account: sessions opened with another provider are refused. */
  provider: Address;
  /** The provider's signer key: it signs the attestations. */
  signer: LocalAccount;
  chainId: number;
  /** The PaymentSessions contract. */
  sessions: Address;
  /** The backend of each served model, by model id (lower case). */
  backends: ReadonlyMap<string, InferenceBackend>;
  logger?: Logger | undefined;
  /** Called after a voucher is accepted (the settler's value threshold). */
  onAccepted?: ((sessionId: Hex) => void) | undefined;
  /** Called synchronously right after a step is journaled (crash tests). */
  afterStep?: ((step: SessionStep, sessionId: Hex, requestIndex: bigint) => void) | undefined;
  /** The largest request body, in bytes. Default 1 MiB. */
  maxBodyBytes?: number | undefined;
}

/** A session's state in memory: the latest voucher and what is charged (answers given plus credit reserved for requests in flight). */
interface LiveSession {
  amount: bigint;
  count: bigint;
  signature: Hex | undefined;
  charged: bigint;
  /** Request indexes being served now (a retry of one of them is refused). */
  inFlight: Set<bigint>;
}

type Kind = "chat" | "completion";

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`HTTP ${status}`);
  }
}

const openaiError = (status: number, message: string, type: string, code: string | null = null) => new HttpError(status, { error: { message, type, code, param: null } });

/** Tokens of a text for billing: the built-in model's tokens are code points; other backends' are counted as 4 code points each (rounded up). */
function tokenizer(backend: InferenceBackend): (text: string) => string[] {
  if (backend.name.startsWith("builtin:")) return (text) => [...text];
  return (text) => {
    const points = [...text];
    const tokens: string[] = [];
    for (let i = 0; i < points.length; i += 4) tokens.push(points.slice(i, i + 4).join(""));
    return tokens;
  };
}

/**
 * The request handler of the session server: answers the paid endpoints and returns true, or
 * returns false for any other path (the output server then answers it).
 *
 * @example
 * const sessions = createSessionHandler({ reader, journal, provider, signer, chainId, sessions: address, backends });
 * await startOutputServer({ host, port, store, handle: sessions });
 */
export function createSessionHandler(parameters: SessionServerParameters): (request: IncomingMessage, response: ServerResponse) => boolean {
  const { reader, journal, provider, signer, chainId, backends, logger, onAccepted, afterStep, maxBodyBytes = 1024 * 1024 } = parameters;
  const digests = sessionDigests(chainId, parameters.sessions);
  const live = new Map<string, LiveSession>();

  const stateOf = (sessionId: Hex): LiveSession => {
    const key = sessionId.toLowerCase();
    let state = live.get(key);
    if (!state) {
      const record = journal.session(sessionId);
      state = { amount: record?.amount ?? 0n, count: record?.count ?? 0n, signature: record?.signature, charged: record?.charged ?? 0n, inFlight: new Set() };
      live.set(key, state);
    }
    return state;
  };

  /**
   * Drops a session's state from memory after a journal write failed or lost its compare-and-set:
   * the next request reads it again from the journal (what is on disk is what counts).
   */
  const forget = (sessionId: Hex, state: LiveSession) => {
    const key = sessionId.toLowerCase();
    if (live.get(key) === state) live.delete(key);
  };

  /** The cost of `tokens` tokens in a per-token session: `ceil(tokens × maxPrice / 1000)`. */
  const tokenCost = (session: SessionView, tokens: number) => (BigInt(tokens) * session.maxPrice + 999n) / 1000n;

  /** The most output tokens `reserved` pays for after `promptTokens` in a per-token session (the largest t with tokenCost(prompt + t) ≤ reserved). */
  const tokensWithin = (session: SessionView, promptTokens: number, reserved: bigint) => {
    if (session.maxPrice === 0n) return Infinity;
    const total = (reserved * 1000n) / session.maxPrice - BigInt(promptTokens);
    return total <= 0n ? 0 : total > BigInt(Number.MAX_SAFE_INTEGER) ? Infinity : Number(total);
  };

  const max = (a: bigint, b: bigint) => (a > b ? a : b);

  /** The voucher the node would accept next for `session`, given a request of `minCost`. */
  function nextVoucher(session: SessionView, state: LiveSession, minCost: bigint) {
    const amount = max(state.amount, state.charged + minCost);
    let count = state.count + 1n;
    // Per request, the contract caps a voucher at requestCount × maxPrice.
    if (session.pricing === "request" && session.maxPrice > 0n) count = max(count, (amount + session.maxPrice - 1n) / session.maxPrice);
    return { cumulativeAmount: amount.toString(), requestCount: count.toString() };
  }

  function refuse(code: PaymentRequiredCode, message: string, session?: SessionView, state?: LiveSession, minCost?: bigint): never {
    const body: PaymentRequiredBody = { error: { message, type: "payment_required", code } };
    if (session && state) {
      if (minCost !== undefined) body.error.next = nextVoucher(session, state, minCost);
      body.error.session = {
        escrow: session.escrow.toString(),
        acceptedAmount: state.amount.toString(),
        acceptedCount: state.count.toString(),
        charged: state.charged.toString(),
        price: session.maxPrice.toString(),
        pricing: session.pricing,
      };
    }
    throw new HttpError(402, body);
  }

  async function readBody(request: IncomingMessage): Promise<Record<string, unknown>> {
    const declared = Number(request.headers["content-length"] ?? NaN);
    if (declared > maxBodyBytes) throw openaiError(413, `the request body is larger than ${maxBodyBytes} bytes`, "invalid_request_error");
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of request as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBodyBytes) throw openaiError(413, `the request body is larger than ${maxBodyBytes} bytes`, "invalid_request_error");
      chunks.push(chunk);
    }
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown;
      if (!body || typeof body !== "object" || Array.isArray(body)) throw new Error("not an object");
      return body as Record<string, unknown>;
    } catch {
      throw openaiError(400, "the request body is not a JSON object", "invalid_request_error");
    }
  }

  async function serve(kind: Kind, request: IncomingMessage, response: ServerResponse) {
    const body = await readBody(request);
    const prompt = sessionPromptOf(kind, body);
    if (prompt === undefined) throw openaiError(400, kind === "chat" ? "`messages` must be a non-empty array" : "`prompt` must be a string", "invalid_request_error");
    const stream = body.stream === true;
    const maxTokens = typeof body.max_tokens === "number" && body.max_tokens >= 0 ? body.max_tokens : typeof body.max_completion_tokens === "number" ? body.max_completion_tokens : Infinity;

    // ---- the voucher and the session, checked before anything is computed
    const sessionId = request.headers[SESSION_HEADER];
    const voucherHeader = request.headers[VOUCHER_HEADER];
    if (typeof sessionId !== "string" || typeof voucherHeader !== "string")
      refuse("voucher_missing", `send the session id in X-Depinfer-Session and a signed voucher in X-Depinfer-Voucher (docs/provider-node.md)`);
    if (!isSessionId(sessionId)) refuse("voucher_malformed", "X-Depinfer-Session is not a session id (0x and 64 hex digits)");
    const voucher = parseVoucher(voucherHeader);
    if (!voucher) refuse("voucher_malformed", "X-Depinfer-Voucher is not `cumulativeAmount=<int>; requestCount=<int>; signature=<0x, 65 bytes>`");
    let session: SessionView | undefined;
    try {
      session = await reader.get(sessionId);
    } catch (error) {
      if (error instanceof SessionLookupBusyError) throw openaiError(503, "too many unknown sessions are being looked up: retry later", "server_error");
      logger?.warn("session server: reading a session failed", { sessionId, err: (error as Error).message });
      throw openaiError(502, "the node could not read the session from the chain: retry later", "server_error");
    }
    if (!session) refuse("session_unknown", `no session ${sessionId} on this PaymentSessions contract (chain ${chainId})`);
    const state = stateOf(sessionId);
    if (session.provider.toLowerCase() !== provider.toLowerCase()) refuse("session_wrong_provider", `session ${sessionId} is with provider ${session.provider}, not ${provider}`, session, state);
    if (session.status !== SESSION_STATUS.Open) refuse("session_not_open", `session ${sessionId} is ${session.status === SESSION_STATUS.Slashed ? "slashed" : "closed"}`, session, state);
    const now = reader.now();
    if (now >= session.expiry) refuse("session_expired", `session ${sessionId} expired at ${session.expiry} (chain time now ${now})`, session, state);
    const backend = backends.get(session.model.toLowerCase());
    if (!backend) refuse("session_wrong_model", `this node does not serve the session's model ${session.model}`, session, state);
    if (typeof body.model === "string" && body.model.toLowerCase() !== session.model.toLowerCase() && body.model !== backend.name)
      refuse("session_wrong_model", `the session is for model ${session.model}; ask for it (as \`model\`), not ${body.model}`, session, state);

    const tokens = tokenizer(backend);
    const promptTokens = tokens(prompt).length;
    const minCost = session.pricing === "request" ? session.maxPrice : tokenCost(session, promptTokens + 1);
    const signerOk = await signedBySession(sessionId, voucher, session, now);
    if (!signerOk) refuse("signature_invalid", `the voucher is not signed by the session's client ${session.client} or its session key (for chain ${chainId} and this PaymentSessions contract)`, session, state, minCost);

    // A voucher above the escrow: read the session again (it may have been topped up) before refusing.
    if (voucher.cumulativeAmount > session.escrow) {
      session = (await reader.get(sessionId, { refresh: true })) ?? session;
      if (voucher.cumulativeAmount > session.escrow)
        refuse("escrow_exhausted", `the voucher (${voucher.cumulativeAmount}) is above the session's escrow (${session.escrow}): top up the session`, session, state, minCost);
    }

    // ---- accept: synchronous from here to the journal write, so concurrent requests see each other
    const requestIndex = voucher.requestCount - 1n;
    let reserved: bigint;
    const retry = voucher.requestCount === state.count && voucher.signature === state.signature && voucher.cumulativeAmount === state.amount;
    if (retry) {
      // The same voucher again: the client did not get the answer (the node crashed, the connection
      // broke, or the backend failed). An answered request gets the very answer it was given (the
      // same attestation: never a second one for its index); an unanswered one is served now.
      const recorded = journal.request(sessionId, requestIndex);
      if (!recorded || state.inFlight.has(requestIndex) || (recorded.signature && (recorded.inputHash !== textHash(prompt) || recorded.output === undefined)))
        refuse("voucher_not_increasing", `voucher ${voucher.requestCount} was used already: the next voucher must be for request count ${state.count + 1n} or more`, session, state, minCost);
      if (recorded.signature) {
        const delivered = tokens(recorded.output!);
        const attestation: SessionAttestation = { sessionId, requestIndex, model: session.model, inputHash: recorded.inputHash!, outputHash: recorded.outputHash!, signature: recorded.signature };
        return respond(response, { kind, stream, body, model: typeof body.model === "string" ? body.model : session.model, sessionId, requestIndex, delivered, text: recorded.output!, finish: recorded.finish ?? "stop", promptTokens, attestation, charged: state.charged });
      }
      reserved = recorded.reserved;
    } else {
      if (voucher.requestCount <= state.count || voucher.cumulativeAmount < state.amount)
        refuse("voucher_not_increasing", `the voucher (amount ${voucher.cumulativeAmount}, count ${voucher.requestCount}) does not increase on the last one accepted (amount ${state.amount}, count ${state.count})`, session, state, minCost);
      if (voucher.cumulativeAmount - state.charged < minCost)
        refuse("voucher_too_low", `the voucher leaves ${voucher.cumulativeAmount - state.charged} after what is charged (${state.charged}); this request costs ${minCost}${session.pricing === "1k-tokens" ? " at least" : ""}`, session, state, minCost);
      if (session.pricing === "request" && voucher.cumulativeAmount > voucher.requestCount * session.maxPrice)
        refuse("voucher_above_price", `the voucher (${voucher.cumulativeAmount}) is above ${voucher.requestCount} requests × ${session.maxPrice}, which the contract would refuse to settle`, session, state, minCost);
      reserved = session.pricing === "request" ? session.maxPrice : voucher.cumulativeAmount - state.charged;
      // Taken in memory at once (the next request checks against it), on disk before anything is computed.
      state.amount = voucher.cumulativeAmount;
      state.count = voucher.requestCount;
      state.signature = voucher.signature;
      state.charged += reserved;
      state.inFlight.add(requestIndex);
      let recorded: boolean;
      try {
        recorded = await journal.accept(sessionId, { amount: voucher.cumulativeAmount, count: voucher.requestCount, signature: voucher.signature }, state.charged, reserved, session.expiry);
      } catch (error) {
        forget(sessionId, state);
        throw error;
      }
      if (!recorded) {
        forget(sessionId, state);
        refuse("voucher_not_increasing", "another voucher with this request count was accepted first", session, stateOf(sessionId), minCost);
      }
      afterStep?.("voucher-journaled", sessionId, requestIndex);
      onAccepted?.(sessionId);
    }
    state.inFlight.add(requestIndex);
    /**
     * Signs the attestation of `text`, gives back to the session's credit what the request did not use
     * of its reservation (per-token, in memory at once) and journals the answer. Undefined when the
     * request was answered already (its state is then read again from the journal).
     */
    const attestAndRecord = async (text: string, finish: "stop" | "length", cost: bigint): Promise<{ attestation: SessionAttestation; charged: bigint } | undefined> => {
      const message = { sessionId, requestIndex, model: session.model, inputHash: textHash(prompt), outputHash: textHash(text) };
      const attestation: SessionAttestation = { ...message, signature: await signDigest(signer, digests.attestation(message)) };
      state.charged -= reserved - cost;
      const charged = state.charged;
      let recorded: boolean;
      try {
        recorded = await journal.answer(sessionId, requestIndex, attestation, { output: text, finish }, charged);
      } catch (error) {
        forget(sessionId, state);
        throw error;
      }
      if (!recorded) {
        forget(sessionId, state);
        return undefined;
      }
      afterStep?.("attestation-journaled", sessionId, requestIndex);
      return { attestation, charged };
    };
    try {
      if (stream && backend.stream) {
        // ---- a backend that streams: its chunks passed on as they arrive (passthrough.ts)
        const answered = await streamAnswer({
          request: { kind, body, model: typeof body.model === "string" ? body.model : session.model, sessionId, requestIndex, prompt, promptTokens },
          response,
          chunks: (signal) => backend.stream!(new TextEncoder().encode(prompt), { signal }),
          tokenSize: backend.name.startsWith("builtin:") ? 1 : 4,
          maxTokens: session.pricing === "1k-tokens" ? Math.min(maxTokens, tokensWithin(session, promptTokens, reserved)) : maxTokens,
          attest: async (text, finish, tokensSent) => {
            const cost = session.pricing === "1k-tokens" ? tokenCost(session, promptTokens + tokensSent) : session.maxPrice;
            const answered = await attestAndRecord(text, finish, cost);
            if (!answered) throw new Error("this request was answered already");
            return answered;
          },
          headers: { "cache-control": "no-store" },
          logger,
        }).catch((error: unknown) => {
          if (!(error instanceof StreamNotStartedError)) throw error;
          logger?.warn("session server: inference failed; the voucher stays valid for a retry", { sessionId, requestIndex, err: error.message });
          throw openaiError(502, "inference failed: retry with the same voucher", "server_error");
        });
        if (!answered) logger?.warn("session server: a stream stopped before its attestation; the voucher stays valid for a retry", { sessionId, requestIndex });
        return;
      }
      // ---- compute, bill, attest (journaled), answer
      const input = new TextEncoder().encode(prompt);
      const abort = new AbortController();
      request.on("close", () => !response.writableEnded && abort.abort(new Error("the client went away")));
      let output: string;
      try {
        output = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true }).decode(await backend.infer(input, { signal: abort.signal }));
      } catch (error) {
        logger?.warn("session server: inference failed; the voucher stays valid for a retry", { sessionId, requestIndex, err: (error as Error).message });
        throw openaiError(502, "inference failed: retry with the same voucher", "server_error");
      }
      const outTokens = tokens(output);
      let allowed = Math.min(outTokens.length, maxTokens);
      let cost = session.maxPrice;
      if (session.pricing === "1k-tokens") {
        // Per-token billing: stop where the voucher runs out.
        while (allowed > 0 && tokenCost(session, promptTokens + allowed) > reserved) allowed--;
        cost = tokenCost(session, promptTokens + allowed);
      }
      const delivered = outTokens.slice(0, allowed);
      const text = delivered.join("");
      const finish = allowed < outTokens.length ? "length" : "stop";
      const answered = await attestAndRecord(text, finish, cost);
      if (!answered) throw openaiError(409, "this request was answered already", "invalid_request_error");
      const { attestation, charged } = answered;
      respond(response, { kind, stream, body, model: typeof body.model === "string" ? body.model : session.model, sessionId, requestIndex, delivered, text, finish, promptTokens, attestation, charged });
    } finally {
      state.inFlight.delete(requestIndex);
    }
  }

  async function signedBySession(sessionId: Hex, voucher: Voucher, session: SessionView, now: number): Promise<boolean> {
    const recovered = await recoverSigner(digests.voucher({ sessionId, cumulativeAmount: voucher.cumulativeAmount, requestCount: voucher.requestCount }), voucher.signature);
    if (!recovered) return false;
    const r = recovered.toLowerCase();
    if (r === session.client.toLowerCase()) return true;
    if (session.signer !== zeroAddress && r === session.signer.toLowerCase()) return true;
    return session.prevSigner !== zeroAddress && r === session.prevSigner.toLowerCase() && now <= session.prevSignerUntil;
  }

  return (request, response) => {
    const path = (request.url ?? "/").split("?")[0];
    const kind: Kind | undefined = path === "/v1/chat/completions" ? "chat" : path === "/v1/completions" ? "completion" : undefined;
    if (!kind && !path?.startsWith("/v1/")) return false;
    const send = (status: number, body: unknown) => {
      if (response.headersSent || response.writableEnded) return;
      response.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
      response.end(JSON.stringify(body));
    };
    if (!kind) {
      send(404, { error: { message: "paid endpoints: POST /v1/chat/completions and POST /v1/completions", type: "invalid_request_error", code: null, param: null } });
      return true;
    }
    if (request.method !== "POST") {
      send(405, { error: { message: "use POST", type: "invalid_request_error", code: null, param: null } });
      return true;
    }
    serve(kind, request, response).catch((error: unknown) => {
      if (error instanceof HttpError) return send(error.status, error.body);
      logger?.error("session server: request failed", { err: error });
      if (response.headersSent) response.destroy();
      else send(500, { error: { message: "internal error", type: "server_error", code: null, param: null } });
    });
    return true;
  };
}

interface Answer {
  kind: Kind;
  stream: boolean;
  body: Record<string, unknown>;
  model: string;
  sessionId: Hex;
  requestIndex: bigint;
  delivered: string[];
  text: string;
  finish: "stop" | "length";
  promptTokens: number;
  attestation: SessionAttestation;
  charged: bigint;
}

function respond(response: ServerResponse, a: Answer) {
  const id = `${a.kind === "chat" ? "chatcmpl" : "cmpl"}-${a.sessionId.slice(2, 18)}-${a.requestIndex}`;
  const created = Math.floor(Date.now() / 1000);
  const usage = { prompt_tokens: a.promptTokens, completion_tokens: a.delivered.length, total_tokens: a.promptTokens + a.delivered.length };
  const headers = { "cache-control": "no-store", [CHARGED_HEADER]: a.charged.toString(), [ATTESTATION_HEADER]: formatAttestation(a.attestation) };
  if (!a.stream) {
    const body =
      a.kind === "chat"
        ? { id, object: "chat.completion", created, model: a.model, choices: [{ index: 0, message: { role: "assistant", content: a.text, refusal: null }, finish_reason: a.finish, logprobs: null }], usage }
        : { id, object: "text_completion", created, model: a.model, choices: [{ index: 0, text: a.text, finish_reason: a.finish, logprobs: null }], usage };
    response.writeHead(200, { ...headers, "content-type": "application/json" });
    response.end(JSON.stringify(body));
    return;
  }
  // Server-sent events, as OpenAI streams them: one chunk per token, then the finish reason; the
  // attestation follows as an SSE comment (which SSE parsers skip), then `data: [DONE]`.
  const object = a.kind === "chat" ? "chat.completion.chunk" : "text_completion";
  const chunk = (choice: Record<string, unknown>) => `data: ${JSON.stringify({ id, object, created, model: a.model, choices: [{ index: 0, ...choice }] })}\n\n`;
  // One chunk per token: the same bytes as `chunk(...)`, with only the token serialized each time.
  const head = `data: ${JSON.stringify({ id, object, created, model: a.model }).slice(0, -1)},"choices":[{"index":0,${a.kind === "chat" ? '"delta":{"content":' : '"text":'}`;
  const tail = `${a.kind === "chat" ? "}" : ""},"finish_reason":null,"logprobs":null}]}\n\n`;
  const parts: string[] = [];
  if (a.kind === "chat") parts.push(chunk({ delta: { role: "assistant", content: "" }, finish_reason: null, logprobs: null }));
  for (const token of a.delivered) parts.push(head + JSON.stringify(token) + tail);
  parts.push(chunk(a.kind === "chat" ? { delta: {}, finish_reason: a.finish, logprobs: null } : { text: "", finish_reason: a.finish, logprobs: null }));
  const streamOptions = a.body.stream_options as { include_usage?: unknown } | undefined;
  if (streamOptions?.include_usage === true) parts.push(`data: ${JSON.stringify({ id, object, created, model: a.model, choices: [], usage })}\n\n`);
  parts.push(attestationSseComment(a.attestation, a.charged), "data: [DONE]\n\n");
  response.writeHead(200, { ...headers, "content-type": "text/event-stream", connection: "keep-alive" });
  response.end(parts.join(""));
}
