/**
 * `npm run bench` (second part): the provider node's throughput, written to bench/results/node.json with `--write`
 * (bench/out/ otherwise).
 *
 * On Hardhat's in-process chain (automining: every transaction is mined at once), a provider node
 * serves the built-in EXACT model, and clients keep N jobs in flight (N = 1, 4, 16) until JOBS
 * jobs are done. A job is done when its client has the output, read from the node's output server
 * and checked against the on-chain output hash (`waitForResult`). Each N gets a fresh provider and
 * node (own key, stake and data dir) with `concurrency: N`.
 *
 * Each in-flight slot is its own client account: the SDK client queues one account's writes
 * (submitJobSync waits for its receipt inside the queue), so one account would measure the client's
 * queue rather than the node. Every client approves the market once, up front, so a job is one
 * client transaction (createJob) and, for the node, one transaction (acceptAndSubmit).
 *
 * Wall-clock figures, on whatever machine runs this (the reference machines have 2 noisy cores,
 * shared by the chain, the node and the clients): reported to compare, never gated on.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";

import { network } from "hardhat";
import { createWalletClient, custom, encodeFunctionData, maxUint256, type Chain, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import { saveResults, savedLine } from "./results.js";
import { benchSessions } from "./sessions.js";
import { createInProcessNode, deployProtocol, DPI, registerBuiltinModel, setUpNodeProvider, USDC, type Connection } from "../lib/harness.js";
import { contentHash, createDepinferClient, HttpContentStore, jobMarketAbi, signAttestation, type DepinferClient, type Job } from "../../sdk/src/index.js";
import { BUILTIN_MODEL, runBuiltinModel } from "../../provider/src/models/charModel.js";
import { createLogger } from "../../provider/src/index.js";

/** Jobs in flight, one run each. */
const LEVELS = [1, 4, 16] as const;
/** Jobs measured per level (the same for every level). */
const JOBS = 96;
/** Unmeasured jobs run through each fresh node first (JIT, first reads, first journal rows). */
const WARM_UP = 2;
/** The node's polling interval (the config's minimum) and the clients' result polling, in ms. */
const POLL_MS = 50;
const PRICE = 2n * USDC;
const STAKE = 10_000n * DPI;
const PROMPTS = ["The river", "In the morning", "A quiet town", "The old ship", "Under the stars"];

const benchStarted = performance.now();
const connection = (await network.create()) as Connection;
const { viem } = connection;
const publicClient = await viem.getPublicClient();
const chain = publicClient.chain as Chain;
// Hardhat's in-process reverts look retryable to viem (3 retries, ~1 s per revert): nothing here is transient.
const transport = custom(connection.provider, { retryCount: 0 });
/** The clients' requests to the chain while a level is measured (they share the process and the chain with the node). */
const clientRequests = { counting: false, n: 0 };
const clientTransport = custom(
  {
    request: (args: { method: string; params?: unknown }) => {
      if (clientRequests.counting) clientRequests.n++;
      return connection.provider.request(args as never);
    },
  } as never,
  { retryCount: 0 },
);
const [deployer, ...others] = await viem.getWalletClients();
const clientWallets = others.slice(0, Math.max(...LEVELS));
if (clientWallets.length < Math.max(...LEVELS)) throw new Error(`need ${Math.max(...LEVELS)} client accounts, have ${clientWallets.length}`);

const p = await deployProtocol(connection);
const model = await registerBuiltinModel(connection, p);
const clients: DepinferClient[] = [];
for (const w of clientWallets) {
  await p.usdc.write.mint([w.account.address, 10_000n * USDC]);
  await p.usdc.write.approve([p.market.address, maxUint256], { account: w.account });
  clients.push(createDepinferClient({ chain, transport: clientTransport, account: w.account, deployment: { market: p.market.address } }));
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];

interface Done {
  jobId: Hex;
  input: string;
  output: Uint8Array;
  collateral: bigint;
  ms: number;
}

/** The delay of each node request in the remote-RPC run (a local proxy in the node's transport). */
const RPC_DELAY_MS = 50;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The chain's own limit: createJob + acceptAndSubmit pairs per second when the transactions are
 * signed beforehand and sent back to back (each mined on arrival), on the same chain and in the same
 * run as the node. The node can at best approach it: it has the same two transactions per job, plus
 * everything a node does (watch, read, infer, record, sign, serve).
 */
