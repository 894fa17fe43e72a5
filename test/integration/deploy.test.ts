/**
 * npm run deploy against a separately started node: it records the deployment, refuses to deploy
 * a second protocol, and after the node restarts (contracts gone) it needs --reset.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import hre, { network } from "hardhat";
import { getAddress } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { deploy, sampledVerifierMode } from "../../scripts/deploy.js";
import { SAMPLED_ARBITRATOR_SELECTORS, SAMPLED_PLANTER_SELECTORS, PLANTER_ROLE } from "../../scripts/deploy/SampledVerifier.js";
import { SAMPLED_VERIFIER_DEPLOY_PARAMS } from "../../scripts/deploy/samplingParams.js";
import { REDUNDANCY_ARBITRATOR_SELECTORS } from "../../scripts/deploy/Redundancy.js";
import type { DeploymentRecord } from "../../scripts/lib/cli.js";
import { startAnvil, type AnvilHandle } from "../utils/anvil.js";

const PORT = 18548;
const root = path.resolve(import.meta.dirname, "../..");

describe("npm run deploy", () => {
  let anvil: AnvilHandle;
  let dir: string;
  let local: DeploymentRecord | undefined;
  const lines: string[] = [];
  const log = (l: string) => lines.push(l);

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "depinfer-deployments-"));
    process.env.DEPINFER_DEPLOYMENTS_DIR = dir;
    anvil = await startAnvil(PORT);
  });

  afterAll(async () => {
    await anvil?.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(path.join(root, "ignition", "deployments", "depinfer-anvilDeploy"), { recursive: true, force: true });
  });

  it("sends nothing without --yes (no terminal to ask)", async () => {
    expect(await deploy(["--network", "anvilDeploy"], log)).toBeUndefined();
    expect(lines.join("\n")).toMatch(/nothing sent/i);
  });

  it("deploys and records addresses, chain id, block and versions", async () => {
    const record = await deploy(["--network", "anvilDeploy", "--yes"], log);
    const saved = JSON.parse(readFileSync(path.join(dir, "anvilDeploy", "deployment.json"), "utf8"));
    expect(saved).toEqual(record);
    expect(saved.chainId).toBe(31337);
    expect(saved.block).toBeGreaterThan(0);
    expect(saved.versions.solc).toBe("0.8.37");
    for (const key of ["market", "marketExtension", "marketDisputes", "token", "timelock", "governor", "manager", "verifier"]) {
      expect(saved.contracts[key]).toMatch(/^0x[0-9a-fA-F]{40}$/);
    }
    expect(saved.contracts).not.toHaveProperty("marketImplementation"); // no proxy, no implementation
    expect(saved.contracts.paymentTokens).toHaveLength(1);
    // The redundancy module is deployed by default and in the record (the SDK's and the node's source of its address).
    expect(saved.contracts.redundancyModule).toMatch(/^0x[0-9a-fA-F]{40}$/);
    local = record;
  });

  it("test_deploy_default_registersTheSampledVerifierForExactAndTolerantJobs", async () => {
    // The default deployment wires the sampled re-execution module at construction, before admin passes
    // to the Timelock (docs/protocol.md 7.7): EXACT and TOLERANT jobs are judged and charged the
    // verification fee by it; NONE stays with the arbitrated verifier; `rule` and `rejectVote` are the
    // ARBITRATOR's, `expose` the PLANTER's (nobody holds that role until governance grants it).
    if (!local) throw new Error("needs the deployment of the previous test");
    const { sampledVerifier, randomness, verifier, manager } = local.contracts;
    expect(sampledVerifier).toMatch(/^0x[0-9a-fA-F]{40}$/);
    expect(randomness).toMatch(/^0x[0-9a-fA-F]{40}$/);
    expect(lines.join("\n")).toContain("deployed and registered for EXACT and TOLERANT jobs");
    const connection = await network.connect({ network: "anvilDeploy" });
    try {
      const market = await connection.viem.getContractAt("IJobMarket", local.contracts.market);
      expect(await market.read.isModule([sampledVerifier!])).toBe(true);
      expect(getAddress(await market.read.verifierOf([0]))).toBe(getAddress(sampledVerifier!));
      expect(getAddress(await market.read.verifierOf([1]))).toBe(getAddress(sampledVerifier!));
      expect(getAddress(await market.read.verifierOf([2]))).toBe(getAddress(verifier));
      const [feeModule, classes] = await market.read.verificationFeeModule();
      expect([getAddress(feeModule), classes]).toEqual([getAddress(sampledVerifier!), 0b11]); // EXACT and TOLERANT
      const access = await connection.viem.getContractAt("AccessManager", manager);
      for (const selector of SAMPLED_ARBITRATOR_SELECTORS) expect(await access.read.getTargetFunctionRole([sampledVerifier!, selector])).toBe(2n);
      expect(SAMPLED_ARBITRATOR_SELECTORS).toHaveLength(2);
      expect(await access.read.getTargetFunctionRole([sampledVerifier!, SAMPLED_PLANTER_SELECTORS[0]])).toBe(PLANTER_ROLE);
      const sv = await connection.viem.getContractAt("ISampledVerifier", sampledVerifier!);
      expect((await sv.read.params()).deterrenceBps).toBe(SAMPLED_VERIFIER_DEPLOY_PARAMS.deterrenceBps);
    } finally {
      await connection.close();
    }
  });

  it("test_deploy_sampledVerifierMode_registersOnL1AndLocal_refusesOnRollups", () => {
    for (const chainId of [31337, 1, 11155111]) expect(sampledVerifierMode(chainId, undefined)).toBe("register");
    expect(sampledVerifierMode(11155111, "deploy")).toBe("deploy");
    expect(sampledVerifierMode(1, "none")).toBe("none");
    // Base Sepolia, Arbitrum Sepolia: the sequencer's prevrandao; none by default, the others refused.
    for (const chainId of [84532, 421614]) {
      expect(sampledVerifierMode(chainId, undefined)).toBe("none");
      expect(() => sampledVerifierMode(chainId, "register")).toThrow(/refused on chain \d+: .*prevrandao is the sequencer's.*VrfRandomnessAdapter.*Nothing sent/);
      expect(() => sampledVerifierMode(chainId, "deploy")).toThrow(/refused/);
    }
    expect(() => sampledVerifierMode(31337, "yes")).toThrow(/expects none, deploy or register, got "yes"/);
  });

  it("test_deploy_local_deployerIsEverything_butNoAdmin", async () => {
    // Local chains keep the one-account convenience: without a configuration the deployer is the
    // guardian (which now includes the Timelock veto), the arbitrator and the treasury, and holds the
    // whole supply; it still hands every admin role to the Timelock.
    if (!local) throw new Error("needs the deployment of the previous test");
    const connection = await network.connect({ network: "anvilDeploy" });
    try {
      const [deployer] = await connection.viem.getWalletClients();
      const me = getAddress(deployer.account.address);
      const timelock = await connection.viem.getContractAt("DepinferTimelock", local.contracts.timelock);
      const manager = await connection.viem.getContractAt("AccessManager", local.contracts.manager);
      const token = await connection.viem.getContractAt("DepinferToken", local.contracts.token);
      const market = await connection.viem.getContractAt("IJobMarket", local.contracts.market);
      expect((await manager.read.hasRole([1n, me]))[0]).toBe(true); // GUARDIAN
      expect((await manager.read.hasRole([2n, me]))[0]).toBe(true); // ARBITRATOR
      expect(getAddress((await market.read.settings())[1])).toBe(me); // treasury
      expect(await token.read.balanceOf([me])).toBe(await token.read.totalSupply());
      expect(await timelock.read.hasRole([await timelock.read.CANCELLER_ROLE(), me])).toBe(true);
      expect(await timelock.read.hasRole([await timelock.read.DEFAULT_ADMIN_ROLE(), me])).toBe(false);
      expect((await manager.read.hasRole([0n, me]))[0]).toBe(false); // ADMIN
      expect((await manager.read.hasRole([0n, local.contracts.timelock]))[0]).toBe(true);
      // The market is JobMarket itself, behind no proxy (docs/protocol.md 1.4): its code is the
      // artifact's (JobMarket has no immutables), the ERC-1967 slot is empty, and its fallback
      // delegates to the recorded extension, which only the Timelock may swap.
      const publicClient = await connection.viem.getPublicClient();
      const { deployedBytecode } = await hre.artifacts.readArtifact("JobMarket");
      expect(await publicClient.getCode({ address: local.contracts.market })).toBe(deployedBytecode);
      const erc1967 = "0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc";
      expect(BigInt((await publicClient.getStorageAt({ address: local.contracts.market, slot: erc1967 })) ?? "0x0")).toBe(0n);
      const jobMarket = await connection.viem.getContractAt("JobMarket", local.contracts.market);
      expect(await jobMarket.read.extension()).toBe(local.contracts.marketExtension);
      expect(getAddress(await connection.viem.getContractAt("JobMarketExtension", local.contracts.marketExtension).then((e) => e.read.disputes()))).toBe(
        local.contracts.marketDisputes,
      );
      // On a local chain the redundancy module is registered at deployment, and its `rule` is the ARBITRATOR's.
      expect(await market.read.isModule([local.contracts.redundancyModule!])).toBe(true);
      expect(await manager.read.getTargetFunctionRole([local.contracts.redundancyModule!, REDUNDANCY_ARBITRATOR_SELECTORS[0]])).toBe(2n);
    } finally {
      await connection.close();
    }
  });

  it("refuses to deploy a second protocol on the same network", async () => {
    await expect(deploy(["--network", "anvilDeploy", "--yes"], log)).rejects.toThrow(/already deployed.*Refusing to deploy a second protocol/);
  });

  it("after a node restart (contracts gone) it refuses without --reset, and redeploys with it", async () => {
    await anvil.stop();
    anvil = await startAnvil(PORT);
    await expect(deploy(["--network", "anvilDeploy", "--yes"], log)).rejects.toThrow(/has no code.*--reset/);
    const fresh = await deploy(["--network", "anvilDeploy", "--yes", "--reset"], log);
    expect(fresh?.contracts.market).toMatch(/^0x/);
  });

  it("sets initial parameters before admin passes to the Timelock", async () => {
    await anvil.stop();
    anvil = await startAnvil(PORT);
    const paramsFile = path.join(dir, "params.json");
    writeFileSync(paramsFile, JSON.stringify({ challengeWindow: 7200, protocolFeeBps: 50, thawingPeriod: 20 * 86400 }));
    const record = await deploy(["--network", "anvilDeploy", "--yes", "--reset", "--params", paramsFile], log);
    const connection = await network.connect({ network: "anvilDeploy" });
    const market = await connection.viem.getContractAt("IJobMarket", record!.contracts.market);
    const [params, version] = await market.read.params();
    expect(params.challengeWindow).toBe(7200);
    expect(params.protocolFeeBps).toBe(50);
    expect(params.disputeResolutionPeriod).toBe(7 * 86400); // unspecified: the default
    expect(version).toBe(2);
    expect((await market.read.settings())[2]).toBe(20 * 86400);
    await connection.close();
  });
});
