import {
  parseEventLogs,
  type Account,
  type Address,
  type Chain,
  type Client,
  type Hash,
  type Hex,
  type Log,
  type SimulateContractErrorType,
  type Transport,
  type WaitForTransactionReceiptErrorType,
  type WriteContractErrorType,
} from "viem";

import { jobMarketAbi } from "../../abis/jobMarket.js";
import { DepinferError } from "../../errors/base.js";
import type { BatchTooLargeError, JobChallengeWindowOpenError, JobUnknownError } from "../../errors/contract.js";
import type { AccountNotFoundError, InvalidAddressError, InvalidAmountError, NoContractError, TransactionRevertedError } from "../../errors/validation.js";
import { prepareWrite } from "../../utils/action.js";
import { assertJob } from "../../utils/validate.js";
import { jobStatusName, type Job, type JobStatusName } from "../../types.js";
import { waitForSuccess } from "../../utils/transactions.js";
import { writeMarket } from "../../utils/write.js";
import { marketEvents } from "../../utils/marketEvents.js";

/** The most jobs one `finalizeJobs` call may carry (`JobMarketBase.MAX_BATCH`). */
export const MAX_FINALIZE_BATCH = 256;

export interface FinalizeJobsParameters {
  market: Address;
  /** The terms of the submitted jobs to settle, in any number. */
  jobs: readonly Job[];
  /** Jobs per transaction, at most (and by default) {@link MAX_FINALIZE_BATCH}. */
  batchSize?: number;
  /** Who signs (default: the client's account), as in viem's own actions: an `Account`, or the address of a JSON-RPC account. */
  account?: Account | Address | undefined;
}

/** A job a batch skipped: it was no longer `Submitted` when the batch ran. */
export interface FinalizeJobsSkipped {
  jobId: Hex;
  /** Its status then: settled meanwhile (`Finalized` by its client, `Slashed`), or `Disputed`. */
  status: JobStatusName;
}

export interface FinalizeJobsReturnType {
  /** One transaction hash per batch, in order; empty when `jobs` is empty. */
  hashes: Hash[];
  /** The jobs these transactions finalized (`JobsFinalized`), in order. */
  finalized: Hex[];
  /** The jobs they skipped (`JobFinalizeSkipped`), in order, with the status that made them skip. */
  skipped: FinalizeJobsSkipped[];
}

/**
 * Thrown when a batch fails after earlier batches were already sent: `hashes` are the batches
 * sent, and the jobs from `jobs[sentJobs]` on were not. The batch's error is the `cause`. When the
 * first batch fails, its error is thrown as it is. Sending the whole list again is safe too: jobs
 * settled since are skipped, not refused.
 *
 * @example
 * try { await finalizeJobs(client, { market, jobs }) }
 * catch (e) { if (e instanceof FinalizeJobsBatchError) retryLater(jobs.slice(e.sentJobs)) }
 */
export class FinalizeJobsBatchError extends DepinferError {
  override name = "FinalizeJobsBatchError";
  readonly hashes: Hash[];
  readonly sentJobs: number;

  constructor({ cause, hashes, sentJobs, total }: { cause: Error; hashes: Hash[]; sentJobs: number; total: number }) {
    super(`finalizeJobs sent ${hashes.length} batch(es) (${sentJobs} of ${total} jobs), then a batch failed.`, {
      cause,
      name: "FinalizeJobsBatchError",
      metaMessages: ["Sent:", ...hashes.map((h) => `  ${h}`), `Retry with jobs.slice(${sentJobs}).`],
    });
    this.hashes = hashes;
    this.sentJobs = sentJobs;
  }
}

/**
 * The typed reverts of a batch (a job that never existed, or one still in its challenge window
 * when the caller is not its client; a job that is no longer `Submitted` is skipped instead), a
 * {@link FinalizeJobsBatchError} for a failure after the first batch was sent, and
 * `TransactionRevertedError` for a batch mined but reverted.
 */
export type FinalizeJobsErrorType =
  | InvalidAddressError
  | InvalidAmountError
  | AccountNotFoundError
  | NoContractError
  | BatchTooLargeError
  | JobUnknownError
  | JobChallengeWindowOpenError
  | FinalizeJobsBatchError
  | TransactionRevertedError
  | SimulateContractErrorType
  | WriteContractErrorType
  | WaitForTransactionReceiptErrorType;

/** The events a batch's receipt is read for. */
const FINALIZE_EVENTS = marketEvents("JobsFinalized", "JobFinalizeSkipped");

/**
 * What `finalizeJobs` transactions did, from their receipts' logs: the jobs finalized and the jobs
 * skipped (with their status). Logs of other contracts and events are ignored.
 *
 * @example
 * const { finalized, skipped } = finalizeJobsOutcome(receipt.logs);
 */
export function finalizeJobsOutcome(logs: readonly Log[]): Pick<FinalizeJobsReturnType, "finalized" | "skipped"> {
  const events = parseEventLogs({ abi: FINALIZE_EVENTS, logs: logs as Log[] });
  const finalized: Hex[] = [];
  const skipped: FinalizeJobsSkipped[] = [];
  for (const e of events) {
    // One JobsFinalized per batch lists the jobs it finalized, in order.
    if (e.eventName === "JobsFinalized") finalized.push(...e.args.jobIds);
    else skipped.push({ jobId: e.args.jobId, status: jobStatusName(e.args.status) });
  }
  return { finalized, skipped };
}

/**
 * Settles submitted jobs whose challenge window has closed (anyone may), for example a
 * provider's day of work: one `finalizeJobs` transaction per batch of at most
 * {@link MAX_FINALIZE_BATCH} jobs, each simulated before it is sent, in order. The batches are all
 * sent before any is waited for; then it waits for every receipt and reports which jobs were
 * finalized and which were skipped because they were no longer `Submitted` (the client finalized
 * one early, a challenger disputed one, ...): a job settled since the list was built does not
 * stop the others.
 *
 * @example
 * const { finalized, skipped } = await finalizeJobs(providerClient, { market, jobs });
 * for (const { jobId, status } of skipped) console.log(`${jobId} was already ${status}`);
 */
export async function finalizeJobs<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account | undefined>,
  { market, jobs, batchSize = MAX_FINALIZE_BATCH, account }: FinalizeJobsParameters,
): Promise<FinalizeJobsReturnType> {
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_FINALIZE_BATCH) {
    throw new RangeError(`finalizeJobs: batchSize must be an integer from 1 to ${MAX_FINALIZE_BATCH}, got ${batchSize}.`);
  }
  jobs.forEach(assertJob);
  const signer = await prepareWrite(client, { market, account, action: "finalizeJobs" });
  const hashes: Hash[] = [];
  for (let start = 0; start < jobs.length; start += batchSize) {
    const batch = jobs.slice(start, start + batchSize);
    try {
      hashes.push((await writeMarket(client, market, "finalizeJobs", [batch], { account: signer })).hash);
    } catch (error) {
      if (hashes.length === 0) throw error;
      throw new FinalizeJobsBatchError({ cause: error as Error, hashes, sentJobs: start, total: jobs.length });
    }
  }
  const result: FinalizeJobsReturnType = { hashes, finalized: [], skipped: [] };
  for (const hash of hashes) {
    const { finalized, skipped } = finalizeJobsOutcome((await waitForSuccess(client, hash, "finalizeJobs")).logs);
    result.finalized.push(...finalized);
    result.skipped.push(...skipped);
  }
  return result;
}
