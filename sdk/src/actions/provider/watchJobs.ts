import { zeroAddress, type Address, type Client, type Hex } from "viem";
import { getBlockNumber, getContractEvents } from "viem/actions";

import { jobMarketAbi } from "../../abis/jobMarket.js";
import type { Job } from "../../types.js";
import { prepareRead } from "../../utils/action.js";
import { jobIdOf } from "../../utils/jobId.js";
import { assertAddress } from "../../utils/validate.js";

/** A job a provider can take, from its `JobCreated` event. */
export interface WatchJobsItem {
  jobId: Hex;
  job: Job;
  /** The block of the `JobCreated` event. */
  blockNumber: bigint;
}

/** A `JobCreated` log the watcher dropped, and why. */
export interface WatchJobsForged {
  jobId: Hex;
  /** The address the log claims to come from. */
  address: Address;
  reason: "address" | "jobId";
  blockNumber: bigint | null;
}

export interface WatchJobsParameters {
  market: Address;
  /** The provider's registered account: direct jobs naming it are delivered. */
  provider: Address;
  /** Models it offers: open jobs (no designated provider) for these are delivered too (default: none). */
  models?: readonly Hex[];
  /**
   * The first block to scan. To resume where a previous watcher stopped, pass the last block it
   * reported to `onProgress`, plus one. Default: the block after the latest one at start.
   */
  fromBlock?: bigint;
  /**
   * Called with each range's new jobs, in block (and log) order, each job once. The watcher awaits
   * it before it moves on. A job counts as delivered once handed over: if the callback throws, the
   * error goes to `onError` and the job is not delivered again.
   */
  onJobs: (jobs: WatchJobsItem[]) => void | Promise<void>;
  /**
   * Called once per forged log, which is dropped: a `JobCreated` log that does not come from
   * `market`, or whose `jobId` is not `jobIdOf(job)` (the hash of its terms). Only a lying or broken
   * RPC returns one; the market cannot emit it.
   */
  onForged?: (forged: WatchJobsForged) => void;
  /** Called with RPC errors (the watcher retries the same blocks) and errors thrown by the callbacks. */
  onError?: (error: Error) => void;
  /**
   * Called (and awaited) after every block up to `blockNumber` has been scanned and its jobs
   * delivered: persist it to resume with `fromBlock: blockNumber + 1n`.
   */
  onProgress?: (blockNumber: bigint) => void | Promise<void>;
  /** Milliseconds between polls (default: the client's `pollingInterval`). After errors it backs off, up to 10x. */
  pollingInterval?: number;
  /** The most blocks one `eth_getLogs` may span (default 1000n). It halves after an error and grows back. */
  maxBlockRange?: bigint;
  /** Blocks to stay behind the head, so that a reorg cannot drop a delivered job (default 0). */
  confirmations?: number;
}

/**
 * Stops the watcher. A callback already running finishes; no callback is made after this returns.
 * Its `poll` scans now instead of at the next interval: call it when you learn of a new block (a
 * `newHeads` subscription), passing its number to spare the watcher its `eth_blockNumber`. A poll
 * asked for during a scan runs right after it; several such asks make one scan.
 */
export type WatchJobsReturnType = (() => void) & { poll: (blockNumber?: bigint) => void };

/**
 * Watches the market for `JobCreated` jobs that `provider` can take: direct jobs naming it, and
 * open jobs whose model is in `models`. It scans block ranges with `eth_getLogs` (no filters to
 * lose on the node), keeps the last fully scanned block, and after an RPC error resumes from the
 * block after it, so a job is never skipped across outages or restarts (with `fromBlock`), and is
 * never delivered twice by one watcher. It delivers only logs from `market` whose `jobId` is the
 * hash of the job's terms (an RPC could answer with forged ones: see `onForged`). It does not check whether a job is still open: a job may
 * already have been accepted, cancelled or have passed its deadline when it is delivered.
 *
 * @example
 * const unwatch = watchJobs(publicClient, {
 *   market, provider, models: [model], fromBlock: saved + 1n,
 *   onJobs: async (jobs) => { for (const { job } of jobs) await acceptJob(providerClient, { market, job }) },
 *   onProgress: (block) => save(block),
 *   onError: (error) => console.warn(error.message),
 * });
 */
