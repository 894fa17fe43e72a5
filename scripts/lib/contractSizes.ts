/**
 * The contracts a deployment puts on chain, and the size they must stay under. Shared by the gas
 * bench (which measures the deployed code) and test/integration/contractSizes.test.ts (which fails
 * the build when a compiled contract outgrows the limit).
 */
import { size, type Address, type Hex } from "viem";

/** EIP-170: no contract's runtime code may exceed 24,576 bytes (0x6000); a deployment over it fails. */
export const EIP170_LIMIT = 24_576;

/**
 * The project's limit, 2,076 bytes below EIP-170: a release that adds a function or a check to a
 * contract near the hard limit must not find it cannot deploy. A contract over it is split (as the
 * market's disputes code was split out of its extension) before it ships.
 */
export const CONTRACT_SIZE_LIMIT = 22_500;

/**
 * Every contract the deployment module (scripts/deploy/Depinfer.ts) deploys, by its key in the
 * module's result, and its artifact name. Test tokens (local chains only) are not counted.
 */
export const DEPLOYED_CONTRACTS = {
  jobMarket: "JobMarket",
  extension: "JobMarketExtension",
  disputes: "JobMarketDisputes",
  verifier: "ArbitratedVerifier",
  sessions: "PaymentSessions",
  sessionDisputes: "PaymentSessionsDisputes",
  token: "DepinferToken",
  governor: "DepinferGovernor",
  timelock: "DepinferTimelock",
  manager: "AccessManager",
  redundancyModule: "RedundancyModule",
} as const;

export type DeployedContractName = (typeof DEPLOYED_CONTRACTS)[keyof typeof DEPLOYED_CONTRACTS];

/** The size in bytes of runtime code given as hex (`0x` for none). */
export function codeSize(code: Hex | undefined): number {
  return code && code !== "0x" ? size(code) : 0;
}

/**
 * The runtime code size of each deployed contract, read from the chain at the addresses the
 * deployment returned (`deployProtocol(...).deployed`), by artifact name.
 */
export async function deployedSizes(
  getCode: (address: Address) => Promise<Hex | undefined>,
  deployed: Record<string, Address>,
): Promise<Record<DeployedContractName, number>> {
  const sizes = {} as Record<DeployedContractName, number>;
  for (const [key, name] of Object.entries(DEPLOYED_CONTRACTS)) {
    const address = deployed[key];
    if (!address) throw new Error(`the deployment returned no "${key}" (${name}): is DEPLOYED_CONTRACTS in step with scripts/deploy/Depinfer.ts?`);
    sizes[name] = codeSize(await getCode(address));
  }
  return sizes;
}
