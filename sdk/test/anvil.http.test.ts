/**
 * The main client flow against a separate node process: the test starts anvil (from the
 * @foundry-rs/anvil npm package), deploys the protocol with the production Ignition module, runs
 * a paid job end to end through the SDK over HTTP, then one over viem's webSocket transport (its
 * result seen on the block anvil pushes), and stops the node.
 */
import { rmSync } from "node:fs";
import path from "node:path";

import { network } from "hardhat";
import { http, webSocket, type Chain } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import depinferModule from "../../scripts/deploy/Depinfer.js";
import { startAnvil, type AnvilHandle } from "../../test/utils/anvil.js";
import { deployProtocol, DPI, registerModel, setUpProvider, USDC, type Connection, type Protocol } from "../../scripts/lib/harness.js";
import { createDepinferClient, MemoryContentStore } from "../src/index.js";

const PORT = 18545;
const URL = `http://127.0.0.1:${PORT}`;
const root = path.resolve(import.meta.dirname, "../..");
const deploymentId = `anvil-test-${process.pid}-${Date.now()}`;

describe("SDK against a separate anvil process", () => {
  let anvil: AnvilHandle;
  let connection: Connection;
  let p: Protocol;
  let model: `0x${string}`;
  let wallets: Awaited<ReturnType<Connection["viem"]["getWalletClients"]>>;
  let chain: Chain;

  beforeAll(async () => {
    anvil = await startAnvil(PORT);
    connection = (await network.create({ network: "anvilTest" })) as Connection;
    wallets = await connection.viem.getWalletClients();
    const [deployer, provider, signer, client] = wallets;
    p = await deployProtocol(connection, depinferModule, { deploymentId });
    model = await registerModel(p, deployer, "anvil-model");
    await setUpProvider(p, deployer, provider, signer.account.address, model, 2n * USDC, 1_000n * DPI);
    await p.usdc.write.mint([client.account.address, 10n * USDC]);
    chain = (await connection.viem.getPublicClient()).chain as Chain;
  });

  afterAll(async () => {
    await connection?.close?.();
    await anvil?.stop();
    rmSync(path.join(root, "ignition", "deployments", deploymentId), { recursive: true, force: true });
  });

  it("over HTTP: submits a job, attests, waits for the verified result and finalizes", async () => {
    const [, provider, signer, client] = wallets;
    const { market, usdc } = p;
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

  it("over viem's webSocket transport: waitForResult sees the result on the block anvil pushes, not a polling interval later", async () => {
    const [, provider, signer, client] = wallets;
    const deployment = { market: p.market.address };
    const transport = webSocket(`ws://127.0.0.1:${PORT}`, { retryCount: 0, reconnect: false });
    const alice = createDepinferClient({ chain, transport, account: client.account, deployment });
    const bob = createDepinferClient({ chain, transport: http(URL), account: provider.account, deployment });
    const store = new MemoryContentStore();
    try {
      const { jobId, job } = await alice.submitJobSync({ model, input: "ping over ws", price: 2n * USDC, token: p.usdc.address, provider: provider.account.address });
      // A poll a minute apart, and a 20 s timeout: only a pushed block can wake the waiter in time.
      const waiting = alice.waitForResult({ jobId, store, timeoutMs: 20_000, pollingInterval: 60_000, fundChecks: false });
      await new Promise((resolve) => setTimeout(resolve, 200));
      await store.put(new TextEncoder().encode("pong over ws"));
      const { hash } = await bob.submitResult({ jobId, job, output: "pong over ws", signer: signer.account });
      await bob.waitForTransactionReceipt({ hash });
      const result = await waiting;
      expect(new TextDecoder().decode(result.output)).toBe("pong over ws");
      expect(result.transactionHash).toBe(hash);
    } finally {
      await (alice.transport as unknown as { getRpcClient: () => Promise<{ close: () => void }> }).getRpcClient().then((c) => c.close());
    }
  });
});
