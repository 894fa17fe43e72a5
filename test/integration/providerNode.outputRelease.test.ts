// A hostile client against the provider node's outputs: it watches the mempool for the node's
// `acceptAndSubmit`, reads the output hash from it, fetches the output from the node's server and
// cancels the job in front of the submission (a higher tip), to have both its refund and the output.
// The node here is the real `depinfer-provider` process against an anvil node whose mempool the test
// holds (automine off). The node must serve an output (and put it in its content store) only once
// the job's result is on-chain, and it must still do so after a crash.
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";

import { network } from "hardhat";
import { createTestClient, custom, decodeFunctionData, formatTransaction, http, maxUint256, type Address, type Chain, type Hex, type Transaction } from "viem";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

import { deployProtocol, DPI, registerBuiltinModel, setUpNodeProvider, until, USDC, type Connection, type Protocol, type Wallet } from "../../scripts/lib/harness.js";
import depinferModule from "../../scripts/deploy/Depinfer.js";
import {
  cidFromHash,
  contentHash,
  createDepinferClient,
  HttpContentStore,
  JobEndedWithoutResultError,
  jobMarketAbi,
  JobStatus,
  type DepinferClient,
  type Job,
} from "../../sdk/src/index.js";
import { runBuiltinModel } from "../../provider/src/models/charModel.js";
import type { ProviderNodeStep } from "../../provider/src/index.js";
import { startAnvil, type AnvilHandle } from "../utils/anvil.js";
import { spawnProviderCli } from "../utils/providerCli.js";

const PORT = 18550;
const PRICE = 2n * USDC;
const root = path.resolve(import.meta.dirname, "../..");
const deploymentId = `anvil-outputs-${process.pid}-${Date.now()}`;

/** A content store over HTTP (POST /content, GET /ipfs/{cid}) that remembers what was put in it. */
async function startContentStore() {
  const stored = new Map<Hex, Uint8Array>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.method === "POST") {
        const bytes = new Uint8Array(Buffer.concat(chunks));
        stored.set(contentHash(bytes), bytes);
        return res.end(JSON.stringify({ hash: contentHash(bytes) }));
      }
      const bytes = [...stored.entries()].find(([hash]) => req.url === `/ipfs/${cidFromHash(hash)}`)?.[1];
      res.writeHead(bytes ? 200 : 404).end(bytes ? Buffer.from(bytes) : "");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, stored, close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))) };
}

