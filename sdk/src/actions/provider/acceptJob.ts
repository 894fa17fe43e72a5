import { zeroAddress, type Account, type Address, type Chain, type Client, type Hash, type SimulateContractErrorType, type Transport, type WriteContractErrorType } from "viem";
import { getBlock, readContract } from "viem/actions";

import { jobMarketAbi } from "../../abis/jobMarket.js";
import {
  JobDeadlineBelowLatencyError,
  type EnforcedPauseError,
  type JobDeadlinePassedError,
  type JobNotForProviderError,
  type JobUnknownError,
  type JobWrongStatusError,
  type OfferNotActiveError,
  type OfferPriceAboveJobPriceError,
  type OfferTokenMismatchError,
  type ProviderBelowMinStakeError,
  type ProviderInJailError,
  type ProviderNotRegisteredError,
  type ProviderOffersPausedError,
  type StakeInsufficientFreeError,
} from "../../errors/contract.js";
import type { AccountNotFoundError, InvalidAddressError, InvalidAmountError, NoContractError } from "../../errors/validation.js";
import { prepareWrite } from "../../utils/action.js";
import { assertJob } from "../../utils/validate.js";
import type { Job } from "../../types.js";
import { jobIdOf } from "../../utils/jobId.js";
import { writeMarket } from "../../utils/write.js";

export interface AcceptJobParameters {
  market: Address;
  /** The job's terms, as in its `JobCreated` event (see {@link watchJobs}). */
  job: Job;
  /** Who signs (default: the client's account), as in viem's own actions: an `Account`, or the address of a JSON-RPC account. */
  account?: Account | Address | undefined;
}

/** The hash of the `acceptJob` transaction. */
export type AcceptJobReturnType = Hash;

/** The typed reverts it can throw (see `decodeDepinferError`), else viem's errors (transport, signing, ...). */
export type AcceptJobErrorType =
  | InvalidAddressError
  | InvalidAmountError
  | AccountNotFoundError
  | NoContractError
  | JobUnknownError
  | JobWrongStatusError
  | JobNotForProviderError
  | JobDeadlinePassedError
  | JobDeadlineBelowLatencyError
  | ProviderNotRegisteredError
  | ProviderInJailError
  | ProviderBelowMinStakeError
  | StakeInsufficientFreeError
  | ProviderOffersPausedError
  | OfferNotActiveError
  | OfferTokenMismatchError
  | OfferPriceAboveJobPriceError
  | EnforcedPauseError
  | SimulateContractErrorType
  | WriteContractErrorType;

/**
 * Accepts a job for the client's account, locking `job.collateral` of its free stake. An open job
 * (no designated provider) needs a matching active offer, and a deadline that leaves the offer's
 * `maxLatency`: an open job that could not be finished in time is refused with
 * `JobDeadlineBelowLatencyError` before anything is sent, counting from the earliest block the
 * acceptance could land in (the latest block's time plus one second). A direct job can skip this
 * step: `submitResult` accepts and submits it in one call.
 *
 * @example
 * const hash = await acceptJob(providerClient, { market, job });
 */
export async function acceptJob<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account | undefined>,
  { market, job, account }: AcceptJobParameters,
): Promise<AcceptJobReturnType> {
  assertJob(job);
  const signer = await prepareWrite(client, { market, account, action: "acceptJob" });
  if (job.provider === zeroAddress) await assertDeadlineLeavesLatency(client, market, job, signer.address);
  return (await writeMarket(client, market, "acceptJob", [job], { account: signer })).hash;
}

/**
 * Throws `JobDeadlineBelowLatencyError` when an open job's deadline is before the earliest block
 * time the acceptance could have plus the caller's offer `maxLatency` (the market would revert
 * with it). The simulation alone may run at the latest block's time, while the acceptance lands in
 * a later block: a deadline just short of the mark would pass it and revert on chain. Without an
 * active offer nothing is checked here: the simulation refuses with `OfferNotActive`.
 */
async function assertDeadlineLeavesLatency(client: Client<Transport, Chain | undefined, Account | undefined>, market: Address, job: Job, provider: Address) {
  const [offer, block] = await Promise.all([
    readContract(client, { address: market, abi: jobMarketAbi, functionName: "offer", args: [provider, job.model] }),
    getBlock(client, { blockTag: "latest" }),
  ]);
  if (!offer.active) return;
  const earliest = block.timestamp + 1n + BigInt(offer.maxLatency);
  const deadline = BigInt(job.deadline);
  if (deadline < earliest) throw new JobDeadlineBelowLatencyError({ args: { jobId: jobIdOf(job), deadline, earliest } });
}
