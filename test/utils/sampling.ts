/**
 * A protocol with the sampled re-execution module deployed and registered for EXACT jobs, through the
 * production Ignition module's optional part (scripts/deploy/SampledVerifier.ts) with the simulation's
 * parameters, and its fund stocked with the payment token.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import type { Address, Hex } from "viem";

import { buildDepinferModule } from "../../scripts/deploy/Depinfer.js";
import type { SampledVerifierParams } from "../../scripts/deploy/SampledVerifier.js";
import { createInProcessNode, deployProtocol, DPI, setUpNodeProvider, USDC, type Connection } from "../../scripts/lib/harness.js";
import type { InferenceBackend, ProviderNode } from "../../provider/src/index.js";
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

/**
 * Provider nodes on a sampling deployment: each a fresh provider staked 1,000 DPI and offering `model` at
 * `price`, in its own data directory, in-process, optionally a verifier of the module. `stop` stops them
 * all and removes their directories.
 */
export function samplingNodes(connection: Connection, sv: Awaited<ReturnType<typeof deploySampling>>, price: bigint) {
  const nodes: ProviderNode[] = [];
  const dirs: string[] = [];
  return {
    async start(name: string, { model, verifier = false, backend, config = {} }: { model: Hex; verifier?: boolean; backend?: InferenceBackend; config?: Record<string, unknown> }) {
      const [deployer] = await connection.viem.getWalletClients();
      const key = await setUpNodeProvider(connection, sv, deployer, { model, price, stake: 1_000n * DPI });
      const dataDir = mkdtempSync(path.join(tmpdir(), `depinfer-verifier-${name}-`));
      dirs.push(dataDir);
      const node = await createInProcessNode(connection, sv.market.address, {
        privateKey: key.privateKey,
        model,
        token: sv.usdc.address,
        price,
        dataDir,
        config: { claimIntervalMs: 1000, ...(verifier && { verifier: { enabled: true, address: sv.sv.address } }), ...config },
        ...(backend && { backend }),
      });
      nodes.push(node);
      await node.start();
      return { node, address: key.address, dataDir };
    },
    async stop() {
      await Promise.allSettled(nodes.map((n) => n.stop()));
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    },
  };
}
