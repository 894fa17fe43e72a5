// The node follows new blocks as the RPC pushes them (eth_subscribe "newHeads", as over a WebSocket
// RPC): a job created after the node started is taken, computed and submitted at once, not at the
// next polling interval. The same node on a transport without subscriptions polls (the control).
import { network } from "hardhat";
import { custom, type Transport } from "viem";
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

  it("test_newHeads_withoutSubscription: the same node on a transport with no subscribe waits for its polling interval", async () => {
    const { node, provider } = await startNode(custom(connection.provider, { retryCount: 0 }));
    const { jobId } = await fx.client.submitJobSync({ model: fx.model, input: "polled", price: PRICE, token: fx.p.usdc.address, provider: provider.address, authorization: "approve" });
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(node.journal.get(jobId)).toBeUndefined();
  });
});
