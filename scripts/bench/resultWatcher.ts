/**
 * The benches' clients' view of results: one `ResultSubmitted` log scan per new block, shared by
 * every client, as a dApp's backend would watch its jobs. A scan goes up to the pushed block's
 * number (no `eth_blockNumber`); a poll every `pollMs` is the fallback, and reads the head. Each
 * client then reads its output from the node's output server and checks it against the on-chain hash.
 *
 * Used by node.ts (in-process) and nodeProcesses.ts (the node as its own process).
 */
import type { Address, Hex, PublicClient } from "viem";

import { jobMarketAbi } from "../../sdk/src/index.js";

export interface SubmittedResult {
  outputHash: Hex;
  provider: Hex;
}

/** Calls `onNumber` with each new block the RPC pushes; resolves to what stops it. */
export type FollowHeads = (onNumber: (blockNumber: bigint) => void) => Promise<() => void>;

export class ResultWatcher {
  readonly #client: Pick<PublicClient, "getBlockNumber" | "getContractEvents">;
  readonly #market: Address;
  /** The newest block number pushed: a scan goes up to it without asking for the head. */
  #pushed = -1n;
  #waiters = new Map<string, (result: SubmittedResult) => void>();
  #early = new Map<string, SubmittedResult>();
  #from: bigint;
  #scanning = false;
  #again = false;
  #stop: (() => void) | undefined;

  constructor(client: Pick<PublicClient, "getBlockNumber" | "getContractEvents">, market: Address, fromBlock: bigint) {
    this.#client = client;
    this.#market = market;
    this.#from = fromBlock;
  }

  /** Scans at each block `followHeads` reports, and every `pollMs` as a fallback. */
  async start(followHeads: FollowHeads, pollMs: number) {
    const unfollow = await followHeads((n) => this.#poke(n));
    const fallback = setInterval(() => this.#poke(), pollMs);
    this.#stop = () => {
      clearInterval(fallback);
      unfollow();
    };
  }

  stop() {
    this.#stop?.();
  }

  /** The job's result, once a scan has seen it (at once if one already has). */
  wait(jobId: Hex): Promise<SubmittedResult> {
    const key = jobId.toLowerCase();
    const early = this.#early.get(key);
    if (early) {
      this.#early.delete(key);
      return Promise.resolve(early);
    }
    return new Promise((resolve) => this.#waiters.set(key, resolve));
  }

  #poke(pushed?: bigint) {
    if (pushed !== undefined && pushed > this.#pushed) this.#pushed = pushed;
    if (this.#scanning) this.#again = true;
    else void this.#scan();
  }

  async #scan() {
    this.#scanning = true;
    try {
      // Up to the pushed head when one came since the last scan; the polling fallback reads the head.
      const head = this.#pushed >= this.#from ? this.#pushed : await this.#client.getBlockNumber({ cacheTime: 0 });
      if (head >= this.#from) {
        const logs = await this.#client.getContractEvents({ address: this.#market, abi: jobMarketAbi, eventName: "ResultSubmitted", fromBlock: this.#from, toBlock: head, strict: true });
        for (const log of logs) {
          const key = (log.args.jobId as Hex).toLowerCase();
          const result = { outputHash: log.args.outputHash as Hex, provider: log.args.provider as Hex };
          const waiter = this.#waiters.get(key);
          if (waiter) {
            this.#waiters.delete(key);
            waiter(result);
          } else this.#early.set(key, result);
        }
        this.#from = head + 1n;
      }
    } finally {
      this.#scanning = false;
      if (this.#again) {
        this.#again = false;
        void this.#scan();
      }
    }
  }
}
