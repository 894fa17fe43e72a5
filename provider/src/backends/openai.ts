// Node-only. A backend for OpenAI-compatible chat completion servers (vLLM, llama.cpp server, Ollama,
// hosted APIs). The job input is sent as one user message; the first choice's content is the output.
//
// Before a job is accepted, the node asks the server how many tokens its input takes
// (`countTokens`: `POST ${baseUrl}/tokenize`, which vLLM and llama.cpp server answer and Ollama
// does not), so that a prompt too large for the model is refused instead of failing after the
// provider's collateral is locked. An answer with no content is an error, never an empty output.
//
// Sampling is pinned (temperature 0 by default, seed 0), but whether the output is reproducible
// depends on the server, so results from this backend are not EXACT in the way the built-in model is.
import {
  InferenceBackendConfigError,
  InferenceBackendEmptyOutputError,
  InferenceBackendHttpError,
  InferenceBackendNetworkError,
  InferenceBackendResponseError,
  InferenceBackendTimeoutError,
  InferenceBackendTooLargeError,
  isRetryableStatus,
} from "./errors.js";
import { callControl } from "./call.js";
import { streamChatCompletion } from "./openaiStream.js";
import type { InferenceBackend, InferOptions, TokenCount } from "./types.js";

export {
  InferenceBackendConfigError,
  InferenceBackendEmptyOutputError,
  InferenceBackendHttpError,
  InferenceBackendNetworkError,
  InferenceBackendResponseError,
  InferenceBackendTimeoutError,
  InferenceBackendTooLargeError,
} from "./errors.js";

export interface OpenAIBackendOptions {
  /** The server's root, e.g. `"http://127.0.0.1:8000"` (vLLM) or `"http://127.0.0.1:11434"` (Ollama), without `/v1`. */
  baseUrl: string;
  /** The model name the server knows, e.g. `"meta-llama/Llama-3.1-8B-Instruct"`. */
  model: string;
  /** Sent as `Authorization: Bearer <apiKey>` when given. */
  apiKey?: string;
  /** `max_tokens` of the request; left to the server when not given. */
  maxTokens?: number;
  /** `temperature` of the request. Default 0 (greedy). */
  temperature?: number;
  /** The longest one `infer` call may take, retries and back-off included. Default 60 000 ms. */
  timeoutMs?: number;
  /** How many times a transient failure (429, 408, 5xx, network error) is retried. Default 2. */
  maxRetries?: number;
  /** The first back-off delay; it doubles on each retry. Default 250 ms. */
  retryDelayMs?: number;
  /**
   * The largest answer read from the server, in bytes (a chat completion's JSON, or a `/tokenize`
   * answer): a larger one is cut off as it streams in ({@link InferenceBackendTooLargeError}).
   * Default 16 MiB.
   */
  maxResponseBytes?: number;
  /** The fetch to use (for tests or proxies). Default `globalThis.fetch`. */
  fetch?: typeof globalThis.fetch;
}

/** The default of {@link OpenAIBackendOptions.maxResponseBytes}: 16 MiB. */
export const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

/**
 * The body of `response` as text, read as it streams in and cut off (the stream cancelled) as soon
 * as it, or its declared `Content-Length`, exceeds `maxBytes`.
 */
async function readTextBounded(url: string, response: Response, maxBytes: number): Promise<string> {
  const tooLarge = (receivedBytes: number) => new InferenceBackendTooLargeError({ url, maxResponseBytes: maxBytes, receivedBytes });
  const declared = Number(response.headers.get("content-length") ?? NaN);
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => {});
    throw tooLarge(declared);
  }
  if (!response.body) return "";
  const reader = response.body.getReader();
  const decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });
  let size = 0;
  let text = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(size);
    }
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}

/**
 * Tokens added to a counted prompt for the chat template the server wraps it in (role markers,
 * begin/end tokens, and the short system header some templates add: about 10 tokens for Llama 3's
 * markers, 25 to 35 for Llama 3.1's or Qwen 2.5's default system header). `/tokenize` counts the
 * bare text, so this is added to what it says, and to the bound the node uses when it cannot ask.
 */
export const CHAT_TEMPLATE_TOKENS = 64;

/** The longest a `/tokenize` request may take (it is a lookup, not an inference). */
const TOKENIZE_TIMEOUT_MS = 10_000;

/** Why the internal controller was aborted. */
function check(ok: boolean, option: string, value: unknown, expected: string): void {
  if (!ok) throw new InferenceBackendConfigError({ option, value, expected });
}

function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

