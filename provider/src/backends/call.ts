// Node-only. The cancellation of one call to an inference server, shared by the OpenAI-compatible
// backend's requests (openai.ts: infer and countTokens; openaiStream.ts: the stream).
import { InferenceBackendTimeoutError } from "./errors.js";

const TIMEOUT = Symbol("timeout");

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

/**
 * One controller for a whole call: aborted by the caller's `signal` or at `timeoutMs`. `abortError()`
 * turns the abort into the caller's reason or an {@link InferenceBackendTimeoutError}; `backOff(ms)`
 * waits before a retry (rejecting with `abortError()` if aborted meanwhile); `dispose()` ends the
 * deadline and the link to the caller's signal.
 */
export function callControl(url: string, timeoutMs: number, signal: AbortSignal | undefined) {
  const controller = new AbortController();
  const onCallerAbort = () => controller.abort(signal?.reason);
  signal?.addEventListener("abort", onCallerAbort, { once: true });
  const deadline = setTimeout(() => controller.abort(TIMEOUT), timeoutMs);
  const abortError = (): unknown => (controller.signal.reason === TIMEOUT ? new InferenceBackendTimeoutError({ url, timeoutMs }) : controller.signal.reason);
  return {
    controller,
    abortError,
    backOff: (ms: number) =>
      sleep(ms, controller.signal).catch(() => {
        throw abortError();
      }),
    dispose: () => {
      clearTimeout(deadline);
      signal?.removeEventListener("abort", onCallerAbort);
    },
  };
}
