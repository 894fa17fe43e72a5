import type { Account, Address, Chain, Client, Transport } from "viem";

import { assertHasCode, resolveAccount } from "./validate.js";

// The first steps every action takes, so that reads and writes fail the same way on the same bad
// input: the pure checks (addresses, amounts within their bounds, the account) throw before any
// request; then a market address without code throws NoContractError, for reads as for writes.

/**
 * Checks that `market` holds a contract (once per client and chain) before a read.
 *
 * @example
 * await prepareRead(client, market);
 */
export async function prepareRead(client: Client<Transport, Chain | undefined, Account | undefined>, market: Address): Promise<void> {
  await assertHasCode(client, market, "market");
}

/**
 * Resolves the signing account (the call's, else the client's: `AccountNotFoundError` if neither),
 * then checks that `market` holds a contract. Returns the account.
 *
 * @example
 * const signer = await prepareWrite(client, { market, account, action: "finalizeJob" });
 */
export async function prepareWrite(
  client: Client<Transport, Chain | undefined, Account | undefined>,
  { market, account, action }: { market: Address; account: Account | Address | undefined; action: string },
): Promise<Account> {
  const signer = resolveAccount(client, account, action);
  await assertHasCode(client, market, "market");
  return signer;
}
