import type { Account, Address, Chain, Client, Hash, Hex, SimulateContractErrorType, Transport, WriteContractErrorType } from "viem";
import { readContract } from "viem/actions";

import { sampledVerifierAbi } from "../../abis/sampledVerifier.js";
import type { DepinferContractError } from "../../errors/contract.js";
import type { SamplingContractError } from "../../errors/sampling.js";
import type { AccountNotFoundError, NoContractError } from "../../errors/validation.js";
import type { Job } from "../../types.js";
import { ensureAllowance } from "../../utils/erc20.js";
import { assertJob, resolveAccount } from "../../utils/validate.js";
import { writeSampling, type VerifierAccount } from "./write.js";

export interface FundCheckParameters {
  sampledVerifier: Address;
  job: Job;
  /** The provider's attested output hash and signature, as in its `ResultSubmitted` event. */
  outputHash: Hex;
  signature: Hex;
  account?: VerifierAccount;
  /** Approve exactly what the check costs instead of an unlimited amount (default: unlimited). */
  exactApproval?: boolean | undefined;
}

export interface FundCheckReturnType {
  hash: Hash;
  /** What was paid in: `(1 + escalationVerifiers) × verifierRewardBps × price`, in the job's token. */
  paid: bigint;
}

/**
 * `SamplingJobNotInPaidBand` (its hint says whether to `sampleJob` instead or that nothing is to do),
 * `RandomnessSeedNotReady`, `SamplingWindowClosed`, `SamplingFundTooLow` (the fund cannot advance the
 * bond) and the others of `sample` as `SamplingContractError`; the market's `openDispute` reverts as its
 * typed errors; a token that refuses the approval as `TokenRevertedError`.
 */
export type FundCheckErrorType = SamplingContractError | DepinferContractError | AccountNotFoundError | NoContractError | SimulateContractErrorType | WriteContractErrorType;

/**
 * The caller-funded check (docs/protocol.md 7.7): for a job whose draw fell in the caller-paid band
 * (the new-provider or under-bonded band, see {@link getJobSampling}), pays the verifiers' rewards
 * `(1 + k) × R` so that the job is checked; the fund advances the dispute bond. When the check ends
 * the caller is owed the rewards nobody earned and, if the provider was caught, the module's winnings
 * in stake; collect them with {@link claimVerifierRewards} (once in the job's token, once in the stake
 * token). Approves the module for the job's token first when the allowance is short. Anyone may call,
 * within the job's challenge window.
 *
 * @example
 * const s = await getJobSampling(publicClient, { sampledVerifier, job });
 * if (s.band === "Caller") {
 *   const { paid } = await fundCheck(clientWallet, { sampledVerifier, job, outputHash, signature });
 * }
 */
export async function fundCheck<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account | undefined>,
  { sampledVerifier, job, outputHash, signature, account, exactApproval }: FundCheckParameters,
): Promise<FundCheckReturnType> {
  assertJob(job);
  const signer = resolveAccount(client, account, "fundCheck");
  const params = await readContract(client, { address: sampledVerifier, abi: sampledVerifierAbi, functionName: "params" });
  const paid = ((BigInt(job.price) * BigInt(params.verifierRewardBps)) / 10_000n) * (1n + BigInt(params.escalationVerifiers));
  if (paid > 0n) await ensureAllowance(client as never, job.token, sampledVerifier, paid, { account: signer, exact: exactApproval ?? false });
  const { hash } = await writeSampling(client, { address: sampledVerifier, functionName: "fundCheck", args: [job, outputHash, signature], account: signer, action: "fundCheck" });
  return { hash, paid };
}
