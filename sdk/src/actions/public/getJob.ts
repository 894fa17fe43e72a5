import type { Address, Client, Hex, ReadContractErrorType } from "viem";
import { getContractEvents, readContract } from "viem/actions";

import { jobMarketAbi } from "../../abis/jobMarket.js";
import { JobUnknownError } from "../../errors/contract.js";
import type { InvalidAddressError, NoContractError } from "../../errors/validation.js";
import { jobStatusName, type Job, type JobStatusName } from "../../types.js";
import { prepareRead } from "../../utils/action.js";

export interface GetJobParameters {
  market: Address;
  jobId: Hex;
  /** Where to start looking for the job's `JobCreated` event (default: the deployment block, or 0). */
  fromBlock?: bigint;
}

export interface GetJobReturnType {
  jobId: Hex;
  job: Job;
  status: JobStatusName;
  /** The provider that accepted (zero before acceptance). */
  provider: Address;
  /** When the job last changed status (unix seconds). */
  updatedAt: number;
  /** When the challenge window of a submitted job ends (unix seconds). */
  challengeWindowEndsAt?: number;
}

/** A market address without code (`NoContractError`), a job id with no job (`JobUnknownError`, as the market's writes say), else viem's errors. */
export type GetJobErrorType = InvalidAddressError | NoContractError | JobUnknownError | ReadContractErrorType | Error;

/**
 * Reads a job's state and recovers its terms from its `JobCreated` event.
 *
 * @example
 * const { status, job } = await getJob(publicClient, { market, jobId });
 */
export async function getJob(client: Client, { market, jobId, fromBlock = 0n }: GetJobParameters): Promise<GetJobReturnType> {
  await prepareRead(client, market);
  const state = await readContract(client, { address: market, abi: jobMarketAbi, functionName: "jobState", args: [jobId] });
  const status = jobStatusName(state.status);
  if (status === "None") throw new JobUnknownError({ args: { jobId } });
  const [created] = await getContractEvents(client, {
    address: market,
    abi: jobMarketAbi,
    eventName: "JobCreated",
    args: { jobId },
    fromBlock,
    strict: true,
  });
  if (!created) throw new Error(`Job ${jobId} exists but its JobCreated event is not in the node's logs from block ${fromBlock}.`);
  return {
    jobId,
    job: created.args.job as Job,
    status,
    provider: state.provider,
    updatedAt: Number(state.timestamp),
    challengeWindowEndsAt: status === "Submitted" ? Number(state.timestamp) + Number(state.challengeWindow) : undefined,
  };
}
