/**
 * The main client flow against a separate node process over HTTP: the test starts anvil (from the
 * @foundry-rs/anvil npm package), deploys the protocol with the production Ignition module, runs
 * a paid job end to end through the SDK, and stops the node.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

import { network } from "hardhat";
import { http, type Chain } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import depinferModule from "../../scripts/deploy/Depinfer.js";
import { deployProtocol, DPI, registerModel, setUpProvider, USDC, type Connection } from "../../scripts/lib/harness.js";
import { createDepinferClient, MemoryContentStore } from "../src/index.js";

const PORT = 18545;
const URL = `http://127.0.0.1:${PORT}`;
const root = path.resolve(import.meta.dirname, "../..");
const deploymentId = `anvil-test-${process.pid}-${Date.now()}`;

async function waitForNode(url: string, timeoutMs: number) {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      });
      if (res.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`anvil did not answer on ${url} within ${timeoutMs} ms`);
}

describe("SDK over HTTP against a separate anvil process", () => {
  let anvil: ChildProcess;
  let connection: Connection;

  beforeAll(async () => {
    const bin = path.join(path.dirname(createRequire(import.meta.url).resolve("@foundry-rs/anvil/package.json")), "bin.mjs");
    anvil = spawn(process.execPath, [bin, "--port", String(PORT), "--host", "127.0.0.1", "--silent"], { stdio: "ignore" });
    await waitForNode(URL, 20_000);
    connection = (await network.create({ network: "anvilTest" })) as Connection;
  });

  afterAll(async () => {
    await connection?.close?.();
    anvil?.kill("SIGTERM");
    rmSync(path.join(root, "ignition", "deployments", deploymentId), { recursive: true, force: true });
  });

  it("deploys, submits a job, attests, waits for the verified result and finalizes", async () => {
    const { viem } = connection;
    const [deployer, provider, signer, client] = await viem.getWalletClients();
    const p = await deployProtocol(connection, depinferModule, { deploymentId });
    const { market, usdc } = p;
    const model = await registerModel(p, deployer, "anvil-model");
    await setUpProvider(p, deployer, provider, signer.account.address, model, 2n * USDC, 1_000n * DPI);
    await usdc.write.mint([client.account.address, 10n * USDC]);

    const chain = (await viem.getPublicClient()).chain as Chain;
    const deployment = { market: market.address };
    const alice = createDepinferClient({ chain, transport: http(URL), account: client.account, deployment });
    const bob = createDepinferClient({ chain, transport: http(URL), account: provider.account, deployment });
    const store = new MemoryContentStore();

    const { jobId, job } = await alice.submitJobSync({ model, input: "ping", price: 2n * USDC, token: usdc.address, provider: provider.account.address });
    await store.put(new TextEncoder().encode("pong"));
    const { hash } = await bob.submitResult({ jobId, job, output: "pong", signer: signer.account });
    await bob.waitForTransactionReceipt({ hash });

    const result = await alice.waitForResult({ jobId, store, timeoutMs: 20_000, pollingInterval: 200 });
    expect(new TextDecoder().decode(result.output)).toBe("pong");

    await alice.waitForTransactionReceipt({ hash: await alice.finalizeJob({ job }) });
    expect((await alice.getJob({ jobId })).status).toBe("Finalized");
    expect(await alice.getClaimable({ account: provider.account.address, token: usdc.address })).toBe(2n * USDC - (2n * USDC) / 100n);
  });
});
