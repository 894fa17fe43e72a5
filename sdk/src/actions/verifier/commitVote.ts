import {
  encodeAbiParameters,
  keccak256,
  toHex,
  type Account,
  type Address,
  type Chain,
  type Client,
  type Hash,
  type Hex,
  type SimulateContractErrorType,
  type Transport,
  type WriteContractErrorType,
} from "viem";
import { readContract } from "viem/actions";

import { sampledVerifierAbi } from "../../abis/sampledVerifier.js";
import type { SamplingContractError } from "../../errors/sampling.js";
import type { AccountNotFoundError, NoContractError } from "../../errors/validation.js";
import type { Job } from "../../types.js";
import { jobIdOf } from "../../utils/jobId.js";
import { assertJob, resolveAccount } from "../../utils/validate.js";
import { writeSampling, type VerifierAccount } from "./write.js";

/** A fresh random 32-byte salt (Web Crypto: browsers and Node). */
export function randomSalt(): Hex {
  return toHex(globalThis.crypto.getRandomValues(new Uint8Array(32)));
}

/**
 * The module's commitment: `keccak256(abi.encode(jobId, round, verifier, outputHash, salt))`.
 *
 * @example
 * const commitment = voteCommitment({ jobId, round: 0, verifier, outputHash, salt });
 */
export function voteCommitment({ jobId, round, verifier, outputHash, salt }: { jobId: Hex; round: number; verifier: Address; outputHash: Hex; salt: Hex }): Hex {
  return keccak256(
    encodeAbiParameters([{ type: "bytes32" }, { type: "uint256" }, { type: "address" }, { type: "bytes32" }, { type: "bytes32" }], [jobId, BigInt(round), verifier, outputHash, salt]),
  );
}

export interface CommitVoteParameters {
  sampledVerifier: Address;
  job: Job;
  /** The hash of the output the verifier computed by re-running the job. */
  outputHash: Hex;
  /**
   * The salt. Default: a fresh random one, which is passed to `onSalt` before anything is sent.
   * Keep it: the reveal needs exactly this salt, and a verifier that cannot reveal is slashed.
   */
  salt?: Hex | undefined;
  /** Called with the salt and commitment before the transaction is signed: persist them here (a throw sends nothing). */
  onSalt?: ((vote: { salt: Hex; commitment: Hex; round: number }) => void | Promise<void>) | undefined;
  /** The check's current round (default: read from `checkOf`). */
  round?: number | undefined;
  account?: VerifierAccount;
}

export interface CommitVoteReturnType {
  hash: Hash;
  salt: Hex;
  commitment: Hex;
  round: number;
}

/** `SamplingNotAssigned`, `SamplingPhaseClosed`, `SamplingCheckWrongStatus` as `SamplingContractError`, and the write errors. */
export type CommitVoteErrorType = SamplingContractError | AccountNotFoundError | NoContractError | SimulateContractErrorType | WriteContractErrorType;

/**
 * An assigned verifier commits to its output before the commit deadline. The salt hides the output
 * until the reveal, so nobody can copy it; it is returned (and given to `onSalt` first) so that it
 * can be kept for `revealVote`.
 *
 * @example
 * const { salt } = await commitVote(verifierWallet, {
 *   sampledVerifier, job, outputHash,
 *   onSalt: ({ salt }) => db.save(jobId, salt), // persisted before the commit is sent
 * });
 * // …once every seat committed:
 * await revealVote(verifierWallet, { sampledVerifier, job, outputHash, salt });
 */
export async function commitVote<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account | undefined>,
  { sampledVerifier, job, outputHash, salt = randomSalt(), onSalt, round, account }: CommitVoteParameters,
): Promise<CommitVoteReturnType> {
  assertJob(job);
  const signer = resolveAccount(client, account, "commitVote");
  const jobId = jobIdOf(job);
  const r = round ?? (await readContract(client, { address: sampledVerifier, abi: sampledVerifierAbi, functionName: "checkOf", args: [jobId] })).round;
  const commitment = voteCommitment({ jobId, round: r, verifier: signer.address, outputHash, salt });
  await onSalt?.({ salt, commitment, round: r });
  const { hash } = await writeSampling(client, { address: sampledVerifier, functionName: "commit", args: [job, commitment], account: signer, action: "commitVote" });
  return { hash, salt, commitment, round: r };
}
