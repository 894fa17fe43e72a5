// The provider node as a real process (`depinfer-provider`) behind a hostile RPC (issue 14, "what
// already works, and must keep working"): a JSON-RPC proxy in front of an anvil node adds 300 ms to
// every request, answers a seeded-random 30% of them with HTTP 429 or JSON-RPC -32005 ("limit
// exceeded") instead of the chain's answer, and goes down for 21 s (every request reset or answered
// 503), starting at the node's first broadcast: that one reaches the chain and its answer is lost.
// The next two transactions are sent too and then answered 429 and -32005, and a later broadcast
// picked for a fault is sent first half the time: the node must treat a broadcast as idempotent.
// Direct and open jobs are created before and during the outage (the client talks to anvil
// directly). An honest operator should see: every job finalized on-chain by exactly one submission
// transaction (reverted ones counted), its output served and matching the attested hash, computed
// once, no job failed or skipped, and the node still running.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { network } from "hardhat";
import { createTestClient, createWalletClient, erc20Abi, http, maxUint256, type Address, type Chain, type Hex, type PublicClient } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { deployProtocol, DPI, registerBuiltinModel, setUpNodeProvider, until, USDC, type Connection, type Protocol } from "../../scripts/lib/harness.js";
import depinferModule from "../../scripts/deploy/Depinfer.js";
import { contentHash, createDepinferClient, jobMarketAbi, JobStatus, type DepinferClient } from "../../sdk/src/index.js";
import { Journal } from "../../provider/src/index.js";
import { startAnvil, type AnvilHandle } from "../utils/anvil.js";
import { startCountingInferenceServer } from "../utils/inferenceServer.js";
import { outputUrlOf, startProviderNode, stopProviderNode, type ProviderNodeProcess } from "../utils/providerCli.js";
import { startJsonRpcProxy, type JsonRpcResponse } from "../utils/rpcProxy.js";
import { submissionsOnChain } from "../utils/submissions.js";

