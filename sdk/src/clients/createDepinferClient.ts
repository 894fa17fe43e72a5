import {
  createWalletClient,
  publicActions,
  type Account,
  type Address,
  type Chain,
  type Client,
  type PublicActions,
  type RpcSchema,
  type Transport,
  type WalletActions,
} from "viem";

import { depinferActions, type DepinferActions } from "../decorators/depinfer.js";
import { deployments } from "../deployments.js";
import type { DepinferAddresses } from "../types.js";

export interface CreateDepinferClientParameters<transport extends Transport, chain extends Chain> {
  chain: chain;
  transport: transport;
  account: Account;
  /** Addresses to use instead of (or where there is no) known deployment for `chain`. */
  deployment?: Partial<DepinferAddresses>;
}

/**
 * A viem wallet client with public actions and every Depinfer action, bound to the deployment
 * for `chain` (from deployments/, or `deployment`).
 *
 * @example
 * const depinfer = createDepinferClient({ chain: baseSepolia, transport: http(), account });
 * const { jobId, job } = await depinfer.submitJobSync({ model, input: "2 + 2", price: 1_000_000n, token: usdc });
 */
/** A wallet client with public actions and every Depinfer action. */
export type DepinferClient<transport extends Transport = Transport, chain extends Chain = Chain> = Client<
  transport,
  chain,
  Account,
  RpcSchema | undefined,
  WalletActions<chain, Account> & PublicActions<transport, chain, Account> & DepinferActions
>;

export function createDepinferClient<transport extends Transport, chain extends Chain>(
  parameters: CreateDepinferClientParameters<transport, chain>,
): DepinferClient<transport, chain> {
  const { chain, transport, account } = parameters;
  const known = (deployments as Record<number, { contracts: Record<string, string> } | undefined>)[chain.id];
  const market = parameters.deployment?.market ?? (known?.contracts.market as Address | undefined);
  if (!market) {
    throw new Error(
      `No Depinfer deployment is known for chain ${chain.id} (${chain.name}): pass { deployment: { market } } to createDepinferClient.`,
    );
  }
  return createWalletClient({ chain, transport, account })
    .extend(publicActions)
    .extend(depinferActions({ ...parameters.deployment, market })) as unknown as DepinferClient<transport, chain>;
}
