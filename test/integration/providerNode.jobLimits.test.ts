// A hostile client against the provider node (in-process chain, the shipped node, its HTTP
// interface): it cannot make the node take a job the node cannot finish in time (and so farm the
// liveness slash), nor lock more of the node's stake on one job than the node allows, however well
// the job pays, nor get it to accept a job whose input the model's server would reject. Normal jobs
// are still served.
import { createServer, type Server } from "node:http";

import { network } from "hardhat";
import { createWalletClient, custom, decodeFunctionData, encodeAbiParameters, keccak256, type Address, type Chain, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterEach, beforeAll, describe, expect, it } from "vitest";

import { DPI, until, USDC, type Connection, type Protocol } from "../../scripts/lib/harness.js";
import { cidFromHash, jobMarketAbi, JobStatus, setOffer, type DepinferClient, type Job } from "../../sdk/src/index.js";
import { runBuiltinModel } from "../../provider/src/models/charModel.js";
import type { InferenceBackend, ProviderNode } from "../../provider/src/index.js";
import { NODE_PRICE as PRICE, nodeFactory, setUpNodeChain, type NodeChain } from "../utils/nodeFixture.js";

const jobAbi = jobMarketAbi.find((x) => x.type === "function" && x.name === "acceptJob")!.inputs;
const idOf = (job: Job) => keccak256(encodeAbiParameters(jobAbi, [job] as never));

/** The fake model server's port (this file's; other suites use other ports). */
const BACKEND_PORT = 18722;
/** The fake model's context length, and the completion budget it assumes when a request sets none. */
const SERVER_CONTEXT = 256;
const SERVER_DEFAULT_MAX_TOKENS = 200;
/** A prompt the fake model answers with no content. */
const POISON = "POISON: answer with nothing";
/** A prompt the fake model answers with a completion that never ends (until the node hangs up, or 1 GiB). */
const ENDLESS = "ENDLESS: answer forever";

/**
 * A fake OpenAI-compatible model server, like vLLM: `POST /tokenize` counts a prompt's tokens (one
 * per word) and says its context length; `POST /v1/chat/completions` answers 400 when the prompt
 * and the completion budget do not fit in the context, an empty content for {@link POISON}, a
 * completion streamed without end for {@link ENDLESS}, and otherwise a short completion. It records
 * the prompts each endpoint saw, and the most bytes it streamed for one endless answer.
 */
async function startFakeModelServer(port: number) {
  const seen = { tokenize: [] as string[], chat: [] as string[], endlessBytes: 0 };
  const words = (text: string) => text.split(/\s+/).filter(Boolean).length;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const send = (status: number, body: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as { prompt?: string; messages?: { content: string }[]; max_tokens?: number };
      if (req.url === "/tokenize") {
        seen.tokenize.push(body.prompt ?? "");
        return send(200, { count: words(body.prompt ?? ""), max_model_len: SERVER_CONTEXT, tokens: [] });
      }
      if (req.url !== "/v1/chat/completions") return send(404, { error: "not found" });
      const prompt = body.messages?.[0]?.content ?? "";
      seen.chat.push(prompt);
      if (words(prompt) + (body.max_tokens ?? SERVER_DEFAULT_MAX_TOKENS) > SERVER_CONTEXT) {
        return send(400, { object: "error", message: `This model's maximum context length is ${SERVER_CONTEXT} tokens.` });
      }
      if (prompt === ENDLESS) {
        res.writeHead(200, { "content-type": "application/json" });
        res.write('{"choices":[{"index":0,"message":{"role":"assistant","content":"');
        const chunk = "z".repeat(256 * 1024);
        let sent = 0;
        let closed = false;
        res.on("close", () => (closed = true));
        const pump = () => {
          while (!closed && sent < 2 ** 30 && res.write(chunk)) sent += chunk.length;
          seen.endlessBytes = Math.max(seen.endlessBytes, sent);
          if (!closed && sent < 2 ** 30) res.once("drain", pump);
        };
        return pump();
      }
      const content = prompt === POISON ? "" : `echo: ${prompt.slice(0, 16)}`;
      send(200, { id: "chatcmpl-1", object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }] });
    });
  });
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(port, "127.0.0.1", () => resolve()));
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    seen,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

