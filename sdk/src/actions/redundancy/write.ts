import type { Account, Chain, Client, Address, Hash, Transport } from "viem";

import { redundancyModuleAbi } from "../../abis/redundancyModule.js";
import { decodeRedundancyError } from "../../errors/redundancy.js";
import { simulateAndWrite, type WriteOptions } from "../../utils/write.js";
import type { WriteModuleTarget } from "../writeModule.js";

/** The redundancy module as a {@link writeModule} target: its ABI, its parameter name, its revert decoder. */
export const redundancyModule = { abi: redundancyModuleAbi, contract: "module", decode: decodeRedundancyError } as const satisfies WriteModuleTarget;

/**
 * Simulates, then sends, a call to the redundancy module. A revert throws before anything is sent, as
 * its typed error: the module's own (`RedundancyRevealClosedError`, ...) or the market's when it bubbled
 * up through the module (`ModuleAllowanceExceededError`, ...).
 *
 * @example
 * const { hash } = await writeRedundancy(wallet, module, "settle", [1n]);
 */
export async function writeRedundancy(
  client: Client<Transport, Chain | undefined, Account | undefined>,
  module: Address,
  functionName: string,
  args: readonly unknown[],
  options: WriteOptions = {},
): Promise<{ hash: Hash; result: unknown }> {
  return simulateAndWrite(client, module, redundancyModuleAbi, functionName, args, { decode: decodeRedundancyError, ...options });
}
