/**
 * The demo's redundancy act (docs/protocol.md 7.8): one request served by k = 2 provider nodes.
 *
 * The RedundancyModule is part of the default deployment (registered on this local chain). Two new
 * providers run provider nodes with `redundancy.enabled`; the client names both in one request
 * (`requestRedundancySync`, the module's address from the client's deployment), uploads the input to
 * each node's output server, and waits: each node runs the input, commits, reveals, and one settles;
 * both are paid `price − fee` and claim it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { custom, formatUnits, type Account, type Address, type Chain, type Hex } from "viem";

import { createInProcessNode, DPI, setUpNodeProvider, until, USDC } from "../lib/harness.js";
import type { DemoActParameters } from "./act.js";
import { contentHash, createDepinferClient, HttpContentStore } from "../../sdk/src/index.js";
import type { ProviderNode } from "../../provider/src/index.js";

const PRICE = 2n * USDC;

export type RedundancyDemoParameters = DemoActParameters;

/** Runs the act and returns its checks ([name, ok]), for the demo's list. */
export async function runRedundancyDemo({ connection, p, model, deployer, client: clientW, log }: RedundancyDemoParameters): Promise<[string, boolean][]> {
  const publicClient = await connection.viem.getPublicClient();
  const chain = publicClient.chain as Chain;
  const module = p.deployed.redundancyModule as Address | undefined;
  log("");
  log("Redundancy: one request answered by two provider nodes (k = 2), each paid its share.");
  if (!module) return [["the deployment has a redundancy module", false]];
  const rm = await connection.viem.getContractAt("RedundancyModule", module);
  const dir = mkdtempSync(path.join(tmpdir(), "depinfer-demo-redundancy-"));
  const nodes: ProviderNode[] = [];
  const checks: [string, boolean][] = [];
  try {
    const providers: Address[] = [];
    for (const name of ["redundant-a", "redundant-b"]) {
      const key = await setUpNodeProvider(connection, p, deployer as never, { model, price: PRICE, stake: 1_000n * DPI });
      const node = await createInProcessNode(connection, p.market.address, {
        privateKey: key.privateKey,
        model,
        token: p.usdc.address,
        price: PRICE,
        dataDir: path.join(dir, name),
        config: { claimIntervalMs: 1000, redundancy: { enabled: true, address: module } },
      });
      await node.start();
      nodes.push(node);
      providers.push(key.address);
    }
    const client = createDepinferClient({ chain, transport: custom(connection.provider), account: clientW.account, deployment: { market: p.market.address, redundancyModule: module } });
    const input = new TextEncoder().encode("redundancy: the same question to two providers");
    const now = (await publicClient.getBlock()).timestamp;
    const { id, collateral } = await client.requestRedundancySync({ model, token: p.usdc.address, price: PRICE, inputHash: contentHash(input), commitDeadline: now + 600n, providers });
    log(`Request ${id}: 2 × ${formatUnits(PRICE, 6)} USDC escrowed; each provider locks ${formatUnits(collateral, 18)} DPI when it commits.`);
    // Each node takes the input once it waits for it (it refuses content no request of its waits for).
    for (const node of nodes) {
      const store = new HttpContentStore({ baseUrl: node.outputUrl! });
      await until("a node takes the request's input", () => store.put(input).then(() => true, () => false), { timeoutMs: 30_000, intervalMs: 50 });
    }
    await until("the request settles", async () => (await rm.read.requestOf([id])).status === 4, { timeoutMs: 60_000, intervalMs: 50 });
    const r = await client.getRedundancyRequest({ id });
    const fee = (PRICE * BigInt(r.feeBps)) / 10_000n;
    log(`Settled: seats ${r.seats.map((s) => s.status).join(", ")}; both revealed ${r.seats[0].value}.`);
    const earned = async (a: Address) => (await p.usdc.read.balanceOf([a])) + (await rm.read.claimable([a, p.usdc.address]));
    await until("both nodes claim their pay", async () => (await Promise.all(providers.map((a) => p.usdc.read.balanceOf([a])))).every((b) => b === PRICE - fee), { timeoutMs: 20_000, intervalMs: 50 }).catch(() => undefined);
    const paid = await Promise.all(providers.map(earned));
    log(`Paid: ${paid.map((v) => `${formatUnits(v, 6)} USDC`).join(" and ")} (price − ${r.feeBps / 100}% fee each), claimed by the nodes to their wallets.`);
    checks.push(["redundancy: both seats of a k = 2 request paid", r.seats.every((s) => s.status === "Paid")]);
    checks.push(["redundancy: each provider node earned price - fee and claimed it", paid.every((v) => v === PRICE - fee) && (await Promise.all(providers.map((a) => rm.read.claimable([a, p.usdc.address])))).every((c) => c === 0n)]);
  } finally {
    await Promise.allSettled(nodes.map((n) => n.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
  return checks;
}
