// How many JSON-RPC requests the provider node makes per job on its hot path, counted by a proxy
// between the node and its chain (anvil): a burst of direct jobs created in one block, from the block
// being mined to every job submitted. Each request is a round trip to a remote RPC: the node reuses
// gas estimates, derives fees from the head it reads anyway, keeps its nonce, reads the jobs' terms
// and inputs from their creation events (one request for the lot), and submits them in batches.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { network } from "hardhat";
import { createTestClient, createWalletClient, erc20Abi, http, maxUint256, type Address, type Chain, type Hex, type PublicClient } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createInProcessNode, deployProtocol, DPI, registerBuiltinModel, setUpNodeProvider, until, USDC, type Connection, type Protocol } from "../../scripts/lib/harness.js";
import depinferModule from "../../scripts/deploy/Depinfer.js";
import { createDepinferClient, JobStatus, type DepinferClient } from "../../sdk/src/index.js";
import type { ProviderNode } from "../../provider/src/index.js";
import { startAnvil, type AnvilHandle } from "../utils/anvil.js";
import { startJsonRpcProxy } from "../utils/rpcProxy.js";

const ANVIL_PORT = 18842;
const PROXY_PORT = 18843;
const OUTPUT_PORT = 18844;
const PRICE = 2n * USDC;
const JOBS = 48;
/** The bound the issue sets for the hot path. */
const MAX_REQUESTS_PER_JOB = 4;
const root = path.resolve(import.meta.dirname, "../..");
const deploymentId = `anvil-rpc-count-${process.pid}-${Date.now()}`;

describe("provider node: JSON-RPC requests per job", () => {
  let anvil: AnvilHandle;
  let proxy: Awaited<ReturnType<typeof startJsonRpcProxy>>;
  let connection: Connection;
  let p: Protocol;
  let chain: Chain;
  let publicClient: PublicClient;
  let testClient: ReturnType<typeof createTestClient>;
  let model: Hex;
  let provider: Address;
  let client: DepinferClient;
  let node: ProviderNode | undefined;
  let dataDir: string;
  const clientAccount = privateKeyToAccount(generatePrivateKey());
  const counts = new Map<string, number>();
  let counting = false;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "depinfer-rpc-count-"));
    anvil = await startAnvil(ANVIL_PORT);
    testClient = createTestClient({ mode: "anvil", transport: http(anvil.url) });
    proxy = await startJsonRpcProxy(anvil.url, PROXY_PORT, (call, forward) => {
      if (counting) counts.set(call.method, (counts.get(call.method) ?? 0) + 1);
      return forward(call);
    });
    connection = (await network.create({ network: "anvilNode", override: { url: anvil.url } })) as Connection;
    p = await deployProtocol(connection, depinferModule, { deploymentId });
    publicClient = (await connection.viem.getPublicClient()) as unknown as PublicClient;
    chain = publicClient.chain as Chain;
    const [deployer] = await connection.viem.getWalletClients();
    model = await registerBuiltinModel(connection, p);
    const set = await setUpNodeProvider(connection, p, deployer, { model, price: PRICE, stake: 10_000n * DPI });
    provider = set.address;
    await publicClient.waitForTransactionReceipt({ hash: await deployer.sendTransaction({ to: clientAccount.address, value: 10n ** 19n }) });
    await publicClient.waitForTransactionReceipt({ hash: await p.usdc.write.mint([clientAccount.address, 1_000n * USDC]) });
    const wallet = createWalletClient({ account: clientAccount, chain, transport: http(anvil.url) });
    await publicClient.waitForTransactionReceipt({ hash: await wallet.writeContract({ address: p.usdc.address, abi: erc20Abi, functionName: "approve", args: [p.market.address, maxUint256] }) });
    client = createDepinferClient({ chain, transport: http(anvil.url), account: clientAccount, deployment: { market: p.market.address } });
    node = await createInProcessNode(connection, p.market.address, {
      privateKey: set.privateKey,
      model,
      token: p.usdc.address,
      price: PRICE,
      dataDir,
      transport: http(proxy.url, { retryCount: 0 }),
      config: { pollingIntervalMs: 1000, concurrency: JOBS, outputServer: { host: "127.0.0.1", port: OUTPUT_PORT }, batch: { maxJobs: 32, maxWaitMs: 1000 } },
    });
    await node.start();
  }, 180_000);

  afterAll(async () => {
    await node?.stop();
    await proxy?.close();
    await anvil?.stop();
    rmSync(path.join(root, "ignition", "deployments", deploymentId), { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(`test_rpcRequests_hotPath: at most ${MAX_REQUESTS_PER_JOB} requests per job, from the jobs' block to every job submitted`, async () => {
    // A burst: every job in one block, as a busy market delivers them.
    await testClient.setAutomine(false);
    const jobIds: Hex[] = [];
    try {
      for (let i = 0; i < JOBS; i++) {
        const { jobId } = await client.submitJob({ model, input: `burst job ${i}`, price: PRICE, token: p.usdc.address, provider, timeout: 3600, authorization: "approve" });
        jobIds.push(jobId);
      }
      counting = true;
      await testClient.mine({ blocks: 1 });
    } finally {
      await testClient.setAutomine(true);
    }
    await until("every job is submitted", async () => jobIds.every((id) => node!.journal.get(id)?.state === "submitted"), { timeoutMs: 120_000, intervalMs: 50 });
    counting = false;

    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    const perJob = total / JOBS;
    const detail = JSON.stringify(Object.fromEntries(counts));
    console.log(`node RPC requests for ${JOBS} jobs: ${total} (${perJob.toFixed(2)} per job) ${detail}`);
    expect(perJob, detail).toBeLessThanOrEqual(MAX_REQUESTS_PER_JOB);
    // Batched: a few transactions for the lot, each estimated at most once per size.
    const sent = counts.get("eth_sendRawTransaction") ?? 0;
    expect(sent, detail).toBeGreaterThan(0);
    expect(sent, detail).toBeLessThanOrEqual(JOBS / 4);
    expect(counts.get("eth_estimateGas") ?? 0, detail).toBeLessThanOrEqual(sent);
    // The jobs' inputs came from one read of their events, not one per job.
    expect(counts.get("eth_getLogs") ?? 0, detail).toBeLessThan(JOBS / 4);
    for (const id of jobIds) expect((await p.market.read.jobState([id])).status).toBe(JobStatus.Submitted);
  }, 240_000);
});
