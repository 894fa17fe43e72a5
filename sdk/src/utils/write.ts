import type { Abi, Account, Address, Chain, Client, ContractFunctionArgs, ContractFunctionName, Hash, Transport } from "viem";
import { simulateContract, writeContract } from "viem/actions";

import { jobMarketAbi } from "../abis/jobMarket.js";
import { decodeDepinferError } from "../errors/contract.js";
import { mapWalletError, withRetry } from "./transactions.js";

export type MarketWriteName = ContractFunctionName<typeof jobMarketAbi, "nonpayable">;
export type MarketWriteArgs<name extends MarketWriteName> = ContractFunctionArgs<typeof jobMarketAbi, "nonpayable", name>;

/**
 * Simulates, then sends, a call to `address` on `abi`. A call that would revert throws before
 * anything is signed or sent: a Depinfer or OpenZeppelin custom error as its typed class (for
 * example `JobWrongStatusError`, with its arguments and a hint). A request the user declines in
 * the wallet throws `UserRejectedError`; anything else as viem threw it.
 */
export async function simulateAndWrite<const abi extends Abi>(
  client: Client<Transport, Chain | undefined, Account>,
  address: Address,
  abi: abi,
  functionName: string,
  args: readonly unknown[],
): Promise<{ hash: Hash; result: unknown }> {
  // Reads may be retried on transient RPC errors; the send is never repeated (a timeout does not
  // prove a transaction was not broadcast).
  let simulated: { request: unknown; result: unknown };
  try {
    simulated = await withRetry(() =>
      simulateContract(client, {
        address,
        abi: abi as Abi,
        functionName,
        args,
        account: client.account,
        chain: client.chain,
      } as never),
    );
  } catch (error) {
    throw mapWalletError(decodeDepinferError(error) ?? error, functionName);
  }
  try {
    const hash = await writeContract(client, simulated.request as never);
    return { hash, result: simulated.result };
  } catch (error) {
    throw mapWalletError(decodeDepinferError(error) ?? error, functionName);
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
