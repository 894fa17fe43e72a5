import type { Abi, Account, Address, Chain, Client, ContractFunctionArgs, ContractFunctionName, Hash, Transport } from "viem";
import { simulateContract, writeContract } from "viem/actions";

import { jobMarketAbi } from "../abis/jobMarket.js";
import { decodeDepinferError } from "../errors/contract.js";
import { decodeTokenError } from "../errors/token.js";
import { mapWalletError, withRetry } from "./transactions.js";

/** Who signs a write, and the payment token it moves (so that the token's reverts are decoded as such). */
export interface WriteOptions {
  /** The signing account (default: the client's). */
  account?: Account | undefined;
  /** The token the call transfers, if any: its reverts become `TokenRevertedError`. */
  token?: Address | undefined;
  /**
   * Decodes a revert into its typed error (default `decodeDepinferError`): a module's own decoder,
   * which falls back to the market's errors for reverts that bubbled up through the module.
   */
  decode?: ((error: unknown) => unknown) | undefined;
  /** The action named in `UserRejectedError` (default: `functionName`). */
  action?: string | undefined;
}

export type MarketWriteName = ContractFunctionName<typeof jobMarketAbi, "nonpayable">;
export type MarketWriteArgs<name extends MarketWriteName> = ContractFunctionArgs<typeof jobMarketAbi, "nonpayable", name>;

/**
 * Simulates, then sends, a call to `address` on `abi`. A call that would revert throws before
 * anything is signed or sent: a Depinfer or OpenZeppelin custom error as its typed class (for
 * example `JobWrongStatusError`, with its arguments and a hint). A request the user declines in
 * the wallet throws `UserRejectedError`; a revert from the payment token (a revert string, or an
 * ERC-20 error the protocol does not declare) `TokenRevertedError`; anything else as viem threw it.
 */
export async function simulateAndWrite<const abi extends Abi>(
  client: Client<Transport, Chain | undefined, Account | undefined>,
  address: Address,
  abi: abi,
  functionName: string,
  args: readonly unknown[],
  { account = client.account, token, decode: decodeContract = decodeDepinferError, action = functionName }: WriteOptions = {},
): Promise<{ hash: Hash; result: unknown }> {
  const decode = (error: unknown) =>
    mapWalletError(decodeContract(error) ?? (token ? decodeTokenError(error, { token, functionName }) : undefined) ?? error, action);
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
        account,
        chain: client.chain,
      } as never),
    );
  } catch (error) {
    throw decode(error);
  }
  try {
    const hash = await writeContract(client, simulated.request as never);
    return { hash, result: simulated.result };
  } catch (error) {
    throw decode(error);
  }
}

/** `simulateAndWrite` on the job market, typed by its ABI. */
export async function writeMarket<name extends MarketWriteName>(
  client: Client<Transport, Chain | undefined, Account | undefined>,
  market: Address,
  functionName: name,
  args: MarketWriteArgs<name>,
  options: WriteOptions = {},
): Promise<{ hash: Hash; result: unknown }> {
  return simulateAndWrite(client, market, jobMarketAbi, functionName, args as readonly unknown[], options);
}
