import type { Account, Address, Chain, Client, Hash, SimulateContractErrorType, Transport, WriteContractErrorType } from "viem";

import type { Job } from "../../types.js";
import type { JobUnknownError, JobWrongStatusError } from "../../errors/contract.js";
import type { AccountNotFoundError, InvalidAddressError, InvalidAmountError, NoContractError } from "../../errors/validation.js";
import { prepareWrite } from "../../utils/action.js";
import { assertJob } from "../../utils/validate.js";
import { writeMarket } from "../../utils/write.js";

export interface ExpireJobParameters {
  market: Address;
  job: Job;
  /** Who signs (default: the client's account), as in viem's own actions: an `Account`, or the address of a JSON-RPC account. */
  account?: Account | Address | undefined;
}

/**
 * Refused before any request: terms that do not fit the market's `Job` (`InvalidAddressError`,
 * `InvalidAmountError`), no account (`AccountNotFoundError`); then a market address without code
 * (`NoContractError`); then the market's typed reverts.
 */
export type ExpireJobErrorType =
  | InvalidAddressError
  | InvalidAmountError
  | AccountNotFoundError
  | NoContractError
  | JobUnknownError
  | JobWrongStatusError
  | SimulateContractErrorType
  | WriteContractErrorType;

/**
 * Expires a job with no result past its deadline: the client is refunded in full and an accepted
 * provider is slashed for liveness (paid to the client in the stake token). Anyone may call.
 *
 * @example
 * const hash = await expireJob(walletClient, { market, job });
 */
export async function expireJob<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account | undefined>,
  { market, job, account }: ExpireJobParameters,
): Promise<Hash> {
  assertJob(job);
  const signer = await prepareWrite(client, { market, account, action: "expireJob" });
  return (await writeMarket(client, market, "expireJob", [job], { account: signer })).hash;
}
