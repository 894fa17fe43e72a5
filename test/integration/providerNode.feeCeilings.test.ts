// The provider node against a lying RPC (issue 14, finding 3): a JSON-RPC proxy in front of an
// anvil node inflates the fee and gas quotes (eth_maxPriorityFeePerGas, eth_gasPrice,
// eth_estimateGas, the blocks' baseFeePerGas). The node must sign nothing above its fee ceilings or
// far above the chain's fee history, say so in one log line naming the job, and complete the job
// exactly once when the RPC tells the truth again. What the proxy forwards is what was broadcast.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { network } from "hardhat";
import { custom, decodeFunctionData, http, maxUint256, parseGwei, parseTransaction, type Address, type Chain, type Hex, type TransactionSerializable } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createInProcessNode, deployProtocol, DPI, registerBuiltinModel, setUpNodeProvider, until, USDC, type Connection, type Protocol } from "../../scripts/lib/harness.js";
import depinferModule from "../../scripts/deploy/Depinfer.js";
import { createDepinferClient, jobMarketAbi, JobStatus, type DepinferClient, type Job } from "../../sdk/src/index.js";
import { createLogger, type ProviderNode } from "../../provider/src/index.js";
import { startAnvil, type AnvilHandle } from "../utils/anvil.js";
import { startJsonRpcProxy } from "../utils/rpcProxy.js";

const ANVIL_PORT = 18660;
const PROXY_PORT = 18661;
const PRICE = 2n * USDC;
const root = path.resolve(import.meta.dirname, "../..");
const deploymentId = `anvil-fees-${process.pid}-${Date.now()}`;

// The node's defaults (docs/provider-node.md): 200 gwei, 10 gwei tip, 10M gas, 0.5 ETH a transaction.
const CEILING = { maxFeePerGas: parseGwei("200"), maxPriorityFeePerGas: parseGwei("10"), gas: 10_000_000n, fee: 5n * 10n ** 17n };

type Lie = "none" | "huge" | "moderate";

/**
 * A JSON-RPC proxy in front of `target`. "huge": a 1,000,000 gwei tip and gas price, 30M gas and
 * blocks with a base fee a million times the real one (what paid ~5,000 ETH in the finding).
 * "moderate": a 40 gwei base fee and a 1 gwei tip, under the ceilings but far above the fee history.
 * It records every raw transaction it forwards.
 */
async function startLyingProxy(target: string, port: number) {
  const state = { lie: "none" as Lie, sent: [] as Hex[], lied: 0 };
  const rewrite = (method: string, result: unknown): unknown => {
    if (state.lie === "none" || result === null || result === undefined) return result;
    const hex = (v: bigint) => `0x${v.toString(16)}`;
    const huge = state.lie === "huge";
    switch (method) {
      case "eth_maxPriorityFeePerGas":
        state.lied++;
        return hex(huge ? parseGwei("1000000") : parseGwei("1"));
      case "eth_gasPrice":
        state.lied++;
        return hex(huge ? parseGwei("1000000") : parseGwei("45"));
      case "eth_estimateGas":
        if (!huge) return result;
        state.lied++;
        return hex(30_000_000n);
      case "eth_fillTransaction": {
        const filled = result as { tx?: { gas?: Hex } };
        if (!huge || !filled.tx?.gas) return result;
        state.lied++;
        return { ...filled, tx: { ...filled.tx, gas: hex(30_000_000n) } };
      }
      case "eth_getBlockByNumber":
      case "eth_getBlockByHash": {
        const block = result as { baseFeePerGas?: Hex };
        if (!block.baseFeePerGas) return result;
        state.lied++;
        return { ...block, baseFeePerGas: hex(huge ? BigInt(block.baseFeePerGas) * 1_000_000n + parseGwei("1000") : parseGwei("40")) };
      }
      default:
        return result;
    }
  };
  const proxy = await startJsonRpcProxy(target, port, async (call, forward) => {
    if (call.method === "eth_sendRawTransaction") state.sent.push((call.params as Hex[])[0]);
    const answer = await forward(call);
    return "result" in answer ? { ...answer, result: rewrite(call.method, answer.result) } : answer;
  });
  return { ...proxy, state };
}

