import type { Account, Address, Chain, Client, Hash, Transport } from "viem";

import { writeMarket } from "../../utils/write.js";

export interface ClaimParameters {
  market: Address;
  token: Address;
  /** Recipient (default: the caller). */
  to?: Address;
}

export interface ClaimReturnType {
  hash: Hash;
  /** What the claim pays out. */
  amount: bigint;
}

/**
 * Claims the caller's whole balance of `token` (earnings, refunds, rewards, bond returns).
 *
 * @example
 * const { amount } = await claim(walletClient, { market, token: usdc });
 */
export async function claim<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account>,
  { market, token, to }: ClaimParameters,
): Promise<ClaimReturnType> {
  const { hash, result } = await writeMarket(client, market, "claim", [token, to ?? client.account.address]);
  return { hash, amount: result as bigint };
}
