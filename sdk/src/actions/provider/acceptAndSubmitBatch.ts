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
import { getChainId } from "viem/actions";

import { jobMarketAbi } from "../../abis/jobMarket.js";
import { DepinferError } from "../../errors/base.js";
import type {
  BatchTooLargeError,
  EnforcedPauseError,
  JobUnknownError,
  ProviderBelowMinStakeError,
  ProviderInJailError,
  ProviderNotRegisteredError,
} from "../../errors/contract.js";
import type { AccountNotFoundError, InvalidAddressError, InvalidAmountError, NoContractError, TransactionRevertedError } from "../../errors/validation.js";
import { prepareWrite } from "../../utils/action.js";
import { contentHash } from "../../utils/content.js";
import { resultSignature } from "../../utils/resultSignature.js";
import { waitForSuccess } from "../../utils/transactions.js";
import { assertAddress, assertJob } from "../../utils/validate.js";
import { writeMarket } from "../../utils/write.js";
import { marketEvents } from "../../utils/marketEvents.js";
import type { Job } from "../../types.js";
import { signAttestation } from "./signAttestation.js";

/** The most jobs one `acceptAndSubmitBatch` call may carry (`JobMarketBase.MAX_BATCH`). */
export const MAX_SUBMIT_BATCH = 256;

/** Why the market skipped a job of a batch (`IJobMarketTypes.SubmitSkip`, in its order). */
export const SUBMIT_SKIP_REASONS = ["NotCreated", "NotForProvider", "DeadlinePassed", "BadSignature", "StakeInsufficient"] as const;
export type SubmitSkipReason = (typeof SUBMIT_SKIP_REASONS)[number];

/** One job's result: the output (signed here), or an attestation signed elsewhere. */
export type AcceptAndSubmitBatchItem = { jobId: Hex; job: Job } & (
  | { /** The output bytes (or text); its sha2-256 digest is attested. */ output: Uint8Array | Hex | string }
  | { /** The output's sha2-256 digest. */ outputHash: Hex; /** The provider signer's EIP-712 attestation of it. */ signature: Hex }
);

export interface AcceptAndSubmitBatchParameters {
  market: Address;
  /** The provider's direct jobs waiting for acceptance, with their results, in any number. */
  results: readonly AcceptAndSubmitBatchItem[];
  /** The provider's registered account, which every job must name (default: the sending account). */
  provider?: Address;
  /** The provider's signer key, if it is not the sending account (for items given as `output`). */
  signer?: Account;
  /** Jobs per transaction, at most (and by default) {@link MAX_SUBMIT_BATCH}. */
  batchSize?: number;
  /** Who sends (default: the client's account), as in viem's own actions: an `Account`, or the address of a JSON-RPC account. */
  account?: Account | Address | undefined;
}

/** A job a batch skipped, untouched: see {@link SUBMIT_SKIP_REASONS}. */
export interface AcceptAndSubmitBatchSkipped {
  jobId: Hex;
  reason: SubmitSkipReason;
}

export interface AcceptAndSubmitBatchReturnType {
  /** One transaction hash per batch, in order; empty when `results` is empty. */
  hashes: Hash[];
  /** The jobs these transactions submitted (`ResultSubmitted`), in order, with what was attested. */
  submitted: { jobId: Hex; outputHash: Hex; signature: Hex }[];
  /** The jobs they skipped (`JobSubmitSkipped`), in order, with the reason. */
  skipped: AcceptAndSubmitBatchSkipped[];
}

/**
 * Thrown when a batch fails after earlier batches were already sent: `hashes` are the batches
 * sent, and the results from `results[sentJobs]` on were not. The batch's error is the `cause`.
 * When the first batch fails, its error is thrown as it is. Sending the whole list again is safe:
 * jobs submitted since are skipped (`NotCreated`), not refused.
 *
 * @example
 * try { await acceptAndSubmitBatch(client, { market, results }) }
 * catch (e) { if (e instanceof AcceptAndSubmitBatchError) retryLater(results.slice(e.sentJobs)) }
 */
export class AcceptAndSubmitBatchError extends DepinferError {
  override name = "AcceptAndSubmitBatchError";
  readonly hashes: Hash[];
  readonly sentJobs: number;

  constructor({ cause, hashes, sentJobs, total }: { cause: Error; hashes: Hash[]; sentJobs: number; total: number }) {
    super(`acceptAndSubmitBatch sent ${hashes.length} batch(es) (${sentJobs} of ${total} jobs), then a batch failed.`, {
      cause,
      name: "AcceptAndSubmitBatchError",
      metaMessages: ["Sent:", ...hashes.map((h) => `  ${h}`), `Retry with results.slice(${sentJobs}).`],
    });
    this.hashes = hashes;
    this.sentJobs = sentJobs;
  }
}

/**
 * The typed reverts of a whole batch (the market paused, terms that match no job, the provider's
 * standing: unregistered, jailed, below the minimum stake), a {@link AcceptAndSubmitBatchError}
 * for a failure after the first batch was sent, and `TransactionRevertedError` for a batch mined
 * but reverted. A job that can no longer be taken is skipped, not an error.
 */