const ANVIL_PORT = 18780;
const PROXY_PORT = 18781;
const OUTPUT_PORT = 18782;
const INFERENCE_PORT = 18783;
const PRICE = 2n * USDC;
const LATENCY_MS = 300;
const FAULT_RATE = 0.3;
const OUTAGE_MS = 21_000;
const SEED = 14;
const root = path.resolve(import.meta.dirname, "../..");
const deploymentId = `anvil-hostile-${process.pid}-${Date.now()}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** mulberry32: a small seeded PRNG, so a run's faults follow one sequence (the order of requests still varies). */
function seeded(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The hostile RPC in front of `target`. Counts what it did in `stats`; `outage` is when the outage
 * ran (it starts at the first eth_sendRawTransaction, forwarded, whose answer is lost).
 */
async function startHostileRpc(target: string, port: number) {
  const random = seeded(SEED);
  const stats = { requests: 0, forwarded: 0, http429: 0, rpc32005: 0, sentThenFailed: 0, outageReset: 0, outage503: 0 };
  let outage: { start: number; end: number } | undefined;
  /** The signed transactions it has seen broadcast. */
  const seen = new Set<Hex>();
  const proxy = await startJsonRpcProxy(target, port, async (call, forward) => {
    stats.requests++;
    const send = (): Promise<JsonRpcResponse> => {
      stats.forwarded++;
      return forward(call);
    };
    // Three draws per call, whatever is used, so one call's fate does not shift the next one's.
    const [fault, kind, order] = [random(), random(), random()];
    await sleep(LATENCY_MS);
    const now = Date.now();
    if (outage && now < outage.end) {
      if (kind < 0.5) {
        stats.outageReset++;
        return "reset";
      }
      stats.outage503++;
      return { status: 503, body: "Service Unavailable" };
    }
    const broadcast = call.method === "eth_sendRawTransaction";
    const raw = broadcast ? (call.params as Hex[])[0]! : undefined;
    const first = raw !== undefined && !seen.has(raw);
    if (raw) seen.add(raw);
    if (first && seen.size === 1) {
      // The outage starts as the node's first transaction reaches the chain: its answer is lost.
      await send();
      const start = Date.now();
      outage = { start, end: start + OUTAGE_MS };
      stats.sentThenFailed++;
      stats.outageReset++;
      return "reset";
    }
    // The next two transactions are sent, and then the node is told they failed (429, then -32005);
    // after that, a broadcast picked for a fault is sent first half the time.
    const scripted = first && seen.size <= 3;
    if (!scripted && fault >= FAULT_RATE) return send();
    if (scripted || (broadcast && order < 0.5)) {
      await send();
      stats.sentThenFailed++;
    }
    if (scripted ? seen.size === 2 : kind < 0.5) {
      stats.http429++;
      return { status: 429, body: "Too Many Requests" };
    }
    stats.rpc32005++;
    return { jsonrpc: "2.0", id: call.id, error: { code: -32005, message: "limit exceeded" } };
  });
  return {
    ...proxy,
    stats,
    get outage() {
      return outage;
    },
  };
}

describe("provider node process behind a hostile RPC: latency, rate limits and an outage", () => {
  let anvil: AnvilHandle;
  let proxy: Awaited<ReturnType<typeof startHostileRpc>>;
  let connection: Connection;
  let p: Protocol;
  let chain: Chain;
  let publicClient: PublicClient;
  let model: Hex;
  let provider: Address;
  let privateKey: Hex;
  let client: DepinferClient;
  const clientAccount = privateKeyToAccount(generatePrivateKey());
  let inference: Awaited<ReturnType<typeof startCountingInferenceServer>>;
  let dir: string;
  let node: ProviderNodeProcess | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "depinfer-hostile-"));
    anvil = await startAnvil(ANVIL_PORT);
    connection = (await network.create({ network: "anvilNode", override: { url: anvil.url } })) as Connection;
    p = await deployProtocol(connection, depinferModule, { deploymentId });
    publicClient = (await connection.viem.getPublicClient()) as unknown as PublicClient;
    chain = publicClient.chain as Chain;
    const [deployer] = await connection.viem.getWalletClients();
    model = await registerBuiltinModel(connection, p);
    ({ privateKey, address: provider } = await setUpNodeProvider(connection, p, deployer, { model, price: PRICE, stake: 1_000n * DPI }));
    await publicClient.waitForTransactionReceipt({ hash: await deployer.sendTransaction({ to: clientAccount.address, value: 10n ** 19n }) });
    await publicClient.waitForTransactionReceipt({ hash: await p.usdc.write.mint([clientAccount.address, 1_000n * USDC]) });
    const wallet = createWalletClient({ account: clientAccount, chain, transport: http(anvil.url) });
    await publicClient.waitForTransactionReceipt({ hash: await wallet.writeContract({ address: p.usdc.address, abi: erc20Abi, functionName: "approve", args: [p.market.address, maxUint256] }) });
    // The client talks to the chain directly: only the node is behind the hostile RPC.
    client = createDepinferClient({ chain, transport: http(anvil.url), account: clientAccount, deployment: { market: p.market.address } });
    inference = await startCountingInferenceServer(INFERENCE_PORT);
    proxy = await startHostileRpc(anvil.url, PROXY_PORT);
  }, 180_000);

  afterAll(async () => {
    if (node) {
      try {
        process.kill(-node.child.pid!, "SIGKILL");
      } catch {
        // already gone
      }
      await node.exited;
    }
    await proxy?.close();
    await inference?.close();
    await anvil?.stop();
    rmSync(path.join(root, "ignition", "deployments", deploymentId), { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  const submit = async (prompt: string, direct: boolean) => {
    const r = await client.submitJobSync({ model, input: prompt, price: PRICE, token: p.usdc.address, provider: direct ? provider : undefined, timeout: 3600 });
    return { jobId: r.jobId, prompt };
  };
  const statusOf = async (jobId: Hex) => (await p.market.read.jobState([jobId])).status;
  const resultsOf = (jobId: Hex) => publicClient.getContractEvents({ address: p.market.address, abi: jobMarketAbi, eventName: "ResultSubmitted", args: { jobId }, fromBlock: 0n, strict: true });
  const untilNode = (what: string, check: () => Promise<boolean> | boolean, timeoutMs: number) =>
    until(what, check, { timeoutMs, intervalMs: 100, detail: () => `${JSON.stringify(proxy.stats)}\n${node!.lines.slice(-40).join("\n")}` });
  /** Reads the node's journal (SQLite in WAL mode: a second reader is fine while the node runs). */
  const fromJournal = <T>(read: (journal: Journal) => T): T => {
    const journal = new Journal(path.join(dir, "data"));
    try {
      return read(journal);
    } finally {
      journal.close();
    }
  };
  const journalCounts = () => fromJournal((j) => j.counts());

  it("test_hostileRpc_latencyRateLimitsOutage: every job is finalized by exactly one submission, its output served, none lost", async () => {
    const started = Date.now();
    const file = path.join(dir, "provider.json");
    writeFileSync(
      file,
      JSON.stringify({
        rpcUrl: proxy.url,
        chainId: chain.id,
        market: p.market.address,
        dataDir: "data",
        signer: { env: "DEPINFER_NODE_KEY" },
        models: [{ model, backend: { type: "openai", baseUrl: inference.url, model: "counting-test-server" }, price: PRICE.toString(), token: p.usdc.address }],
        concurrency: 4,
        pollingIntervalMs: 200,
        outputServer: { host: "127.0.0.1", port: OUTPUT_PORT },
        startBlock: 0,
      }),
    );
    node = startProviderNode(["--config", file, "--log-level", "debug"], { DEPINFER_NODE_KEY: privateKey });
    const jobs = [await submit("direct, before the outage", true), await submit("open, before the outage", false)];
    await untilNode("the node broadcasts its first transaction, and the outage begins", () => proxy.outage !== undefined, 30_000);

    // In flight when the outage began: the node had not submitted both jobs (its transactions go one at a time).
    const atOutage = await Promise.all(jobs.map((j) => statusOf(j.jobId)));
    expect(atOutage.some((s) => s < JobStatus.Submitted), atOutage.join()).toBe(true);
    // Jobs created while the node cannot reach the chain.
    jobs.push(await submit("direct, during the outage", true), await submit("open, during the outage", false));
    expect(Date.now()).toBeLessThan(proxy.outage!.end);

    await untilNode("every job is submitted", async () => (await Promise.all(jobs.map((j) => statusOf(j.jobId)))).every((s) => s === JobStatus.Submitted), 60_000);
    expect(Date.now()).toBeGreaterThan(proxy.outage!.end);
    await untilNode("every output is released", () => fromJournal((j) => j.counts().submitted === jobs.length && j.listUnreleased().length === 0), 30_000);

    // Past the challenge window: the node finalizes them, still through the hostile RPC.
    const { challengeWindow } = (await p.market.read.params())[0];
    const testClient = createTestClient({ mode: "anvil", transport: http(anvil.url) });
    await testClient.increaseTime({ seconds: Number(challengeWindow) + 1 });
    await testClient.mine({ blocks: 1 });
    await untilNode("every job is finalized", async () => (await Promise.all(jobs.map((j) => statusOf(j.jobId)))).every((s) => s === JobStatus.Finalized), 30_000);
    await untilNode("the journal records it", () => journalCounts().finalized === jobs.length, 30_000);
    expect(node.child.exitCode, node.lines.slice(-40).join("\n")).toBeNull();
    expect(node.child.signalCode).toBeNull();

    // Exactly one submission transaction per job on the chain (reverted ones counted), the one that
    // emitted its result; the output served is the one attested, computed once.
    const submissions = await submissionsOnChain(publicClient, p.market.address, provider);
    const outputUrl = outputUrlOf(node)!;
    for (const j of jobs) {
      const sent = submissions.get(j.jobId.toLowerCase() as Hex);
      expect(sent, j.prompt).toHaveLength(1);
      const results = await resultsOf(j.jobId);
      expect(results, j.prompt).toHaveLength(1);
      expect(results[0]!.transactionHash, j.prompt).toBe(sent![0]);
      const res = await fetch(`${outputUrl}/content/${results[0]!.args.outputHash}`);
      expect(res.status, j.prompt).toBe(200);
      const bytes = new Uint8Array(await res.arrayBuffer());
      expect(contentHash(bytes), j.prompt).toBe(results[0]!.args.outputHash.toLowerCase());
      expect(new TextDecoder().decode(bytes), j.prompt).toMatch(new RegExp(`^answer #\\d+ to ${j.prompt}$`));
      expect(inference.calls.get(j.prompt), j.prompt).toBe(1);
    }

    // The proxy did what it says: every kind of fault, and an outage of OUTAGE_MS while jobs were in flight.
    const { stats } = proxy;
    expect(stats.http429).toBeGreaterThan(0);
    expect(stats.rpc32005).toBeGreaterThan(0);
    expect(stats.sentThenFailed).toBeGreaterThanOrEqual(3);
    expect(stats.outageReset + stats.outage503).toBeGreaterThan(0);
    const injected = (stats.http429 + stats.rpc32005) / (stats.requests - stats.outageReset - stats.outage503);
    expect(injected).toBeGreaterThan(0.2);
    expect(injected).toBeLessThan(0.4);
    expect(proxy.outage!.end - proxy.outage!.start).toBe(OUTAGE_MS);
    const lines = node.lines.map((l) => (l.startsWith("{") ? (JSON.parse(l) as { level: string; msg: string }) : { level: "stderr", msg: l }));
    // The node saw the faults, rode them out, and never gave up on a job or crashed.
    expect(lines.filter((l) => /retrying|will retry/.test(l.msg)).length).toBeGreaterThan(0);
    expect(lines.filter((l) => l.level === "error" || l.level === "stderr")).toEqual([]);
    console.info(`hostile RPC: ${JSON.stringify({ ...stats, seconds: Math.round((Date.now() - started) / 1000) })}`);

    const { code } = await stopProviderNode(node);
    expect(code, node.lines.slice(-40).join("\n")).toBe(0);
    expect(journalCounts()).toEqual({ finalized: jobs.length });
  }, 90_000);
});
