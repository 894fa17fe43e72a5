import type { Account, Address, Chain, Client, Hash, Transport } from "viem";
import { writeContract } from "viem/actions";

import { jobMarketAbi } from "../../abis/jobMarket.js";
import type { Job } from "../../types.js";

export interface FinalizeJobParameters {
  market: Address;
  job: Job;
}

/**
 * Pays the provider and settles a submitted job. The client may call at any time after submission;
 * anyone may after the challenge window.
 *
 * @example
 * const hash = await finalizeJob(walletClient, { market, job });
 */
export async function finalizeJob<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account>,
  { market, job }: FinalizeJobParameters,
): Promise<Hash> {
  return writeContract(client, {
    address: market,
    abi: jobMarketAbi,
    functionName: "finalizeJob",
    args: [job],
    account: client.account,
    chain: client.chain,
  } as never);
}
