import type { Abi, Account, Address, Chain, Client, Hash, Transport } from "viem";

import { sampledVerifierAbi } from "../../abis/sampledVerifier.js";
import { decodeSamplingError } from "../../errors/sampling.js";
import { writeModule } from "../writeModule.js";

/** Who signs (default: the client's account): an `Account`, or the address of a JSON-RPC account. */
export type VerifierAccount = Account | Address | undefined;

/**
 * Simulates, then sends, a call to the SampledVerifier (or a randomness source, by `abi`). A call
 * that would revert throws before anything is signed: a `SamplingContractError` (or the market's
 * typed error, for `sample`); a declined wallet request `UserRejectedError`.
 */
export async function writeSampling(
  client: Client<Transport, Chain | undefined, Account | undefined>,
  { address, functionName, args, account, action, abi = sampledVerifierAbi as Abi }: { address: Address; functionName: string; args: readonly unknown[]; account: VerifierAccount; action: string; abi?: Abi },
): Promise<{ hash: Hash; result: unknown }> {
  return writeModule(client, { abi, contract: "sampledVerifier", decode: decodeSamplingError, address, functionName, args, account, action });
}
