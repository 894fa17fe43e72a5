/**
 * The main client flow against a separate node process over HTTP: the test starts anvil (from the
 * @foundry-rs/anvil npm package), deploys the protocol with the production Ignition module, runs
 * a paid job end to end through the SDK, and stops the node.
 */
import { rmSync } from "node:fs";
import path from "node:path";

import { network } from "hardhat";
import { http, type Chain } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import depinferModule from "../../scripts/deploy/Depinfer.js";
import { startAnvil, type AnvilHandle } from "../../test/utils/anvil.js";
import { deployProtocol, DPI, registerModel, setUpProvider, USDC, type Connection } from "../../scripts/lib/harness.js";
import { createDepinferClient, MemoryContentStore } from "../src/index.js";

const PORT = 18545;
const URL = `http://127.0.0.1:${PORT}`;
const root = path.resolve(import.meta.dirname, "../..");
const deploymentId = `anvil-test-${process.pid}-${Date.now()}`;

describe("SDK over HTTP against a separate anvil process", () => {
  let anvil: AnvilHandle;
  let connection: Connection;

  beforeAll(async () => {
    anvil = await startAnvil(PORT);
    connection = (await network.create({ network: "anvilTest" })) as Connection;
  });

  afterAll(async () => {
    await connection?.close?.();
    await anvil?.stop();
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
