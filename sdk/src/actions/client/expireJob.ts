import type { Account, Address, Chain, Client, Hash, Transport } from "viem";

import type { Job } from "../../types.js";
import { writeMarket } from "../../utils/write.js";

export interface ExpireJobParameters {
  market: Address;
  job: Job;
}

/**
 * Expires a job with no result past its deadline: the client is refunded in full and an accepted
 * provider is slashed for liveness (paid to the client in the stake token). Anyone may call.
 *
 * @example
 * const hash = await expireJob(walletClient, { market, job });
 */
export async function expireJob<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account>,
  { market, job }: ExpireJobParameters,
): Promise<Hash> {
  return (await writeMarket(client, market, "expireJob", [job])).hash;
}
