import type { Account, Address, Chain, Client, Hash, SimulateContractErrorType, Transport, WriteContractErrorType } from "viem";

import type {
  ModuleAllowanceExceededError,
  SessionAmountZeroError,
  SessionCollateralNotIdleError,
  StakeInsufficientFreeError,
} from "../../errors/contract.js";
import type { AccountNotFoundError, InvalidAddressError, InvalidAmountError, NoContractError } from "../../errors/validation.js";
import { assertAmount } from "../../utils/validate.js";
import { writeModule } from "../writeModule.js";
import { sessionsModule } from "./common.js";

export interface SessionCollateralParameters {
  sessions: Address;
  /** Stake-token units. */
  amount: bigint;
  account?: Account | Address | undefined;
}

/** Refused before any request (bad amount, no account), or the module's and the market's typed reverts. */
export type SessionCollateralErrorType =
  | InvalidAddressError
  | InvalidAmountError
  | AccountNotFoundError
  | NoContractError
  | SessionAmountZeroError
  | SessionCollateralNotIdleError
  | ModuleAllowanceExceededError
  | StakeInsufficientFreeError
  | SimulateContractErrorType
  | WriteContractErrorType;

/**
 * A provider locks `amount` more of its free stake for its payment sessions (its collateral pool with the module):
 * settlements then draw on it without a call to the market, which makes each settle cheaper. Needs the module's
 * allowance in the market (`setModuleAllowance`); `ModuleAllowanceExceededError` says by how much it falls short.
 *
 * @example
 * await lockSessionCollateral(providerWallet, { sessions, amount: 1_000n * 10n ** 18n });
 */
export async function lockSessionCollateral<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account | undefined>,
  { sessions, amount, account }: SessionCollateralParameters,
): Promise<{ hash: Hash }> {
  assertAmount("amount", amount, { bound: "uint96" });
  const { hash } = await writeModule(client, { ...sessionsModule, address: sessions, functionName: "lockCollateral", args: [amount], account, action: "lockSessionCollateral" });
  return { hash };
}

/**
 * A provider unlocks `amount` of the idle part of its collateral pool (what backs no pending settlement): the stake
 * is free again in the market. `SessionCollateralNotIdleError` says how much is idle.
 *
 * @example
 * const { locked, used } = await publicClient.readContract({ address: sessions, abi: paymentSessionsAbi, functionName: "collateralPool", args: [provider] });
 * await unlockSessionCollateral(providerWallet, { sessions, amount: locked - used });
 */
export async function unlockSessionCollateral<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account | undefined>,
  { sessions, amount, account }: SessionCollateralParameters,
): Promise<{ hash: Hash }> {
  assertAmount("amount", amount, { bound: "uint96" });
  const { hash } = await writeModule(client, { ...sessionsModule, address: sessions, functionName: "unlockCollateral", args: [amount], account, action: "unlockSessionCollateral" });
  return { hash };
}
