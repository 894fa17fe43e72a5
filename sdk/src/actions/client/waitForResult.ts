import type { Address, Client, Hash, Hex } from "viem";
import { getBlockNumber, getContractEvents, readContract } from "viem/actions";

import { jobMarketAbi } from "../../abis/jobMarket.js";
import type { ContentStore } from "../../content/store.js";
import { verifyContent } from "../../content/store.js";
import type { ContentHashMismatchErrorType, ContentStoreRequestErrorType } from "../../content/errors.js";
import {
  JobEndedWithoutResultError,
  WaitForResultTimeoutError,
  type JobEndedWithoutResultErrorType,
  type WaitForResultTimeoutErrorType,
} from "../../errors/result.js";
import type { NoContractErrorType } from "../../errors/validation.js";
import { JobStatus, type JobStatusName } from "../../types.js";
import { prepareRead } from "../../utils/action.js";
import { resultSignature } from "../../utils/resultSignature.js";
import { PaidBandCheckFundsError, PaidBandCheckWindowClosedError } from "../../errors/paidBand.js";
import { fundPaidBandCheck, type FundChecksOptions, type FundPaidBandCheckErrorType, type PaidBandCheckReport } from "./fundPaidBandCheck.js";
import { abortReason, sleep } from "../../utils/sleep.js";
import { pushedBlocks } from "../../utils/pushedBlocks.js";

export interface WaitForResultParameters {
  market: Address;
  jobId: Hex;
  /** Where the provider publishes outputs; the output is read from it by its on-chain hash. */
  store: ContentStore;
  /** Stops waiting: the promise rejects with `signal.reason` (an `AbortError` DOMException by default). */
  signal?: AbortSignal | undefined;
  /** Gives up after this many milliseconds with `WaitForResultTimeoutError` (default: wait forever). */
  timeoutMs?: number | undefined;
  /** Milliseconds between polls of the chain and the store (default: the client's `pollingInterval`). */
  pollingInterval?: number | undefined;
  /** The first block to search for the job's `ResultSubmitted` event (default 0). */
  fromBlock?: bigint | undefined;
  /**
   * Funds the job's check when its draw falls in the caller-paid band (docs/economics.md 6.6), within
   * `budget` (default 4 × the price): on by default. After the output is verified, `waitForResult`
   * waits for the draw (the seed of the submission epoch, at most one randomness epoch plus its
   * reveal) and pays the check from the client's account; see {@link fundPaidBandCheck}. `false`:
   * return at once and leave paid-band draws unchecked (only the base rate then protects the job).
   */
  fundChecks?: false | FundChecksOptions | undefined;
}

export interface WaitForResultReturnType {
  /** The output bytes, checked to hash to `outputHash`. */
  output: Uint8Array;
  /** The sha2-256 digest of the output, as attested on-chain. */
  outputHash: Hex;
  /** The provider that submitted the result. */
  provider: Address;
  /** The provider signer's EIP-712 attestation. */
  signature: Hex;
  /** The block of the `ResultSubmitted` event. */
  blockNumber: bigint;
  /** The transaction that submitted the result. */
  transactionHash: Hash;
  /** What was found and done about the job's paid-band check (`status: "disabled"` with `fundChecks: false`). */
  check: PaidBandCheckReport;
}

export type WaitForResultErrorType =
  | WaitForResultTimeoutErrorType
  | JobEndedWithoutResultErrorType
  | ContentHashMismatchErrorType
  | ContentStoreRequestErrorType
  | NoContractErrorType
  | FundPaidBandCheckErrorType
  | Error;

/** Statuses after which no result can come any more. */
const endedStatuses: readonly number[] = [JobStatus.Expired, JobStatus.Cancelled, JobStatus.Slashed];
const statusNames = Object.keys(JobStatus) as JobStatusName[];

/**
 * Waits for a job's result: polls for its `ResultSubmitted` event (resolving at once if it was
 * already submitted), then reads the output from `store` and checks its sha2-256 against the
 * on-chain `outputHash`. If the output is not in the store yet, it keeps polling the store. Over a
 * WebSocket RPC (viem's `webSocket` transport, or any transport with `subscribe`) each new block
 * wakes the next poll at once, so the result is seen in the block it lands in, not up to a
 * `pollingInterval` later; over HTTP, polls are `pollingInterval` apart.
 *
 * Rejects with `JobEndedWithoutResultError` if the job ends Expired, Cancelled or Slashed without a
 * result, `ContentHashMismatchError` if the store returns other bytes, `WaitForResultTimeoutError`
 * after `timeoutMs`, and `signal.reason` when `signal` aborts. A job id with no job yet (for
 * example a creation still being mined) is waited for like any other.
 *
 * By default it then funds the job's check if the draw fell in the caller-paid band (`fundChecks`,
 * {@link fundPaidBandCheck}): `check` says what it found and paid. It waits for the draw first (up to
 * one randomness epoch and its reveal). If `timeoutMs` passes first, the output is returned anyway, with
 * `check.status` `"drawPending"` (nothing paid: fund it with `fundPaidBandCheck` within the challenge
 * window, and do not finalize the job before). A check it could not fund
 * rejects with `PaidBandCheckFundsError` or `PaidBandCheckWindowClosedError`, whose `result` holds
 * the verified output.
 *
 * @example
 * const { jobId } = await submitJob(walletClient, { market, model, input, price, token });
 * const { output, check } = await waitForResult(walletClient, { market, jobId, store, timeoutMs: 1_200_000 });
 * new TextDecoder().decode(output); // "4"
 * check.status; // "funded" (paid `check.paid`, the unused part comes back), "unsampled", "fundBand", "drawPending", …
 * // Only the output, now; fund later yourself (fundPaidBandCheck) or not at all:
 * const quick = await waitForResult(publicClient, { market, jobId, store, fundChecks: false });
 */
