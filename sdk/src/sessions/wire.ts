// The HTTP wire format of a payment session between a client and a provider node's
// OpenAI-compatible endpoint (docs/provider-node.md, "Paid requests"). Shared by the SDK's session
// client and the node, so both derive the same prompt, the same hashes and the same headers.
import type { Hex } from "viem";

import { contentHash } from "../utils/content.js";

/** Request header: the session id (`0x` + 64 hex digits). */
export const SESSION_HEADER = "x-depinfer-session";
/** Request header: the voucher, `cumulativeAmount=<int>; requestCount=<int>; signature=<0x…65 bytes>`. */
export const VOUCHER_HEADER = "x-depinfer-voucher";
/** Response header (non-streaming): the provider's attestation, `requestIndex=…; model=…; inputHash=…; outputHash=…; signature=…`. */
export const ATTESTATION_HEADER = "x-depinfer-attestation";
/** Response header: what the node has charged the session so far (cumulative, token units), after this request. */
export const CHARGED_HEADER = "x-depinfer-charged";
/** The SSE comment that carries the attestation at the end of a stream (SSE parsers, the `openai` client's included, skip comments). */
export const ATTESTATION_SSE_PREFIX = ": depinfer-attestation ";

/** A client's voucher: the cumulative amount it pays for the first `requestCount` requests of a session. */
export interface Voucher {
  cumulativeAmount: bigint;
  requestCount: bigint;
  signature: Hex;
}

/** A provider's signed answer to request `requestIndex` (0-based) of a session. */
export interface SessionAttestation {
  sessionId: Hex;
  requestIndex: bigint;
  model: Hex;
  inputHash: Hex;
  outputHash: Hex;
  signature: Hex;
}

/** Why a node refused a request with HTTP 402 (the `code` of its error). */
export type PaymentRequiredCode =
  | "voucher_missing"
  | "voucher_malformed"
  | "signature_invalid"
  | "session_unknown"
  | "session_not_open"
  | "session_expired"
  | "session_wrong_provider"
  | "session_wrong_model"
  | "voucher_not_increasing"
  | "voucher_too_low"
  | "voucher_above_price"
  | "escrow_exhausted";

/** The JSON body of a 402 answer: OpenAI's error shape, plus what the next voucher must be. */
export interface PaymentRequiredBody {
  error: {
    message: string;
    type: "payment_required";
    code: PaymentRequiredCode;
    /** The voucher the node would accept next (amounts as decimal strings), when one can be. */
    next?: { cumulativeAmount: string; requestCount: string } | undefined;
    /** The session as the node sees it (decimal strings), when it knows it. */
    session?: { escrow: string; acceptedAmount: string; acceptedCount: string; charged: string; price: string; pricing: "request" | "1k-tokens" } | undefined;
  };
}

const HEX32 = /^0x[0-9a-fA-F]{64}$/;
const HEX65 = /^0x[0-9a-fA-F]{130}$/;
const UINT = /^\d{1,78}$/;

function fields(header: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0) map.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return map;
}

/** `X-Depinfer-Voucher`'s value for `voucher`. */
export function formatVoucher({ cumulativeAmount, requestCount, signature }: Voucher): string {
  return `cumulativeAmount=${cumulativeAmount}; requestCount=${requestCount}; signature=${signature}`;
}

/** Parses an `X-Depinfer-Voucher` value; undefined when it is malformed (e.g. not 65 signature bytes). */
export function parseVoucher(header: string | undefined | null): Voucher | undefined {
  if (!header || header.length > 512) return undefined;
  const f = fields(header);
  const amount = f.get("cumulativeAmount");
  const count = f.get("requestCount");
  const signature = f.get("signature");
  if (!amount || !UINT.test(amount) || !count || !UINT.test(count) || !signature || !HEX65.test(signature)) return undefined;
  const requestCount = BigInt(count);
  const cumulativeAmount = BigInt(amount);
  if (requestCount >= 2n ** 64n || cumulativeAmount >= 2n ** 256n) return undefined;
  return { cumulativeAmount, requestCount, signature: signature as Hex };
}

/** Whether `value` is a session id (`0x` + 64 hex digits). */
export function isSessionId(value: string | undefined | null): value is Hex {
  return typeof value === "string" && HEX32.test(value);
}

/** The attestation as a header value (without the session id, which the request named). */
export function formatAttestation(a: SessionAttestation): string {
  return `requestIndex=${a.requestIndex}; model=${a.model}; inputHash=${a.inputHash}; outputHash=${a.outputHash}; signature=${a.signature}`;
}

/** Parses an `X-Depinfer-Attestation` value for `sessionId`; undefined when malformed. */
export function parseAttestation(sessionId: Hex, header: string | undefined | null): SessionAttestation | undefined {
  if (!header) return undefined;
  const f = fields(header);
  const index = f.get("requestIndex");
  const [model, inputHash, outputHash] = [f.get("model"), f.get("inputHash"), f.get("outputHash")];
  const signature = f.get("signature");
  if (!index || !UINT.test(index) || ![model, inputHash, outputHash].every((h) => h && HEX32.test(h)) || !signature || !HEX65.test(signature)) return undefined;
  return { sessionId, requestIndex: BigInt(index), model: model as Hex, inputHash: inputHash as Hex, outputHash: outputHash as Hex, signature: signature as Hex };
}

/** The SSE comment line (with its blank line) carrying an attestation and the charged total at the end of a stream. */
export function attestationSseComment(a: SessionAttestation, charged: bigint): string {
  return `${ATTESTATION_SSE_PREFIX}${formatAttestation(a)}; charged=${charged}\n\n`;
}

type ChatMessage = { role?: unknown; content?: unknown };

/** The text of a chat message's content (a string, or the text parts of an array of parts). */
function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((p) => (p && typeof p === "object" && (p as { type?: unknown }).type === "text" ? String((p as { text?: unknown }).text ?? "") : "")).join("");
  return "";
}

/**
 * The prompt a node runs for an OpenAI request body: for `/v1/completions` its `prompt` (a string,
 * or the first of an array); for `/v1/chat/completions` the content of a single message, or each
 * message as a `role: content` line. The attestation's `inputHash` is `contentHash` of this text, so
 * anyone holding the request can recompute it. Undefined when the body has no prompt.
 *
 * @example
 * sessionPromptOf("chat", { model, messages: [{ role: "user", content: "hello" }] }) // "hello"
 */
export function sessionPromptOf(kind: "chat" | "completion", body: Record<string, unknown>): string | undefined {
  if (kind === "completion") {
    const prompt = Array.isArray(body.prompt) ? body.prompt[0] : body.prompt;
    return typeof prompt === "string" ? prompt : undefined;
  }
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) return undefined;
  if (messages.length === 1) return textOf((messages[0] as ChatMessage)?.content);
  return messages.map((m: ChatMessage) => `${typeof m?.role === "string" ? m.role : "user"}: ${textOf(m?.content)}`).join("\n");
}

/** `contentHash` of the UTF-8 text: what an attestation's `inputHash` and `outputHash` bind. */
export function textHash(text: string): Hex {
  return contentHash(new TextEncoder().encode(text));
}
