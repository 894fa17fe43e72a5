import type { Abi, Account, Address, Chain, Client, Hash, Transport } from "viem";

import { resolveAccount, assertHasCode } from "../utils/validate.js";
import { simulateAndWrite } from "../utils/write.js";

/** A module contract the SDK writes to: its ABI, its name in `NoContractError`, and the decoder of its reverts. */
export interface WriteModuleTarget {
  abi: Abi;
  /** The parameter name a `NoContractError` or `InvalidAddressError` names (`"sampledVerifier"`, `"module"`, …). */
  contract: string;
  /** The module's revert decoder (its own typed errors, then the market's); default `decodeDepinferError`. */
  decode?: ((error: unknown) => unknown) | undefined;
}

export interface WriteModuleParameters extends WriteModuleTarget {
  address: Address;
  functionName: string;
  args: readonly unknown[];
  /** Who signs: an `Account`, the address of a JSON-RPC account, or (undefined) the client's. */
  account: Account | Address | undefined;
  /** The action's name, as `AccountNotFoundError` and `UserRejectedError` report it. */
  action: string;
  /** The token the call transfers, if any: its reverts become `TokenRevertedError`. */
  token?: Address | undefined;
}

/**
 * The one shape of every module write action: resolve the signer (the call's account, else the
 * client's), check that the module has code (cached per client), then simulate and send. A call that
 * would revert throws before anything is signed, as the module's typed error (by `decode`); a
 * declined wallet request throws `UserRejectedError`; a payment token's revert `TokenRevertedError`.
 * Returns the hash, the simulated return value and the signer.
 *
 * @example
 * const { hash } = await writeModule(wallet, {
 *   abi: sampledVerifierAbi, contract: "sampledVerifier", decode: decodeSamplingError,
 *   address: sampledVerifier, functionName: "postBond", args: [amount], account: undefined, action: "postSamplingBond",
 * });
 */
export async function writeModule(
  client: Client<Transport, Chain | undefined, Account | undefined>,
  { abi, contract, decode, address, functionName, args, account, action, token }: WriteModuleParameters,
): Promise<{ hash: Hash; result: unknown; account: Account }> {
  const signer = resolveAccount(client, account, action);
  await assertHasCode(client, address, contract);
  const { hash, result } = await simulateAndWrite(client, address, abi, functionName, args, { account: signer, token, decode, action });
  return { hash, result, account: signer };
}
