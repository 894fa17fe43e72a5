// The provider node against Hardhat's in-process chain: the whole loop (watch, accept, infer, store,
// serve, submit, finalize in batches, claim), its limits, dispute logs and set-up checks.
// tests/integration/providerNode.crash.test.ts kills a real node process instead.
import { mkdtempSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

import { network } from "hardhat";
import { getAddress, type Address, type Chain, type Hex } from "viem";
import { generatePrivateKey } from "viem/accounts";
import { afterEach, beforeAll, describe, expect, it } from "vitest";

import { until, DPI, USDC, type Connection, type Protocol, type Wallet } from "../../scripts/lib/harness.js";
import { cidFromHash, contentHash, HttpContentStore, jobMarketAbi, JobStatus, type DepinferClient, MAX_INLINE_INPUT } from "depinfer";
import { runBuiltinModel } from "../src/models/charModel.js";
import { nodeFactory, setUpNodeChain, type NodeChain } from "../../test/utils/nodeFixture.js";
import { ProviderNodeStartError, type CreateProviderNodeParameters, type InferenceBackend } from "../src/index.js";

const PRICE = 2n * USDC;
type Submitted = Awaited<ReturnType<DepinferClient["submitJobSync"]>>;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("provider node (in-process chain)", () => {
  let connection: Connection;
  let p: Protocol;
  let chain: Chain;
  let model: Hex;
  let deployer: Wallet;
  let clientWallet: Wallet;
  let client: DepinferClient;
  let fx: NodeChain;
  const nodes = nodeFactory(() => fx);

  beforeAll(async () => {
    connection = (await network.create()) as Connection;
    ({ p, chain, model, deployer, clientWallet, client } = fx = await setUpNodeChain(connection));
  });

  afterEach(() => nodes.stop());

  /** A funded, registered, staked provider and a node for it (not started). */
  async function makeNode(options: {
    config?: Record<string, unknown>;
    backend?: InferenceBackend;
    stake?: bigint;
    logLines?: string[];
    afterStep?: CreateProviderNodeParameters["afterStep"];
    privateKey?: Hex;
    dataDir?: string;
  } = {}) {
    const { node, provider, privateKey } = await nodes.make({ ...options, lines: options.logLines, fromNow: false });
    return { node, provider, privateKey };
  }

  const submit = (input: string, provider?: Address, price = PRICE, timeout = 600) =>
    client.submitJobSync({ model, input, price, token: p.usdc.address, provider, timeout, authorization: "approve" });

  const statusOf = async (jobId: Hex) => (await p.market.read.jobState([jobId])).status;


  it("takes direct jobs, serves the output by hash, submits in one call, finalizes in batches and claims", async () => {
    const { node, provider } = await makeNode({ config: { finalizeBatchSize: 2, claimIntervalMs: 1000, metrics: { host: "127.0.0.1", port: 0 } } });
    await node.start();
    const jobs: Submitted[] = [];
    for (let i = 0; i < 3; i++) jobs.push(await submit(`The river (${i})`, provider));
    await until("all submitted", async () => (await Promise.all(jobs.map((j) => statusOf(j.jobId)))).every((s) => s === JobStatus.Submitted));

    // The client reads each output from the node's server and it matches the EXACT model.
    const store = new HttpContentStore({ baseUrl: node.outputUrl! });
    for (const [i, j] of jobs.entries()) {
      const { output } = await client.waitForResult({ jobId: j.jobId, store, timeoutMs: 10_000 });
      expect(Buffer.from(output).equals(Buffer.from(runBuiltinModel(new TextEncoder().encode(`The river (${i})`))))).toBe(true);
    }
    // One transaction per job (acceptAndSubmit), no separate accept.
    const accepted = await client.getContractEvents({ address: p.market.address, abi: jobMarketAbi, eventName: "JobAccepted", args: { provider }, fromBlock: 0n });
    expect(accepted).toHaveLength(0);

    // After the challenge window, the node finalizes them: 3 jobs in batches of 2 = 2 transactions.
    const finalizedBefore = await client.getContractEvents({ address: p.market.address, abi: jobMarketAbi, eventName: "JobsFinalized", fromBlock: 0n });
    expect(finalizedBefore).toHaveLength(0);
    await connection.networkHelpers.time.increase(4 * 3600 + 1);
    await connection.networkHelpers.mine();
    await until("all finalized", async () => (await Promise.all(jobs.map((j) => statusOf(j.jobId)))).every((s) => s === JobStatus.Finalized));
    const finalized = await client.getContractEvents({ address: p.market.address, abi: jobMarketAbi, eventName: "JobsFinalized", fromBlock: 0n });
    expect(new Set(finalized.map((e) => e.transactionHash)).size).toBe(2);
    expect(finalized.flatMap((e) => e.args.jobIds!).sort()).toEqual(jobs.map((j) => j.jobId).sort());
    expect(node.journal.counts()).toEqual({ finalized: 3 });
    const scraped = await fetch(`${node.metricsUrl}/metrics`);
    expect(scraped.headers.get("cache-control")).toBe("no-store"); // unlike outputs, never cached
    const metrics = await scraped.text();
    expect(metrics).toContain("# TYPE depinfer_node_jobs_refused_total counter\n");
    expect(metrics).toContain('depinfer_node_jobs_refused_total{reason="deadline"} 0\n');
    expect(metrics).toContain('depinfer_node_jobs{state="finalized"} 3\n');
    expect(metrics).toContain('depinfer_node_jobs{state="failed"} 0\n');

    // And claims its earnings on schedule.
    await until("claimed", async () => (await p.market.read.claimable([provider, p.usdc.address])) === 0n && node.stats().claimed.length > 0, { timeoutMs: 10_000 });
    const fee = PRICE / 100n;
    expect(await p.usdc.read.balanceOf([provider])).toBe(3n * (PRICE - fee));
    expect(node.stats().claimed).toEqual([{ token: p.usdc.address, amount: 3n * (PRICE - fee) }]);
  });

  it("accepts an open job before running it, and skips a job priced below its offer", async () => {
    // It asks more than its on-chain offer: the SDK lets a client pay the offer's price, the node skips it.
    const { node, provider } = await makeNode({ config: { models: [{ model, backend: { type: "builtin" }, price: (PRICE + 1n).toString(), token: p.usdc.address }] } });
    await node.start();
    const open = await submit("A quiet town", undefined, PRICE + 1n);
    await until("open job submitted", async () => (await statusOf(open.jobId)) === JobStatus.Submitted);
    const [accepted] = await client.getContractEvents({ address: p.market.address, abi: jobMarketAbi, eventName: "JobAccepted", args: { jobId: open.jobId }, fromBlock: 0n });
    expect(accepted.args.provider).toBe(provider);
    expect(node.journal.get(open.jobId)?.acceptTx).toBe(accepted.transactionHash);

    const cheap = await submit("too cheap", provider, PRICE);
    await until("cheap job skipped", () => node.journal.get(cheap.jobId)?.state === "skipped");
    expect(node.journal.get(cheap.jobId)?.error).toMatch(/below ours/);
    expect(await statusOf(cheap.jobId)).toBe(JobStatus.Created);

    // An open job whose deadline leaves less than its offer's maxLatency (60 s): the market would refuse
    // the acceptance (JobDeadlineBelowLatency), and the node's own check skips it before sending anything.
    const tight = await submit("no time to think", undefined, PRICE + 1n, 30);
    await until("tight job skipped", () => node.journal.get(tight.jobId)?.state === "skipped");
    expect(node.journal.get(tight.jobId)?.error).toMatch(/left before its deadline/);
    expect(node.journal.get(tight.jobId)?.acceptTx).toBeUndefined();
    expect(await statusOf(tight.jobId)).toBe(JobStatus.Created);
  });

  it("keeps at most `concurrency` inferences running", async () => {
    let running = 0;
    let most = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const held: InferenceBackend = {
      name: "held",
      async infer(input) {
        running++;
        most = Math.max(most, running);
        await gate; // every inference waits until all six jobs are on-chain
        running--;
        return runBuiltinModel(input);
      },
    };
    const { node, provider } = await makeNode({ config: { concurrency: 2 }, backend: held });
    await node.start();
    const jobs: Submitted[] = [];
    for (let i = 0; i < 6; i++) jobs.push(await submit(`Under the stars (${i})`, provider));
    await until("six jobs seen", () => jobs.every((j) => node.journal.get(j.jobId) !== undefined));
    await sleep(300);
    expect([running, node.stats().running]).toEqual([2, 2]);
    release();
    await until("all submitted", async () => (await Promise.all(jobs.map((j) => statusOf(j.jobId)))).every((s) => s === JobStatus.Submitted));
    expect(most).toBe(2);
  });

  it("takes no more jobs than its free stake covers, and the rest once stake is freed", async () => {
    // Price the jobs so that the stake (at least the minimum stake) covers two and a half of them.
    const probe = await submit("probe");
    await client.waitForTransactionReceipt({ hash: await client.cancelJob({ job: probe.job }) });
    const perPrice = probe.job.collateral;
    const k = (40n * DPI + perPrice - 1n) / perPrice;
    const collateral = k * perPrice;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const held: InferenceBackend = { name: "held", infer: async (input) => (await gate, runBuiltinModel(input)) };
    // Each job locks 40% of the stake: allowed here, to see the node wait for free stake.
    const { node, provider } = await makeNode({ stake: (collateral * 5n) / 2n, backend: held, config: { concurrency: 8, maxCollateralShare: 1 } });
    await node.start();
    const jobs: Submitted[] = [];
    for (let i = 0; i < 4; i++) jobs.push(await submit(`The old ship (${i})`, provider, k * PRICE, 6 * 3600)); // outlives the window
    const mine = (...states: string[]) => jobs.filter((j) => states.includes(node.journal.get(j.jobId)?.state ?? "")).length;
    await until("two taken", () => mine("accepted") === 2);
    await sleep(300);
    expect(mine("accepted")).toBe(2); // the other two wait for free stake
    expect(mine("seen")).toBe(2);
    release();
    const statuses = async () => Promise.all(jobs.map((j) => statusOf(j.jobId)));
    await until("two submitted", async () => (await statuses()).filter((s) => s === JobStatus.Submitted).length === 2);
    // Their collateral stays locked until they are finalized; then the node takes the other two.
    await connection.networkHelpers.time.increase(4 * 3600 + 1);
    await connection.networkHelpers.mine();
    await until("the rest submitted", async () => (await statuses()).every((s) => s === JobStatus.Submitted || s === JobStatus.Finalized));
    expect((await statuses()).filter((s) => s === JobStatus.Finalized)).toHaveLength(2);
  });

  it("waits for a large input: takes it uploaded to its server (only inputs it waits for) or from its content store, and puts outputs there", async () => {
    // A content store over HTTP (as HttpContentStore expects: POST /content, GET /ipfs/{cid}).
    const stored = new Map<string, Uint8Array>();
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        if (req.method === "POST") {
          const bytes = new Uint8Array(Buffer.concat(chunks));
          stored.set(cidFromHash(contentHash(bytes)), bytes);
          return res.end(JSON.stringify({ hash: contentHash(bytes) }));
        }
        const bytes = stored.get(req.url!.replace("/ipfs/", ""));
        res.writeHead(bytes ? 200 : 404).end(bytes ? Buffer.from(bytes) : "");
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const contentStore = new HttpContentStore({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
    try {
      const { node, provider } = await makeNode({ config: { contentStore: { baseUrl: contentStore.baseUrl } } });
      await node.start();
      const nodeStore = new HttpContentStore({ baseUrl: node.outputUrl! });
      await expect(nodeStore.put(new TextEncoder().encode("spam"))).rejects.toThrow(/403/);

      // Too large to post on-chain: the job names it by hash only, and the node waits for it.
      const big = `The river ${"flows ".repeat(300)}`;
      expect(big.length).toBeGreaterThan(MAX_INLINE_INPUT);
      const uploaded = await submit(big, provider);
      await until("waiting for the input", () => (node.journal.get(uploaded.jobId)?.attempts ?? 0) > 0);
      expect(node.journal.get(uploaded.jobId)?.state).toBe("seen"); // nothing committed yet
      await nodeStore.put(new TextEncoder().encode(big));
      await until("submitted", async () => (await statusOf(uploaded.jobId)) === JobStatus.Submitted);

      // An input the client put in the content store beforehand.
      const other = `${big} again`;
      await contentStore.put(new TextEncoder().encode(other));
      const fetched = await submit(other, provider);
      await until("submitted", async () => (await statusOf(fetched.jobId)) === JobStatus.Submitted);

      // Both outputs are in the content store, and they are the model's.
      for (const [j, input] of [[uploaded, big], [fetched, other]] as const) {
        const { output } = await client.waitForResult({ jobId: j.jobId, store: contentStore, timeoutMs: 10_000 });
        expect(Buffer.from(output).equals(Buffer.from(runBuiltinModel(new TextEncoder().encode(input))))).toBe(true);
      }
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("logs a dispute opened against it and records the ruling", async () => {
    const lines: string[] = [];
    const { node, provider, privateKey } = await makeNode({ logLines: lines });
    await node.start();
    const j = await submit("In the morning", provider);
    await until("submitted", async () => (await statusOf(j.jobId)) === JobStatus.Submitted);
    await client.disputeJob({ job: j.job, evidence: "ipfs://bafy-client-rerun" });
    // (The finalizer may record the dispute from the job's status a moment before the event scan logs it.)
    await until("dispute logged", () => node.journal.get(j.jobId)?.state === "disputed" && lines.some((l) => l.includes('"dispute opened against a job"')));
    const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === "dispute opened against a job");
    expect(logged).toMatchObject({ level: "warn", jobId: j.jobId, challenger: getAddress(clientWallet.account.address), evidence: "ipfs://bafy-client-rerun" });
    // The arbitrator rejects the dispute (the winner index is ignored): the result stands and the job is finalized.
    await deployer.writeContract({ address: p.verifier.address, abi: p.verifier.abi, functionName: "rule", args: [j.job, 1, 0n, "the output matches"] });
    await until("ruling recorded", () => node.journal.get(j.jobId)?.state === "finalized");
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed.find((l) => l.msg === "job finalized")).toMatchObject({ why: "dispute rejected", jobId: j.jobId });
    // Every line about a job names it (this node also sees other tests' jobs), the ruling's included.
    const aboutJobs = parsed.filter((l) => /^job |dispute|inference|result|submission|releasing an output|output (released|lost)/.test(String(l.msg)));
    expect(aboutJobs.length).toBeGreaterThan(3);
    for (const l of aboutJobs) expect(l.jobId, String(l.msg)).toMatch(/^0x[0-9a-f]{64}$/);
    expect(aboutJobs.filter((l) => l.jobId === j.jobId).map((l) => l.msg)).toEqual(expect.arrayContaining(["dispute opened against a job", "job finalized"]));

    // The ruling left earnings to claim (the hourly claim has not run): a node started now shows
    // them at once, in its stats (the progress line) and metrics, before any claim round.
    const earned = await p.market.read.claimable([provider, p.usdc.address]);
    expect(earned).toBeGreaterThan(0n);
    await node.stop();
    const { node: restarted } = await makeNode({ privateKey, config: { metrics: { host: "127.0.0.1", port: 0 } } });
    await restarted.start();
    expect(restarted.stats().claimable).toEqual([{ token: p.usdc.address, amount: earned }]);
    expect(await (await fetch(`${restarted.metricsUrl}/metrics`)).text()).toContain(`depinfer_node_claimable{token="${p.usdc.address}"} ${earned}\n`);
  });

  it("resumes after a stop at each step without a second submission", async () => {
    for (const step of ["accepted", "computed"] as const) {
      const dataDir = mkdtempSync(path.join(tmpdir(), "depinfer-node-"));
      let stopAt: Promise<void> | undefined;
      const first = await makeNode({ dataDir, afterStep: (s) => void (s === step && (stopAt = first.node.stop())) });
      await first.node.start();
      const j = await submit(`A quiet town (${step})`, first.provider);
      await until("stopped", () => stopAt !== undefined);
      await stopAt;
      nodes.nodes.splice(nodes.nodes.indexOf(first.node), 1);
      expect(await statusOf(j.jobId)).toBe(JobStatus.Created);
      const second = await makeNode({ dataDir, privateKey: first.privateKey });
      await second.node.start();
      await until("submitted", async () => (await statusOf(j.jobId)) === JobStatus.Submitted);
      const submissions = await client.getContractEvents({ address: p.market.address, abi: jobMarketAbi, eventName: "ResultSubmitted", args: { jobId: j.jobId }, fromBlock: 0n });
      expect(submissions).toHaveLength(1);
      expect(second.node.journal.get(j.jobId)?.state).toBe("submitted");
    }
  });

  it("refuses to start when the key is not the provider's registered signer, or the chain is wrong", async () => {
    const stranger = await makeNode({ privateKey: generatePrivateKey() });
    await expect(stranger.node.start()).rejects.toMatchObject({ name: "ProviderConfigError", field: "signer" });
    const wrongChain = await makeNode({ config: { chainId: 1 } });
    const error = await wrongChain.node.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderNodeStartError);
    expect((error as ProviderNodeStartError).field).toBe("chainId");
    expect((error as Error).message).toContain(`the RPC's chain id ${chain.id}`);
  });

  it("refuses a second node on the same data directory while the first runs", async () => {
    const first = await makeNode();
    await first.node.start();
    const second = await makeNode({ privateKey: first.privateKey, dataDir: first.node.config.dataDir });
    await expect(second.node.start()).rejects.toMatchObject({ field: "dataDir", message: expect.stringContaining(`process ${process.pid} holds`) });
    await first.node.stop();
    await second.node.start(); // free again
  });
});