export function watchJobs(client: Client, parameters: WatchJobsParameters): WatchJobsReturnType {
  const { market, onJobs, onError, onForged, onProgress, maxBlockRange = 1_000n, confirmations = 0 } = parameters;
  assertAddress("market", market);
  assertAddress("provider", parameters.provider);
  if (maxBlockRange < 1n) throw new RangeError(`watchJobs: maxBlockRange must be at least 1n, got ${maxBlockRange}.`);
  const pollingInterval = parameters.pollingInterval ?? client.pollingInterval;
  const provider = parameters.provider.toLowerCase();
  const models = new Set((parameters.models ?? []).map((m) => m.toLowerCase()));
  // Open jobs carry the zero address as their indexed provider: topics are OR-ed per position.
  const providerTopic = models.size > 0 ? [parameters.provider, zeroAddress] : parameters.provider;

  let active = true;
  let next = parameters.fromBlock; // the first block not yet scanned
  let range = maxBlockRange;
  let failures = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** A scan is running; another was asked for meanwhile; the newest block number a caller told us of. */
  let scanning = false;
  let again = false;
  let told: bigint | undefined;
  const delivered = new Set<Hex>();
  /** Forged logs already reported (by address and jobId), so that a lying RPC repeating one is reported once. */
  const forged = new Set<string>();

  const report = (error: unknown) => {
    if (active) onError?.(error instanceof Error ? error : new Error(String(error)));
  };

  const takes = (job: Job) =>
    job.provider.toLowerCase() === provider || (job.provider === zeroAddress && models.has(job.model.toLowerCase()));

  async function scan() {
    await prepareRead(client, market); // a market address without code: NoContractError to onError, each poll
    // A block number a caller pushed (from a subscription) spares the request.
    const pushed = told;
    told = undefined;
    const head = pushed !== undefined && pushed >= (next ?? 0n) - 1n ? pushed : await getBlockNumber(client, { cacheTime: 0 });
    const target = head - BigInt(confirmations);
    let from: bigint = next ?? (target + 1n < 0n ? 0n : target + 1n);
    next = from;
    while (active && from <= target) {
      const toBlock: bigint = from + range - 1n < target ? from + range - 1n : target;
      const logs = await getContractEvents(client, {
        address: market,
        abi: jobMarketAbi,
        eventName: "JobCreated",
        args: { provider: providerTopic },
        fromBlock: from,
        toBlock,
        strict: true,
      });
      if (!active) return;
      // Nodes return logs in order; sort anyway, as delivery order is part of the contract.
      logs.sort((a, b) => (a.blockNumber === b.blockNumber ? a.logIndex! - b.logIndex! : a.blockNumber! < b.blockNumber! ? -1 : 1));
      const jobs: WatchJobsItem[] = [];
      for (const log of logs) {
        const jobId = log.args.jobId as Hex;
        const job = log.args.job as Job;
        // An RPC can answer with any log: only the market's own, with the id its terms hash to, is a job.
        const reason = log.address?.toLowerCase() !== market.toLowerCase() ? "address" : jobIdOf(job) !== jobId.toLowerCase() ? "jobId" : undefined;
        if (reason) {
          const key = `${log.address?.toLowerCase()}:${jobId.toLowerCase()}`;
          if (!forged.has(key)) {
            forged.add(key);
            try {
              onForged?.({ jobId, address: log.address, reason, blockNumber: log.blockNumber });
            } catch (error) {
              report(error);
            }
          }
          continue;
        }
        if (delivered.has(jobId) || !takes(job)) continue;
        delivered.add(jobId);
        jobs.push({ jobId, job, blockNumber: log.blockNumber! });
      }
      if (jobs.length > 0) {
        try {
          await onJobs(jobs);
        } catch (error) {
          report(error);
        }
      }
      from = toBlock + 1n;
      next = from;
      if (range < maxBlockRange) range = range * 2n < maxBlockRange ? range * 2n : maxBlockRange;
      if (!active) return;
      try {
        await onProgress?.(toBlock);
      } catch (error) {
        report(error);
      }
    }
  }

  async function poll() {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    scanning = true;
    try {
      await scan();
      failures = 0;
    } catch (error) {
      // An RPC error: nothing past `next - 1` was marked scanned, so the next poll retries from there,
      // with a smaller range in case the node refused the range's size.
      failures += 1;
      range = range / 2n > 0n ? range / 2n : 1n;
      report(error);
    }
    scanning = false;
    if (!active) return;
    if (again && failures === 0) {
      again = false;
      return void poll();
    }
    again = false;
    const delay = failures === 0 ? pollingInterval : Math.min(pollingInterval * 2 ** (failures - 1), pollingInterval * 10);
    timer = setTimeout(poll, delay);
  }

  void poll();
  const unwatch = () => {
    active = false;
    if (timer !== undefined) clearTimeout(timer);
  };
  return Object.assign(unwatch, {
    poll: (blockNumber?: bigint) => {
      if (!active) return;
      if (blockNumber !== undefined && (told === undefined || blockNumber > told)) told = blockNumber;
      if (scanning) again = true;
      else if (failures === 0) void poll(); // after errors the back-off decides

    },
  });
}
