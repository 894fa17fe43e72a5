import type { Client } from "viem";

import { abortReason } from "./sleep.js";

type Subscribe = (args: {
  params: ["newHeads"];
  onData: (data: { result?: { number?: unknown } }) => void;
  onError?: (error: Error) => void;
}) => Promise<{ unsubscribe: () => Promise<unknown> }>;

/** New blocks as the client's RPC pushes them (see {@link pushedBlocks}). */
export interface PushedBlocks {
  /**
   * Resolves with the newest pushed block number once one at or above `atLeast` has been pushed
   * (at once if it already was), or with undefined after `ms` (the polling interval: no push, or
   * none that far). Rejects with the signal's reason when it aborts.
   */
  next(atLeast: bigint, ms: number): Promise<bigint | undefined>;
}

/**
 * Wakes a polling loop when the client's RPC pushes a new block: `eth_subscribe("newHeads")` over a
 * WebSocket transport (viem's `webSocket`), or any transport with viem's `subscribe`. A loop that
 * polled every `pollingInterval` then sees a new block as soon as it is mined, and has its number
 * without an `eth_blockNumber`. With an HTTP transport, or when the subscription fails, `next` waits
 * the polling interval as before. The subscription is made on the first `next` (a loop that is done
 * at once makes none) and ended when `signal` aborts.
 *
 * @example
 * const heads = pushedBlocks(client, stop.signal);
 * let pushed: bigint | undefined;
 * for (let from = 0n; ; ) {
 *   const head = pushed ?? (await getBlockNumber(client));
 *   // … read from `from` up to `head` …
 *   from = head + 1n;
 *   pushed = await heads.next(from, pollingInterval); // that block's number once pushed, or undefined after the interval
 * }
 */
export function pushedBlocks(client: Client, signal: AbortSignal): PushedBlocks {
  let latest = -1n;
  let started = false;
  const waiters = new Set<() => void>();
  const onData = ({ result }: { result?: { number?: unknown } }) => {
    let number: bigint;
    try {
      number = BigInt(result?.number as string);
    } catch {
      return; // not a block: polling covers it
    }
    if (number <= latest) return;
    latest = number;
    for (const wake of waiters) wake();
  };
  const start = () => {
    started = true;
    const subscribe = (client.transport as { subscribe?: Subscribe }).subscribe;
    if (typeof subscribe !== "function" || signal.aborted) return;
    // A transport that throws at once counts as one whose promise rejects: polling only.
    Promise.resolve()
      .then(() => subscribe({ params: ["newHeads"], onData, onError: () => {} }))
      .then(
        ({ unsubscribe }) => {
          const end = () => void Promise.resolve().then(unsubscribe).catch(() => {});
          if (signal.aborted) end();
          else signal.addEventListener("abort", end, { once: true });
        },
        () => {}, // no subscription: polling only
      );
  };
  return {
    next(atLeast, ms) {
      if (!started) start();
      if (latest >= atLeast) return Promise.resolve(latest);
      return new Promise<bigint | undefined>((resolve, reject) => {
        const done = () => {
          clearTimeout(timer);
          waiters.delete(wake);
          signal.removeEventListener("abort", onAbort);
        };
        const wake = () => {
          if (latest < atLeast) return;
          done();
          resolve(latest);
        };
        const onAbort = () => {
          done();
          reject(abortReason(signal));
        };
        const timer = setTimeout(() => {
          done();
          resolve(undefined);
        }, ms);
        if (signal.aborted) return onAbort();
        waiters.add(wake);
        signal.addEventListener("abort", onAbort, { once: true });
      });
    },
  };
}