describe("provider node against a lying RPC: fee ceilings", () => {
  let anvil: AnvilHandle;
  let proxy: Awaited<ReturnType<typeof startLyingProxy>>;
  let connection: Connection;
  let p: Protocol;
  let chain: Chain;
  let model: Hex;
  let client: DepinferClient;
  let provider: Address;
  let node: ProviderNode | undefined;
  const lines: string[] = [];
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "depinfer-fees-"));
    anvil = await startAnvil(ANVIL_PORT);
    proxy = await startLyingProxy(anvil.url, PROXY_PORT);
    // The set-up talks to anvil directly; only the node goes through the proxy.
    connection = (await network.create({ network: "anvilOutputs", override: { url: anvil.url } })) as Connection;
    p = await deployProtocol(connection, depinferModule, { deploymentId });
    const publicClient = await connection.viem.getPublicClient();
    chain = publicClient.chain as Chain;
    const wallets = await connection.viem.getWalletClients();
    model = await registerBuiltinModel(connection, p);
    const set = await setUpNodeProvider(connection, p, wallets[0], { model, price: PRICE, stake: 1_000n * DPI });
    provider = set.address;
    // Rich enough that the node's RPC would fill even a ~5,000 ETH fee: only the node's own ceilings stand in the way.
    await connection.provider.request({ method: "anvil_setBalance", params: [provider, `0x${(10n ** 24n).toString(16)}`] });
    const clientWallet = wallets[9];
    await publicClient.waitForTransactionReceipt({ hash: await p.usdc.write.mint([clientWallet.account.address, 1_000n * USDC]) });
    await publicClient.waitForTransactionReceipt({ hash: await p.usdc.write.approve([p.market.address, maxUint256], { account: clientWallet.account }) });
    client = createDepinferClient({ chain, transport: custom(connection.provider), account: clientWallet.account, deployment: { market: p.market.address } });
    node = await createInProcessNode(connection, p.market.address, {
      privateKey: set.privateKey,
      model,
      token: p.usdc.address,
      price: PRICE,
      dataDir,
      config: { pollingIntervalMs: 100 },
      transport: http(proxy.url, { retryCount: 0 }),
      logger: createLogger({ level: "debug", stream: { write: (line: string) => void lines.push(line) } }),
    });
  }, 180_000);

  afterAll(async () => {
    await node?.stop();
    await proxy?.close();
    await anvil?.stop();
    rmSync(path.join(root, "ignition", "deployments", deploymentId), { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Every transaction the proxy forwarded, decoded. */
  const broadcast = () => proxy.state.sent.map((raw) => parseTransaction(raw) as TransactionSerializable & { gas: bigint; maxFeePerGas?: bigint; maxPriorityFeePerGas?: bigint; gasPrice?: bigint });
  const refusals = (jobId: Hex, source: string) =>
    lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.msg === "transaction refused: fee above the ceiling, not signed (will retry)" && l.jobId === jobId && l.source === source);

  it("signs nothing above the ceilings or the fee history, says why, and completes the job once the RPC tells the truth", async () => {
    proxy.state.lie = "huge";
    await node!.start();
    const { jobId } = await client.submitJobSync({ model, input: "The lying RPC", price: PRICE, token: p.usdc.address, provider, timeout: 3600, authorization: "approve" });

    // The ceilings refuse the inflated quote: one warn line naming the job, the quote and the ceiling.
    await until("the node refused (or sent) the inflated quote", () => refusals(jobId, "config").length > 0 || proxy.state.sent.length > 0, { timeoutMs: 60_000, detail: () => lines.slice(-20).join("\n") });
    expect(broadcast().map((tx) => ({ maxFeePerGas: tx.maxFeePerGas, gas: tx.gas }))).toEqual([]);
    const [line] = refusals(jobId, "config");
    expect(line).toMatchObject({ level: "warn", jobId, functionName: "acceptAndSubmit", source: "config" });
    expect(["gas", "maxFeePerGas", "maxPriorityFeePerGas", "fee"]).toContain(line.field);
    expect(line.quoted).toEqual(expect.any(String));
    expect(line.ceiling).toEqual(expect.any(String));
    expect(proxy.state.lied).toBeGreaterThan(0);

    // Under the ceilings but far above what the chain's recent blocks paid: refused too.
    proxy.state.lie = "moderate";
    await until("the node refused the quote above the fee history", () => refusals(jobId, "feeHistory").length > 0, { timeoutMs: 60_000, detail: () => lines.slice(-20).join("\n") });
    expect(refusals(jobId, "feeHistory")[0]).toMatchObject({ level: "warn", functionName: "acceptAndSubmit", field: "maxFeePerGas" });

    // Nothing was signed or broadcast meanwhile, and the job waits in the journal (not given up).
    expect(proxy.state.sent).toEqual([]);
    expect((await p.market.read.jobState([jobId])).status).toBe(JobStatus.Created);
    expect(node!.journal.get(jobId)?.state).toBe("computed");

    // The RPC tells the truth again: the job is submitted, by exactly one transaction.
    proxy.state.lie = "none";
    await until("the job is submitted", async () => (await p.market.read.jobState([jobId])).status === JobStatus.Submitted, { timeoutMs: 60_000, detail: () => lines.slice(-20).join("\n") });
    await until("the journal records it", () => node!.journal.get(jobId)?.state === "submitted");
    const calls = broadcast().map((tx) => decodeFunctionData({ abi: jobMarketAbi, data: tx.data! }));
    const submissions = calls.filter((c) => c.functionName === "acceptAndSubmit" || c.functionName === "submitResult" || c.functionName === "acceptJob");
    expect(submissions.map((c) => c.functionName)).toEqual(["acceptAndSubmit"]);
    expect(await p.market.read.jobIdOf([submissions[0].args[0] as Job])).toBe(jobId);

    // Whatever was broadcast is within every ceiling.
    for (const tx of broadcast()) {
      const perGas = tx.maxFeePerGas ?? tx.gasPrice!;
      expect(perGas).toBeLessThanOrEqual(CEILING.maxFeePerGas);
      expect(tx.maxPriorityFeePerGas ?? 0n).toBeLessThanOrEqual(CEILING.maxPriorityFeePerGas);
      expect(tx.gas).toBeLessThanOrEqual(CEILING.gas);
      expect(tx.gas * perGas).toBeLessThanOrEqual(CEILING.fee);
    }
  }, 180_000);
});
