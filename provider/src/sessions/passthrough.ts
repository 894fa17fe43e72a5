// Node-only. A streamed answer (`stream: true`) from a backend that streams (an OpenAI-compatible
// server): each upstream chunk is passed on to the client as it arrives, in the session server's
// SSE framing, until the upstream ends or the voucher's credit runs out (per-token billing: the
// stream is cut there, finish_reason "length"). Then the attestation, over exactly the text sent, is
// signed and journaled, and only then sent (an SSE comment before `data: [DONE]`). The voucher was
// journaled before the first chunk (server.ts). A stream that breaks before its attestation leaves
// the request unanswered in the journal: the same voucher is served again.
import type { ServerResponse } from "node:http";

import { attestationSseComment, type SessionAttestation } from "depinfer";
import type { Hex } from "viem";

import type { Logger } from "../logger.js";

export interface StreamedRequest {
  kind: "chat" | "completion";
  body: Record<string, unknown>;
  /** The model name the answer carries. */
  model: string;
  sessionId: Hex;
  requestIndex: bigint;
  prompt: string;
  promptTokens: number;
}

export interface StreamAnswerParameters {
  request: StreamedRequest;
  response: ServerResponse;
  /** The backend's stream of text (aborting the signal cancels it). */
  chunks: (signal: AbortSignal) => AsyncIterable<string>;
  /** Code points per billed token (1 for the built-in model, 4 for other backends, as the server bills them). */
  tokenSize: number;
  /** The most output tokens to send: what the voucher pays for, and the request's `max_tokens`. */
  maxTokens: number;
  /** Signs and journals the attestation of `text` (what was sent); resolves once it is on disk. */
  attest: (text: string, finish: "stop" | "length", tokensSent: number) => Promise<{ attestation: SessionAttestation; charged: bigint }>;
  /** Headers of the answer besides its content type. */
  headers: Record<string, string>;
  logger?: Logger | undefined;
}

/** Thrown before the first byte is sent: the backend failed or sent nothing (the caller answers 502; the voucher stays valid). */
export class StreamNotStartedError extends Error {
  constructor(readonly reason: unknown) {
    super(`the backend's stream failed before its first chunk: ${reason instanceof Error ? reason.message : String(reason)}`);
  }
}

/**
 * Streams the backend's answer to the client as it arrives, billed as it goes, and attests it at the
 * end. Resolves true once the attestation and `[DONE]` are sent; false if the stream broke after it
 * started (the client went away, or the backend failed mid-stream: the response is destroyed, no
 * attestation is given). Rejects with {@link StreamNotStartedError} when nothing was sent yet.
 *
 * @example
 * await streamAnswer({ request, response, chunks: (signal) => backend.stream!(input, { signal }), tokenSize: 4, maxTokens, attest, headers });
 */
export async function streamAnswer(parameters: StreamAnswerParameters): Promise<boolean> {
  const { request: r, response, tokenSize, maxTokens, attest, headers, logger } = parameters;
  const id = `${r.kind === "chat" ? "chatcmpl" : "cmpl"}-${r.sessionId.slice(2, 18)}-${r.requestIndex}`;
  const created = Math.floor(Date.now() / 1000);
  const object = r.kind === "chat" ? "chat.completion.chunk" : "text_completion";
  const chunk = (choice: Record<string, unknown>) => `data: ${JSON.stringify({ id, object, created, model: r.model, choices: [{ index: 0, ...choice }] })}\n\n`;
  const head = `data: ${JSON.stringify({ id, object, created, model: r.model }).slice(0, -1)},"choices":[{"index":0,${r.kind === "chat" ? '"delta":{"content":' : '"text":'}`;
  const tail = `${r.kind === "chat" ? "}" : ""},"finish_reason":null,"logprobs":null}]}\n\n`;

  const abort = new AbortController();
  const gone = new Error("the client went away");
  const onClose = () => !response.writableFinished && abort.abort(gone);
  response.on("close", onClose);
  let started = false;
  const start = () => {
    started = true;
    response.writeHead(200, { ...headers, "content-type": "text/event-stream", connection: "keep-alive" });
    // Each event on the wire at once (no Nagle delay between tokens).
    response.socket?.setNoDelay(true);
    if (r.kind === "chat") response.write(chunk({ delta: { role: "assistant", content: "" }, finish_reason: null, logprobs: null }));
  };
  const write = async (data: string) => {
    if (response.write(data)) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        response.off("drain", done);
        response.off("close", done);
        resolve();
      };
      response.once("drain", done);
      response.once("close", done);
    });
  };

  const limit = maxTokens * tokenSize; // in code points (Infinity × n = Infinity)
  let sent = 0;
  let text = "";
  let cut = false;
  try {
    try {
      for await (const delta of parameters.chunks(abort.signal)) {
        let piece = delta;
        const points = [...delta];
        if (sent + points.length > limit) {
          // The voucher (or max_tokens) ends inside this chunk: send what it pays for, and stop.
          piece = points.slice(0, Math.max(0, limit - sent)).join("");
          cut = true;
        }
        if (piece) {
          if (!started) start();
          sent += cut ? [...piece].length : points.length;
          text += piece;
          await write(head + JSON.stringify(piece) + tail);
        }
        if (cut || abort.signal.aborted) break;
      }
      if (abort.signal.aborted) throw abort.signal.reason;
    } catch (error) {
      if (!started && error !== gone) throw new StreamNotStartedError(error);
      if (error !== gone) logger?.warn("session server: the backend's stream failed mid-answer", { sessionId: r.sessionId, requestIndex: r.requestIndex, err: (error as Error).message });
      response.destroy();
      return false;
    }
    if (!started && !cut) throw new StreamNotStartedError(new Error("the backend's stream had no content"));
    const finish = cut ? "length" : "stop";
    const tokensSent = Math.ceil(sent / tokenSize);
    // On the disk before it is sent (the caller's attest journals it).
    const { attestation, charged } = await attest(text, finish, tokensSent);
    if (!started) start();
    const parts = [chunk(r.kind === "chat" ? { delta: {}, finish_reason: finish, logprobs: null } : { text: "", finish_reason: finish, logprobs: null })];
    const streamOptions = r.body.stream_options as { include_usage?: unknown } | undefined;
    if (streamOptions?.include_usage === true)
      parts.push(`data: ${JSON.stringify({ id, object, created, model: r.model, choices: [], usage: { prompt_tokens: r.promptTokens, completion_tokens: tokensSent, total_tokens: r.promptTokens + tokensSent } })}\n\n`);
    parts.push(attestationSseComment(attestation, charged), "data: [DONE]\n\n");
    response.end(parts.join(""));
    return true;
  } finally {
    response.off("close", onClose);
  }
}
