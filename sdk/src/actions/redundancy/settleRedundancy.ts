import type { Account, Address, Chain, Client, Hash, SimulateContractErrorType, Transport, WriteContractErrorType } from "viem";

import type {
  RedundancyNotMinorityError,
  RedundancyNotSeatProviderError,
  RedundancyNotSettleableError,
  RedundancyPhaseClosedError,
  RedundancyUnknownRequestError,
  RedundancyUnknownSeatError,
  RedundancyWrongStatusError,
} from "../../errors/redundancy.js";
import type { AccountNotFoundError, InvalidAddressError, NoContractError } from "../../errors/validation.js";
import { assertAddress } from "../../utils/validate.js";
import { writeModule } from "../writeModule.js";
import { redundancyModule } from "./write.js";

export interface SettleRedundancyParameters {
  module: Address;
  id: bigint;
  /** Who signs (default: the client's account). Anyone may settle. */
  account?: Account | Address | undefined;
}

export type SettleRedundancyErrorType =
  | RedundancyUnknownRequestError
  | RedundancyWrongStatusError
  | RedundancyNotSettleableError
  | InvalidAddressError
  | AccountNotFoundError
  | NoContractError
  | SimulateContractErrorType
  | WriteContractErrorType;

/**
 * Moves a request on: after the reveals, pays agreement (or opens a contest or arbitration), slashes
 * seats that committed and never revealed, refunds absent seats; after an unappealed contest, pays the
 * majority and slashes the minority; after an arbitration nobody ruled on, releases and refunds.
 * `RedundancyNotSettleableError.args.readyAt` says when to retry.
 *
 * @example
 * await settleRedundancy(wallet, { module, id });
 */
export async function settleRedundancy<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account | undefined>,
  parameters: SettleRedundancyParameters,
): Promise<Hash> {
  assertAddress("module", parameters.module);
  const { module, id, account } = parameters;
  return (await writeModule(client, { ...redundancyModule, address: module, functionName: "settle", args: [id], account, action: "settleRedundancy" })).hash;
}

export interface AppealRedundancyParameters extends SettleRedundancyParameters {
  /** The caller's seat, outvoted in a contested EXACT request. */
  seat: bigint;
}

export type AppealRedundancyErrorType =
  | RedundancyUnknownRequestError
  | RedundancyWrongStatusError
  | RedundancyUnknownSeatError
  | RedundancyNotSeatProviderError
  | RedundancyPhaseClosedError
  | RedundancyNotMinorityError
  | InvalidAddressError
  | AccountNotFoundError
  | NoContractError
  | SimulateContractErrorType
  | WriteContractErrorType;

/**
 * Sends a contested EXACT request to the arbiter, as the outvoted seat's provider, before its
 * `phaseDeadline`. Without an appeal the minority is slashed when the contest ends.
 *
 * @example
 * await appealRedundancy(providerWallet, { module, id, seat: 2n });
 */
export async function appealRedundancy<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account | undefined>,
  parameters: AppealRedundancyParameters,
): Promise<Hash> {
  assertAddress("module", parameters.module);
  const { module, id, seat, account } = parameters;
  return (await writeModule(client, { ...redundancyModule, address: module, functionName: "appeal", args: [id, seat], account, action: "appealRedundancy" })).hash;
}
