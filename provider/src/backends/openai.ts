// Node-only. A backend for OpenAI-compatible chat completion servers (vLLM, llama.cpp server, Ollama,
// hosted APIs). The job input is sent as one user message; the first choice's content is the output.
//
// Sampling is pinned (temperature 0 by default, seed 0), but whether the output is reproducible
// depends on the server, so results from this backend are not EXACT in the way the built-in model is.
import {
  InferenceBackendConfigError,
  InferenceBackendHttpError,
  InferenceBackendNetworkError,
  InferenceBackendResponseError,
  InferenceBackendTimeoutError,
  isRetryableStatus,
} from "./errors.js";
import type { InferenceBackend, InferOptions } from "./types.js";

export {
  InferenceBackendConfigError,
  InferenceBackendHttpError,
  InferenceBackendNetworkError,
  InferenceBackendResponseError,
  InferenceBackendTimeoutError,
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
  /** The fetch to use (for tests or proxies). Default `globalThis.fetch`. */
  fetch?: typeof globalThis.fetch;
}

/** Why the internal controller was aborted. */
const TIMEOUT = Symbol("timeout");

function check(ok: boolean, option: string, value: unknown, expected: string): void {
  if (!ok) throw new InferenceBackendConfigError({ option, value, expected });
}

function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

/** Waits `ms`, or rejects as soon as `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** Pulls the first choice's message content out of a chat completion, or says what is missing. */
function extractContent(json: unknown): string | { reason: string } {
  if (typeof json !== "object" || json === null || Array.isArray(json)) return { reason: "the body is not a JSON object" };
  const choices = (json as { choices?: unknown }).choices;
  if (!Array.isArray(choices)) return { reason: "it has no choices array" };
  if (choices.length === 0) return { reason: "its choices array is empty" };
  const first: unknown = choices[0];
  const message = typeof first === "object" && first !== null ? (first as { message?: unknown }).message : undefined;
  if (typeof message !== "object" || message === null) return { reason: "choices[0] has no message" };
  const content = (message as { content?: unknown }).content;
  if (typeof content !== "string") return { reason: "choices[0].message.content is not a string" };
  return content;
}

/**
 * An {@link InferenceBackend} that calls `POST ${baseUrl}/v1/chat/completions` on an OpenAI-compatible
 * server with `{ model, messages: [{ role: "user", content: <input as UTF-8> }], max_tokens, temperature, seed: 0 }`
 * and returns the first choice's message content as UTF-8 bytes.
 *
 * Transient failures (HTTP 408, 429, 5xx and network errors) are retried up to `maxRetries` times with
 * exponential back-off; other 4xx answers are not. Errors: {@link InferenceBackendHttpError},
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
    const controller = new AbortController();
    const onCallerAbort = () => controller.abort(signal?.reason);
    signal?.addEventListener("abort", onCallerAbort, { once: true });
    const deadline = setTimeout(() => controller.abort(TIMEOUT), timeoutMs);

    /** Turns an abort into the caller's reason or a timeout error; other errors pass through. */
    const abortError = (): unknown =>
      controller.signal.reason === TIMEOUT ? new InferenceBackendTimeoutError({ url, timeoutMs }) : controller.signal.reason;

    try {
      for (let attempt = 1; ; attempt++) {
        const retriesLeft = attempt <= maxRetries;
        let response: Response;
        let text: string;
        try {
          response = await fetchFn(url, { method: "POST", headers, body, signal: controller.signal });
          text = await response.text();
        } catch (error) {
          if (controller.signal.aborted) throw abortError();
          if (!retriesLeft) throw new InferenceBackendNetworkError({ url, attempts: attempt, cause: error instanceof Error ? error : undefined });
          await sleep(retryDelayMs * 2 ** (attempt - 1), controller.signal).catch(() => {
            throw abortError();
          });
          continue;
        }

        if (!response.ok) {
          if (isRetryableStatus(response.status) && retriesLeft) {
            await sleep(retryDelayMs * 2 ** (attempt - 1), controller.signal).catch(() => {
              throw abortError();
            });
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
        if (typeof content !== "string") throw new InferenceBackendResponseError({ url, reason: content.reason, body: text });
        return new TextEncoder().encode(content);
      }
    } finally {
      clearTimeout(deadline);
      signal?.removeEventListener("abort", onCallerAbort);
    }
  }

  return { name: `openai:${model}`, infer };
}