/** Pulls the first choice's message content out of a chat completion, or says what is missing (`empty`: no content for this input). */
function extractContent(json: unknown): string | { reason: string; empty?: { finishReason: string | undefined } } {
  if (typeof json !== "object" || json === null || Array.isArray(json)) return { reason: "the body is not a JSON object" };
  const choices = (json as { choices?: unknown }).choices;
  if (!Array.isArray(choices)) return { reason: "it has no choices array" };
  if (choices.length === 0) return { reason: "its choices array is empty" };
  const first: unknown = choices[0];
  const message = typeof first === "object" && first !== null ? (first as { message?: unknown }).message : undefined;
  if (typeof message !== "object" || message === null) return { reason: "choices[0] has no message" };
  const content = (message as { content?: unknown }).content;
  if (content === null || content === undefined || content === "") {
    const finishReason = (first as { finish_reason?: unknown }).finish_reason;
    return { reason: "choices[0].message has no content", empty: { finishReason: typeof finishReason === "string" ? finishReason : undefined } };
  }
  if (typeof content !== "string") return { reason: "choices[0].message.content is not a string" };
  return content;
}

/**
 * An {@link InferenceBackend} that calls `POST ${baseUrl}/v1/chat/completions` on an OpenAI-compatible
 * server with `{ model, messages: [{ role: "user", content: <input as UTF-8> }], max_tokens, temperature, seed: 0 }`
 * and returns the first choice's message content as UTF-8 bytes.
 *
 * Transient failures (HTTP 408, 429, 5xx and network errors) are retried up to `maxRetries` times with
 * exponential back-off; other 4xx answers are not. An answer with no content (empty or `null`) is
 * {@link InferenceBackendEmptyOutputError}, not retried. Errors: {@link InferenceBackendHttpError},
 * {@link InferenceBackendResponseError}, {@link InferenceBackendTimeoutError},
 * {@link InferenceBackendNetworkError}. Aborting `options.signal` rejects with the signal's reason.
 *
 * @example
 * const backend = createOpenAIBackend({ baseUrl: "http://127.0.0.1:11434", model: "llama3.2", maxTokens: 256 })
 * const output = await backend.infer(new TextEncoder().encode("Why is the sky blue?"))
 */
