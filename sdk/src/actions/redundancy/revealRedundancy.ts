import type { Account, Address, Chain, Client, Hash, Hex, SimulateContractErrorType, Transport, WriteContractErrorType } from "viem";

import type {
  RedundancyCommitmentMismatchError,
  RedundancyRevealClosedError,
  RedundancyRevealNotOpenError,
  RedundancySeatWrongStatusError,
  RedundancyUnknownRequestError,
  RedundancyUnknownSeatError,
  RedundancyWrongStatusError,
} from "../../errors/redundancy.js";
import type { AccountNotFoundError, InvalidAddressError, NoContractError } from "../../errors/validation.js";
import { assertAddress } from "../../utils/validate.js";
import { writeModule } from "../writeModule.js";
import { redundancyModule } from "./write.js";

export interface RevealRedundancyParameters {
  module: Address;
  id: bigint;
  seat: bigint;
  /** The output hash committed to. */
  output: Hex;
  /** The salt `commitRedundancy` returned. */
  salt: Hex;
  /** Who signs (default: the client's account). Anyone may relay a reveal. */
  account?: Account | Address | undefined;
}

export type RevealRedundancyErrorType =
  | RedundancyUnknownRequestError
  | RedundancyWrongStatusError
  | RedundancyUnknownSeatError
  | RedundancySeatWrongStatusError
  | RedundancyRevealNotOpenError
  | RedundancyRevealClosedError
  | RedundancyCommitmentMismatchError
  | InvalidAddressError
  | AccountNotFoundError
  | NoContractError
  | SimulateContractErrorType
  | WriteContractErrorType;

/**
 * Reveals a seat's output. Reveals open once every seat committed, or after the commit deadline, and
 * close at the request's `revealDeadline`; a seat that committed and does not reveal loses its collateral.
 *
 * @example
 * await revealRedundancy(providerWallet, { module, id, seat: 0n, output, salt });
 */
export async function revealRedundancy<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account | undefined>,
  parameters: RevealRedundancyParameters,
): Promise<Hash> {
  const { module, id, seat, output, salt } = parameters;
  assertAddress("module", module);
  return (await writeModule(client, { ...redundancyModule, address: module, functionName: "reveal", args: [id, seat, output, salt], account: parameters.account, action: "revealRedundancy" })).hash;
}
