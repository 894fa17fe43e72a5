import type { Account, Address, Chain, Client, Hash, SimulateContractErrorType, Transport, WriteContractErrorType } from "viem";

import type { AmountZeroError, EnforcedPauseError, FeeOnTransferTokenError, PaymentTokenNotAllowedError, SafeCastOverflowedUintDowncastError } from "../../errors/contract.js";
import type { TokenRevertedError } from "../../errors/token.js";
import type {
  AccountNotFoundError,
  InsufficientBalanceError,
  InvalidAddressError,
  InvalidAmountError,
  NoContractError,
  TransactionRevertedError,
} from "../../errors/validation.js";
import { prepareWrite } from "../../utils/action.js";
import { ensureAllowance } from "../../utils/erc20.js";
import { assertAddress, assertAmount, assertFunds, assertHasCode } from "../../utils/validate.js";
import { writeMarket } from "../../utils/write.js";

export interface DepositBalanceParameters {
  market: Address;
  token: Address;
  /** In `token` units, at most 2^128 − 1 (the market keeps balances in a uint128). */
  amount: bigint;
  /** Who signs (default: the client's account), as in viem's own actions: an `Account`, or the address of a JSON-RPC account. */
  account?: Account | Address | undefined;
}

/**
 * Refused before any request: a bad address, an amount above the uint128 bound
 * (`InvalidAmountError`), no account; then `NoContractError` for a market or token without code;
 * a token that refuses the approval (`TokenRevertedError`), or the market's typed reverts.
 */
export type DepositBalanceErrorType =
  | InvalidAddressError
  | InvalidAmountError
  | AccountNotFoundError
  | NoContractError
  | InsufficientBalanceError
  | TokenRevertedError
  | TransactionRevertedError
  | PaymentTokenNotAllowedError
  | AmountZeroError
  | EnforcedPauseError
  | FeeOnTransferTokenError
  | SafeCastOverflowedUintDowncastError
  | SimulateContractErrorType
  | WriteContractErrorType;

/**
 * Prepays `amount` of `token` into the caller's balance in the market, to pay for jobs with
 * `submitJob({ fromBalance: true })` without a token transfer each time. Approves first if needed
 * (a USDT-style token whose allowance is non-zero is set to 0 first, as it requires).
 *
 * @example
 * const hash = await depositBalance(walletClient, { market, token: usdc, amount: 100_000_000n });
 */
export async function depositBalance<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account | undefined>,
  { market, token, amount, account }: DepositBalanceParameters,
): Promise<Hash> {
  assertAddress("token", token);
  assertAmount("amount", amount, { allowZero: true, bound: "uint128" }); // zero: the market's own AmountZero
  const signer = await prepareWrite(client, { market, account, action: "depositBalance" });
  await assertHasCode(client, token, "token");
  // A short balance is refused before an approval is spent on it.
  await assertFunds(client, { token, account: signer.address, amount, checkAllowance: false });
  await ensureAllowance(client, token, market, amount, { account: signer });
  return (await writeMarket(client, market, "deposit", [token, amount], { account: signer, token })).hash;
}
