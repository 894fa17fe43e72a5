// What strangers can make the provider node keep on disk, and what it shows them (in-process chain,
// the shipped node, its HTTP interface). Uploads are bounded by a disk quota, refused (507) before
// their body is read; each content is stored once; the input of a job that ends without being taken
// is deleted at once; content of settled jobs is deleted after the retention, never while a live job
// (or another job sharing it) still holds it, and across a restart. `/metrics` (earnings) is not on
// the public port unless the operator puts it there.
import { existsSync } from "node:fs";
import { connect } from "node:net";
import path from "node:path";

import { network } from "hardhat";
import type { Address, Hex } from "viem";
import { afterEach, beforeAll, describe, expect, it } from "vitest";

import { until, type Connection, type Protocol } from "../../scripts/lib/harness.js";
import { cidFromHash, contentHash, HttpContentStore, JobStatus, MAX_INLINE_INPUT, type DepinferClient } from "../../sdk/src/index.js";
import { runBuiltinModel } from "../../provider/src/models/charModel.js";
import type { InferenceBackend, ProviderNode } from "../../provider/src/index.js";
import { NODE_PRICE as PRICE, nodeFactory, setUpNodeChain, type NodeChain } from "../utils/nodeFixture.js";

const WINDOW = 4 * 3600; // the deployment's challenge window, in seconds
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const bytesOf = (text: string) => new TextEncoder().encode(text);
/** An input too large to post on-chain, of about `kib` KiB, distinct per `tag`. */
const bigInput = (tag: string, kib = 2) => `${tag} ${"flows ".repeat(Math.ceil((kib * 1024) / 6))}`;

/** Sends only the head of an upload (no body) and resolves with the status of the answer (0: none within `timeoutMs`). */
function postHeadOnly(url: string, hash: Hex, length: number, timeoutMs = 3_000): Promise<{ status: number; text: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let data = "";
    const done = () => {
      socket.destroy();
      resolve({ status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(data)?.[1] ?? 0), text: data });
    };
    socket.setTimeout(timeoutMs, done);
    socket.on("data", (chunk) => {
      data += chunk.toString("latin1");
      if (/\r\n\r\n[\s\S]*\}/.test(data)) done();
    });
    socket.on("error", done);
    socket.on("close", done);
    socket.write(`POST /content/${cidFromHash(hash)} HTTP/1.1\r\nHost: node\r\nContent-Type: application/octet-stream\r\nContent-Length: ${length}\r\n\r\n`);
  });
}

