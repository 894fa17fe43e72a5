import type { Account, Address, Chain, Client, Hash, SimulateContractErrorType, Transport, WriteContractErrorType } from "viem";

import type { JobNotClientError, JobUnknownError, JobWrongStatusError } from "../../errors/contract.js";
import type { AccountNotFoundError, InvalidAddressError, InvalidAmountError, NoContractError } from "../../errors/validation.js";
import type { Job } from "../../types.js";
import { prepareWrite } from "../../utils/action.js";
import { assertJob } from "../../utils/validate.js";
import { writeMarket } from "../../utils/write.js";

export interface CancelJobParameters {
  market: Address;
  /** The job's terms, as `submitJob` returned them. */
  job: Job;
  /** Who signs (default: the client's account), as in viem's own actions: an `Account`, or the address of a JSON-RPC account. */
  account?: Account | Address | undefined;
}

/**
 * The typed reverts it can throw: the job is unknown, no longer waiting for a provider
 * (`JobWrongStatusError`: accepted, submitted or settled), or the caller is not its client.
 */
export type CancelJobErrorType =
  | JobUnknownError
  | JobWrongStatusError
  | JobNotClientError
  | InvalidAddressError
  | InvalidAmountError
  | AccountNotFoundError
  | NoContractError
  | SimulateContractErrorType
  | WriteContractErrorType;

/**
 * Cancels a job no provider has accepted yet, crediting its price back to the client's balance in
 * the market (`claim` or `withdrawBalance` it, or pay the next job from it with `fromBalance`).
 * Only the job's client may; once a provider accepts, the job runs to a result or to its deadline.
 *
 * @example
 * const hash = await cancelJob(walletClient, { market, job });
 */
export async function cancelJob<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account | undefined>,
  { market, job, account }: CancelJobParameters,
): Promise<Hash> {
  assertJob(job);
  const signer = await prepareWrite(client, { market, account, action: "cancelJob" });
  return (await writeMarket(client, market, "cancelJob", [job], { account: signer })).hash;
}
