import type { Account, Address, Chain, Client, Hash, SimulateContractErrorType, Transport, WriteContractErrorType } from "viem";

import type { AmountZeroError, StakeInsufficientFreeError, StakeThawQueueFullError } from "../../errors/contract.js";
import { writeMarket } from "../../utils/write.js";

export interface RequestUnstakeParameters {
  market: Address;
  /** How much free stake to queue for withdrawal, in stake-token units. */
  amount: bigint;
}

/** The hash of the `requestUnstake` transaction. */
export type RequestUnstakeReturnType = Hash;

/** The typed reverts it can throw (see `decodeDepinferError`), else viem's errors (transport, signing, ...). */
export type RequestUnstakeErrorType =
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
  client: Client<Transport, chain, Account>,
  { market, amount }: RequestUnstakeParameters,
): Promise<RequestUnstakeReturnType> {
  return (await writeMarket(client, market, "requestUnstake", [amount])).hash;
}
