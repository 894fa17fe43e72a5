import type { Abi, Account, Address, Chain, Client, ContractFunctionArgs, ContractFunctionName, Hash, Transport } from "viem";
import { simulateContract, writeContract } from "viem/actions";

import { jobMarketAbi } from "../abis/jobMarket.js";
import { decodeDepinferError } from "../errors/contract.js";

export type MarketWriteName = ContractFunctionName<typeof jobMarketAbi, "nonpayable">;
export type MarketWriteArgs<name extends MarketWriteName> = ContractFunctionArgs<typeof jobMarketAbi, "nonpayable", name>;

/**
 * Simulates, then sends, a call to `address` on `abi`. A call that would revert throws before
 * anything is signed or sent: a Depinfer or OpenZeppelin custom error as its typed class (for
 * example `JobWrongStatusError`, with its arguments and a hint), anything else as viem threw it.
 */
export async function simulateAndWrite<const abi extends Abi>(
  client: Client<Transport, Chain | undefined, Account>,
  address: Address,
  abi: abi,
  functionName: string,
  args: readonly unknown[],
): Promise<{ hash: Hash; result: unknown }> {
  try {
    const { request, result } = await simulateContract(client, {
      address,
      abi: abi as Abi,
      functionName,
      args,
      account: client.account,
      chain: client.chain,
    } as never);
    const hash = await writeContract(client, request as never);
    return { hash, result };
  } catch (error) {
    throw decodeDepinferError(error) ?? error;
  }
}

/** `simulateAndWrite` on the job market, typed by its ABI. */
export async function writeMarket<name extends MarketWriteName>(
  client: Client<Transport, Chain | undefined, Account>,
  market: Address,
  functionName: name,
  args: MarketWriteArgs<name>,
): Promise<{ hash: Hash; result: unknown }> {
  return simulateAndWrite(client, market, jobMarketAbi, functionName, args as readonly unknown[]);
}
