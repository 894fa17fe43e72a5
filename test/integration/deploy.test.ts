/**
 * npm run deploy against a separately started node: it records the deployment, refuses to deploy
 * a second protocol, and after the node restarts (contracts gone) it needs --reset.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { network } from "hardhat";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { deploy } from "../../scripts/deploy.js";
import { startAnvil, type AnvilHandle } from "../utils/anvil.js";

const PORT = 18548;
const root = path.resolve(import.meta.dirname, "../..");

describe("npm run deploy", () => {
  let anvil: AnvilHandle;
  let dir: string;
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
    for (const key of ["market", "marketImplementation", "marketExtension", "token", "timelock", "governor", "manager", "verifier"]) {
      expect(saved.contracts[key]).toMatch(/^0x[0-9a-fA-F]{40}$/);
    }
    expect(saved.contracts.paymentTokens).toHaveLength(1);
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
