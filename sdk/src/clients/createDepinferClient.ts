import {
  createWalletClient,
  publicActions,
  type Account,
  type Chain,
  type Client,
  type PublicActions,
  type RpcSchema,
  type Transport,
  type WalletActions,
} from "viem";

import { depinferActions, type DepinferActions } from "../decorators/depinfer.js";
import type { DepinferAddresses } from "../types.js";
import { resolveDeployment } from "./deployment.js";

export interface CreateDepinferClientParameters<transport extends Transport, chain extends Chain> {
  chain: chain;
  transport: transport;
  account: Account;
  /** Addresses to use instead of (or where there is no) deployment shipped in the package for `chain`. */
  deployment?: Partial<DepinferAddresses>;
}

/** A wallet client with public actions and every Depinfer action. */
export type DepinferClient<transport extends Transport = Transport, chain extends Chain = Chain> = Client<
  transport,
  chain,
  Account,
  RpcSchema | undefined,
  WalletActions<chain, Account> & PublicActions<transport, chain, Account> & DepinferActions
>;

/**
 * A viem wallet client with public actions and every Depinfer action, bound to the deployment for
 * `chain`: the one that ships in the package for a known network, with any address in
 * `deployment` taking precedence. With neither, it throws `DeploymentNotFoundError`, which says
 * which of the two was missing, before any request.
 *
 * @example
 * const depinfer = createDepinferClient({ chain: baseSepolia, transport: http(), account, deployment: { market } });
 * const { jobId, job } = await depinfer.submitJobSync({ model, input: "2 + 2", price: 1_000_000n, token: usdc });
 */
export function createDepinferClient<transport extends Transport, chain extends Chain>(
  parameters: CreateDepinferClientParameters<transport, chain>,
): DepinferClient<transport, chain> {
  const { chain, transport, account } = parameters;
  const addresses = resolveDeployment({ chain, deployment: parameters.deployment });
  return createWalletClient({ chain, transport, account })
    .extend(publicActions)
    .extend(depinferActions(addresses)) as unknown as DepinferClient<transport, chain>;
}
