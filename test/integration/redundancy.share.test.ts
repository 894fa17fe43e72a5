// The redundancy role under the node's limits: its `maxCollateralShare` (docs/provider-node.md,
// "maxCollateralShare") and its content retention (provider/src/retention.ts). A client cannot make a
// node lock more of its stake on one redundancy seat than the node allows on one job, however well the
// seat pays, nor make it keep a request's content for ever. In-process chain, the shipped node with its
// redundancy loop on; the client names the node's provider and a second one (with no node, so its
// seat ends Absent) through the SDK.
//
// - collateral exactly at the share of the stake (100 DPI of 1000): committed, 100 DPI locked.
// - one unit of price more (collateral just over the share): refused before anything is locked, the
//   refusal logged and counted (`depinfer_node_redundancy_refused_total{reason="collateral"}`), and the
//   backend never runs.
// - within the share of the stake but over the share of the stake free now: it waits, uncommitted.
// - content: a request's input and the node's output are kept while the seat is open and for
//   `contentRetentionSeconds` after it ended (the request settled), then deleted; a refused request's
//   input at once, unless an open seat shares it.
import { existsSync } from "node:fs";
import path from "node:path";

import { network } from "hardhat";
import { custom, type Address, type Hex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { DPI, until, USDC, type Connection, type Protocol } from "../../scripts/lib/harness.js";
import { cidFromHash, contentHash, createDepinferClient, type DepinferClient } from "../../sdk/src/index.js";
import { runBuiltinModel } from "../../provider/src/models/charModel.js";
import type { InferenceBackend, ProviderNode } from "../../provider/src/index.js";
import { nodeFactory, setUpNodeChain, type NodeChain } from "../utils/nodeFixture.js";

const SEAT = { Named: 1, Committed: 2 } as const;
const RETENTION = 3; // seconds
const ENDED = ["paid", "slashed", "released", "refused", "absent", "failed"];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const bytesOf = (text: string) => new TextEncoder().encode(text);

describe("redundancy seats: within maxCollateralShare of the stake, their content within the retention", () => {
  let connection: Connection;
  let p: Protocol;
  let model: Hex;
  let client: DepinferClient;
  let module: Address;
  let fx: NodeChain;
  let node: ProviderNode;
  let provider: Address;
  let other: Address;
  let lines: string[];
  let dataDir: string;
  const inferred: string[] = [];
  const nodes = nodeFactory(() => fx);

  beforeAll(async () => {
    connection = (await network.create()) as Connection;
    ({ p, model } = fx = await setUpNodeChain(connection));
    module = p.deployed.redundancyModule;
    client = createDepinferClient({ chain: fx.chain, transport: custom(connection.provider), account: fx.clientWallet.account, deployment: { market: p.market.address, redundancyModule: module } });
    const backend: InferenceBackend = { name: "builtin (counting)", infer: async (input) => (inferred.push(new TextDecoder().decode(input)), runBuiltinModel(input)) };
    // maxCollateralShare: the default, 0.1 (100 DPI of the fixture's 1000).
    ({ node, provider, lines, dataDir } = await nodes.start({
      backend,
      logLevel: "info",
      config: { metrics: { host: "127.0.0.1", port: 0 }, contentRetentionSeconds: RETENTION, redundancy: { enabled: true, address: module } },
    }));
    ({ provider: other } = await nodes.make());
  });

  afterAll(() => nodes.stop());

  const rm = () => connection.viem.getContractAt("RedundancyModule", module);
  const now = async () => Number((await (await connection.viem.getPublicClient()).getBlock()).timestamp);
  const seatStatus = async (id: bigint) => (await (await rm()).read.seatOf([id, 0n])).status;
  const metric = async (name: string) => (await (await fetch(`${node.metricsUrl}/metrics`)).text()).split("\n").find((l) => l.startsWith(`${name} `));
  const tail = () => lines.slice(-20).join("");
  const onDisk = (hash: Hex) => existsSync(path.join(dataDir, "content", cidFromHash(hash)));
  const seat = (id: bigint) => node.redundancy!.journal.get(id);
  /** Every request's commit deadline is this far ahead (the last test moves the clock past it). */
  const COMMIT_IN = 600;

  /** A request naming the node's provider (seat 0) and the other one, its input in the node's store. */
  async function request(input: string, price: bigint) {
    const bytes = bytesOf(input);
    await node.store.put(bytes);
    return client.requestRedundancySync({ model, token: p.usdc.address, price, inputHash: contentHash(bytes), commitDeadline: BigInt((await now()) + COMMIT_IN), providers: [provider, other] });
  }

  it("commits a seat whose collateral is exactly the share of the stake; refuses one a unit over, before locking or running anything", async () => {
    const atShare = await request("at the share", 10n * USDC);
    expect(atShare.collateral).toBe(100n * DPI); // 10 DPI per USDC of price: 10% of 1000 DPI
    await until("the seat at the share is committed", async () => (await seatStatus(atShare.id)) === SEAT.Committed, { detail: tail });
    expect((await p.market.read.provider([provider])).locked).toBe(100n * DPI);

    const over = await request("over the share", 10n * USDC + 1n);
    expect(over.collateral).toBeGreaterThan(100n * DPI);
    await until("the seat over the share is refused", () => lines.some((l) => l.includes("request refused") && l.includes(`"id":"${over.id}"`)), { detail: tail });
    const refusal = lines.find((l) => l.includes("request refused") && l.includes(`"id":"${over.id}"`))!;
    expect(refusal).toContain("above maxCollateralShare (0.1) of the stake");
    expect(await metric('depinfer_node_redundancy_refused_total{reason="collateral"}')).toBe('depinfer_node_redundancy_refused_total{reason="collateral"} 1');
    await new Promise((resolve) => setTimeout(resolve, 500)); // ten polling intervals: time enough to commit
    expect(await seatStatus(over.id)).toBe(SEAT.Named);
    expect((await p.market.read.provider([provider])).locked).toBe(100n * DPI);
    expect(inferred).toEqual(["at the share"]);
  });

  it("a seat within the share of the stake but over the share of the stake free now waits, uncommitted", async () => {
    // 95 DPI: under 100 (10% of the stake), over 90 (10% of the 900 left free by the seat above).
    const waits = await request("over the share of the free stake", 9_500_000n);
    await until("the seat waits for stake", () => lines.some((l) => l.includes("request waits: its collateral is above maxCollateralShare of the free stake") && l.includes(`"id":"${waits.id}"`)), { detail: tail });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await seatStatus(waits.id)).toBe(SEAT.Named);
    expect((await p.market.read.provider([provider])).locked).toBe(100n * DPI);
    expect(await metric('depinfer_node_redundancy_refused_total{reason="collateral"}')).toBe('depinfer_node_redundancy_refused_total{reason="collateral"} 1');
    expect(inferred).toEqual(["at the share"]);
  });

  it("test_retention_redundancyContent: kept while its seat is open and for the retention after the request settled; a refused request's input at once, unless an open seat shares it", async () => {
    const x = "redundancy retention: X";
    const y = "redundancy retention: Y";
    const [xHash, yHash, oHash] = [contentHash(bytesOf(x)), contentHash(bytesOf(y)), contentHash(await runBuiltinModel(bytesOf(x)))];

    // A: committed (20 DPI of collateral). Its input and its output are on disk.
    const a = await request(x, 2n * USDC); // 20 DPI: within the share of what the seats above left free
    await until("A is committed", async () => (await seatStatus(a.id)) === SEAT.Committed, { detail: tail });
    expect(seat(a.id)?.output).toBe(oHash);
    expect(onDisk(xHash) && onDisk(oHash)).toBe(true);

    // B (the same input X) and C (input Y): refused (collateral over maxCollateralShare), nothing computed.
    const b = await request(x, 10n * USDC + 1n);
    const c = await request(y, 10n * USDC + 1n);
    await until("B and C are refused", () => seat(b.id)?.state === "refused" && seat(c.id)?.state === "refused", { detail: tail });
    // C's input goes at the next sweep; X stays: A, open, holds it.
    await until("C's input deleted at once", () => !onDisk(yHash), { timeoutMs: 5_000, detail: tail });
    await sleep(1_500); // more than a sweep interval
    expect(onDisk(xHash) && onDisk(oHash)).toBe(true);

    // Past A's commit deadline (the other seat never commits): the node reveals and settles; its seat ends.
    await connection.networkHelpers.time.increase(COMMIT_IN + 1);
    await connection.networkHelpers.mine();
    await until("A's seat ends", () => ENDED.includes(seat(a.id)?.state ?? ""), { timeoutMs: 20_000, detail: tail });
    const endedAt = seat(a.id)!.endedAt!;
    expect(endedAt).toBeGreaterThan(0);
    // Within the retention, still there (clients fetch outputs by hash after the request settled).
    expect(onDisk(xHash) && onDisk(oHash)).toBe(true);
    await until("A's input and output deleted after the retention", () => !onDisk(xHash) && !onDisk(oHash), { timeoutMs: 15_000, intervalMs: 50, detail: tail });
    // Not before the retention passed.
    expect(Date.now()).toBeGreaterThanOrEqual(endedAt + RETENTION * 1000);
    await until("the deletion is logged", () => lines.some((l) => l.includes("content deleted") && l.includes(`"jobId":"redundancy:${a.id}"`)), { timeoutMs: 2_000, detail: tail });
  });
});
