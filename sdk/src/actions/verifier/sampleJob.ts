import type { Account, Address, Chain, Client, Hash, Hex, SimulateContractErrorType, Transport, WriteContractErrorType } from "viem";

import type { DepinferContractError } from "../../errors/contract.js";
import type { SamplingContractError } from "../../errors/sampling.js";
import type { AccountNotFoundError, NoContractError } from "../../errors/validation.js";
import type { Job } from "../../types.js";
import { assertJob } from "../../utils/validate.js";
import { writeSampling, type VerifierAccount } from "./write.js";

export interface SampleJobParameters {
  sampledVerifier: Address;
  job: Job;
  /** The provider's attested output hash and signature, as in its `ResultSubmitted` event. */
  outputHash: Hex;
  signature: Hex;
  account?: VerifierAccount;
}

/**
 * `SamplingJobNotSampled` (not drawn: nothing to do), `RandomnessSeedNotReady` (reveal the epoch
 * first), `SamplingWindowClosed`, `SamplingFundTooLow` and the others of `sample`, as
 * `SamplingContractError`; the market's `openDispute` reverts as its typed errors.
 */
export type SampleJobErrorType = SamplingContractError | DepinferContractError | AccountNotFoundError | NoContractError | SimulateContractErrorType | WriteContractErrorType;

/**
 * The draw: asks the module whether a submitted result is sampled. If it is, the module opens the
 * job's dispute from its fund, asks for a verifier and owes the caller the keeper tip; if not, the
 * simulation reverts `SamplingJobNotSampled` and nothing is sent. Anyone may call.
 *
 * @example
 * const hash = await sampleJob(wallet, { sampledVerifier, job, outputHash, signature });
 */
export async function sampleJob<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account | undefined>,
  { sampledVerifier, job, outputHash, signature, account }: SampleJobParameters,
): Promise<Hash> {
  assertJob(job);
  return (await writeSampling(client, { address: sampledVerifier, functionName: "sample", args: [job, outputHash, signature], account, action: "sampleJob" })).hash;
}