export async function waitForResult(client: Client, parameters: WaitForResultParameters): Promise<WaitForResultReturnType> {
  const { jobId, signal, timeoutMs } = parameters;
  if (timeoutMs !== undefined && !(timeoutMs >= 0)) throw new RangeError(`timeoutMs must be a non-negative number, got ${timeoutMs}.`);
  if (signal?.aborted) throw abortReason(signal);
  await prepareRead(client, parameters.market);

  const stop = new AbortController(); // ends the polling loop once the outcome is decided
  const progress: Progress = {};
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  const stopped = new Promise<WaitForResultReturnType>((resolve, reject) => {
    onAbort = () => reject(abortReason(signal!));
    signal?.addEventListener("abort", onAbort, { once: true });
    if (timeoutMs !== undefined)
      timer = setTimeout(() => {
        // The output is verified and only the sampling draw is missing: the output is not withheld.
        if (progress.result) return resolve({ ...progress.result, check: { status: "drawPending", checked: false, paid: 0n, budget: progress.budget ?? 0n } });
        reject(new WaitForResultTimeoutError({ jobId, timeoutMs, status: progress.status, submittedAt: progress.submittedAt }));
      }, timeoutMs);
  });
  const work = poll(client, parameters, stop.signal, progress);
  work.catch(() => {}); // if `stopped` wins, the loop's own rejection is expected and ignored
  try {
    return await Promise.race([work, stopped]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener("abort", onAbort);
    stop.abort();
  }
}

interface Progress {
  status?: JobStatusName;
  submittedAt?: bigint;
  /** The verified result, while the paid-band check waits for the job's draw. */
  result?: Omit<WaitForResultReturnType, "check">;
  budget?: bigint;
}

async function poll(
  client: Client,
  { market, jobId, store, pollingInterval = client.pollingInterval, fromBlock = 0n, fundChecks = {} }: WaitForResultParameters,
  stop: AbortSignal,
  progress: Progress,
): Promise<WaitForResultReturnType> {
  // 1. The ResultSubmitted event. Each poll reads the status and the logs at the same block, so a
  //    terminal status with no event up to that block really means "no result".
  //    Over a WebSocket RPC a new block wakes the next poll at once, with its number (pushedBlocks);
  //    otherwise polls are `pollingInterval` apart.
  const heads = pushedBlocks(client, stop);
  let from = fromBlock;
  let pushed: bigint | undefined;
  let submitted;
  for (;;) {
    const head = pushed ?? (await getBlockNumber(client, { cacheTime: 0 }));
    if (head >= from) {
      const [state, logs] = await Promise.all([
        readContract(client, { address: market, abi: jobMarketAbi, functionName: "jobState", args: [jobId], blockNumber: head }),
        getContractEvents(client, {
          address: market,
          abi: jobMarketAbi,
          eventName: "ResultSubmitted",
          args: { jobId },
          fromBlock: from,
          toBlock: head,
          strict: true,
        }),
      ]);
      progress.status = statusNames[state.status];
      if (logs.length > 0) {
        submitted = logs[0];
        break;
      }
      if (endedStatuses.includes(state.status)) throw new JobEndedWithoutResultError({ jobId, status: statusNames[state.status] });
      from = head + 1n;
    }
    pushed = await heads.next(from, pollingInterval);
  }

  // 2. The output, from the store, checked against the on-chain hash (whatever the store checks).
  const { outputHash, provider } = submitted.args;
  const signature = resultSignature(submitted.args);
  progress.submittedAt = submitted.blockNumber;
  for (;;) {
    const output = await store.get(outputHash, { signal: stop });
    if (output) {
      verifyContent(output, outputHash, "content store");
      const result = { output, outputHash, provider, signature, blockNumber: submitted.blockNumber, transactionHash: submitted.transactionHash };
      // 3. The paid-band check, funded for the client unless it opted out (docs/economics.md 6.6).
      if (fundChecks === false) return { ...result, check: { status: "disabled", checked: false, paid: 0n, budget: 0n } };
      progress.result = result;
      progress.budget = fundChecks.budget;
      try {
        const check = await fundPaidBandCheck(client, { ...fundChecks, market, jobId, outputHash, signature, fromBlock, pollingInterval, signal: stop });
        return { ...result, check };
      } catch (error) {
        if (error instanceof PaidBandCheckFundsError || error instanceof PaidBandCheckWindowClosedError) error.result = result;
        throw error;
      }
    }
    await sleep(pollingInterval, stop);
  }
}
