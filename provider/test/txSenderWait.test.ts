// The sender's receipt wait with pushed blocks: the receipt is asked for once, then again at each
// block the caller reports (TxSender.headArrived), with no block polling or subscription of its own
// and no wait for a polling interval. (providerNode.heads.test.ts counts a whole node's requests.)
import { createClient, custom, type Hash } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { describe, expect, it } from "vitest";

import { TxSender } from "../src/txSender.js";

const HASH = `0x${"ab".repeat(32)}` as Hash;

function receipt(account: `0x${string}`) {
  return {
    transactionHash: HASH,
    blockHash: `0x${"cd".repeat(32)}`,
    blockNumber: "0x7",
    transactionIndex: "0x0",
    from: account,
    to: account,
    status: "0x1",
    type: "0x2",
    logs: [],
    logsBloom: `0x${"00".repeat(256)}`,
    gasUsed: "0x5208",
    cumulativeGasUsed: "0x5208",
    effectiveGasPrice: "0x1",
    contractAddress: null,
  };
}

/** A sender whose RPC has no receipt for HASH until `mined()`; `calls` lists every request's method. */
function setUp() {
  const account = privateKeyToAccount(generatePrivateKey());
  const calls: string[] = [];
  let isMined = false;
  const client = createClient({
    chain: hardhat,
    account,
    pollingInterval: 60_000, // far longer than the test: only a reported block can make it ask again
    transport: custom({
      async request({ method }: { method: string }) {
        calls.push(method);
        if (method === "eth_getTransactionReceipt") return isMined ? receipt(account.address) : null;
        throw new Error(`unexpected ${method}`);
      },
    }),
  });
  return { sender: new TxSender({ client, retries: 0 }), calls, mined: () => (isMined = true) };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("TxSender.wait with pushed blocks", () => {
  it("test_wait_perPushedBlock: asks once, waits for the next reported block, then has the receipt", async () => {
    const { sender, calls, mined } = setUp();
    sender.headArrived(); // the caller's RPC pushes blocks
    let got: unknown;
    const waiting = sender.wait(HASH).then((r) => (got = r));
    await sleep(100);
    expect(calls).toEqual(["eth_getTransactionReceipt"]);
    expect(got).toBeUndefined();
    sender.headArrived(); // a block with nothing for us: asked once more, still waiting
    await sleep(50);
    expect(calls).toEqual(["eth_getTransactionReceipt", "eth_getTransactionReceipt"]);
    expect(got).toBeUndefined();
    mined();
    sender.headArrived();
    await waiting;
    expect((got as { status: string; blockNumber: bigint }).status).toBe("success");
    expect((got as { blockNumber: bigint }).blockNumber).toBe(7n);
    expect(calls).toEqual(["eth_getTransactionReceipt", "eth_getTransactionReceipt", "eth_getTransactionReceipt"]);
  });

  it("test_wait_timeout: gives up at its timeout when no block brings the receipt", async () => {
    const { sender, calls } = setUp();
    sender.headArrived();
    await expect(sender.wait(HASH, { timeoutMs: 150 })).rejects.toThrow(/Timed out while waiting for transaction/);
    expect(calls.every((m) => m === "eth_getTransactionReceipt")).toBe(true);
  });
});
