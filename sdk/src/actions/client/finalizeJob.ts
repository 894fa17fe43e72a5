import type { Account, Address, Chain, Client, Hash, SimulateContractErrorType, Transport, WriteContractErrorType } from "viem";
import type { Job } from "../../types.js";
import type { JobUnknownError, JobWrongStatusError } from "../../errors/contract.js";
import type { AccountNotFoundError, InvalidAddressError, InvalidAmountError, NoContractError } from "../../errors/validation.js";
import { prepareWrite } from "../../utils/action.js";
import { assertJob } from "../../utils/validate.js";
import { writeMarket } from "../../utils/write.js";

export interface FinalizeJobParameters {
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
export type FinalizeJobErrorType =
  | InvalidAddressError
  | InvalidAmountError
  | AccountNotFoundError
  | NoContractError
  | JobUnknownError
  | JobWrongStatusError
  | SimulateContractErrorType
  | WriteContractErrorType;

/**
 * Pays the provider and settles a submitted job. The client may call at any time after submission;
 * anyone may after the challenge window.
 *
 * @example
 * const hash = await finalizeJob(walletClient, { market, job });
 * // from a client without an account (wagmi's getClient()), naming the signer per call:
 * const hash2 = await finalizeJob(publicClient, { market, job, account: "0xA0Cf…" });
 */
export async function finalizeJob<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account | undefined>,
  { market, job, account }: FinalizeJobParameters,
): Promise<Hash> {
  assertJob(job);
  const signer = await prepareWrite(client, { market, account, action: "finalizeJob" });
  return (await writeMarket(client, market, "finalizeJob", [job], { account: signer })).hash;
}
