// Node-only. Streaming from an OpenAI-compatible server: `POST /v1/chat/completions` with
// `stream: true`, its server-sent events parsed as they arrive and each chunk's text yielded at once
// (the session server passes them on to its client: provider/src/sessions/server.ts).
import {
  InferenceBackendHttpError,
  InferenceBackendNetworkError,
  InferenceBackendResponseError,
  InferenceBackendTimeoutError,
  InferenceBackendTooLargeError,
  isRetryableStatus,
} from "./errors.js";
import { callControl } from "./call.js";
import type { InferOptions } from "./types.js";

export interface ChatStreamParameters {
  /** `${baseUrl}/v1/chat/completions`. */
  url: string;
  headers: Record<string, string>;
  /** The request body without `stream` (added here). */
  body: Record<string, unknown>;
  fetch: typeof globalThis.fetch;
  /** The longest the whole stream may take, from the request to its last event. */
  timeoutMs: number;
  /** How many times a failure before the first byte of the answer (429, 408, 5xx, network error) is retried. */
  maxRetries: number;
  retryDelayMs: number;
  /** The most bytes read from the answer: a larger stream is cut off ({@link InferenceBackendTooLargeError}). */
  maxResponseBytes: number;
}

/** The text of one SSE `data:` payload of a chat completion stream ("" for a chunk without content); throws on an error event or a payload that is not a chunk. */
function contentOf(url: string, payload: string): string {
  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch (error) {
    throw new InferenceBackendResponseError({ url, reason: "a stream event is not valid JSON", body: payload, cause: error instanceof Error ? error : undefined });
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw new InferenceBackendResponseError({ url, reason: "a stream event is not a JSON object", body: payload });
  if ("error" in json) throw new InferenceBackendResponseError({ url, reason: "the server sent an error event in the stream", body: payload });
  const choices = (json as { choices?: unknown }).choices;
  if (!Array.isArray(choices)) throw new InferenceBackendResponseError({ url, reason: "a stream event has no choices array", body: payload });
  const first = choices[0] as { delta?: { content?: unknown } } | undefined;
  const content = first?.delta?.content;
  if (content === undefined || content === null) return "";
  if (typeof content !== "string") throw new InferenceBackendResponseError({ url, reason: "choices[0].delta.content is not a string", body: payload });
  return content;
}

/**
 * Streams a chat completion: yields the text of each upstream chunk as soon as it arrives, and
 * returns at `data: [DONE]` (or the end of the stream). Stopping the iteration early (`return()`,
 * `break`) or aborting `options.signal` cancels the upstream request at once. A failure before the
 * answer starts is retried like `infer`'s; a failure once it streams is thrown (the caller has
 * passed part of it on already). Errors as `infer`'s: {@link InferenceBackendHttpError},
 * {@link InferenceBackendResponseError}, {@link InferenceBackendTimeoutError},
 * {@link InferenceBackendNetworkError}, {@link InferenceBackendTooLargeError}.
 *
 * @example
 * for await (const text of streamChatCompletion(parameters, { signal })) response.write(text);
 */
export async function* streamChatCompletion(parameters: ChatStreamParameters, options: InferOptions = {}): AsyncGenerator<string, void, undefined> {
  const { url, headers, fetch: fetchFn, timeoutMs, maxRetries, retryDelayMs, maxResponseBytes } = parameters;
  const { signal } = options;
  signal?.throwIfAborted();
  const body = JSON.stringify({ ...parameters.body, stream: true });
  const { controller, abortError, backOff: wait, dispose } = callControl(url, timeoutMs, signal);
  const backOff = (attempt: number) => wait(retryDelayMs * 2 ** (attempt - 1));
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  try {
    let response: Response;
    for (let attempt = 1; ; attempt++) {
      const retriesLeft = attempt <= maxRetries;
      try {
        response = await fetchFn(url, { method: "POST", headers: { ...headers, accept: "text/event-stream" }, body, signal: controller.signal });
      } catch (error) {
        if (controller.signal.aborted) throw abortError();
        if (!retriesLeft) throw new InferenceBackendNetworkError({ url, attempts: attempt, cause: error instanceof Error ? error : undefined });
        await backOff(attempt);
        continue;
      }
      if (response.ok) break;
      const text = await response.text().catch(() => "");
      if (isRetryableStatus(response.status) && retriesLeft) {
        await backOff(attempt);
        continue;
      }
      throw new InferenceBackendHttpError({ url, status: response.status, statusText: response.statusText, body: text.slice(0, 4096), attempts: attempt });
    }
    if (!response.body) return;
    reader = response.body.getReader();
    const decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });
    let buffer = "";
    let size = 0;
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (error) {
        if (controller.signal.aborted) throw abortError();
        throw new InferenceBackendNetworkError({ url, attempts: 1, cause: error instanceof Error ? error : undefined });
      }
      if (chunk.done) break;
      size += chunk.value.byteLength;
      if (size > maxResponseBytes) throw new InferenceBackendTooLargeError({ url, maxResponseBytes, receivedBytes: size });
      buffer += decoder.decode(chunk.value, { stream: true });
      let newline: number;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, newline).replace(/\r$/, "");
        buffer = buffer.slice(newline + 1);
        if (!line.startsWith("data:")) continue; // comments, event names, blank separators
        const payload = line.slice(5).trim();
        if (payload === "[DONE]") return;
        const text = contentOf(url, payload);
        if (text) yield text;
      }
    }
    const rest = buffer.trim();
    if (rest.startsWith("data:") && rest.slice(5).trim() !== "[DONE]") {
      const text = contentOf(url, rest.slice(5).trim());
      if (text) yield text;
    }
  } finally {
    dispose();
    // Stopped early, failed or done: the upstream request is not left running.
    if (!controller.signal.aborted) controller.abort(new Error("the stream was stopped"));
    await reader?.cancel().catch(() => {});
  }
}
