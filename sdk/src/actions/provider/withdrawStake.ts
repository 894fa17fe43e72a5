import type { Account, Address, Chain, Client, Hash, SimulateContractErrorType, Transport, WriteContractErrorType } from "viem";

import type { StakeNothingToWithdrawError } from "../../errors/contract.js";
import { writeMarket } from "../../utils/write.js";

export interface WithdrawStakeParameters {
  market: Address;
}

export interface WithdrawStakeReturnType {
  hash: Hash;
  /** What the simulation withdrew, in stake-token units (the mined call withdraws the same unless more requests mature first). */
  amount: bigint;
}

/** `StakeNothingToWithdrawError` (its `nextReadyAt` says when to retry), else viem's errors. */
export type WithdrawStakeErrorType = StakeNothingToWithdrawError | SimulateContractErrorType | WriteContractErrorType;

/**
 * Sends the client's matured thaw requests (see {@link requestUnstake}) back to it, oldest first.
 *
 * @example
 * const { hash, amount } = await withdrawStake(providerClient, { market });
 */
export async function withdrawStake<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account>,
  { market }: WithdrawStakeParameters,
): Promise<WithdrawStakeReturnType> {
  const { hash, result } = await writeMarket(client, market, "withdrawStake", []);
  return { hash, amount: result as bigint };
}
