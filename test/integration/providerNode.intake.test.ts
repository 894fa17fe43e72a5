// The provider node against a lying RPC, and after a journal loss (issue 14, findings 8 and 9).
//
// A small JSON-RPC proxy sits between the node (and the SDK's watchJobs) and an anvil node. It
// records every request it forwards, and can add forged `JobCreated` logs (and their `JobInput`) to
// `eth_getLogs` answers: one from another address, one from the market whose jobId is not the hash
// of its terms. Neither may become a job: never delivered by watchJobs, never journaled, never
// computed, never simulated or sent. After a journal loss (the data directory deleted once a direct
// job's result is on-chain), the node restarted with a non-deterministic backend must not compute or
// sign that job again: no second signature, neither sent nor logged, and the skip is logged.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";

import { network } from "hardhat";
import {
  createPublicClient,
  encodeAbiParameters,
  encodeEventTopics,
  getAbiItem,
  http,
  keccak256,
  maxUint256,
  parseTransaction,
  toFunctionSelector,
  toHex,
  type Address,
  type Chain,
  type Hex,
} from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createInProcessNode, deployProtocol, DPI, registerBuiltinModel, setUpNodeProvider, until, USDC, type Connection, type Protocol, type Wallet } from "../../scripts/lib/harness.js";
import depinferModule from "../../scripts/deploy/Depinfer.js";
import { contentHash, createDepinferClient, jobIdOf, jobMarketAbi, JobStatus, watchJobs, type DepinferClient, type Job, type WatchJobsForged, type WatchJobsItem } from "../../sdk/src/index.js";
import { createLogger, type InferenceBackend, type ProviderNode } from "../../provider/src/index.js";
import { startAnvil, type AnvilHandle } from "../utils/anvil.js";

const ANVIL_PORT = 18680;
const PROXY_PORT = 18681;
const PRICE = 2n * USDC;
const root = path.resolve(import.meta.dirname, "../..");
const deploymentId = `anvil-intake-${process.pid}-${Date.now()}`;

const JOB_CREATED = encodeEventTopics({ abi: jobMarketAbi, eventName: "JobCreated" })[0];
const JOB_INPUT = encodeEventTopics({ abi: jobMarketAbi, eventName: "JobInput" })[0];
const jobCreatedData = getAbiItem({ abi: jobMarketAbi, name: "JobCreated" }).inputs.filter((x) => !x.indexed);
const SUBMIT_SELECTORS = (["acceptAndSubmit", "submitResult"] as const).map((name) => toFunctionSelector(getAbiItem({ abi: jobMarketAbi, name })));
/** 65 bytes of hex or more: a signature, or something that holds one. */
const LONG_HEX = /0x[0-9a-fA-F]{130,}/;

interface Forgery {
  address: Address;
  jobId: Hex;
  job: Job;
  input: Hex;
}

interface Forwarded {
  method: string;
  params: unknown[];
  at: number;
}

