import type { Address, Chain } from "viem";

import { deployments } from "../deployments.js";
import { DeploymentNotFoundError } from "../errors/validation.js";
import type { DepinferAddresses } from "../types.js";
import { assertAddress } from "../utils/validate.js";

/** A table of deployments by chain id, as `deployments` (generated from deployments/ by `npm run gen`). */
export type DeploymentTable = Readonly<Record<number, { readonly network: string; readonly block: number; readonly contracts: Readonly<Record<string, unknown>> }>>;

export interface ResolveDeploymentParameters {
  /** The client's chain (undefined for a client without one). */
  chain: Pick<Chain, "id" | "name"> | undefined;
  /** Addresses given by the caller: each one wins over the shipped deployment's. */
  deployment?: Partial<DepinferAddresses> | undefined;
  /** The shipped deployments (default: the package's `deployments`). */
  known?: DeploymentTable | undefined;
}

/**
 * The Depinfer addresses for a client: the deployment that ships with the package for its chain,
 * with any address in `deployment` taking precedence. Throws `DeploymentNotFoundError`, saying
 * which was looked for, when neither gives a market; `InvalidAddressError` for a malformed one.
 *
 * @example
 * const { market } = resolveDeployment({ chain: client.chain, deployment: { market: "0x…" } });
 */
export function resolveDeployment({ chain, deployment, known = deployments }: ResolveDeploymentParameters): DepinferAddresses {
  const shipped = chain === undefined ? undefined : known[chain.id]?.contracts;
  const pick = (key: keyof DepinferAddresses) => (deployment?.[key] ?? shipped?.[key]) as Address | undefined;
  const market = pick("market");
  if (market === undefined)
    throw new DeploymentNotFoundError({
      chainId: chain?.id,
      chainName: chain?.name,
      knownChainIds: Object.keys(known).map(Number),
      deploymentGiven: deployment !== undefined,
    });
  assertAddress("deployment.market", market);
  const verifier = pick("verifier");
  const token = pick("token");
  const sessions = pick("sessions");
  if (sessions !== undefined) assertAddress("deployment.sessions", sessions);
  const redundancyModule = pick("redundancyModule");
  if (redundancyModule !== undefined) assertAddress("deployment.redundancyModule", redundancyModule);
  return { market, ...(verifier ? { verifier } : {}), ...(token ? { token } : {}), ...(sessions ? { sessions } : {}), ...(redundancyModule ? { redundancyModule } : {}) };
}
