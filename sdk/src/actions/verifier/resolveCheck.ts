import type { Account, Address, Chain, Client, Hash, SimulateContractErrorType, Transport, WriteContractErrorType } from "viem";

import type { SamplingContractError } from "../../errors/sampling.js";
import type { AccountNotFoundError, NoContractError } from "../../errors/validation.js";
import type { Job } from "../../types.js";
import { assertJob } from "../../utils/validate.js";
import { writeSampling, type VerifierAccount } from "./write.js";

export interface ResolveCheckParameters {
  sampledVerifier: Address;
  job: Job;
  account?: VerifierAccount;
}

/** `SamplingRoundOpen` (too early: wait for the deadline it names), `SamplingCheckWrongStatus` as `SamplingContractError`. */
export type ResolveCheckErrorType = SamplingContractError | AccountNotFoundError | NoContractError | SimulateContractErrorType | WriteContractErrorType;

/**
 * Moves a running check on: counts the votes once every seat revealed (ruling, or escalating a first
 * disagreement), or slashes the silent after a deadline and asks for replacements. Anyone may call.
 *
 * @example
 * await resolveCheck(wallet, { sampledVerifier, job });
 */
export async function resolveCheck<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account | undefined>,
  { sampledVerifier, job, account }: ResolveCheckParameters,
): Promise<Hash> {
  assertJob(job);
  return (await writeSampling(client, { address: sampledVerifier, functionName: "resolve", args: [job], account, action: "resolveCheck" })).hash;
}

/**
 * Draws the verifiers a check asked for, once the seed of its `seedEpoch` exists. Anyone may call.
 *
 * @example
 * await assignVerifiers(wallet, { sampledVerifier, job });
 */
export async function assignVerifiers<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account | undefined>,
  { sampledVerifier, job, account }: ResolveCheckParameters,
): Promise<Hash> {
  assertJob(job);
  return (await writeSampling(client, { address: sampledVerifier, functionName: "assign", args: [job], account, action: "assignVerifiers" })).hash;
}
