/**
 * `npm run bench` (second part): the provider node's throughput, written to bench/results/node.json with `--write`
 * (bench/out/ otherwise).
 *
 * On Hardhat's in-process chain (automining: every transaction is mined at once), a provider node
 * serves the built-in EXACT model, and clients keep N jobs in flight (N = 1, 4, 16) until JOBS
 * jobs are done. A job is done when its client has the output, read from the node's output server
 * and checked against the on-chain output hash of its ResultSubmitted event. Each N gets a fresh
 * provider and node (own key, stake and data dir) with `concurrency: N`, talking to the chain as to a
 * WebSocket RPC (requests, and new blocks pushed).
 *
 * Each in-flight slot is its own client account, pre-approved, whose createJob transactions are
 * signed before the level (see `signJobs`): the clients do per job only what any client must, so the
 * node is what the level measures (`clientAlone` shows the clients' own ceiling). A job is one client
 * transaction (createJob) and, for the node, a share of one transaction (acceptAndSubmit, or a batch).
 *
 * Wall-clock figures, on whatever machine runs this (the reference machines have 2 noisy cores,
 * shared by the chain, the node and the clients): reported to compare, never gated on.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";

import { network } from "hardhat";
import { createPublicClient, createWalletClient, custom, encodeFunctionData, maxUint256, parseEventLogs, type Chain, type Hex, type PrivateKeyAccount } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import { saveResults, savedLine } from "./results.js";
import { benchSessions } from "./sessions.js";
import { benchSeparateProcesses } from "./nodeProcesses.js";
import { ResultWatcher, type FollowHeads } from "./resultWatcher.js";
import { createInProcessNode, deployProtocol, DPI, registerBuiltinModel, setUpNodeProvider, USDC, type Connection } from "../lib/harness.js";
import { contentHash, createDepinferClient, HttpContentStore, jobMarketAbi, signAttestation, verifyContent, type DepinferClient, type Job } from "../../sdk/src/index.js";
import { inProcessTransport } from "../lib/inProcessTransport.js";
import { marketEvents } from "../../sdk/src/utils/marketEvents.js";
import { BUILTIN_MODEL, runBuiltinModel } from "../../provider/src/models/charModel.js";
import { createLogger, type ProviderNodeStep } from "../../provider/src/index.js";

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
/** The same, with `subscribe` (new blocks pushed), for the clients' public reads and sends. */
const clientTransportWithHeads = inProcessTransport(connection, {
  onRequest: () => {
    if (clientRequests.counting) clientRequests.n++;
  },
});
const clientPublic = createPublicClient({ chain, transport: clientTransportWithHeads, cacheTime: 0 });
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
  /** performance.now() when its client sent the createJob, and the client's marks. */
  started: number;
  marks: ClientMarks;
}

/** The node's steps (its afterStep hook) by job, as performance.now(): a batch's steps come for its first job. */
type StepTimes = Map<string, Partial<Record<ProviderNodeStep, number>>>;

/**
 * Each stage's median time since the job's client sent its createJob (ms), over the measured jobs:
 * the client's marks, the node's steps (taken, computed), and its submission's (recorded, sent,
 * mined: a batch's, for every job in it, by the submission the journal names).
 */