async function chainLimit(pairs: number) {
  const provider = await setUpNodeProvider(connection, p, deployer, { model, price: PRICE, stake: STAKE });
  const providerAccount = privateKeyToAccount(provider.privateKey);
  const clientAccount = privateKeyToAccount(generatePrivateKey());
  await publicClient.waitForTransactionReceipt({ hash: await deployer.sendTransaction({ to: clientAccount.address, value: 10n ** 19n }) });
  await p.usdc.write.mint([clientAccount.address, 10_000n * USDC]);
  const clientWallet = createWalletClient({ chain, transport, account: clientAccount });
  await publicClient.waitForTransactionReceipt({ hash: await clientWallet.writeContract({ address: p.usdc.address, abi: p.usdc.abi, functionName: "approve", args: [p.market.address, maxUint256] }) });
  const { timestamp } = await publicClient.getBlock();
  const fees = await publicClient.estimateFeesPerGas();
  const gasFees = { maxFeePerGas: fees.maxFeePerGas * 4n, maxPriorityFeePerGas: fees.maxPriorityFeePerGas };
  let clientNonce = await publicClient.getTransactionCount({ address: clientAccount.address });
  let providerNonce = await publicClient.getTransactionCount({ address: providerAccount.address });
  const signed: Hex[] = [];
  for (let i = 0; i < pairs; i++) {
    const input = `${PROMPTS[i % PROMPTS.length]} (chain limit ${i})`;
    const request = { provider: providerAccount.address, token: p.usdc.address, price: PRICE, model, inputHash: contentHash(input), deadline: Number(timestamp) + 3600, nonce: BigInt(i + 1) };
    const bytes = `0x${Buffer.from(input).toString("hex")}` as Hex;
    // The job the market will create, from a simulation on today's state (its terms do not depend on the order).
    const { result } = await publicClient.simulateContract({ address: p.market.address, abi: jobMarketAbi, functionName: "createJob", args: [request, bytes], account: clientAccount });
    const [jobId, job] = result as readonly [Hex, Job];
    const outputHash = contentHash(runBuiltinModel(new TextEncoder().encode(input)));
    const signature = await signAttestation(publicClient, { market: p.market.address, jobId, job, outputHash, provider: providerAccount.address, signer: providerAccount, chainId: chain.id });
    signed.push(
      await clientAccount.signTransaction({ chainId: chain.id, type: "eip1559", to: p.market.address, data: encode("createJob", [request, bytes]), gas: 600_000n, nonce: clientNonce++, ...gasFees }),
      await providerAccount.signTransaction({ chainId: chain.id, type: "eip1559", to: p.market.address, data: encode("acceptAndSubmit", [job, outputHash, signature]), gas: 600_000n, nonce: providerNonce++, ...gasFees }),
    );
  }
  const hashes: Hex[] = [];
  const started = performance.now();
  for (const raw of signed) hashes.push(await publicClient.sendRawTransaction({ serializedTransaction: raw }));
  const seconds = (performance.now() - started) / 1000;
  for (const hash of hashes) {
    const r = await publicClient.getTransactionReceipt({ hash });
    if (r.status !== "success") throw new Error(`chain limit: ${hash} reverted`);
  }
  return { pairs, seconds: +seconds.toFixed(2), pairsPerSecond: +(pairs / seconds).toFixed(1) };
}

function encode(functionName: "createJob" | "acceptAndSubmit", args: readonly unknown[]): Hex {
  return encodeFunctionData({ abi: jobMarketAbi, functionName, args } as never);
}

