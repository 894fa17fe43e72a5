// The content retention (provider/src/retention.ts) over the redundancy role's seats: the input a
// client uploaded for a request and the output the node computed for it are deleted
// `contentRetentionSeconds` after the seat ended (the request settled), at once when the node refused
// the request (it computed nothing), and never while another seat still holds the same content.
// In-process chain, the shipped node with its redundancy loop on; the client names the node's provider
// and a second one (with no node, so its seat ends Absent) through the SDK.
import { existsSync } from "node:fs";
import path from "node:path";

import { network } from "hardhat";
import { custom, type Address, type Hex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { until, USDC, type Connection, type Protocol } from "../../scripts/lib/harness.js";
import { cidFromHash, contentHash, createDepinferClient, type DepinferClient } from "../../sdk/src/index.js";
import { runBuiltinModel } from "../../provider/src/models/charModel.js";
import type { ProviderNode } from "../../provider/src/index.js";
import { nodeFactory, setUpNodeChain, type NodeChain } from "../utils/nodeFixture.js";

const RETENTION = 3; // seconds
const SEAT_COMMITTED = 2;
const ENDED = ["paid", "slashed", "released", "refused", "absent", "failed"];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const bytesOf = (text: string) => new TextEncoder().encode(text);

describe("content retention of the redundancy role", () => {
  let connection: Connection;
  let p: Protocol;
  let model: Hex;
  let client: DepinferClient;
  let module: Address;
  let fx: NodeChain;
  let node: ProviderNode;
  let provider: Address;
  let other: Address;
  let dataDir: string;
  let lines: string[];
  const nodes = nodeFactory(() => fx);

  beforeAll(async () => {
    connection = (await network.create()) as Connection;
    ({ p, model } = fx = await setUpNodeChain(connection));
    module = p.deployed.redundancyModule;
    client = createDepinferClient({ chain: fx.chain, transport: custom(connection.provider), account: fx.clientWallet.account, deployment: { market: p.market.address, redundancyModule: module } });
    ({ node, provider, lines, dataDir } = await nodes.start({ logLevel: "info", config: { contentRetentionSeconds: RETENTION, redundancy: { enabled: true, address: module } } }));
    ({ provider: other } = await nodes.make());
  });

  afterAll(() => nodes.stop());

  const now = async () => Number((await (await connection.viem.getPublicClient()).getBlock()).timestamp);
  const onDisk = (hash: Hex) => existsSync(path.join(dataDir, "content", cidFromHash(hash)));
  const seat = (id: bigint) => node.redundancy!.journal.get(id);
  const tail = () => lines.slice(-20).join("");

  /** A request naming the node's provider (seat 0) and the other one (no node: Absent), its input in the node's store. */
  async function request(input: string, price: bigint) {
    await node.store.put(bytesOf(input));
    return client.requestRedundancySync({ model, token: p.usdc.address, price, inputHash: contentHash(bytesOf(input)), commitDeadline: BigInt((await now()) + 600), providers: [provider, other] });
  }

  it("test_retention_redundancyContent: kept while its seat is open and for the retention after the request settled; a refused request's input at once, unless an open seat shares it", async () => {
    const x = "redundancy retention: X";
    const y = "redundancy retention: Y";
    const [xHash, yHash, oHash] = [contentHash(bytesOf(x)), contentHash(bytesOf(y)), contentHash(await runBuiltinModel(bytesOf(x)))];

    // A: committed (20 DPI of collateral). Its input and its output are on disk.
    const a = await request(x, 2n * USDC);
    await until("A is committed", async () => (await (await connection.viem.getContractAt("RedundancyModule", module)).read.seatOf([a.id, 0n])).status === SEAT_COMMITTED, { detail: tail });
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
    await connection.networkHelpers.time.increase(601);
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
