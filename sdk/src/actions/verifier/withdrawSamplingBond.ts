import type { Account, Address, Chain, Client, Hash, SimulateContractErrorType, Transport, WriteContractErrorType } from "viem";

import type { SamplingContractError } from "../../errors/sampling.js";
import type { AccountNotFoundError, NoContractError } from "../../errors/validation.js";
import { writeSampling, type VerifierAccount } from "./write.js";

export interface WithdrawSamplingBondParameters {
  sampledVerifier: Address;
  account?: VerifierAccount;
}

/**
 * `SamplingNoBond` (nothing left: never posted, withdrawn, or slashed), `SamplingBondNotReleasing`
 * (call {@link requestSamplingBondRelease} first), `SamplingBondLocked` (its hint says how long to
 * wait) as `SamplingContractError`.
 */
export type WithdrawSamplingBondErrorType = SamplingContractError | AccountNotFoundError | NoContractError | SimulateContractErrorType | WriteContractErrorType;

/**
 * Returns the provider's sampling bond to its free stake, at or after the `releaseAt` its release
 * request fixed.
 *
 * @example
 * const hash = await withdrawSamplingBond(providerWallet, { sampledVerifier });
 */
export async function withdrawSamplingBond<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account | undefined>,
  { sampledVerifier, account }: WithdrawSamplingBondParameters,
): Promise<Hash> {
  return (await writeSampling(client, { address: sampledVerifier, functionName: "withdrawBond", args: [], account, action: "withdrawSamplingBond" })).hash;
}