export function createOpenAIBackend(options: OpenAIBackendOptions): InferenceBackend {
  const {
    baseUrl,
    model,
    apiKey,
    maxTokens,
    temperature = 0,
    timeoutMs = 60_000,
    maxRetries = 2,
    retryDelayMs = 250,
    maxResponseBytes = DEFAULT_MAX_RESPONSE_BYTES,
    fetch: fetchFn = globalThis.fetch,
  } = options;

  let parsedBase: URL | undefined;
  try {
    parsedBase = new URL(baseUrl);
  } catch {
    parsedBase = undefined;
  }
  check(
    parsedBase !== undefined && (parsedBase.protocol === "http:" || parsedBase.protocol === "https:"),
    "baseUrl",
    baseUrl,
    'pass an http(s) URL such as "http://127.0.0.1:8000"',
  );
  check(typeof model === "string" && model.length > 0, "model", model, "pass the model name the server serves");
  check(apiKey === undefined || (typeof apiKey === "string" && apiKey.length > 0), "apiKey", apiKey === undefined ? undefined : "(hidden)", "pass a non-empty string or leave it out");
  check(maxTokens === undefined || (isNonNegativeInteger(maxTokens) && maxTokens > 0), "maxTokens", maxTokens, "pass a positive integer");
  check(typeof temperature === "number" && Number.isFinite(temperature) && temperature >= 0, "temperature", temperature, "pass a finite number ≥ 0");
  check(isNonNegativeInteger(timeoutMs) && timeoutMs > 0, "timeoutMs", timeoutMs, "pass a positive integer number of milliseconds");
  check(isNonNegativeInteger(maxRetries), "maxRetries", maxRetries, "pass a non-negative integer");
  check(isNonNegativeInteger(retryDelayMs), "retryDelayMs", retryDelayMs, "pass a non-negative integer number of milliseconds");
  check(isNonNegativeInteger(maxResponseBytes) && maxResponseBytes > 0, "maxResponseBytes", maxResponseBytes, "pass a positive integer number of bytes");
  check(typeof fetchFn === "function", "fetch", fetchFn, "pass a fetch function (this runtime has no global fetch)");

  const url = `${baseUrl.replace(/\/+$/, "")}/v1/chat/completions`;
  const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" };
  if (apiKey !== undefined) headers.authorization = `Bearer ${apiKey}`;

  async function infer(input: Uint8Array, inferOptions: InferOptions = {}): Promise<Uint8Array> {
    const { signal } = inferOptions;
    signal?.throwIfAborted();

    const body = JSON.stringify({
      model,
      messages: [{ role: "user", content: new TextDecoder("utf-8", { fatal: false, ignoreBOM: true }).decode(input) }],
      ...(maxTokens === undefined ? {} : { max_tokens: maxTokens }),
      temperature,
      seed: 0,
    });

    // One controller for the whole call: aborted by the caller's signal or by the deadline.
    const { controller, abortError, backOff, dispose } = callControl(url, timeoutMs, signal);

    try {
      for (let attempt = 1; ; attempt++) {
        const retriesLeft = attempt <= maxRetries;
        let response: Response;
        let text: string;
        try {
          response = await fetchFn(url, { method: "POST", headers, body, signal: controller.signal });
          text = await readTextBounded(url, response, maxResponseBytes);
        } catch (error) {
          if (controller.signal.aborted) throw abortError();
          if (error instanceof InferenceBackendTooLargeError) throw error;
          if (!retriesLeft) throw new InferenceBackendNetworkError({ url, attempts: attempt, cause: error instanceof Error ? error : undefined });
          await backOff(retryDelayMs * 2 ** (attempt - 1));
          continue;
        }

        if (!response.ok) {
          if (isRetryableStatus(response.status) && retriesLeft) {
            await backOff(retryDelayMs * 2 ** (attempt - 1));
            continue;
          }
          throw new InferenceBackendHttpError({ url, status: response.status, statusText: response.statusText, body: text, attempts: attempt });
        }

        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch (error) {
          throw new InferenceBackendResponseError({ url, reason: "the body is not valid JSON", body: text, cause: error instanceof Error ? error : undefined });
        }
        const content = extractContent(json);
        if (typeof content !== "string") {
          if (content.empty) throw new InferenceBackendEmptyOutputError({ url, finishReason: content.empty.finishReason });
          throw new InferenceBackendResponseError({ url, reason: content.reason, body: text });
        }
        return new TextEncoder().encode(content);
      }
    } finally {
      dispose();
    }
  }

  const tokenizeUrl = `${baseUrl.replace(/\/+$/, "")}/tokenize`;
  /** Set once the server answers that it has no tokenizer endpoint (e.g. Ollama): it is not asked again. */
  let cannotCount = false;

  /**
   * `POST ${baseUrl}/tokenize` with the input as vLLM (`prompt`) and llama.cpp server (`content`)
   * read it; the count is vLLM's `count` or the length of `tokens`, plus {@link CHAT_TEMPLATE_TOKENS}.
   * `undefined` when the server cannot count: no such endpoint (404, 405, 501, or an answer without
   * tokens: remembered), or a 4xx for this input. A 408, 429 or 5xx, a timeout or a network error
   * rejects (transient: the node tries the job again later). One request, no retries.
   */
  async function countTokens(input: Uint8Array, countOptions: InferOptions = {}): Promise<TokenCount | undefined> {
    const { signal } = countOptions;
    signal?.throwIfAborted();
    if (cannotCount) return undefined;
    const text = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true }).decode(input);
    const { controller, abortError, dispose } = callControl(tokenizeUrl, Math.min(timeoutMs, TOKENIZE_TIMEOUT_MS), signal);
    try {
      let response: Response;
      let body: string;
      try {
        response = await fetchFn(tokenizeUrl, { method: "POST", headers, body: JSON.stringify({ model, prompt: text, content: text }), signal: controller.signal });
        body = await readTextBounded(tokenizeUrl, response, maxResponseBytes);
      } catch (error) {
        if (error instanceof InferenceBackendTooLargeError) throw error;
        if (controller.signal.aborted) throw abortError();
        throw new InferenceBackendNetworkError({ url: tokenizeUrl, attempts: 1, cause: error instanceof Error ? error : undefined });
      }
      if (!response.ok) {
        if (isRetryableStatus(response.status)) throw new InferenceBackendHttpError({ url: tokenizeUrl, status: response.status, statusText: response.statusText, body, attempts: 1 });
        if (response.status === 404 || response.status === 405 || response.status === 501) cannotCount = true;
        return undefined;
      }
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const answer = (typeof json === "object" && json !== null ? json : {}) as { count?: unknown; tokens?: unknown; max_model_len?: unknown };
      const count = isNonNegativeInteger(answer.count) ? answer.count : Array.isArray(answer.tokens) ? answer.tokens.length : undefined;
      if (count === undefined) {
        cannotCount = true; // 2xx, but not a tokenizer's answer (a proxy, a web page)
        return undefined;
      }
      const context = isNonNegativeInteger(answer.max_model_len) && answer.max_model_len > 0 ? answer.max_model_len : undefined;
      return { tokens: count + CHAT_TEMPLATE_TOKENS, ...(context !== undefined && { contextTokens: context }) };
    } finally {
      dispose();
    }
  }

  /** `infer` as it streams (`stream: true`): each upstream chunk's text as it arrives (openaiStream.ts). */
  function stream(input: Uint8Array, streamOptions: InferOptions = {}): AsyncIterable<string> {
    const content = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true }).decode(input);
    const body = { model, messages: [{ role: "user", content }], ...(maxTokens === undefined ? {} : { max_tokens: maxTokens }), temperature, seed: 0 };
    return streamChatCompletion({ url, headers, body, fetch: fetchFn, timeoutMs, maxRetries, retryDelayMs, maxResponseBytes }, streamOptions);
  }

  return { name: `openai:${model}`, infer, countTokens, stream };
}
