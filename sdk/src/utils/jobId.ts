import { encodeAbiParameters, getAbiItem, keccak256, type Hex } from "viem";

import { jobMarketAbi } from "../abis/jobMarket.js";
import type { Job } from "../types.js";

/** The `Job` tuple as the market encodes it (from the ABI of `jobIdOf`, so it follows the contracts). */
const jobTuple = getAbiItem({ abi: jobMarketAbi, name: "jobIdOf" }).inputs;

/**
 * A job's id, `keccak256(abi.encode(job))`, computed locally (the market's `jobIdOf` view, without
 * the round trip).
 *
 * @example
 * const jobId = jobIdOf(job); // equals the jobId of its JobCreated event
 */
export function jobIdOf(job: Job): Hex {
  return keccak256(encodeAbiParameters(jobTuple, [job]));
}