function stagesOf(done: Done[], steps: StepTimes, submitTxOf: (jobId: Hex) => Hex | undefined) {
  const bySubmission = new Map<string, Partial<Record<ProviderNodeStep, number>>>();
  for (const d of done) {
    const s = steps.get(d.jobId.toLowerCase());
    const tx = submitTxOf(d.jobId);
    if (s?.["submit-recorded"] !== undefined && tx) bySubmission.set(tx, s);
  }
  const median = (values: (number | undefined)[]) => {
    const v = values.filter((x) => x !== undefined).sort((a, b) => a - b);
    return v.length === 0 ? null : Math.round(v[Math.floor(v.length / 2)]! * 10) / 10;
  };
  const since = (pick: (d: Done) => number | undefined) => median(done.map((d) => (pick(d) === undefined ? undefined : pick(d)! - d.started)));
  const step = (name: ProviderNodeStep) => (d: Done) => steps.get(d.jobId.toLowerCase())?.[name];
  const batch = (name: ProviderNodeStep) => (d: Done) => bySubmission.get(submitTxOf(d.jobId) ?? "")?.[name];
  return {
    createJobReceipt: since((d) => d.marks.receipt),
    taken: since(step("accepted")),
    computed: since(step("computed")),
    submissionRecorded: since(batch("submit-recorded")),
    submissionSent: since(batch("submit-sent")),
    submissionMined: since(batch("submit-mined")),
    resultSeenByClient: since((d) => d.marks.resultSeen),
    outputVerified: since((d) => d.started + d.ms),
  };
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

/**
 * The load: each in-flight slot is a client account of its own (a local key, funded and pre-approved
 * once) whose createJob transactions are signed before the level starts, like the chain limit's
 * (the same transaction, the same gas and fees), and sent one after the other: the next as soon as
 * the previous job's output is verified. The clients' work in the timed window is then what any
 * client must do per job (send the transaction, read its receipt for the job id, learn of the
 * result, fetch and check the output), not preparing and signing transactions. `clientAlone`
 * measures this load with no node, so the node is shown to be what limits each level.
 */
const slots: PrivateKeyAccount[] = [];
for (let i = 0; i < Math.max(...LEVELS); i++) {
  const account = privateKeyToAccount(generatePrivateKey());
  await publicClient.waitForTransactionReceipt({ hash: await deployer.sendTransaction({ to: account.address, value: 10n ** 19n }) });
  await p.usdc.write.mint([account.address, 10_000n * USDC]);
  const wallet = createWalletClient({ chain, transport, account });
  await publicClient.waitForTransactionReceipt({ hash: await wallet.writeContract({ address: p.usdc.address, abi: p.usdc.abi, functionName: "approve", args: [p.market.address, maxUint256] }) });
  slots.push(account);
}
let jobNonce = 0n;

/** Each slot's createJob transactions for a level (`perSlot[i]` of them for slot i), signed now, outside the timed window. */
async function signJobs(label: string, providerAddress: Hex, perSlot: number[]): Promise<{ raw: Hex; input: string }[][]> {
  const { timestamp } = await publicClient.getBlock();
  const fees = await publicClient.estimateFeesPerGas();
  const gasFees = { maxFeePerGas: fees.maxFeePerGas * 4n, maxPriorityFeePerGas: fees.maxPriorityFeePerGas };
  return Promise.all(
    perSlot.map(async (count, i) => {
      const account = slots[i]!;
      let nonce = await publicClient.getTransactionCount({ address: account.address });
      const txs: { raw: Hex; input: string }[] = [];
      for (let k = 0; k < count; k++) {
        const input = `${PROMPTS[(i + k) % PROMPTS.length]} (${label}/${i}/${k})`;
        const request = { provider: providerAddress, token: p.usdc.address, price: PRICE, model, inputHash: contentHash(input), deadline: Number(timestamp) + 3600, nonce: ++jobNonce };
        const bytes = `0x${Buffer.from(input).toString("hex")}` as Hex;
        txs.push({ input, raw: await account.signTransaction({ chainId: chain.id, type: "eip1559", to: p.market.address, data: encode("createJob", [request, bytes]), gas: 600_000n, nonce: nonce++, ...gasFees }) });
      }
      return txs;
    }),
  );
}

/** The clients' pushed blocks: the in-process transport's `newHeads` subscription. */
const followClientHeads: FollowHeads = async (onNumber) => {
  type Subscribe = (args: { params: ["newHeads"]; onData: (data: { result?: { number?: Hex } }) => void }) => Promise<{ unsubscribe: () => Promise<unknown> }>;
  const subscription = await (clientPublic.transport as unknown as { subscribe: Subscribe }).subscribe({
    params: ["newHeads"],
    onData: ({ result }) => {
      if (result?.number !== undefined) onNumber(BigInt(result.number));
    },
  });
  return () => void subscription.unsubscribe();
};

/** When the client got its createJob's receipt, and learned of the result (performance.now()). */
interface ClientMarks {
  receipt?: number;
  resultSeen?: number;
}

/** The market's JobCreated event alone: parseEventLogs hashes every event of the ABI it is given (as the SDK's actions, see marketEvents). */
const JOB_CREATED = marketEvents("JobCreated");

/** One job, as a client runs it: send its createJob, read the job id from the receipt, wait for the result, fetch and check the output. */
async function clientJob(raw: Hex, results: ResultWatcher | undefined, store: HttpContentStore | undefined, providerAddress: Hex, marks: ClientMarks = {}) {
  const hash = await clientPublic.sendRawTransaction({ serializedTransaction: raw });
  const receipt = await clientPublic.getTransactionReceipt({ hash });
  marks.receipt = performance.now();
  if (receipt.status !== "success") throw new Error(`createJob ${hash} reverted`);
  const [created] = parseEventLogs({ abi: JOB_CREATED, logs: receipt.logs });
  const jobId = created!.args.jobId as Hex;
  const job = created!.args.job as Job;
  if (!results || !store) return { jobId, job, output: new Uint8Array() };
  const { outputHash, provider } = await results.wait(jobId);
  marks.resultSeen = performance.now();
  if (provider.toLowerCase() !== providerAddress.toLowerCase()) throw new Error(`job ${jobId}: result from ${provider}`);
  for (let tries = 0; ; tries++) {
    // The result can be on-chain a moment before the node releases the output (it does once it has the receipt).
    const output = await store.get(outputHash);
    if (output) return { jobId, job, output: verifyContent(output, outputHash, "the node's output server") };
    if (tries > 2_000) throw new Error(`job ${jobId}: output ${outputHash} never served`);
    await sleep(5);
  }
}

/** The load alone, with no node: how many createJob the clients get mined per second at `inFlight` (the ceiling the load puts on a level). */
async function clientAlone(inFlight: number) {
  const provider = await setUpNodeProvider(connection, p, deployer, { model, price: PRICE, stake: STAKE });
  const perSlot = Array.from({ length: inFlight }, (_, i) => Math.floor(JOBS / inFlight) + (i < JOBS % inFlight ? 1 : 0));
  const signed = await signJobs(`alone ${inFlight}`, provider.address, perSlot);
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(signed.map(async (txs) => {
    for (const { raw } of txs) await clientJob(raw, undefined, undefined, provider.address);
  }));
  const wallMs = performance.now() - started;
  const { user, system } = process.cpuUsage(cpu);
  return { inFlight, jobs: JOBS, jobsPerSecond: +((JOBS * 1000) / wallMs).toFixed(1), cpuMsPerJob: +((user + system) / 1000 / JOBS).toFixed(2) };
}

/** One level: a fresh provider and node, `inFlight` clients, `JOBS` jobs; `delayMs` before each node request (a remote RPC). */
async function run(inFlight: number, { delayMs = 0 }: { delayMs?: number } = {}) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "depinfer-bench-node-"));
  const provider = await setUpNodeProvider(connection, p, deployer, { model, price: PRICE, stake: STAKE });
  // The node's JSON-RPC requests, by method: deterministic where wall-clock figures are not.
  const requests = new Map<string, number>();
  let counting = false;
  const steps: StepTimes = new Map();
  const node = await createInProcessNode(connection, p.market.address, {
    // As against a WebSocket RPC: requests, and new blocks pushed (eth_subscribe), each delayed by delayMs.
    transport: inProcessTransport(connection, {
      delayMs,
      onRequest: (method) => {
        if (counting) requests.set(method, (requests.get(method) ?? 0) + 1);
      },
    }),
    privateKey: provider.privateKey,
    model,
    token: p.usdc.address,
    price: PRICE,
    dataDir,
    config: { concurrency: inFlight, pollingIntervalMs: POLL_MS, startBlock: Number(await publicClient.getBlockNumber()) },
    logger: createLogger({ level: "silent" }),
    afterStep: (step, jobId) => {
      if (!counting) return;
      const key = jobId.toLowerCase();
      const times = steps.get(key) ?? {};
      times[step] ??= performance.now();
      steps.set(key, times);
    },
  });
  await node.start();
  const store = new HttpContentStore({ baseUrl: node.outputUrl! });
  const nonceBefore = await publicClient.getTransactionCount({ address: provider.address });

  const results = new ResultWatcher(clientPublic, p.market.address, await publicClient.getBlockNumber());
  await results.start(followClientHeads, POLL_MS);
  const runJob = async ({ raw, input }: { raw: Hex; input: string }): Promise<Done> => {
    const started = performance.now();
    const marks: ClientMarks = {};
    const { jobId, job, output } = await clientJob(raw, results, store, provider.address, marks);
    return { jobId, input, output, collateral: job.collateral, ms: performance.now() - started, started, marks };
  };
  const worker = async (txs: { raw: Hex; input: string }[], into: Done[]) => {
    for (const tx of txs) into.push(await runJob(tx));
  };

  try {
    // Slot 0 runs the warm-up first, then its share; the jobs are spread evenly over the slots.
    const perSlot = Array.from({ length: inFlight }, (_, i) => Math.floor(JOBS / inFlight) + (i < JOBS % inFlight ? 1 : 0));
    const signed = await signJobs(`${inFlight}${delayMs ? `+${delayMs}ms` : ""}`, provider.address, perSlot.map((n, i) => (i === 0 ? n + WARM_UP : n)));
    const warm: Done[] = [];
    await worker(signed[0]!.splice(0, WARM_UP), warm);
    // Collateral stays locked until finalization (after the challenge window, so not in this run).
    const collateral = warm[0].collateral;
    if (collateral * BigInt(WARM_UP + JOBS) > STAKE) throw new Error(`stake ${STAKE} does not cover ${WARM_UP + JOBS} jobs' collateral of ${collateral} each`);

    const done: Done[] = [];
    const loop = performance.eventLoopUtilization();
    const cpu = process.cpuUsage();
    const started = performance.now();
    counting = true;
    clientRequests.n = 0;
    clientRequests.counting = true;
    await Promise.all(signed.map((txs) => worker(txs, done)));
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
      stagesMs: stagesOf(done, steps, (jobId) => node.journal.get(jobId)?.submitTx),
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
      process: { eventLoopUtilization: +utilization.toFixed(2), cpuCores: +((user + system) / 1000 / wallMs).toFixed(2), cpuMsPerJob: +((user + system) / 1000 / done.length).toFixed(2) },
    };
  } finally {
    results.stop();
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

// The same levels as an operator runs the node: the chain, the node and the clients each in its own process.
const separateProcesses = await benchSeparateProcesses({ levels: LEVELS, jobs: JOBS, warmUp: WARM_UP, pollMs: POLL_MS });

// The load with no node, at the highest level: what the clients alone reach on this chain.
const alone = await clientAlone(Math.max(...LEVELS));
const cpus = os.cpus();
const result = {
  description:
    "Provider node throughput on Hardhat's in-process chain (EDR, automining): jobs completed end to end per second with N jobs in flight. A job runs from the client sending its createJob (signed beforehand, as the chain limit's) to the client holding the output, read from the node's output server and checked against the on-chain output hash of its ResultSubmitted event; the node takes it, runs the built-in EXACT model, stores the output and submits with acceptAndSubmit (acceptAndSubmitBatch under load).",
  note: `Wall-clock figures from one run on a noisy ${cpus.length}-core machine that also runs the chain and the clients: reported to compare levels, not gated. Each level has a fresh node (concurrency = N, pollingIntervalMs = ${POLL_MS}) and ${JOBS} measured jobs after ${WARM_UP} warm-up jobs; each in-flight slot is its own client account (pre-approved, its createJob transactions signed before the level); the clients learn of results from one shared ResultSubmitted scan per new block (pushed by eth_subscribe newHeads, scanned up to its number; polling every ${POLL_MS} ms as a fallback). The node talks to the chain as to a WebSocket RPC: requests, and new blocks pushed (eth_subscribe newHeads); withRpcDelay adds its delay to each request and each push. Latency is per job, submit to verified output; stagesMs gives, for each stage of a job, its median time since the client sent the createJob (the client's createJob receipt read; the node's steps from its afterStep hook: taken, computed; its submission recorded in the journal and synced, broadcast, mined, a batch's for each of its jobs; the client seeing the result; the output verified). gasPerJob is the node's submissions' gasUsed (acceptAndSubmit, or acceptAndSubmitBatch shared by its jobs) per job; finalization (batched after the challenge window) and claims are not part of the run. The chain (EDR), the node and the clients run in this one process: "process" gives its event-loop utilization and CPU (in cores) during the timed window. nodeRpcRequestsPerJob counts the node's JSON-RPC requests in the timed window per job, by method: the count does not depend on the machine's speed except for polling (eth_blockNumber, eth_getLogs), which scales with time; against a remote RPC each request is a round trip.`,
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
  separateProcesses,
  clientAlone: { ...alone, description: "the clients' load with no node (createJob sent, its receipt read), at the highest level: a level's jobs/s far below this is the node's limit, not the clients'" },
  sessions: await benchSessions(connection, p, model, deployer, clientWallets),
  benchSeconds: +((performance.now() - benchStarted) / 1000).toFixed(1),
};

const out = saveResults("node.json", result);
console.table(
  Object.fromEntries(
    rows.map((r) => [
      `N=${r.inFlight}`,
      { jobs: r.jobs, "wall s": r.wallSeconds, "jobs/s": r.jobsPerSecond, "÷ chain": r.ratioToChainLimit, "req/job": r.nodeRpcRequestsPerJob.total, "client req/job": r.clientRpcRequestsPerJob, "p50 ms": r.latencyMs.p50, "p95 ms": r.latencyMs.p95, "speed-up": r.speedUp, "gas/job": r.gasPerJob, "loop busy": r.process.eventLoopUtilization, "cpu ms/job": r.process.cpuMsPerJob },
    ]),
  ),
);
console.table(Object.fromEntries(separateProcesses.levels.map((r) => [`processes N=${r.inFlight}`, { "jobs/s": r.jobsPerSecond, "÷ chain": r.ratioToChainLimit, "chain pairs/s": r.chainLimitPairsPerSecond, "p50 ms": r.latencyMs.p50, "p95 ms": r.latencyMs.p95, "node cores": r.nodeProcess?.cpuCores, "node cpu ms/job": r.nodeProcess?.cpuMsPerJob, "chain cpu ms/job": r.chainProcess?.cpuMsPerJob }])));
console.table(Object.fromEntries(rows.map((r) => [`stages N=${r.inFlight} (ms, median since the createJob is sent)`, r.stagesMs])));
console.log(`clients alone (no node), N=${alone.inFlight}: ${alone.jobsPerSecond} createJob/s, ${alone.cpuMsPerJob} ms CPU each`);
console.log(`chain limit: ${limit.measured.join(", ")} pairs/s before each level; with ${RPC_DELAY_MS} ms per node request, N=${withRpcDelay.inFlight}: ${withRpcDelay.jobsPerSecond} jobs/s, ${withRpcDelay.requestsPerJob} requests/job, p95 ${withRpcDelay.latencyMs.p95} ms`);
console.table(Object.fromEntries(result.sessions.levels.map((r) => [`sessions N=${r.streams}`, { requests: r.requests, "wall s": r.wallSeconds, "requests/s": r.requestsPerSecond, "p50 ms": r.latencyMs.p50, "p95 ms": r.latencyMs.p95, "node cores": r.nodeCpuCores, "node ms/req": r.nodeCpuMsPerRequest, "clients cores": r.clientsCpuCores, "clients ms/req": r.clientsCpuMsPerRequest, "pre-signed req/s": r.preSigned.requestsPerSecond, "pre-signed node ms/req": r.preSigned.nodeCpuMsPerRequest }])));
console.log(`sessions, client alone (no node): ${result.sessions.clientAlone.requestsPerSecond} requests/s, ${result.sessions.clientAlone.cpuMsPerRequest} ms of CPU per request`);
console.log(`${result.environment.cpus} × ${result.environment.cpuModel}, Node ${result.environment.node}: wall-clock figures, not gated`);
console.log(savedLine(out));