describe("provider node against a hostile client: deadlines and collateral", () => {
  let connection: Connection;
  let p: Protocol;
  let chain: Chain;
  let model: Hex;
  let client: DepinferClient;
  let clientAddress: Address;
  let fx: NodeChain;
  const nodes = nodeFactory(() => fx);

  beforeAll(async () => {
    connection = (await network.create()) as Connection;
    ({ p, chain, model, client } = fx = await setUpNodeChain(connection));
    clientAddress = fx.clientWallet.account.address;
  });

  afterEach(() => nodes.stop());

  /**
   * A fresh staked provider and its running node; `inferred` lists the inputs its model ran on.
   * `model` replaces the served model's config fields (backend, limits); its backend is then the
   * configured one, not the counting built-in model.
   */
  async function startNode(config: Record<string, unknown> = {}, served?: Record<string, unknown>) {
    const inferred: string[] = [];
    const backend: InferenceBackend = {
      name: "builtin (counting)",
      infer: async (input) => (inferred.push(new TextDecoder().decode(input)), runBuiltinModel(input)),
    };
    const { node, provider, privateKey, lines, fromBlock } = await nodes.start({
      // Its metrics on their own listener.
      config: { metrics: { host: "127.0.0.1", port: 0 }, ...config, ...(served && { models: [{ model, backend: { type: "builtin" }, price: PRICE.toString(), token: p.usdc.address, ...served }] }) },
      ...(!served && { backend }),
      logLevel: "info",
    });
    return { node, provider, privateKey, inferred, lines, fromBlock };
  }

  const submit = (input: string, { provider, price = PRICE, timeout = 3600 }: { provider?: Address; price?: bigint; timeout?: number } = {}) =>
    client.submitJobSync({ model, input, price, token: p.usdc.address, provider, timeout, authorization: "approve" });

  const statusOf = async (jobId: Hex) => (await p.market.read.jobState([jobId])).status;

  /** The node's metrics, as a Prometheus scraper reads them. */
  const metric = async (node: ProviderNode, line: string) => (await (await fetch(`${node.metricsUrl}/metrics`)).text()).split("\n").find((l) => l.startsWith(`${line} `));

  /** Ids of the jobs named by each transaction `from` sent to the market since `fromBlock`. */
  async function jobsTouchedBy(from: Address, fromBlock: bigint): Promise<Set<Hex>> {
    const publicClient = await connection.viem.getPublicClient();
    const touched = new Set<Hex>();
    for (let b = fromBlock, head = await publicClient.getBlockNumber(); b <= head; b++) {
      for (const tx of (await publicClient.getBlock({ blockNumber: b, includeTransactions: true })).transactions) {
        if (tx.from.toLowerCase() !== from.toLowerCase() || tx.to?.toLowerCase() !== p.market.address.toLowerCase()) continue;
        const { functionName, args } = decodeFunctionData({ abi: jobMarketAbi, data: tx.input });
        // A batch (acceptAndSubmitBatch) carries its jobs second, after the provider.
        const first = functionName === "acceptAndSubmitBatch" ? args?.[1] : args?.[0];
        for (const job of Array.isArray(first) ? first : [first]) if (job && typeof job === "object" && "inputHash" in job) touched.add(idOf(job as Job));
      }
    }
    return touched;
  }

  const logged = (lines: string[], msg: string, jobId: Hex) => lines.some((l) => l.includes(`"msg":"${msg}"`) && l.includes(jobId));

  it("never takes a job with too little time before its deadline, however well it pays, and still serves normal jobs", async () => {
    const { node, provider, privateKey, inferred, lines, fromBlock } = await startNode(); // minJobSeconds: the default, 60
    // The provider promises open jobs in at most 600 s.
    const wallet = createWalletClient({ chain, transport: custom(connection.provider, { retryCount: 0 }), account: privateKeyToAccount(privateKey) });
    await (await connection.viem.getPublicClient()).waitForTransactionReceipt({
      hash: await setOffer(wallet, { market: p.market.address, model, token: p.usdc.address, price: PRICE, maxLatency: 600 }),
    });
    const before = await p.market.read.provider([provider]);
    const slashIncomeBefore = await p.market.read.claimable([clientAddress, p.token.address]);

    // The farming attempts: a deadline seconds away and a price four times the offer (four times the collateral).
    const inflated = 4n * PRICE;
    const hostileInputs = ["open, 10 s left", "direct, 10 s left", "open, 300 s left"];
    const hostile = [
      await submit(hostileInputs[0], { price: inflated, timeout: 10 }),
      await submit(hostileInputs[1], { provider, price: inflated, timeout: 10 }),
      // Above minJobSeconds, but below the 600 s the provider's offer promises for open jobs.
      await submit(hostileInputs[2], { price: inflated, timeout: 300 }),
    ];
    // Jobs the node can do in time.
    const normal = [await submit("open, an hour left"), await submit("direct, an hour left", { provider }), await submit("direct, 300 s left", { provider, timeout: 300 })];

    await until("the normal jobs are submitted", async () => (await Promise.all(normal.map((j) => statusOf(j.jobId)))).every((s) => s === JobStatus.Submitted), { timeoutMs: 15_000 });
    await until("the node counts three jobs refused for their deadline", async () => (await metric(node, 'depinfer_node_jobs_refused_total{reason="deadline"}')) === 'depinfer_node_jobs_refused_total{reason="deadline"} 3', {
      timeoutMs: 5_000,
      detail: () => lines.slice(-20).join(""),
    });

    // Nothing of the node's went into the hostile jobs: no transaction, no stake, no inference.
    for (const j of hostile) {
      expect(await statusOf(j.jobId)).toBe(JobStatus.Created);
      expect(logged(lines, "job skipped: too little time before its deadline", j.jobId), j.jobId).toBe(true);
    }
    const touched = await jobsTouchedBy(provider, fromBlock);
    expect(hostile.filter((j) => touched.has(j.jobId))).toEqual([]);
    expect(normal.every((j) => touched.has(j.jobId))).toBe(true);
    expect(inferred.filter((input) => hostileInputs.includes(input))).toEqual([]);
    expect((await p.market.read.provider([provider])).locked).toBe(before.locked + normal.reduce((sum, j) => sum + j.job.collateral, 0n));

    // Past their deadlines the client can only take its money back: no slash to collect.
    await connection.networkHelpers.time.increase(301);
    await connection.networkHelpers.mine();
    for (const j of hostile) await client.waitForTransactionReceipt({ hash: await client.expireJob({ job: j.job }) });
    expect(await Promise.all(hostile.map((j) => statusOf(j.jobId)))).toEqual(hostile.map(() => JobStatus.Expired));
    expect((await p.market.read.provider([provider])).staked).toBe(before.staked);
    expect(await p.market.read.claimable([clientAddress, p.token.address])).toBe(slashIncomeBefore);
  });

  it("never locks more than maxCollateralShare of its free stake on one job: too large is refused, large for now waits", async () => {
    const { node, provider, inferred, lines, fromBlock } = await startNode(); // maxCollateralShare: the default, 0.1 (100 DPI of 1000)
    const collateralOf = (price: bigint) => (price * 20n * DPI) / PRICE; // 10 DPI per USDC of price

    // 200 DPI, a fifth of the stake: more than the node ever puts on one job, open or direct.
    const tooLarge = [await submit("direct, 20 USDC", { provider, price: 20n * USDC }), await submit("open, 20 USDC", { price: 20n * USDC })];
    expect(tooLarge.map((j) => j.job.collateral)).toEqual([collateralOf(20n * USDC), collateralOf(20n * USDC)]);
    // 90 DPI of 1000 free: taken. Then 95 DPI of the 910 left free (over 91): it waits for stake to be freed.
    const first = await submit("direct, 9 USDC", { provider, price: 9n * USDC, timeout: 6 * 3600 });
    await until("the 9 USDC job is submitted", async () => (await statusOf(first.jobId)) === JobStatus.Submitted);
    const waits = await submit("direct, 9.5 USDC", { provider, price: 9_500_000n, timeout: 6 * 3600 });

    await until("the node counts two jobs refused for their collateral", async () => (await metric(node, 'depinfer_node_jobs_refused_total{reason="collateral"}')) === 'depinfer_node_jobs_refused_total{reason="collateral"} 2', {
      timeoutMs: 5_000,
      detail: () => lines.slice(-20).join(""),
    });
    await new Promise((resolve) => setTimeout(resolve, 500)); // ten polling intervals: time enough to take a job it would take
    for (const j of [...tooLarge, waits]) expect(await statusOf(j.jobId)).toBe(JobStatus.Created);
    for (const j of tooLarge) expect(logged(lines, "job skipped: its collateral is above maxCollateralShare of the stake", j.jobId), j.jobId).toBe(true);
    expect(logged(lines, "job waits: its collateral is above maxCollateralShare of the free stake", waits.jobId)).toBe(true);
    const touched = await jobsTouchedBy(provider, fromBlock);
    expect([...tooLarge, waits].filter((j) => touched.has(j.jobId))).toEqual([]);
    expect(inferred).toEqual(["direct, 9 USDC"]);
    expect((await p.market.read.provider([provider])).locked).toBe(first.job.collateral);

    // Once the first job is finalized its 90 DPI are free again, and 95 DPI is within 10% of 1000.
    await connection.networkHelpers.time.increase(4 * 3600 + 1);
    await connection.networkHelpers.mine();
    await until("the waiting job is submitted", async () => (await statusOf(waits.jobId)) === JobStatus.Submitted, { detail: () => lines.slice(-20).join("") });
    expect(await statusOf(first.jobId)).toBe(JobStatus.Finalized);
    expect((await p.market.read.provider([provider])).locked).toBe(waits.job.collateral);
    for (const j of tooLarge) expect(await statusOf(j.jobId)).toBe(JobStatus.Created);
  });
  it("never accepts a job whose input the model cannot run: over maxInputBytes, over maxInputTokens as the server counts them; an empty or endless answer is never submitted", async () => {
    const fake = await startFakeModelServer(BACKEND_PORT);
    try {
      // The fake model's context is 256 tokens; 64 for the completion leaves 192, and 100 is the most the operator takes.
      const limits = { maxInputBytes: 400, maxInputTokens: 100, contextTokens: SERVER_CONTEXT, maxTokens: 64, timeoutSeconds: 30 };
      const { node, provider, lines, fromBlock } = await startNode({}, { backend: { type: "openai", baseUrl: fake.baseUrl, model: "fake" }, ...limits });
      const before = await p.market.read.provider([provider]);

      const inputs = {
        overBytes: `bytes ${"x".repeat(500)}`, // 506 bytes, two words: refused on its size alone
        overTokens: "w ".repeat(60).trim(), // 119 bytes, 60 words: 124 tokens with the chat template, over 100
        within: "w ".repeat(20).trim(), // 39 bytes: 104 tokens by the bound, 84 as the server counts them
        directOverBytes: `direct ${"d".repeat(450)}`,
        uploadedOverBytes: "u".repeat(2000), // over 1 KiB: not posted on-chain, uploaded to the node
      };
      const overBytes = await submit(inputs.overBytes);
      const overTokens = await submit(inputs.overTokens);
      const directOverBytes = await submit(inputs.directOverBytes, { provider });
      const uploaded = await submit(inputs.uploadedOverBytes);
      const poison = await submit(POISON, { provider });
      const endless = await submit(ENDLESS, { provider });
      const within = await submit(inputs.within);
      const refused = [overBytes, overTokens, directOverBytes];

      await until("the job within the limits is submitted", async () => (await statusOf(within.jobId)) === JobStatus.Submitted, { detail: () => lines.slice(-20).join("") });
      await until("the node counts three jobs refused for their input", async () => (await metric(node, 'depinfer_node_jobs_refused_total{reason="input"}')) === 'depinfer_node_jobs_refused_total{reason="input"} 3', {
        timeoutMs: 5_000,
        detail: () => lines.slice(-20).join(""),
      });
      // The upload of an input over the model's maxInputBytes is refused before its body is read.
      const upload = await fetch(`${node.outputUrl}/content/${cidFromHash(uploaded.job.inputHash)}`, { method: "POST", body: inputs.uploadedOverBytes });
      expect(upload.status).toBe(413);
      expect(await upload.json()).toMatchObject({ error: "larger than 400 bytes" });
      // The empty answer is a backend failure: given up (after its attempts), never submitted.
      await until("the poison job is given up", () => node.journal.get(poison.jobId)?.state === "failed", { timeoutMs: 20_000, detail: () => lines.slice(-20).join("") });
      // So is an answer without end: cut off at the backend's maxResponseBytes (16 MiB) as it streams
      // in, each time, so the node holds at most that much of it (a 200 MB completion once went through).
      await until("the endless job is given up", () => node.journal.get(endless.jobId)?.state === "failed", { timeoutMs: 30_000, detail: () => lines.slice(-20).join("") });
      expect(node.journal.get(endless.jobId)!.error).toContain("larger than 16777216 bytes");
      expect(fake.seen.endlessBytes).toBeLessThan(64 * 1024 * 1024);

      // Nothing of the node's went into the refused jobs: no transaction, no stake, no inference.
      const reasons = { [overBytes.jobId]: "maxInputBytes", [overTokens.jobId]: "maxInputTokens", [directOverBytes.jobId]: "maxInputBytes" };
      for (const j of refused) {
        expect(await statusOf(j.jobId)).toBe(JobStatus.Created);
        expect(node.journal.get(j.jobId)).toMatchObject({ state: "skipped" });
        expect(lines.some((l) => l.includes('"msg":"job skipped: its input is over the model\'s limits"') && l.includes(j.jobId) && l.includes(`"limit":"${reasons[j.jobId]}"`)), j.jobId).toBe(true);
      }
      expect(node.journal.get(overTokens.jobId)!.error).toBe("its input is 124 tokens as the backend counts them, over maxInputTokens (100)");
      expect(node.journal.get(overBytes.jobId)!.error).toBe("its input is 506 bytes, over maxInputBytes (400)");
      expect(await statusOf(uploaded.jobId)).toBe(JobStatus.Created);
      expect(await statusOf(poison.jobId)).toBe(JobStatus.Created);
      expect(await statusOf(endless.jobId)).toBe(JobStatus.Created);
      const touched = await jobsTouchedBy(provider, fromBlock);
      expect([...refused, uploaded, poison, endless].filter((j) => touched.has(j.jobId))).toEqual([]);
      expect(touched.has(within.jobId)).toBe(true);
      expect((await p.market.read.provider([provider])).locked).toBe(before.locked + within.job.collateral);
      // The server was asked to count only what the bytes could not settle, and ran only what fits.
      expect(fake.seen.tokenize.sort()).toEqual([inputs.overTokens, inputs.within].sort());
      expect(fake.seen.chat.filter((prompt) => prompt !== POISON && prompt !== ENDLESS)).toEqual([inputs.within]);
    } finally {
      await nodes.stop();
      await fake.close();
    }
  });
});