interface NodeProcess {
  child: ChildProcess;
  lines: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

describe("provider node outputs: nothing served before the result is on-chain", () => {
  let anvil: AnvilHandle;
  let connection: Connection;
  let p: Protocol;
  let chain: Chain;
  let model: Hex;
  let client: DepinferClient;
  let clientWallet: Wallet;
  let provider: Address;
  let privateKey: Hex;
  let dir: string;
  let contentStore: Awaited<ReturnType<typeof startContentStore>>;
  let testClient: ReturnType<typeof createTestClient>;
  const running = new Set<ChildProcess>();

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "depinfer-outputs-"));
    anvil = await startAnvil(PORT);
    testClient = createTestClient({ mode: "anvil", transport: http(anvil.url) });
    connection = (await network.create({ network: "anvilOutputs" })) as Connection;
    p = await deployProtocol(connection, depinferModule, { deploymentId });
    const publicClient = await connection.viem.getPublicClient();
    chain = publicClient.chain as Chain;
    const wallets = await connection.viem.getWalletClients();
    model = await registerBuiltinModel(connection, p);
    ({ privateKey, address: provider } = await setUpNodeProvider(connection, p, wallets[0], { model, price: PRICE, stake: 1_000n * DPI }));
    clientWallet = wallets[9];
    await publicClient.waitForTransactionReceipt({ hash: await p.usdc.write.mint([clientWallet.account.address, 1_000n * USDC]) });
    // Approved once, so that creating a job is one transaction.
    await publicClient.waitForTransactionReceipt({ hash: await p.usdc.write.approve([p.market.address, maxUint256], { account: clientWallet.account }) });
    client = createDepinferClient({ chain, transport: custom(connection.provider), account: clientWallet.account, deployment: { market: p.market.address } });
    contentStore = await startContentStore();
    writeFileSync(
      path.join(dir, "provider.json"),
      JSON.stringify({
        rpcUrl: anvil.url,
        chainId: chain.id,
        market: p.market.address,
        dataDir: "data",
        signer: { env: "DEPINFER_NODE_KEY" },
        models: [{ model, backend: { type: "builtin" }, price: PRICE.toString(), token: p.usdc.address }],
        pollingIntervalMs: 100,
        outputServer: { host: "127.0.0.1", port: 0 },
        metrics: { host: "127.0.0.1", port: 0 }, // /metrics on its own listener (the output server has none)
        contentStore: { baseUrl: contentStore.url },
        startBlock: 0,
      }),
    );
  }, 180_000);

  afterEach(async () => {
    // A node left running by a failed test would hold the data directory.
    for (const child of running) process.kill(-child.pid!, "SIGKILL");
    await until("the nodes exited", () => running.size === 0);
    await testClient.setAutomine(true);
  });

  afterAll(async () => {
    for (const child of running) process.kill(-child.pid!, "SIGKILL");
    await contentStore?.close();
    await anvil?.stop();
    rmSync(path.join(root, "ignition", "deployments", deploymentId), { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  /** Starts `depinfer-provider` and waits until its output server listens; returns it, the server's URL and the metrics listener's. */
  async function startNode(crashAt?: ProviderNodeStep): Promise<NodeProcess & { url: string; metricsUrl: string }> {
    const child = spawnProviderCli(
      ["--config", path.join(dir, "provider.json"), "--log-level", "debug"],
      { DEPINFER_NODE_KEY: privateKey, ...(crashAt && { DEPINFER_NODE_CRASH_AT: crashAt }) },
      { detached: true },
    );
    running.add(child);
    const lines: string[] = [];
    let partial = "";
    child.stdout.on("data", (chunk: Buffer) => {
      const parts = (partial + chunk.toString()).split("\n");
      partial = parts.pop()!;
      lines.push(...parts);
    });
    child.stderr.on("data", (chunk: Buffer) => lines.push(`stderr: ${chunk.toString()}`));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on("exit", (code, signal) => {
        running.delete(child);
        resolve({ code, signal });
      }),
    );
    const node = { child, lines, exited };
    await untilNode("the node is started", () => {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the node exited before it started:\n${lines.slice(-30).join("\n")}`);
      return lines.some((l) => l.includes('"provider node started"'));
    }, node);
    const url = lines.map((l) => /"output server listening","url":"([^"]+)"/.exec(l)?.[1]).find(Boolean)!;
    const metricsUrl = lines.map((l) => /"metrics server listening","url":"([^"]+)"/.exec(l)?.[1]).find(Boolean)!;
    return { ...node, url, metricsUrl };
  }

  const untilNode = (what: string, check: () => Promise<boolean> | boolean, node: { lines: string[] }) =>
    until(what, check, { timeoutMs: 60_000, intervalMs: 50, detail: () => node.lines.slice(-30).join("\n") });

  /** A crash: the node's whole process group, at once. */
  async function kill(node: NodeProcess) {
    process.kill(-node.child.pid!, "SIGKILL");
    await node.exited;
  }

  /** Creates a direct job for the provider and mines it (the mempool is held). */
  async function createJob(input: string) {
    const { jobId, job, hash } = await client.submitJob({ model, input, price: PRICE, token: p.usdc.address, provider, timeout: 3600 });
    await testClient.mine({ blocks: 1 });
    expect((await client.waitForTransactionReceipt({ hash })).status).toBe("success");
    return { jobId, job, input };
  }

  /** What a mempool watcher sees: the provider's pending submission for `jobId`, and the output hash in it. */
  async function pendingSubmission(jobId: Hex, node: { lines: string[] }) {
    let found: { tx: Transaction; outputHash: Hex } | undefined;
    await untilNode(
      "the node's submission is in the mempool",
      async () => {
        const { pending } = await testClient.getTxpoolContent();
        for (const [from, txs] of Object.entries(pending)) {
          if (from.toLowerCase() !== provider.toLowerCase()) continue;
          for (const tx of Object.values(txs).map((t) => formatTransaction(t))) {
            const { functionName, args } = decodeFunctionData({ abi: jobMarketAbi, data: tx.input });
            if (functionName === "acceptAndSubmit" && (await p.market.read.jobIdOf([args[0] as Job])) === jobId) found = { tx, outputHash: args[1] as Hex };
          }
        }
        return found !== undefined;
      },
      node,
    );
    return found!;
  }

  /** The status of GET /ipfs/{cid} on the node's server, as anyone can ask. */
  const fetchOutput = async (url: string, outputHash: Hex) => {
    const response = await fetch(`${url}/ipfs/${cidFromHash(outputHash)}`);
    await response.arrayBuffer();
    return { status: response.status };
  };

  const metric = async (url: string, line: string) => (await (await fetch(`${url}/metrics`)).text()).split("\n").some((l) => l === line);

  it("a client that cancels in front of the node's submission gets its refund, never the output", async () => {
    const node = await startNode();
    const standing = await p.market.read.provider([provider]);
    const refundsBefore = await p.market.read.claimable([clientWallet.account.address, p.usdc.address]);
    await testClient.setAutomine(false);
    const { jobId, job } = await createJob("The river");
    const { tx, outputHash } = await pendingSubmission(jobId, node);
    expect(outputHash).toBe(contentHash(runBuiltinModel(new TextEncoder().encode("The river")))); // the real output, committed in the pending transaction

    // The hash is public, the output is not: the node answers as for content it does not have.
    expect((await fetchOutput(node.url, outputHash)).status).toBe(404);
    expect((await fetch(`${node.url}/content/${outputHash}`)).status).toBe(404);
    expect(contentStore.stored.has(outputHash)).toBe(false);

    // The client cancels with a higher tip, so that its transaction is mined first.
    const cancel = await clientWallet.writeContract({
      address: p.market.address,
      abi: jobMarketAbi,
      functionName: "cancelJob",
      args: [job],
      gas: 200_000n, // not estimated on top of the pending submission
      maxPriorityFeePerGas: 2n * tx.maxPriorityFeePerGas! + 1n,
      maxFeePerGas: 2n * tx.maxFeePerGas! + 1n,
      account: clientWallet.account,
      chain,
    });
    await testClient.mine({ blocks: 1 });
    expect((await client.waitForTransactionReceipt({ hash: cancel })).status).toBe("success");
    expect((await client.waitForTransactionReceipt({ hash: tx.hash })).status).toBe("reverted");
    expect((await p.market.read.jobState([jobId])).status).toBe(JobStatus.Cancelled);

    // The node records the cancellation; the output stays withheld, here and in the content store.
    await untilNode("the node records the cancellation", () => metric(node.metricsUrl, 'depinfer_node_jobs{state="cancelled"} 1'), node);
    expect((await fetchOutput(node.url, outputHash)).status).toBe(404);
    expect(contentStore.stored.has(outputHash)).toBe(false);
    await expect(client.waitForResult({ jobId, store: new HttpContentStore({ baseUrl: node.url }), timeoutMs: 10_000 })).rejects.toBeInstanceOf(JobEndedWithoutResultError);
    // The client has its refund; the provider lost nothing (and locked nothing).
    expect(await p.market.read.claimable([clientWallet.account.address, p.usdc.address])).toBe(refundsBefore + PRICE);
    expect(await p.market.read.provider([provider])).toMatchObject({ staked: standing.staked, locked: standing.locked });

    // Without a cancel, the output is served (and put in the content store) once the submission is mined.
    const honest = await createJob("In the morning");
    const submission = await pendingSubmission(honest.jobId, node);
    expect((await fetchOutput(node.url, submission.outputHash)).status).toBe(404);
    await testClient.mine({ blocks: 1 });
    const { output } = await client.waitForResult({ jobId: honest.jobId, store: new HttpContentStore({ baseUrl: node.url }), timeoutMs: 10_000 });
    expect(Buffer.from(output).equals(Buffer.from(runBuiltinModel(new TextEncoder().encode(honest.input))))).toBe(true);
    await untilNode("the output is in the content store", () => contentStore.stored.has(submission.outputHash), node);
    process.kill(-node.child.pid!, "SIGTERM");
    expect((await node.exited).code, node.lines.slice(-30).join("\n")).toBe(0);
  });

  it("an output withheld when the node crashes stays withheld after a restart, and is served once its submission is mined", async () => {
    await testClient.setAutomine(false);
    // Killed right after it broadcast its submission, which stays pending.
    const crashing = await startNode("submit-sent");
    const { jobId, input } = await createJob("A quiet town");
    expect((await crashing.exited).signal, crashing.lines.slice(-30).join("\n")).toBe("SIGKILL");
    const { outputHash } = await pendingSubmission(jobId, crashing);

    // Restarted while the submission is still pending: still withheld.
    const restarted = await startNode();
    await untilNode("the node waits for its submission", () => restarted.lines.some((l) => l.includes('"submission found after restart, waiting for it"')), restarted);
    expect((await fetchOutput(restarted.url, outputHash)).status).toBe(404);
    expect(contentStore.stored.has(outputHash)).toBe(false);

    // Killed again; the submission is mined while no node runs; the next start serves the output.
    await kill(restarted);
    await testClient.mine({ blocks: 1 });
    expect((await p.market.read.jobState([jobId])).status).toBe(JobStatus.Submitted);
    const last = await startNode();
    const { output } = await client.waitForResult({ jobId, store: new HttpContentStore({ baseUrl: last.url }), timeoutMs: 10_000 });
    expect(contentHash(output)).toBe(outputHash);
    expect(Buffer.from(output).equals(Buffer.from(runBuiltinModel(new TextEncoder().encode(input))))).toBe(true);
    await untilNode("the output is in the content store", () => contentStore.stored.has(outputHash), last);
    process.kill(-last.child.pid!, "SIGTERM");
    expect((await last.exited).code, last.lines.slice(-30).join("\n")).toBe(0);
  });
});
