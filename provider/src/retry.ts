// Node-only. How the node rides out transient RPC errors: viem's `withRetry`, told which errors are
// transient (the SDK's `isTransientError`: HTTP 5xx/429/408, timeouts, dropped connections, never a
// revert, a typed Depinfer error or a user rejection) and given an exponential backoff with jitter.
// Wrap reads and idempotent steps only: a step that signs and sends a new transaction is not retried
// (the transaction sender rebroadcasts the same signed bytes instead).
import { withRetry } from "viem";

import { isTransientError } from "depinfer";

export interface RetryOptions {
  /** Retries after the first attempt (default 6). */
  retries?: number | undefined;
  /** The first backoff in ms (default 250); it doubles each retry. */
  baseDelayMs?: number | undefined;
  /** The longest backoff in ms (default 10 000). */
  maxDelayMs?: number | undefined;
  /** Called before each retry, e.g. to log it. */
  onRetry?: ((error: unknown, attempt: number, delayMs: number) => void) | undefined;
}

/** The backoff before retry `attempt` (1-based): exponential, capped, half fixed and half random ("equal jitter"). */
export function backoff(attempt: number, baseDelayMs: number, maxDelayMs: number, random: () => number = Math.random): number {
  const exp = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
  return Math.round(exp / 2 + random() * (exp / 2));
}

/** Calls `fn`, again after a backoff while it fails with a transient RPC error, up to `retries` times; then rethrows. */
export function retry<T>(fn: () => Promise<T>, { retries = 6, baseDelayMs = 250, maxDelayMs = 10_000, onRetry }: RetryOptions = {}): Promise<T> {
  let next = 0;
  return withRetry(fn, {
    retryCount: retries,
    shouldRetry: ({ count, error }) => {
      if (!isTransientError(error)) return false;
      next = backoff(count + 1, baseDelayMs, maxDelayMs);
      onRetry?.(error, count + 1, next);
      return true;
    },
    delay: () => next,
  });
}
