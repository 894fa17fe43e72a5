/**
 * A protocol with the sampled re-execution module deployed and registered for EXACT jobs, through the
 * production Ignition module's optional part (scripts/deploy/SampledVerifier.ts) with the simulation's
 * parameters, and its fund stocked with the payment token.
 */
import type { Address } from "viem";

import { buildDepinferModule } from "../../scripts/deploy/Depinfer.js";
import type { SampledVerifierParams } from "../../scripts/deploy/SampledVerifier.js";
import { deployProtocol, providerNodes, USDC, type Connection } from "../../scripts/lib/harness.js";
import { SAMPLED_VERIFIER_DEPLOY_PARAMS } from "../../scripts/deploy/samplingParams.js";

export const EPOCH = 60;

export async function deploySampling(connection: Connection, { randomness = "prevrandao" as "prevrandao" | "mock", fund = 10_000n * USDC, params = {} as Partial<SampledVerifierParams>, deploymentId = undefined as string | undefined } = {}) {
  const module = buildDepinferModule({
    paymentTokens: [{ token: "mockUSDC", bondFloor: 1_000_000n, stakeRate: 10n ** 30n }],
    sampledVerifier: { params: { ...SAMPLED_VERIFIER_DEPLOY_PARAMS, ...params }, randomness, epochLength: EPOCH, register: true },
  });
  const p = await deployProtocol(connection, module as never, deploymentId ? { deploymentId } : {});
  const { viem } = connection;
  const sv = await viem.getContractAt("ISampledVerifier", p.deployed.sampledVerifier as Address);
  const [deployer] = await viem.getWalletClients();
  await p.usdc.write.mint([deployer.account.address, fund]);
  await p.usdc.write.approve([sv.address, fund]);
  await sv.write.fund([p.usdc.address, fund]);
  return { ...p, sv, randomness: p.deployed.randomness as Address };
}

/** Provider nodes on a sampling deployment (see `providerNodes`), those with `verifier: true` verifiers of its module. */
export function samplingNodes(connection: Connection, sv: Awaited<ReturnType<typeof deploySampling>>, price: bigint) {
  return providerNodes(connection, sv, { price, verifierAddress: sv.sv.address, dirPrefix: "depinfer-verifier" });
}