/** An HTTP JSON-RPC proxy to `upstream` that records what it forwards and adds `forgeries` to log answers. */
async function startLyingRpc(upstream: string, port: number) {
  const forwarded: Forwarded[] = [];
  const forgeries: Forgery[] = [];
  let seq = 0;
  const logOf = (address: Address, topics: Hex[], data: Hex, block: Hex) => ({
    address,
    topics,
    data,
    blockNumber: block,
    blockHash: keccak256(toHex(`block ${block}`)),
    transactionHash: keccak256(toHex(`forged ${seq++}`)),
    transactionIndex: "0x0",
    logIndex: "0x0",
    removed: false,
  });
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const body = Buffer.concat(chunks).toString();
      const requests = JSON.parse(body) as { method: string; params?: unknown[] } | { method: string; params?: unknown[] }[];
      for (const r of Array.isArray(requests) ? requests : [requests]) forwarded.push({ method: r.method, params: r.params ?? [], at: Date.now() });
      const upstreamRes = await fetch(upstream, { method: "POST", headers: { "content-type": "application/json" }, body });
      const answer = (await upstreamRes.json()) as { result?: unknown } | unknown[];
      if (!Array.isArray(requests) && requests.method === "eth_getLogs" && !Array.isArray(answer) && Array.isArray(answer.result)) {
        const filter = requests.params![0] as { topics?: (Hex | Hex[] | null)[]; toBlock?: Hex; fromBlock?: Hex };
        const topic0 = filter.topics?.[0];
        const block = filter.toBlock && filter.toBlock.startsWith("0x") ? filter.toBlock : (filter.fromBlock ?? "0x1");
        for (const f of forgeries) {
          if (topic0 === JOB_CREATED) {
            const topics = encodeEventTopics({ abi: jobMarketAbi, eventName: "JobCreated", args: { jobId: f.jobId, client: f.job.client, provider: f.job.provider } }) as Hex[];
            answer.result.push(logOf(f.address, topics, encodeAbiParameters(jobCreatedData, [f.job]), block));
          } else if (topic0 === JOB_INPUT && JSON.stringify(filter.topics?.[1] ?? "").toLowerCase().includes(f.jobId.toLowerCase())) {
            const topics = encodeEventTopics({ abi: jobMarketAbi, eventName: "JobInput", args: { jobId: f.jobId } }) as Hex[];
            answer.result.push(logOf(f.address, topics, encodeAbiParameters([{ type: "bytes" }], [f.input]), block));
          }
        }
      }
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    forwarded,
    forgeries,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

/** Whether a forwarded request carries a call to acceptAndSubmit/submitResult (simulated, estimated or sent). */
function carriesSubmission(r: Forwarded): boolean {
  const data =
    r.method === "eth_sendRawTransaction"
      ? parseTransaction(r.params[0] as Hex).data
      : r.method === "eth_call" || r.method === "eth_estimateGas"
        ? ((r.params[0] as { data?: Hex; input?: Hex }).data ?? (r.params[0] as { input?: Hex }).input)
        : undefined;
  return data !== undefined && SUBMIT_SELECTORS.some((s) => data.toLowerCase().startsWith(s));
}

/** A backend that counts its calls and answers with fresh random bytes each time (not deterministic). */
function randomBackend() {
  const calls: Hex[] = [];
  const backend: InferenceBackend = {
    name: "random",
    infer: async (input) => {
      calls.push(toHex(input));
      return crypto.getRandomValues(new Uint8Array(32));
    },
  };
  return { backend, calls };
}

describe("provider node intake: forged job logs, and a second attestation after a journal loss", () => {
  let anvil: AnvilHandle;
  let rpc: Awaited<ReturnType<typeof startLyingRpc>>;
  let connection: Connection;
  let p: Protocol;
  let chain: Chain;
  let model: Hex;
  let client: DepinferClient;
  let deployer: Wallet;
  let dir: string;
  const nodes: ProviderNode[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "depinfer-intake-"));
    anvil = await startAnvil(ANVIL_PORT);
    rpc = await startLyingRpc(anvil.url, PROXY_PORT);
    connection = (await network.create({ network: "anvilNode", override: { url: anvil.url } })) as Connection;
    p = await deployProtocol(connection, depinferModule, { deploymentId });
    const publicClient = await connection.viem.getPublicClient();
    chain = publicClient.chain as Chain;
    const wallets = await connection.viem.getWalletClients();
    deployer = wallets[0];
    model = await registerBuiltinModel(connection, p);
    const clientWallet = wallets[9];
    await publicClient.waitForTransactionReceipt({ hash: await p.usdc.write.mint([clientWallet.account.address, 1_000n * USDC]) });
    await publicClient.waitForTransactionReceipt({ hash: await p.usdc.write.approve([p.market.address, maxUint256], { account: clientWallet.account }) });
    client = createDepinferClient({ chain, transport: http(anvil.url), account: clientWallet.account, deployment: { market: p.market.address } });
  }, 180_000);

  afterAll(async () => {
    for (const node of nodes) await node.stop();
    await rpc?.close();
    await anvil?.stop();
    rmSync(path.join(root, "ignition", "deployments", deploymentId), { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  /** A node of a fresh provider (or of `privateKey`), reaching the chain only through the lying RPC. */
  async function makeNode(options: { privateKey: Hex; dataDir: string; backend: InferenceBackend; lines: string[] }) {
    const node = await createInProcessNode(connection, p.market.address, {
      privateKey: options.privateKey,
      model,
      token: p.usdc.address,
      price: PRICE,
      dataDir: options.dataDir,
      config: { pollingIntervalMs: 100, outputServer: undefined },
      backend: options.backend,
      transport: http(rpc.url, { retryCount: 0 }),
      logger: createLogger({ level: "debug", stream: { write: (line: string) => void options.lines.push(line) } }),
    });
    nodes.push(node);
    return node;
  }

  const submit = (input: string, provider: Address) => client.submitJobSync({ model, input, price: PRICE, token: p.usdc.address, provider, timeout: 3600, authorization: "approve" });

  it("test_intake_forgedJobLogs: drops logs not from the market or whose jobId is not the hash of the terms (node and watchJobs)", async () => {
    const { privateKey, address: provider } = await setUpNodeProvider(connection, p, deployer, { model, price: PRICE, stake: 1_000n * DPI });
    const { backend, calls } = randomBackend();
    const lines: string[] = [];
    const node = await makeNode({ privateKey, dataDir: path.join(dir, "forged"), backend, lines });

    // A real direct job, whose terms the forgeries copy (so that, taken, they would be computed and submitted).
    const real = await submit("a real job", provider);
    const forgedJob = (tag: string): { job: Job; input: Hex } => {
      const input = toHex(`forged input ${tag}`);
      return { job: { ...real.job, inputHash: contentHash(Uint8Array.from(Buffer.from(input.slice(2), "hex"))), nonce: real.job.nonce + 1000n }, input };
    };
    const other = forgedJob("other address");
    const mismatched = forgedJob("mismatched id");
    rpc.forgeries.push(
      { address: "0x000000000000000000000000000000000000dEaD", jobId: jobIdOf(other.job), ...other },
      { address: p.market.address, jobId: keccak256(toHex("not the hash of any terms")), ...mismatched },
    );
    const forgedIds = rpc.forgeries.map((f) => f.jobId);
    const forgedInputs = [other.input, mismatched.input];

    // The SDK's watcher, through the same lying RPC.
    const sdkClient = createPublicClient({ chain, transport: http(rpc.url, { retryCount: 0 }) });
    const delivered: WatchJobsItem[] = [];
    const reported: WatchJobsForged[] = [];
    const unwatch = watchJobs(sdkClient, { market: p.market.address, provider, fromBlock: 0n, pollingInterval: 100, onJobs: (jobs) => void delivered.push(...jobs), onForged: (f) => void reported.push(f) });
    try {
      await node.start();
      await until("the real job is submitted", () => node.journal.get(real.jobId)?.state === "submitted", { timeoutMs: 60_000, detail: () => lines.slice(-10).join("") });
      await until("watchJobs delivered the real job", () => delivered.some((d) => d.jobId === real.jobId));
      // Several more blocks, so that the watchers poll again and get the forgeries again.
      for (let i = 0; i < 5; i++) {
        await fetch(anvil.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "evm_mine", params: [] }) });
        await new Promise((r) => setTimeout(r, 300));
      }
    } finally {
      unwatch();
    }

    // The SDK: never delivered, each reported once with its reason.
    expect(delivered.map((d) => d.jobId)).toEqual([real.jobId]);
    expect(reported.map((f) => [f.jobId, f.reason])).toEqual([
      [forgedIds[0], "address"],
      [forgedIds[1], "jobId"],
    ]);
    // The node: never journaled, never computed, never simulated or sent; logged once each, with the jobId.
    for (const id of forgedIds) expect(node.journal.get(id)).toBeUndefined();
    expect(calls).not.toContain(forgedInputs[0]);
    expect(calls).not.toContain(forgedInputs[1]);
    expect(calls).toHaveLength(1);
    const termsOf = (input: Hex) => contentHash(Uint8Array.from(Buffer.from(input.slice(2), "hex"))).slice(2).toLowerCase();
    const touching = rpc.forwarded.filter((r) => ["eth_call", "eth_estimateGas", "eth_sendRawTransaction"].includes(r.method) && forgedInputs.some((i) => JSON.stringify(r.params).toLowerCase().includes(termsOf(i))));
    expect(touching).toEqual([]);
    const sent = rpc.forwarded.filter((r) => r.method === "eth_sendRawTransaction").map((r) => parseTransaction(r.params[0] as Hex).data ?? "0x");
    for (const data of sent) for (const i of forgedInputs) expect(data.toLowerCase()).not.toContain(termsOf(i));
    const warnings = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === "forged job log dropped: the RPC is lying or broken");
    expect(warnings.map((w) => w.jobId)).toEqual(forgedIds);
    rpc.forgeries.length = 0;
    await node.stop();
  }, 180_000);

  it("test_compute_afterJournalLoss: does not compute or sign a submitted job again, and logs the skip", async () => {
    const { privateKey, address: provider } = await setUpNodeProvider(connection, p, deployer, { model, price: PRICE, stake: 1_000n * DPI });
    const dataDir = path.join(dir, "lost");
    const first = randomBackend();
    const lines: string[] = [];
    const node = await makeNode({ privateKey, dataDir, backend: first.backend, lines });
    await node.start();
    const { jobId } = await submit("computed once", provider);
    await until("the job is submitted", () => node.journal.get(jobId)?.state === "submitted", { timeoutMs: 60_000, detail: () => lines.slice(-10).join("") });
    expect((await p.market.read.jobState([jobId])).status).toBe(JobStatus.Submitted);
    const signature = node.journal.get(jobId)!.signature!;
    expect(signature).toMatch(/^0x[0-9a-f]{130}$/);
    await node.stop();

    // The journal and the outputs are lost.
    rmSync(dataDir, { recursive: true, force: true });
    mkdirSync(dataDir);
    const since = rpc.forwarded.length;
    const second = randomBackend();
    const after: string[] = [];
    const restarted = await makeNode({ privateKey, dataDir, backend: second.backend, lines: after });
    await restarted.start();
    await until("the job is recorded as the chain has it", () => restarted.journal.get(jobId)?.state === "submitted", { timeoutMs: 60_000, detail: () => after.slice(-10).join("") });
    // A few more ticks: nothing else happens to it.
    await new Promise((r) => setTimeout(r, 1_000));
    const entry = restarted.journal.get(jobId)!;
    await restarted.stop();

    expect(second.calls).toEqual([]); // not computed again
    const submissions = rpc.forwarded.slice(since).filter(carriesSubmission);
    expect(submissions).toEqual([]); // not signed into a call: not simulated, estimated or sent
    expect(after.filter((l) => LONG_HEX.test(l))).toEqual([]); // no signature (or calldata) in any log line
    const parsed = after.map((l) => JSON.parse(l) as Record<string, unknown>);
    const skip = parsed.find((l) => typeof l.msg === "string" && l.msg.startsWith("job skipped before inference"));
    expect(skip).toMatchObject({ jobId, status: "Submitted" });
    // The one attestation on-chain is still the first life's.
    expect(entry.state).toBe("submitted");
    expect(entry.signature).toBeUndefined();
  }, 180_000);
});
