import type { Account, Address, Chain, Client, Hash, SimulateContractErrorType, Transport, WriteContractErrorType } from "viem";

import type { SamplingContractError } from "../../errors/sampling.js";
import type { AccountNotFoundError, NoContractError } from "../../errors/validation.js";
import { writeSampling, type VerifierAccount } from "./write.js";

export interface RequestSamplingBondReleaseParameters {
  sampledVerifier: Address;
  account?: VerifierAccount;
}

/** `SamplingNoBond`, `SamplingBondReleasing` (already asked) as `SamplingContractError`. */
export type RequestSamplingBondReleaseErrorType = SamplingContractError | AccountNotFoundError | NoContractError | SimulateContractErrorType | WriteContractErrorType;

/**
 * Asks for the provider's sampling bond back. Jobs it submits from this second on are no longer
 * covered (they are drawn at the unbonded rate); jobs submitted before stay covered, and slashable,
 * until the release completes `bondReleaseDelay` (default 72 h + 14 d) later. Then
 * {@link withdrawSamplingBond}.
 *
 * @example
 * const hash = await requestSamplingBondRelease(providerWallet, { sampledVerifier });
 * const { releaseAt } = await getSamplingBond(publicClient, { sampledVerifier, provider });
 */
export async function requestSamplingBondRelease<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account | undefined>,
  { sampledVerifier, account }: RequestSamplingBondReleaseParameters,
): Promise<Hash> {
  return (await writeSampling(client, { address: sampledVerifier, functionName: "requestBondRelease", args: [], account, action: "requestSamplingBondRelease" })).hash;
}
