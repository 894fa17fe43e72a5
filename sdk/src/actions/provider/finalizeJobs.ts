import type { Account, Address, Chain, Client, Hash, SimulateContractErrorType, Transport, WriteContractErrorType } from "viem";

import { DepinferError } from "../../errors/base.js";
import type {
  BatchTooLargeError,
  JobChallengeWindowOpenError,
  JobUnknownError,
  JobWrongStatusError,
} from "../../errors/contract.js";
import type { Job } from "../../types.js";
import { writeMarket } from "../../utils/write.js";

/** The most jobs one `finalizeJobs` call may carry (`JobMarketBase.MAX_BATCH`). */
export const MAX_FINALIZE_BATCH = 256;

export interface FinalizeJobsParameters {
  market: Address;
  /** The terms of the submitted jobs to settle, in any number. */
  jobs: readonly Job[];
  /** Jobs per transaction, at most (and by default) {@link MAX_FINALIZE_BATCH}. */
  batchSize?: number;
}

/** One transaction hash per batch, in order; empty when `jobs` is empty. */
export type FinalizeJobsReturnType = Hash[];

/**
 * Thrown when a batch fails after earlier batches were already sent: `hashes` are the batches
 * sent, and the jobs from `jobs[sentJobs]` on were not. The batch's error is the `cause`. When the
 * first batch fails, its error is thrown as it is.
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

/** The typed reverts of a batch, and {@link FinalizeJobsBatchError} for a failure after the first batch was sent. */
export type FinalizeJobsErrorType =
  | BatchTooLargeError
  | JobUnknownError
  | JobWrongStatusError
  | JobChallengeWindowOpenError
  | FinalizeJobsBatchError
  | SimulateContractErrorType
  | WriteContractErrorType;

/**
 * Settles submitted jobs whose challenge window has closed (anyone may), for example a
 * provider's day of work: one `finalizeJobs` transaction per batch of at most
 * {@link MAX_FINALIZE_BATCH} jobs, each simulated before it is sent, in order. The batches do not
 * wait for each other to be mined.
 *
 * @example
 * const hashes = await finalizeJobs(providerClient, { market, jobs });
 * for (const hash of hashes) await publicClient.waitForTransactionReceipt({ hash });
 */
export async function finalizeJobs<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account>,
  { market, jobs, batchSize = MAX_FINALIZE_BATCH }: FinalizeJobsParameters,
): Promise<FinalizeJobsReturnType> {
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_FINALIZE_BATCH) {
    throw new RangeError(`finalizeJobs: batchSize must be an integer from 1 to ${MAX_FINALIZE_BATCH}, got ${batchSize}.`);
  }
  const hashes: Hash[] = [];
  for (let start = 0; start < jobs.length; start += batchSize) {
    const batch = jobs.slice(start, start + batchSize);
    try {
      hashes.push((await writeMarket(client, market, "finalizeJobs", [batch])).hash);
    } catch (error) {
      if (hashes.length === 0) throw error;
      throw new FinalizeJobsBatchError({ cause: error as Error, hashes, sentJobs: start, total: jobs.length });
    }
  }
  return hashes;
}
