import type { Address, Client, ReadContractErrorType } from "viem";
import { readContract } from "viem/actions";

import { sampledVerifierAbi } from "../../abis/sampledVerifier.js";
import type { SamplingContractError } from "../../errors/sampling.js";
import { decodeSamplingError } from "../../errors/sampling.js";
import type { InvalidAddressError, NoContractError } from "../../errors/validation.js";
import type { Job } from "../../types.js";
import { assertHasCode, assertJob } from "../../utils/validate.js";

/** `ISampledVerifierTypes.Band`, by index. */
export const SAMPLING_BANDS = ["Unsampled", "Fund", "Caller"] as const;
export type SamplingBandName = (typeof SAMPLING_BANDS)[number];

export interface GetJobSamplingParameters {
  sampledVerifier: Address;
  /** A `Submitted` job's terms. */
  job: Job;
}

export interface GetJobSamplingReturnType {
  /** `Fund`: `sampleJob` checks it at the fund's cost; `Caller`: only {@link fundCheck} does; `Unsampled`. */
  band: SamplingBandName;
  /** `keccak256(seed of its submission epoch, jobId) mod 10,000`. */
  draw: number;
  /** `samplingRateBps`: draws below it are the fund's. */
  baseRateBps: number;
  /** The job's rate: `max(provider's base rate, ⌈deterrenceBps × P_S / (C + B)⌉)`, at most 10,000. */
  rateBps: number;
  /** The provider's bond as it stood at the job's submission. */
  bond: bigint;
}

/**
 * `RandomnessSeedNotReady` (the submission epoch's seed is not revealed yet: reveal it, or wait),
 * `SamplingJobWrongStatus` (not `Submitted`) as `SamplingContractError`; viem's read errors.
 */
export type GetJobSamplingErrorType = SamplingContractError | InvalidAddressError | NoContractError | ReadContractErrorType;

/**
 * Reads a submitted job's sampling: its draw, the band it fell in, the two rates and the bond that
 * covered it. A client uses it to learn whether its job needs a caller-funded check.
 *
 * @example
 * const s = await getJobSampling(publicClient, { sampledVerifier, job });
 * if (s.band === "Caller") await fundCheck(clientWallet, { sampledVerifier, job, outputHash, signature });
 */
export async function getJobSampling(client: Client, { sampledVerifier, job }: GetJobSamplingParameters): Promise<GetJobSamplingReturnType> {
  assertJob(job);
  await assertHasCode(client, sampledVerifier, "sampledVerifier");
  try {
    const s = await readContract(client, { address: sampledVerifier, abi: sampledVerifierAbi, functionName: "samplingOf", args: [job] });
    return { band: SAMPLING_BANDS[s.band] ?? "Unsampled", draw: Number(s.draw), baseRateBps: Number(s.baseRateBps), rateBps: Number(s.rateBps), bond: s.bond };
  } catch (error) {
    throw decodeSamplingError(error) ?? error;
  }
}
