import { zeroAddress, type Address, type Client, type Hex, type ReadContractErrorType } from "viem";
import { readContract } from "viem/actions";

import { jobMarketAbi } from "../../abis/jobMarket.js";
import { sampledVerifierAbi } from "../../abis/sampledVerifier.js";
import type { SamplingContractError } from "../../errors/sampling.js";
import type { InvalidAddressError, NoContractError } from "../../errors/validation.js";
import { jobStatusName, type Job, type JobStatusName } from "../../types.js";
import { jobIdOf } from "../../utils/jobId.js";
import { assertHasCode } from "../../utils/validate.js";

/** A check's status (`ISampledVerifierTypes.CheckStatus`), by index. */
export const CHECK_STATUSES = ["None", "AwaitingAttestation", "AwaitingSeed", "Running", "AwaitingArbitration", "Closed"] as const;
export type CheckStatusName = (typeof CHECK_STATUSES)[number];
/** A verifier's seat (`ISampledVerifierTypes.VoteStatus`), by index. */
export const VOTE_STATUSES = ["None", "Assigned", "Committed", "Revealed", "Slashed"] as const;
export type VoteStatusName = (typeof VOTE_STATUSES)[number];

export interface GetVerificationParameters {
  /** The SampledVerifier module's address. */
  sampledVerifier: Address;
  /** The market (to read the job's status; default: the module's own `market()`). */
  market?: Address | undefined;
  /** The job's terms (then the draw is read too while it is `Submitted`), or its id. */
  job?: Job | undefined;
  jobId?: Hex | undefined;
}

export interface VerificationVote {
  index: number;
  verifier: Address;
  status: VoteStatusName;
  round: number;
  commitment: Hex;
  /** The revealed output hash (zero before the reveal). */
  output: Hex;
  /** Whether the revealed output equals the provider's (undefined before the reveal). */
  agrees?: boolean | undefined;
}

export interface GetVerificationReturnType {
  jobId: Hex;
  /** Whether the job has a check (drawn by `sample`, or a dispute the module judges). */
  sampled: boolean;
  status: CheckStatusName;
  /** The job's status in the market. */
  jobStatus: JobStatusName;
  /** The draw of a `Submitted` job whose seed exists (given `job`): `sampled` if `draw < rateBps`. */
  draw?: { sampled: boolean; draw: number; rateBps: number } | undefined;
  round: number;
  /** Whether someone other than the module opened the dispute. */
  human: boolean;
  /** A TOLERANT job's check: a re-run that differs in bytes goes to the arbiter (`AwaitingArbitration`), not to escalation. */
  tolerant: boolean;
  /** The PLANTER declared it a planted check (`expose`). */
  exposed: boolean;
  /** The provider's attested output hash. */
  providerOutput: Hex;
  provider: Address;
  seedEpoch: bigint;
  commitDeadline: number;
  revealDeadline: number;
  votes: VerificationVote[];
  /**
   * Once `Closed`: `upheld` (the provider was slashed), `stands` (its result stands: Finalized or
   * still Submitted in its window), `cancelled` (the dispute timed out, client refunded); else undefined.
   */
  outcome?: "upheld" | "stands" | "cancelled" | undefined;
}

/** A module or market address without code (`NoContractError`), else viem's read errors. */
export type GetVerificationErrorType = InvalidAddressError | NoContractError | SamplingContractError | ReadContractErrorType;

const marketAbi = [{ type: "function", name: "market", stateMutability: "view", inputs: [], outputs: [{ type: "address", name: "" }] }] as const;

/**
 * Reads a job's verification by sampled re-execution: whether it is checked, the check's status,
 * its round and deadlines, every verifier with its commit and reveal, and the outcome.
 *
 * @example
 * const v = await getVerification(publicClient, { sampledVerifier, job });
 * if (v.status === "Running") for (const vote of v.votes) console.log(vote.verifier, vote.status);
 * if (v.outcome === "upheld") console.log("the provider was caught by sampling");
 */
export async function getVerification(client: Client, parameters: GetVerificationParameters): Promise<GetVerificationReturnType> {
  const { sampledVerifier, job } = parameters;
  await assertHasCode(client, sampledVerifier, "sampledVerifier");
  const jobId = (job ? jobIdOf(job) : parameters.jobId) as Hex;
  if (!jobId) throw new Error("getVerification: pass `job` or `jobId`");
  const market = parameters.market ?? (await readContract(client, { address: sampledVerifier, abi: marketAbi, functionName: "market" }));
  const [check, state] = await Promise.all([
    readContract(client, { address: sampledVerifier, abi: sampledVerifierAbi, functionName: "checkOf", args: [jobId] }),
    readContract(client, { address: market, abi: jobMarketAbi, functionName: "jobState", args: [jobId] }),
  ]);
  const votes: VerificationVote[] = [];
  for (let i = 0; i < check.assigned; i++) {
    const v = await readContract(client, { address: sampledVerifier, abi: sampledVerifierAbi, functionName: "voteOf", args: [jobId, BigInt(i)] });
    const status = VOTE_STATUSES[v.status] ?? "None";
    votes.push({ index: i, verifier: v.verifier, status, round: v.round, commitment: v.commitment, output: v.output, agrees: status === "Revealed" ? v.output === check.output : undefined });
  }
  const jobStatus = jobStatusName(state.status);
  let draw: GetVerificationReturnType["draw"];
  if (job && jobStatus === "Submitted") {
    try {
      const [sampled, d, rate] = await readContract(client, { address: sampledVerifier, abi: sampledVerifierAbi, functionName: "isSampled", args: [job] });
      draw = { sampled, draw: Number(d), rateBps: Number(rate) };
    } catch {
      draw = undefined; // the seed of its submission epoch does not exist yet
    }
  }
  const status = CHECK_STATUSES[check.status] ?? "None";
  const outcome =
    status !== "Closed" ? undefined : jobStatus === "Slashed" ? "upheld" : jobStatus === "Cancelled" ? "cancelled" : "stands";
  return {
    jobId,
    sampled: status !== "None",
    status,
    jobStatus,
    draw,
    round: check.round,
    human: check.human,
    tolerant: check.tolerant,
    exposed: check.exposed,
    providerOutput: check.output,
    provider: check.provider === zeroAddress ? state.provider : check.provider,
    seedEpoch: BigInt(check.seedEpoch),
    commitDeadline: Number(check.commitDeadline),
    revealDeadline: Number(check.revealDeadline),
    votes,
    outcome,
  };
}