describe("provider node: disk quota, content retention and /metrics exposure", () => {
  let connection: Connection;
  let p: Protocol;
  let model: Hex;
  let client: DepinferClient;
  let fx: NodeChain;
  const nodes = nodeFactory(() => fx);

  beforeAll(async () => {
    connection = (await network.create()) as Connection;
    ({ p, model, client } = fx = await setUpNodeChain(connection));
  });

  afterEach(() => nodes.stop());

  /** A fresh staked provider (or the one of `privateKey`) and its running node. */
  async function startNode(options: { config?: Record<string, unknown>; backend?: InferenceBackend; privateKey?: Hex; dataDir?: string } = {}) {
    const { node, provider, privateKey, lines, dataDir } = await nodes.start(options);
    const onDisk = (hash: Hex) => existsSync(path.join(dataDir, "content", cidFromHash(hash))) || existsSync(path.join(dataDir, "outputs", cidFromHash(hash)));
    return { node, provider, privateKey, lines, dataDir, onDisk };
  }

  const submit = (input: string, provider: Address, timeout = 3600) =>
    client.submitJobSync({ model, input, price: PRICE, token: p.usdc.address, provider, timeout, authorization: "approve" });
  const statusOf = async (jobId: Hex) => (await p.market.read.jobState([jobId])).status;
  const advance = async (seconds: number) => {
    await connection.networkHelpers.time.increase(seconds);
    await connection.networkHelpers.mine();
  };
  const served = async (node: ProviderNode, hash: Hex) => (await fetch(`${node.outputUrl}/ipfs/${cidFromHash(hash)}`)).status;

  it("test_upload_quotaFull_refused507BeforeTheBody: once per content, and an untaken job's input is deleted at once", async () => {
    // One job at a time, and the first holds the node (its inference waits): the others stay waiting, untaken.
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const backend: InferenceBackend = {
      name: "builtin (gated)",
      infer: async (input, { signal } = {}) => {
        if (new TextDecoder().decode(input) === "hold") {
          await Promise.race([gate, new Promise((_, reject) => signal?.addEventListener("abort", () => reject(signal.reason)))]);
        }
        return runBuiltinModel(input);
      },
    };
    // 48 KiB: one 40 KiB upload fits, a second does not. The retention is the default (7 days):
    // an untaken job's input does not wait for it.
    const { node, provider, lines, onDisk } = await startNode({ config: { concurrency: 1, contentQuotaBytes: 48 * 1024 }, backend });
    await submit("hold", provider);
    await until("the first job holds the node", () => node.stats().running === 1);

    const y = bigInput("Y", 40);
    const z = bigInput("Z", 40);
    expect(y.length).toBeGreaterThan(MAX_INLINE_INPUT);
    const d = await submit(y, provider);
    const e = await submit(z, provider);
    await until("both jobs are seen", () => node.journal.get(d.jobId)?.state === "seen" && node.journal.get(e.jobId)?.state === "seen");

    const nodeStore = new HttpContentStore({ baseUrl: node.outputUrl! });
    await nodeStore.put(bytesOf(y));
    expect(onDisk(contentHash(bytesOf(y)))).toBe(true);

    // Over the quota: refused before the body is read (only the head is sent, and it is answered).
    const refused = await postHeadOnly(node.outputUrl!, contentHash(bytesOf(z)), bytesOf(z).length);
    expect(refused.status).toBe(507);
    expect(refused.text).toMatch(/storage for uploads is full/);
    expect((await postHeadOnly(node.outputUrl!, contentHash(bytesOf(z)), bytesOf(z).length)).status).toBe(507);
    await expect(nodeStore.put(bytesOf(z))).rejects.toThrow(/507/);
    // Logged once, not once per refusal.
    expect(lines.filter((l) => l.includes('"msg":"upload refused: the content quota is full')).length).toBe(1);
    expect(onDisk(contentHash(bytesOf(z)))).toBe(false);

    // The same content again: answered without reading it (a client retrying), never stored twice.
    const again = await postHeadOnly(node.outputUrl!, contentHash(bytesOf(y)), bytesOf(y).length);
    expect(again.status).toBe(200);
    expect(again.text).toContain(contentHash(bytesOf(y)));

    // The client cancels its untaken job: its input is deleted at once (not after the 7-day retention),
    // and the quota has room again.
    await client.cancelJob({ job: d.job });
    await until("the node records the cancellation", () => node.journal.get(d.jobId)?.state === "cancelled");
    await until("the cancelled job's input is deleted", () => !onDisk(contentHash(bytesOf(y))), { timeoutMs: 10_000 });
    expect(await served(node, contentHash(bytesOf(y)))).toBe(404);
    await nodeStore.put(bytesOf(z));
    expect(onDisk(contentHash(bytesOf(z)))).toBe(true);

    open();
    await until("the waiting job is served", async () => (await statusOf(e.jobId)) === JobStatus.Submitted);
  });

  it("test_retention_settledContentDeleted: kept while a live job holds it, shared content kept while referenced, deleted after the retention, across a restart", async () => {
    const retention = 3; // seconds
    // A deterministic model whose output names its input: the same input, the same output; another, another.
    const hashing: InferenceBackend = { name: "hash", infer: async (input) => outputOf(input) };
    const outputOf = (input: Uint8Array) => bytesOf(`the output for ${contentHash(input)}`);
    const first = await startNode({ config: { contentRetentionSeconds: retention }, backend: hashing });
    const { node, provider, onDisk } = first;
    const nodeStore = new HttpContentStore({ baseUrl: node.outputUrl! });
    const x = bigInput("X");
    const w = bigInput("W");
    const [xHash, wHash] = [contentHash(bytesOf(x)), contentHash(bytesOf(w))];
    const [oHash, owHash] = [contentHash(outputOf(bytesOf(x))), contentHash(outputOf(bytesOf(w)))];

    // A (input X) and C (input W), uploaded and served.
    const a = await submit(x, provider);
    const c = await submit(w, provider);
    await until("A and C wait for their inputs", () => (node.journal.get(a.jobId)?.attempts ?? 0) > 0 && (node.journal.get(c.jobId)?.attempts ?? 0) > 0);
    await nodeStore.put(bytesOf(x));
    await nodeStore.put(bytesOf(w));
    await until("A and C released", () => !!node.journal.get(a.jobId)?.outputReleased && !!node.journal.get(c.jobId)?.outputReleased);

    // Two hours later, B: the same input as A, so the same output. X is still there (A is live).
    await advance(2 * 3600);
    const b = await submit(x, provider);
    await until("B released", () => !!node.journal.get(b.jobId)?.outputReleased);

    // A's and C's windows close, B's does not: the node finalizes A and C.
    await advance(WINDOW - 2 * 3600 + 1);
    await until("A and C finalized", () => node.journal.get(a.jobId)?.state === "finalized" && node.journal.get(c.jobId)?.state === "finalized");
    expect(node.journal.get(b.jobId)?.state).toBe("submitted");
    // Within the retention, C's content is still served (clients and challengers fetch it after settlement).
    expect(await served(node, owHash)).toBe(200);
    expect(onDisk(wHash)).toBe(true);

    // After it, C's input and output are deleted; A's are not: B, live, shares both.
    await until("C's content deleted after the retention", () => !onDisk(wHash) && !onDisk(owHash), { timeoutMs: 15_000, detail: () => first.lines.slice(-15).join("\n") });
    expect(await served(node, owHash)).toBe(404);
    await sleep(retention * 1000 + 500);
    expect(onDisk(xHash)).toBe(true);
    expect(onDisk(oHash)).toBe(true);
    expect(await served(node, oHash)).toBe(200);

    // B's window closes: finalized. The node stops before the retention passes; the next one
    // (same data directory, same journal) deletes X and the output.
    await advance(2 * 3600);
    await until("B finalized", () => node.journal.get(b.jobId)?.state === "finalized");
    await node.stop();
    expect(onDisk(xHash) && onDisk(oHash)).toBe(true);
    await sleep(retention * 1000 + 200);
    const second = await startNode({ privateKey: first.privateKey, dataDir: first.dataDir, config: { contentRetentionSeconds: retention }, backend: hashing });
    await until("X and the shared output deleted after the restart", () => !second.onDisk(xHash) && !second.onDisk(oHash), { timeoutMs: 15_000 });
    expect(await served(second.node, oHash)).toBe(404);
  });

  it("test_metrics_notOnThePublicPortByDefault: on the metrics listener only, unless the operator enables it", async () => {
    const { node } = await startNode();
    expect((await fetch(`${node.outputUrl}/metrics`)).status).toBe(404);
    expect(node.metricsUrl).toBeUndefined();
    await node.stop();

    const withListener = await startNode({ config: { metrics: { host: "127.0.0.1", port: 0 } } });
    expect((await fetch(`${withListener.node.outputUrl}/metrics`)).status).toBe(404);
    const scraped = await fetch(`${withListener.node.metricsUrl}/metrics`);
    expect(scraped.status).toBe(200);
    expect(scraped.headers.get("cache-control")).toBe("no-store");
    expect(await scraped.text()).toContain("# TYPE depinfer_node_claimable gauge");
    expect((await fetch(`${withListener.node.metricsUrl}/ipfs/${cidFromHash(contentHash(bytesOf("x")))}`)).status).toBe(404); // no content there
    await withListener.node.stop();

    // An operator who wants them on the public port says so.
    const { node: open } = await startNode({ config: { outputServer: { host: "127.0.0.1", port: 0, metrics: true } } });
    const publicScrape = await fetch(`${open.outputUrl}/metrics`);
    expect(publicScrape.status).toBe(200);
    expect(publicScrape.headers.get("cache-control")).toBe("no-store");
  });
});
