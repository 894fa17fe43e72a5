import type { Account, Address, Chain, Client, Hash, SimulateContractErrorType, Transport, WriteContractErrorType } from "viem";

import type { AmountZeroError, StakeInsufficientFreeError, StakeThawQueueFullError } from "../../errors/contract.js";
import type { AccountNotFoundError, InvalidAddressError, InvalidAmountError, NoContractError } from "../../errors/validation.js";
import { prepareWrite } from "../../utils/action.js";
import { assertAmount } from "../../utils/validate.js";
import { writeMarket } from "../../utils/write.js";

export interface RequestUnstakeParameters {
  market: Address;
  /** How much free stake to queue for withdrawal, in stake-token units, at most 2^96 − 1 (stake is a uint96). */
  amount: bigint;
  /** Who signs (default: the client's account), as in viem's own actions: an `Account`, or the address of a JSON-RPC account. */
  account?: Account | Address | undefined;
}

/** The hash of the `requestUnstake` transaction. */
export type RequestUnstakeReturnType = Hash;

/** The typed reverts it can throw (see `decodeDepinferError`), else viem's errors (transport, signing, ...). */
export type RequestUnstakeErrorType =
  | InvalidAddressError
  | InvalidAmountError
  | AccountNotFoundError
  | NoContractError
  | AmountZeroError
  | StakeInsufficientFreeError
  | StakeThawQueueFullError
  | SimulateContractErrorType
  | WriteContractErrorType;

/**
 * Queues `amount` of the client's free stake for withdrawal after the market's thawing period
 * (`settings().thawingPeriod`). Thawing stake no longer backs jobs but stays slashable for
 * equivocation until it is withdrawn with {@link withdrawStake}.
 *
 * @example
 * const hash = await requestUnstake(providerClient, { market, amount: 100n * 10n ** 18n });
 */
export async function requestUnstake<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account | undefined>,
  { market, amount, account }: RequestUnstakeParameters,
): Promise<RequestUnstakeReturnType> {
  assertAmount("amount", amount, { allowZero: true, bound: "uint96" }); // zero: the market's own AmountZero
  const signer = await prepareWrite(client, { market, account, action: "requestUnstake" });
  return (await writeMarket(client, market, "requestUnstake", [amount], { account: signer })).hash;
}
