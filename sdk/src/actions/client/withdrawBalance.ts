import type { Account, Address, Chain, Client, Hash, SimulateContractErrorType, Transport, WriteContractErrorType } from "viem";

import type { AmountZeroError, ClaimExceedsBalanceError, ZeroAddressError } from "../../errors/contract.js";
import type { TokenRevertedError } from "../../errors/token.js";
import type { AccountNotFoundError, InvalidAddressError, InvalidAmountError, NoContractError } from "../../errors/validation.js";
import { prepareWrite } from "../../utils/action.js";
import { assertAddress, assertAmount } from "../../utils/validate.js";
import { writeMarket } from "../../utils/write.js";

export interface WithdrawBalanceParameters {
  market: Address;
  token: Address;
  /** In `token` units, at most 2^128 − 1 (the market keeps balances in a uint128). */
  amount: bigint;
  /** Recipient (default: the caller). A blocklisted caller can withdraw to another address. */
  to?: Address;
  /** Who signs (default: the client's account), as in viem's own actions: an `Account`, or the address of a JSON-RPC account. */
  account?: Account | Address | undefined;
}

/** Refused before any request: bad addresses, an amount above its uint128 bound, no account; then `NoContractError`, the market's typed reverts, or the token's. */
export type WithdrawBalanceErrorType =
  | InvalidAddressError
  | InvalidAmountError
  | AccountNotFoundError
  | NoContractError
  | ZeroAddressError
  | AmountZeroError
  | ClaimExceedsBalanceError
  | TokenRevertedError
  | SimulateContractErrorType
  | WriteContractErrorType;

/**
 * Withdraws `amount` of the caller's balance (deposits, refunds, earnings) in `token`.
 *
 * @example
 * const hash = await withdrawBalance(walletClient, { market, token: usdc, amount: 5_000_000n });
 */
export async function withdrawBalance<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account | undefined>,
  { market, token, amount, to, account }: WithdrawBalanceParameters,
): Promise<Hash> {
  assertAddress("token", token);
  assertAmount("amount", amount, { allowZero: true, bound: "uint128" }); // zero: the market's own AmountZero
  if (to !== undefined) assertAddress("to", to);
  const signer = await prepareWrite(client, { market, account, action: "withdrawBalance" });
  return (await writeMarket(client, market, "withdraw", [token, amount, to ?? signer.address], { account: signer, token })).hash;
}
