// The node follows new blocks as the RPC pushes them (eth_subscribe "newHeads", as over a WebSocket
// RPC): a job created after the node started is taken, computed and submitted at once, not at the
// next polling interval. The same node on a transport without subscriptions polls (the control).
import { network } from "hardhat";
import { custom, type Hex, type Transport } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { until, type Connection } from "../../scripts/lib/harness.js";
import { inProcessTransport } from "../../scripts/lib/inProcessTransport.js";
import { NODE_PRICE as PRICE, nodeFactory, setUpNodeChain, type NodeChain } from "../utils/nodeFixture.js";

/** Far longer than the test waits: only a pushed block can wake the node in time. */
const POLLING_MS = 60_000;

describe("provider node: new blocks pushed by the RPC", () => {
  let connection: Connection;
  let fx: NodeChain;
  const nodes = nodeFactory(() => fx);

  beforeAll(async () => {
    connection = (await network.create()) as Connection;
    fx = await setUpNodeChain(connection);
  });

  afterAll(() => nodes.stop());

  async function startNode(transport: Transport, logLines: string[] = []) {
    const { node, provider } = await nodes.start({ transport, lines: logLines, logLevel: "info", config: { pollingIntervalMs: POLLING_MS } });
    // The start's own first tick and scan run at once: let them finish, so that only a push can wake the node.
    await new Promise((resolve) => setTimeout(resolve, 500));
    return { node, provider: { address: provider } };
  }

  it("test_newHeads_jobTakenAtOnce: a job created after the start is submitted long before the polling interval", async () => {
    const logLines: string[] = [];
    const { node, provider } = await startNode(inProcessTransport(connection), logLines);
    expect(logLines.some((l) => l.includes("following new blocks as the RPC pushes them"))).toBe(true);
    const started = Date.now();
    const { jobId } = await fx.client.submitJobSync({ model: fx.model, input: "pushed", price: PRICE, token: fx.p.usdc.address, provider: provider.address, authorization: "approve" });
    await until("the node submitted the job", () => node.journal.get(jobId)?.state === "submitted", { timeoutMs: 15_000 });
    expect(Date.now() - started).toBeLessThan(15_000);
    // Pushed heads also drive the ticks: the output is released on-chain time, not after a poll.
    await until("the output is released", () => node.journal.get(jobId)?.outputReleased === true, { timeoutMs: 5_000 });
  });

  it("test_newHeads_noBlockReads: with blocks pushed, jobs cost the node no read of the head, the chain's time, a receipt's block or a subscription per receipt", async () => {
    const requests = new Map<string, number>();
    let counting = false;
    const transport = inProcessTransport(connection, {
      onRequest: (method) => {
        if (counting) requests.set(method, (requests.get(method) ?? 0) + 1);
      },
    });
    const { node, provider } = await startNode(transport);
    counting = true;
    const jobIds: Hex[] = [];
    // One at a time: each job is its own block, its ticks, its submission and its receipt.
    for (let i = 0; i < 4; i++) {
      const { jobId } = await fx.client.submitJobSync({ model: fx.model, input: `pushed ${i}`, price: PRICE, token: fx.p.usdc.address, provider: provider.address, authorization: "approve" });
      jobIds.push(jobId);
      await until(`job ${i} submitted, released and dated`, () => {
        const e = node.journal.get(jobId);
        return e?.state === "submitted" && e.outputReleased === true && e.dueAt !== undefined;
      }, { timeoutMs: 15_000 });
    }
    counting = false;
    const counts = Object.fromEntries(requests);
    // The head (reorg check, fees), the chain's time and a receipt's block time come with the pushed
    // blocks; the receipt is asked for at once and again per pushed block, with no block polling.
    expect(counts.eth_getBlockByNumber ?? 0, JSON.stringify(counts)).toBe(0);
    expect(counts.eth_blockNumber ?? 0, JSON.stringify(counts)).toBe(0);
    expect(counts.eth_subscribe ?? 0, JSON.stringify(counts)).toBe(0);
    const total = [...requests.values()].reduce((a, b) => a + b, 0);
    // Per job, alone in its block: the scans of its block (JobCreated, JobInput, …), the stake and the
    // simulation, the broadcast and the receipt; once: the fees, the fee history, the nonce, the estimate.
    expect(total, JSON.stringify(counts)).toBeLessThanOrEqual(8 * jobIds.length + 5);
  });

  it("test_newHeads_withoutSubscription: the same node on a transport with no subscribe waits for its polling interval", async () => {
    const { node, provider } = await startNode(custom(connection.provider, { retryCount: 0 }));
    const { jobId } = await fx.client.submitJobSync({ model: fx.model, input: "polled", price: PRICE, token: fx.p.usdc.address, provider: provider.address, authorization: "approve" });
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(node.journal.get(jobId)).toBeUndefined();
  });
});
