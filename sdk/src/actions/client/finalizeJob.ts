import type { Account, Address, Chain, Client, Hash, Transport } from "viem";
import type { Job } from "../../types.js";
import { writeMarket } from "../../utils/write.js";

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
  return (await writeMarket(client, market, "finalizeJob", [job])).hash;
}
