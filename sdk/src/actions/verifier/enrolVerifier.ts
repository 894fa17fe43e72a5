import type { Account, Address, Chain, Client, Hash, Hex, SimulateContractErrorType, Transport, WriteContractErrorType } from "viem";

import type { SamplingContractError } from "../../errors/sampling.js";
import type { AccountNotFoundError, NoContractError } from "../../errors/validation.js";
import { writeSampling, type VerifierAccount } from "./write.js";

export interface EnrolVerifierParameters {
  sampledVerifier: Address;
  /** The model the caller serves (it needs an active offer for it). */
  model: Hex;
  account?: VerifierAccount;
}

/** `SamplingNotEligible`, `SamplingNoOffer`, `SamplingAllowanceTooLow`, `SamplingAlreadyEnrolled` / `SamplingNotEnrolled` as `SamplingContractError`. */
export type EnrolVerifierErrorType = SamplingContractError | AccountNotFoundError | NoContractError | SimulateContractErrorType | WriteContractErrorType;

/**
 * Enrols the caller (a registered provider with an active offer for `model`, which let the module
 * lock at least `verifierStake` with `setModuleAllowance`) as a verifier of `model`.
 *
 * @example
 * await enrolVerifier(providerWallet, { sampledVerifier, model });
 */
export async function enrolVerifier<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account | undefined>,
  { sampledVerifier, model, account }: EnrolVerifierParameters,
): Promise<Hash> {
  return (await writeSampling(client, { address: sampledVerifier, functionName: "enrol", args: [model], account, action: "enrolVerifier" })).hash;
}