export type AcceptAndSubmitBatchErrorType =
  | InvalidAddressError
  | InvalidAmountError
  | AccountNotFoundError
  | NoContractError
  | EnforcedPauseError
  | BatchTooLargeError
  | JobUnknownError
  | ProviderNotRegisteredError
  | ProviderInJailError
  | ProviderBelowMinStakeError
  | AcceptAndSubmitBatchError
  | TransactionRevertedError
  | SimulateContractErrorType
  | WriteContractErrorType
  | WaitForTransactionReceiptErrorType;

/** The events a batch's receipt is read for. */
const SUBMIT_EVENTS = marketEvents("ResultSubmitted", "JobSubmitSkipped");

/**
 * What `acceptAndSubmitBatch` transactions did, from their receipts' logs: the jobs submitted and
 * the jobs skipped (with the reason). Logs of other contracts and events are ignored.
 *
 * @example
 * const { submitted, skipped } = acceptAndSubmitBatchOutcome(receipt.logs);
 */
export function acceptAndSubmitBatchOutcome(
  logs: readonly Log[],
): Pick<AcceptAndSubmitBatchReturnType, "submitted" | "skipped"> {
  const events = parseEventLogs({ abi: SUBMIT_EVENTS, logs: logs as Log[] });
  const submitted: AcceptAndSubmitBatchReturnType["submitted"] = [];
  const skipped: AcceptAndSubmitBatchSkipped[] = [];
  for (const e of events) {
    if (e.eventName === "ResultSubmitted") {
      submitted.push({ jobId: e.args.jobId, outputHash: e.args.outputHash, signature: resultSignature(e.args) });
    } else {
      skipped.push({ jobId: e.args.jobId, reason: SUBMIT_SKIP_REASONS[e.args.reason] ?? "NotCreated" });
    }
  }
  return { submitted, skipped };
}

/**
 * Accepts and submits many direct jobs of one provider, each with its own attestation: one
 * `acceptAndSubmitBatch` transaction per batch of at most {@link MAX_SUBMIT_BATCH} jobs, each
 * simulated before it is sent, in order. Results given as `output` are attested here with the
 * provider's signer key. The batches are all sent before any is waited for; then it waits for
 * every receipt and reports which jobs were submitted and which were skipped, and why: a job the
 * client cancelled meanwhile, one past its deadline, one whose collateral no longer fits the free
 * stake, ... does not stop the others (and is left untouched). Anyone may send it: each
 * attestation is the provider's consent.
 *
 * @example
 * const { submitted, skipped } = await acceptAndSubmitBatch(providerClient, {
 *   market,
 *   results: ready.map(({ jobId, job, output }) => ({ jobId, job, output })),
 *   signer,
 * });
 * for (const { jobId, reason } of skipped) console.log(`${jobId} skipped: ${reason}`);
 */
export async function acceptAndSubmitBatch<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account | undefined>,
  { market, results, provider, signer, batchSize = MAX_SUBMIT_BATCH, account }: AcceptAndSubmitBatchParameters,
): Promise<AcceptAndSubmitBatchReturnType> {
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_SUBMIT_BATCH) {
    throw new RangeError(`acceptAndSubmitBatch: batchSize must be an integer from 1 to ${MAX_SUBMIT_BATCH}, got ${batchSize}.`);
  }
  for (const r of results) assertJob(r.job);
  if (provider !== undefined) assertAddress("provider", provider);
  const sender = await prepareWrite(client, { market, account, action: "acceptAndSubmitBatch" });
  const named = provider ?? sender.address;
  const chainId = results.some((r) => "output" in r) ? await getChainId(client) : undefined;
  const jobs: Job[] = [];
  const outputHashes: Hex[] = [];
  const signatures: Hex[] = [];
  for (const r of results) {
    jobs.push(r.job);
    if ("output" in r) {
      const outputHash = contentHash(r.output);
      outputHashes.push(outputHash);
      signatures.push(
        await signAttestation(client, { market, jobId: r.jobId, job: r.job, outputHash, provider: named, signer: signer ?? sender, chainId }),
      );
    } else {
      outputHashes.push(r.outputHash);
      signatures.push(r.signature);
    }
  }
  const hashes: Hash[] = [];
  for (let start = 0; start < jobs.length; start += batchSize) {
    const end = start + batchSize;
    const args = [named, jobs.slice(start, end), outputHashes.slice(start, end), signatures.slice(start, end)] as const;
    try {
      hashes.push((await writeMarket(client, market, "acceptAndSubmitBatch", args, { account: sender })).hash);
    } catch (error) {
      if (hashes.length === 0) throw error;
      throw new AcceptAndSubmitBatchError({ cause: error as Error, hashes, sentJobs: start, total: jobs.length });
    }
  }
  const result: AcceptAndSubmitBatchReturnType = { hashes, submitted: [], skipped: [] };
  for (const hash of hashes) {
    const { submitted, skipped } = acceptAndSubmitBatchOutcome((await waitForSuccess(client, hash, "acceptAndSubmitBatch")).logs);
    result.submitted.push(...submitted);
    result.skipped.push(...skipped);
  }
  return result;
}
