import type { Account, Address, Chain, Client, Hash, SimulateContractErrorType, Transport, WriteContractErrorType } from "viem";

import type { StakeNothingToWithdrawError } from "../../errors/contract.js";
import type { AccountNotFoundError, InvalidAddressError, NoContractError } from "../../errors/validation.js";
import { prepareWrite } from "../../utils/action.js";
import { writeMarket } from "../../utils/write.js";

export interface WithdrawStakeParameters {
  market: Address;
  /** Who signs (default: the client's account), as in viem's own actions: an `Account`, or the address of a JSON-RPC account. */
  account?: Account | Address | undefined;
}

export interface WithdrawStakeReturnType {
  hash: Hash;
  /** What the simulation withdrew, in stake-token units (the mined call withdraws the same unless more requests mature first). */
  amount: bigint;
}

/** `StakeNothingToWithdrawError` (its `nextReadyAt` says when to retry), else viem's errors. */
export type WithdrawStakeErrorType =
  | InvalidAddressError
  | AccountNotFoundError
  | NoContractError
  | StakeNothingToWithdrawError
  | SimulateContractErrorType
  | WriteContractErrorType;

/**
 * Sends the client's matured thaw requests (see {@link requestUnstake}) back to it, oldest first.
 *
 * @example
 * const { hash, amount } = await withdrawStake(providerClient, { market });
 */
export async function withdrawStake<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account | undefined>,
  { market, account }: WithdrawStakeParameters,
): Promise<WithdrawStakeReturnType> {
  const signer = await prepareWrite(client, { market, account, action: "withdrawStake" });
  const { hash, result } = await writeMarket(client, market, "withdrawStake", [], { account: signer });
  return { hash, amount: result as bigint };
}
