import type { Account, Address, Chain, Client, Hash, SimulateContractErrorType, Transport, WriteContractErrorType } from "viem";

import type {
  EnforcedPauseError,
  JobDeadlinePassedError,
  JobNotForProviderError,
  JobUnknownError,
  JobWrongStatusError,
  OfferNotActiveError,
  OfferPriceAboveJobPriceError,
  OfferTokenMismatchError,
  ProviderBelowMinStakeError,
  ProviderInJailError,
  ProviderNotRegisteredError,
  ProviderOffersPausedError,
  StakeInsufficientFreeError,
} from "../../errors/contract.js";
import type { Job } from "../../types.js";
import { writeMarket } from "../../utils/write.js";

export interface AcceptJobParameters {
  market: Address;
  /** The job's terms, as in its `JobCreated` event (see {@link watchJobs}). */
  job: Job;
}

/** The hash of the `acceptJob` transaction. */
export type AcceptJobReturnType = Hash;

/** The typed reverts it can throw (see `decodeDepinferError`), else viem's errors (transport, signing, ...). */
export type AcceptJobErrorType =
  | JobUnknownError
  | JobWrongStatusError
  | JobNotForProviderError
  | JobDeadlinePassedError
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
 * (no designated provider) needs a matching active offer. A direct job can skip this step:
 * `submitResult` accepts and submits it in one call.
 *
 * @example
 * const hash = await acceptJob(providerClient, { market, job });
 */
export async function acceptJob<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account>,
  { market, job }: AcceptJobParameters,
): Promise<AcceptJobReturnType> {
  return (await writeMarket(client, market, "acceptJob", [job])).hash;
}
