import type { Account, Address, Chain, Client, Hash, Transport } from "viem";
import { readContract } from "viem/actions";

import { jobMarketAbi } from "../../abis/jobMarket.js";
import type { Job } from "../../types.js";
import { ensureAllowance } from "../../utils/erc20.js";
import { writeMarket } from "../../utils/write.js";

export interface DisputeJobParameters {
  market: Address;
  job: Job;
}

export interface DisputeJobReturnType {
  hash: Hash;
  /** The bond posted, in the job's token: `max(price × bondRatio, bondFloor)`. */
  bond: bigint;
}

/**
 * Opens a dispute on a submitted job inside its challenge window, posting the bond in the job's
 * token (approved first if needed). The verifier module for the job's class then rules.
 *
 * @example
 * const { hash, bond } = await disputeJob(walletClient, { market, job });
 */
export async function disputeJob<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account>,
  { market, job }: DisputeJobParameters,
): Promise<DisputeJobReturnType> {
  const [[params], tokenConfig] = await Promise.all([
    readContract(client, { address: market, abi: jobMarketAbi, functionName: "paramsAt", args: [job.paramsVersion] }).then(
      (p) => [p] as const,
    ),
    readContract(client, { address: market, abi: jobMarketAbi, functionName: "paymentToken", args: [job.token] }),
  ]);
  const ratioBond = (job.price * BigInt(params.bondRatioBps)) / 10_000n;
  const bond = ratioBond > tokenConfig.bondFloor ? ratioBond : tokenConfig.bondFloor;
  await ensureAllowance(client, job.token, market, bond);
  const { hash } = await writeMarket(client, market, "openDispute", [job]);
  return { hash, bond };
}