/** One level: a fresh provider and node, `inFlight` clients, `JOBS` jobs; `delayMs` before each node request (a remote RPC). */
async function run(inFlight: number, { delayMs = 0 }: { delayMs?: number } = {}) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "depinfer-bench-node-"));
  const provider = await setUpNodeProvider(connection, p, deployer, { model, price: PRICE, stake: STAKE });
  // The node's JSON-RPC requests, by method: deterministic where wall-clock figures are not.
  const requests = new Map<string, number>();
  let counting = false;
  const counted = {
    request: async (args: { method: string; params?: unknown }) => {
      if (counting) requests.set(args.method, (requests.get(args.method) ?? 0) + 1);
      if (delayMs > 0) await sleep(delayMs);
      return connection.provider.request(args as never);
    },
  };
  const node = await createInProcessNode(connection, p.market.address, {
    transport: custom(counted as never, { retryCount: 0 }),
    privateKey: provider.privateKey,
    model,
    token: p.usdc.address,
    price: PRICE,
    dataDir,
    config: { concurrency: inFlight, pollingIntervalMs: POLL_MS, startBlock: Number(await publicClient.getBlockNumber()) },
    logger: createLogger({ level: "silent" }),
  });
  await node.start();
  const store = new HttpContentStore({ baseUrl: node.outputUrl! });
  const nonceBefore = await publicClient.getTransactionCount({ address: provider.address });

  let next = 0;
  const runJob = async (client: DepinferClient, n: number): Promise<Done> => {
    const input = `${PROMPTS[n % PROMPTS.length]} (${inFlight}/${n})`;
    const started = performance.now();
    const { jobId, job, receipt } = await client.submitJobSync({ model, input, price: PRICE, token: p.usdc.address, provider: provider.address, authorization: "approve" });
    const { output } = await client.waitForResult({ jobId, store, timeoutMs: 60_000, pollingInterval: POLL_MS, fromBlock: receipt.blockNumber });
    return { jobId, input, output, collateral: job.collateral, ms: performance.now() - started };
  };
  const worker = async (client: DepinferClient, total: number, into: Done[]) => {
    for (let n = next++; n < total; n = next++) into.push(await runJob(client, n));
  };

  try {
    const warm: Done[] = [];
    await worker(clients[0], WARM_UP, warm);
    // Collateral stays locked until finalization (after the challenge window, so not in this run).
    const collateral = warm[0].collateral;
    if (collateral * BigInt(WARM_UP + JOBS) > STAKE) throw new Error(`stake ${STAKE} does not cover ${WARM_UP + JOBS} jobs' collateral of ${collateral} each`);

    next = 0;
    const done: Done[] = [];
    const loop = performance.eventLoopUtilization();
    const cpu = process.cpuUsage();
    const started = performance.now();
    counting = true;
    clientRequests.n = 0;
    clientRequests.counting = true;
    await Promise.all(clients.slice(0, inFlight).map((c) => worker(c, JOBS, done)));
    counting = false;
    clientRequests.counting = false;
    const wallMs = performance.now() - started;
    const { utilization } = performance.eventLoopUtilization(loop);
    const { user, system } = process.cpuUsage(cpu);

    // Outside the timed window: every output is the model's (the hash was checked in waitForResult).
    for (const d of [...warm, ...done]) {
      if (!Buffer.from(d.output).equals(Buffer.from(runBuiltinModel(new TextEncoder().encode(d.input))))) throw new Error(`job ${d.jobId}: wrong output`);
    }
    // Gas: the node's submissions of the measured jobs, from their journal entries.
    // A batch carries several jobs: each transaction counts once.
    let gas = 0n;
    const seen = new Set<Hex>();
    for (const d of done) {
      const submitTx = node.journal.get(d.jobId)?.submitTx;
      if (!submitTx) throw new Error(`job ${d.jobId}: no submission in the node's journal`);
      if (seen.has(submitTx)) continue;
      seen.add(submitTx);
      const r = await publicClient.getTransactionReceipt({ hash: submitTx });
      if (r.status !== "success") throw new Error(`job ${d.jobId}: submission ${submitTx} reverted`);
      gas += r.gasUsed;
    }
    const nodeTxs = (await publicClient.getTransactionCount({ address: provider.address })) - nonceBefore;
    const ms = done.map((d) => d.ms).sort((a, b) => a - b);
    return {
      inFlight,
      jobs: done.length,
      wallSeconds: +(wallMs / 1000).toFixed(2),
      jobsPerSecond: +((done.length * 1000) / wallMs).toFixed(2),
      latencyMs: { p50: Math.round(quantile(ms, 0.5)), p95: Math.round(quantile(ms, 0.95)), max: Math.round(ms[ms.length - 1]) },
      gasPerJob: Number(gas / BigInt(done.length)),
      nodeTransactionsPerJob: +(nodeTxs / (WARM_UP + done.length)).toFixed(2),
      // Polling requests (eth_blockNumber, eth_getLogs, …) scale with time, the rest with jobs.
      // The clients' own requests (createJob, its receipt, polling for the result every POLL_MS): the chain serves them too.
      clientRpcRequestsPerJob: +(clientRequests.n / done.length).toFixed(2),
      nodeRpcRequestsPerJob: {
        total: +([...requests.values()].reduce((a, b) => a + b, 0) / done.length).toFixed(2),
        ...Object.fromEntries([...requests].sort((a, b) => b[1] - a[1]).map(([method, n]) => [method, +(n / done.length).toFixed(2)])),
      },
      // The chain, the node and the clients share this process (and its one JavaScript thread).
      process: { eventLoopUtilization: +utilization.toFixed(2), cpuCores: +((user + system) / 1000 / wallMs).toFixed(2) },
    };
  } finally {
    await node.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// The chain's limit is measured right before each level, under the same load on the machine as that
// level (on a shared machine it moves several-fold within minutes); each level's ratio is to its own.
const limits: Awaited<ReturnType<typeof chainLimit>>[] = [];
const levels = [];
for (const n of LEVELS) {
  limits.push(await chainLimit(JOBS));
  levels.push({ ...(await run(n)), chainLimitPairsPerSecond: limits.at(-1)!.pairsPerSecond });
}
const base = levels[0].jobsPerSecond;
const rows = levels.map((l) => ({ ...l, speedUp: +(l.jobsPerSecond / base).toFixed(2), ratioToChainLimit: +(l.jobsPerSecond / l.chainLimitPairsPerSecond).toFixed(3) }));
const sortedLimits = limits.map((l) => l.pairsPerSecond).sort((a, b) => a - b);
const limit = { pairs: JOBS, pairsPerSecond: sortedLimits[Math.floor(sortedLimits.length / 2)], measured: limits.map((l) => l.pairsPerSecond) };
const delayed = await run(Math.max(...LEVELS), { delayMs: RPC_DELAY_MS });
const withRpcDelay = {
  delayMsPerRequest: RPC_DELAY_MS,
  inFlight: delayed.inFlight,
  jobsPerSecond: delayed.jobsPerSecond,
  requestsPerJob: delayed.nodeRpcRequestsPerJob.total,
  latencyMs: delayed.latencyMs,
  nodeRpcRequestsPerJob: delayed.nodeRpcRequestsPerJob,
};

const cpus = os.cpus();
const result = {
  description:
    "Provider node throughput on Hardhat's in-process chain (EDR, automining): jobs completed end to end per second with N jobs in flight. A job runs from the client's submitJobSync (createJob, one transaction) to waitForResult returning the output read from the node's output server and checked against the on-chain output hash; the node takes it, runs the built-in EXACT model, stores the output and submits with acceptAndSubmit.",
  note: `Wall-clock figures from one run on a noisy ${cpus.length}-core machine that also runs the chain and the clients: reported to compare levels, not gated. Each level has a fresh node (concurrency = N, pollingIntervalMs = ${POLL_MS}) and ${JOBS} measured jobs after ${WARM_UP} warm-up jobs; each in-flight slot is its own client account (pre-approved, polling results every ${POLL_MS} ms). Latency is per job, submit to verified output. gasPerJob is the node's submissions' gasUsed (acceptAndSubmit, or acceptAndSubmitBatch shared by its jobs) per job; finalization (batched after the challenge window) and claims are not part of the run. The chain (EDR), the node and the clients run in this one process: "process" gives its event-loop utilization and CPU (in cores) during the timed window. nodeRpcRequestsPerJob counts the node's JSON-RPC requests in the timed window per job, by method: the count does not depend on the machine's speed except for polling (eth_blockNumber, eth_getLogs), which scales with time; against a remote RPC each request is a round trip.`,
  environment: {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? "unknown",
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    date: new Date().toISOString(),
  },
  settings: { jobsPerLevel: JOBS, warmUpJobsPerLevel: WARM_UP, pollingIntervalMs: POLL_MS, price: Number(PRICE), model: BUILTIN_MODEL.name },
  chainLimit: { ...limit, description: "createJob + acceptAndSubmit pairs per second, signed beforehand and sent back to back on the same in-process chain, measured right before each level (pairsPerSecond: their median; each level's ratioToChainLimit is to its own measurement)" },
  levels: rows,
  withRpcDelay,
  sessions: await benchSessions(connection, p, model, deployer, clientWallets),
  benchSeconds: +((performance.now() - benchStarted) / 1000).toFixed(1),
};

const out = saveResults("node.json", result);
console.table(
  Object.fromEntries(
    rows.map((r) => [
      `N=${r.inFlight}`,
      { jobs: r.jobs, "wall s": r.wallSeconds, "jobs/s": r.jobsPerSecond, "÷ chain": r.ratioToChainLimit, "req/job": r.nodeRpcRequestsPerJob.total, "client req/job": r.clientRpcRequestsPerJob, "p50 ms": r.latencyMs.p50, "p95 ms": r.latencyMs.p95, "speed-up": r.speedUp, "gas/job": r.gasPerJob, "loop busy": r.process.eventLoopUtilization },
    ]),
  ),
);
console.log(`chain limit: ${limit.measured.join(", ")} pairs/s before each level; with ${RPC_DELAY_MS} ms per node request, N=${withRpcDelay.inFlight}: ${withRpcDelay.jobsPerSecond} jobs/s, ${withRpcDelay.requestsPerJob} requests/job, p95 ${withRpcDelay.latencyMs.p95} ms`);
console.table(Object.fromEntries(result.sessions.levels.map((r) => [`sessions N=${r.streams}`, { requests: r.requests, "wall s": r.wallSeconds, "requests/s": r.requestsPerSecond, "p50 ms": r.latencyMs.p50, "p95 ms": r.latencyMs.p95, "node cores": r.nodeCpuCores, "node ms/req": r.nodeCpuMsPerRequest, "clients cores": r.clientsCpuCores }])));
console.log(`sessions, client alone (no node): ${result.sessions.clientAlone.requestsPerSecond} requests/s, ${result.sessions.clientAlone.cpuMsPerRequest} ms of CPU per request`);
console.log(`${result.environment.cpus} × ${result.environment.cpuModel}, Node ${result.environment.node}: wall-clock figures, not gated`);
console.log(savedLine(out));
