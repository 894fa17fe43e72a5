import type { Account, Address, Chain, Client, Hash, Transport } from "viem";

import { writeMarket } from "../../utils/write.js";

export interface WithdrawBalanceParameters {
  market: Address;
  token: Address;
  amount: bigint;
  /** Recipient (default: the caller). A blocklisted caller can withdraw to another address. */
  to?: Address;
}

/**
 * Withdraws `amount` of the caller's balance (deposits, refunds, earnings) in `token`.
 *
 * @example
 * const hash = await withdrawBalance(walletClient, { market, token: usdc, amount: 5_000_000n });
 */
export async function withdrawBalance<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account>,
  { market, token, amount, to }: WithdrawBalanceParameters,
): Promise<Hash> {
  return (await writeMarket(client, market, "withdraw", [token, amount, to ?? client.account.address])).hash;
}
