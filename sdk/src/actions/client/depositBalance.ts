import type { Account, Address, Chain, Client, Hash, Transport } from "viem";

import { ensureAllowance } from "../../utils/erc20.js";
import { writeMarket } from "../../utils/write.js";

export interface DepositBalanceParameters {
  market: Address;
  token: Address;
  amount: bigint;
}

/**
 * Prepays `amount` of `token` into the caller's balance in the market, to pay for jobs with
 * `submitJob({ fromBalance: true })` without a token transfer each time. Approves first if needed.
 *
 * @example
 * const hash = await depositBalance(walletClient, { market, token: usdc, amount: 100_000_000n });
 */
export async function depositBalance<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account>,
  { market, token, amount }: DepositBalanceParameters,
): Promise<Hash> {
  await ensureAllowance(client, token, market, amount);
  return (await writeMarket(client, market, "deposit", [token, amount])).hash;
}
