import type { Account, Address, Chain, Client, Hash, Hex, SimulateContractErrorType, Transport, WriteContractErrorType } from "viem";
import { encodeAbiParameters, keccak256, toHex } from "viem";

import type { EnforcedPauseError, ModuleAllowanceExceededError, ProviderInJailError, StakeInsufficientFreeError } from "../../errors/contract.js";
import type {
  RedundancyCommitClosedError,
  RedundancyNotDistinctError,
  RedundancyNotSeatProviderError,
  RedundancySeatWrongStatusError,
  RedundancyUnknownRequestError,
  RedundancyUnknownSeatError,
  RedundancyWrongStatusError,
} from "../../errors/redundancy.js";
import type { AccountNotFoundError, InvalidAddressError, NoContractError } from "../../errors/validation.js";
import { assertAddress, resolveAccount } from "../../utils/validate.js";
import { writeModule } from "../writeModule.js";
import { redundancyModule } from "./write.js";

/**
 * The commitment a provider posts for `output` in seat `seat` of request `id`:
 * `keccak256(abi.encode(id, seat, provider, output, salt))`, as the module's `commitmentOf`.
 *
 * @example
 * const c = redundancyCommitment({ id: 1n, seat: 0n, provider, output, salt });
 */
export function redundancyCommitment({ id, seat, provider, output, salt }: { id: bigint; seat: bigint; provider: Address; output: Hex; salt: Hex }): Hex {
  return keccak256(
    encodeAbiParameters([{ type: "uint256" }, { type: "uint256" }, { type: "address" }, { type: "bytes32" }, { type: "bytes32" }], [id, seat, provider, output, salt]),
  );
}

export interface CommitRedundancyParameters {
  module: Address;
  /** The request id. */
  id: bigint;
  /** The caller's seat index in the request (its position in `providers`). */
  seat: bigint;
  /** The output hash the provider computed. It stays hidden until the reveal. */
  output: Hex;
  /** 32 random bytes (default: fresh from `crypto.getRandomValues`). Keep it: the reveal needs it. */
  salt?: Hex | undefined;
  /** Who signs (default: the client's account): the seat's provider. */
  account?: Account | Address | undefined;
}

export interface CommitRedundancyReturnType {
  hash: Hash;
  /** The salt to reveal with (persist it before anything else). */
  salt: Hex;
  commitment: Hex;
}

export type CommitRedundancyErrorType =
  | RedundancyUnknownRequestError
  | RedundancyWrongStatusError
  | RedundancyUnknownSeatError
  | RedundancyNotSeatProviderError
  | RedundancySeatWrongStatusError
  | RedundancyCommitClosedError
  | RedundancyNotDistinctError
  | ModuleAllowanceExceededError
  | StakeInsufficientFreeError
  | ProviderInJailError
  | EnforcedPauseError
  | InvalidAddressError
  | AccountNotFoundError
  | NoContractError
  | SimulateContractErrorType
  | WriteContractErrorType;

/**
 * Commits the seat's provider to a hidden output and locks the request's collateral from its stake
 * (within the allowance it gave the module: `setModuleAllowance(module, …)` on the market first).
 * Returns the salt: store it, the reveal needs it.
 *
 * @example
 * const { salt } = await commitRedundancy(providerWallet, { module, id, seat: 0n, output: sha256(outputBytes) });
 */
export async function commitRedundancy<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account | undefined>,
  parameters: CommitRedundancyParameters,
): Promise<CommitRedundancyReturnType> {
  const { module, id, seat, output } = parameters;
  assertAddress("module", module);
  const signer = resolveAccount(client, parameters.account, "commitRedundancy");
  const salt = parameters.salt ?? toHex(crypto.getRandomValues(new Uint8Array(32)));
  const commitment = redundancyCommitment({ id, seat, provider: signer.address, output, salt });
  const { hash } = await writeModule(client, { ...redundancyModule, address: module, functionName: "commit", args: [id, seat, commitment], account: signer, action: "commitRedundancy" });
  return { hash, salt, commitment };
}
