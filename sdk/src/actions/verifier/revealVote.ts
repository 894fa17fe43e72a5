import type { Account, Address, Chain, Client, Hash, Hex, SimulateContractErrorType, Transport, WriteContractErrorType } from "viem";

import type { SamplingContractError } from "../../errors/sampling.js";
import type { AccountNotFoundError, NoContractError } from "../../errors/validation.js";
import type { Job } from "../../types.js";
import { assertJob } from "../../utils/validate.js";
import { writeSampling, type VerifierAccount } from "./write.js";

export interface RevealVoteParameters {
  sampledVerifier: Address;
  job: Job;
  /** Exactly the output hash and salt that were committed. */
  outputHash: Hex;
  salt: Hex;
  account?: VerifierAccount;
}

/** `SamplingRevealNotOpen` (wait for every seat to commit), `SamplingPhaseClosed`, `SamplingCommitmentMismatch`, `SamplingNotAssigned` as `SamplingContractError`. */
export type RevealVoteErrorType = SamplingContractError | AccountNotFoundError | NoContractError | SimulateContractErrorType | WriteContractErrorType;

/**
 * Opens the verifier's commitment, once every seat of the round committed and by the reveal deadline.
 *
 * @example
 * await revealVote(verifierWallet, { sampledVerifier, job, outputHash, salt });
 */
export async function revealVote<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account | undefined>,
  { sampledVerifier, job, outputHash, salt, account }: RevealVoteParameters,
): Promise<Hash> {
  assertJob(job);
  return (await writeSampling(client, { address: sampledVerifier, functionName: "reveal", args: [job, outputHash, salt], account, action: "revealVote" })).hash;
}
