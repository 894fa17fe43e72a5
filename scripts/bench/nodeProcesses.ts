/**
 * The provider node's throughput as an operator runs it: each part in its own process.
 *
 * - the chain: `hardhat node` (the same EDR chain as the in-process levels, automining), serving
 *   JSON-RPC over HTTP and WebSocket on 127.0.0.1:{@link CHAIN_PORT};
 * - the node: the `depinfer-provider` command as shipped (provider/src/bin.ts), from a config file,
 *   talking to the chain over WebSocket (`rpcUrl: "ws://…"`: new blocks pushed), serving outputs on
 *   127.0.0.1:{@link OUTPUT_PORT};
 * - the clients: this (the bench's) process, over the same WebSocket endpoint.
 *
 * The chain limit (pre-signed createJob + acceptAndSubmit pairs sent back to back) is measured on
 * the same endpoint, from this process, right before and right after each level (the ratio is to
 * their mean): it compares the node with what the same chain does over the same transport in the
 * same run. The node's own CPU per job is read from /proc (Linux), so the split between the node
 * and the rest is measured, not guessed.
 *
 * Called from scripts/bench/node.ts (its `separateProcesses` section of node.json).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";

import { network } from "hardhat";
import { createPublicClient, encodeFunctionData, maxUint256, parseEventLogs, webSocket, type Chain, type Hex, type PrivateKeyAccount } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import { deployProtocol, DPI, registerBuiltinModel, setUpNodeProvider, USDC, type Connection } from "../lib/harness.js";
import depinferModule from "../deploy/Depinfer.js";
import { contentHash, HttpContentStore, jobMarketAbi, signAttestation, verifyContent, type Job } from "../../sdk/src/index.js";
import { runBuiltinModel } from "../../provider/src/models/charModel.js";
import { marketEvents } from "../../sdk/src/utils/marketEvents.js";
import { ResultWatcher } from "./resultWatcher.js";
import { outputUrlOf, startProviderNode, stopProviderNode, type ProviderNodeProcess } from "../../test/utils/providerCli.js";

/** The chain's port (the helper's range 20200-20249; DEPINFER_BENCH_CHAIN_PORT overrides it). */
export const CHAIN_PORT = Number(process.env.DEPINFER_BENCH_CHAIN_PORT ?? 20210);
/** The node's output server (the chain's port + 1). */
export const OUTPUT_PORT = CHAIN_PORT + 1;

const root = path.resolve(import.meta.dirname, "../..");
const PRICE = 2n * USDC;
const STAKE = 10_000n * DPI;
const PROMPTS = ["The river", "In the morning", "A quiet town", "The old ship", "Under the stars"];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** The market's JobCreated event alone (parseEventLogs hashes every event of the ABI it is given; see marketEvents). */
const JOB_CREATED = marketEvents("JobCreated");
const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];

export interface SeparateProcessesOptions {
  levels: readonly number[];
  jobs: number;
  warmUp: number;
  pollMs: number;
  /** Extra node-side options for the config file (e.g. `batch`). */
  config?: Record<string, unknown>;
}

/** CPU time (user + system, ms) a process has used so far, from /proc; undefined elsewhere. */
function cpuMsOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    // After "pid (comm) ": state is field 0, utime field 11, stime field 12 (clock ticks, 100 per second on Linux).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}

async function answers(url: string) {
  try {
    const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }) });
    return res.ok;
  } catch {
    return false;
  }
}

/** Starts `hardhat node` in its own process group on CHAIN_PORT and waits until it answers. */
async function startChain(): Promise<{ child: ChildProcess; stop: () => void }> {
  const url = `http://127.0.0.1:${CHAIN_PORT}`;
  if (await answers(url)) throw new Error(`something already answers on ${url}: stop it first`);
  const cli = path.join(path.dirname(createRequire(import.meta.url).resolve("hardhat/package.json")), "dist/src/cli.js");
  const child = spawn(process.execPath, [cli, "node", "--hostname", "127.0.0.1", "--port", String(CHAIN_PORT)], { cwd: root, stdio: "ignore", detached: true });
  const stop = () => {
    try {
      process.kill(-child.pid!, "SIGTERM");
    } catch {
      // already gone
    }
  };
  const started = Date.now();
  while (!(await answers(url))) {
    if (child.exitCode !== null) throw new Error(`hardhat node exited (${child.exitCode})`);
    if (Date.now() - started > 120_000) {
      stop();
      throw new Error("hardhat node did not answer within 120 s");
    }
    await sleep(200);
  }
  return { child, stop };
}

/** The measurement (see the file's header). */
export async function benchSeparateProcesses({ levels, jobs: JOBS, warmUp: WARM_UP, pollMs, config = {} }: SeparateProcessesOptions) {
  const chainProcess = await startChain();
  const deploymentId = `bench-node-processes-${process.pid}-${Date.now()}`;
  const running = new Set<ProviderNodeProcess>();
  try {
    const connection = (await network.create({ network: "localhost", override: { url: `http://127.0.0.1:${CHAIN_PORT}` } })) as Connection;
    const p = await deployProtocol(connection, depinferModule, { deploymentId });
    const model = await registerBuiltinModel(connection, p);
    const http = await connection.viem.getPublicClient();
    const chain = http.chain as Chain;
    const [deployer] = await connection.viem.getWalletClients();
    // The clients' endpoint: the chain's WebSocket, as the node's.
    const ws = createPublicClient({ chain, transport: webSocket(`ws://127.0.0.1:${CHAIN_PORT}`, { retryCount: 0, reconnect: false }), cacheTime: 0 });
    const encode = (functionName: "createJob" | "acceptAndSubmit", args: readonly unknown[]) => encodeFunctionData({ abi: jobMarketAbi, functionName, args } as never);
    const fund = async (account: PrivateKeyAccount) => {
      await http.waitForTransactionReceipt({ hash: await deployer.sendTransaction({ to: account.address, value: 10n ** 19n }) });
      await http.waitForTransactionReceipt({ hash: await p.usdc.write.mint([account.address, 10_000n * USDC]) });
      const nonce = await ws.getTransactionCount({ address: account.address });
      const fees = await ws.estimateFeesPerGas();
      const raw = await account.signTransaction({ chainId: chain.id, type: "eip1559", to: p.usdc.address, data: encodeFunctionData({ abi: p.usdc.abi, functionName: "approve", args: [p.market.address, maxUint256] }), gas: 100_000n, nonce, maxFeePerGas: fees.maxFeePerGas * 4n, maxPriorityFeePerGas: fees.maxPriorityFeePerGas });
      await ws.waitForTransactionReceipt({ hash: await ws.sendRawTransaction({ serializedTransaction: raw }) });
    };
    const gasFees = async () => {
      const fees = await ws.estimateFeesPerGas();
      return { maxFeePerGas: fees.maxFeePerGas * 4n, maxPriorityFeePerGas: fees.maxPriorityFeePerGas };
    };

    /** As node.ts's chainLimit, on this chain's WebSocket endpoint. */
    const chainLimit = async (pairs: number) => {
      const provider = await setUpNodeProvider(connection, p, deployer, { model, price: PRICE, stake: STAKE });
      const providerAccount = privateKeyToAccount(provider.privateKey);
      const clientAccount = privateKeyToAccount(generatePrivateKey());
      await fund(clientAccount);
      const { timestamp } = await ws.getBlock();
      const fees = await gasFees();
      let clientNonce = await ws.getTransactionCount({ address: clientAccount.address });
      let providerNonce = await ws.getTransactionCount({ address: providerAccount.address });
      const signed: Hex[] = [];
      for (let i = 0; i < pairs; i++) {
        const input = `${PROMPTS[i % PROMPTS.length]} (processes chain limit ${i})`;
        const request = { provider: providerAccount.address, token: p.usdc.address, price: PRICE, model, inputHash: contentHash(input), deadline: Number(timestamp) + 3600, nonce: BigInt(i + 1) };
        const bytes = `0x${Buffer.from(input).toString("hex")}` as Hex;
        const { result } = await ws.simulateContract({ address: p.market.address, abi: jobMarketAbi, functionName: "createJob", args: [request, bytes], account: clientAccount });
        const [jobId, job] = result as readonly [Hex, Job];
        const outputHash = contentHash(runBuiltinModel(new TextEncoder().encode(input)));
        const signature = await signAttestation(ws, { market: p.market.address, jobId, job, outputHash, provider: providerAccount.address, signer: providerAccount, chainId: chain.id });
        signed.push(
          await clientAccount.signTransaction({ chainId: chain.id, type: "eip1559", to: p.market.address, data: encode("createJob", [request, bytes]), gas: 600_000n, nonce: clientNonce++, ...fees }),
          await providerAccount.signTransaction({ chainId: chain.id, type: "eip1559", to: p.market.address, data: encode("acceptAndSubmit", [job, outputHash, signature]), gas: 600_000n, nonce: providerNonce++, ...fees }),
        );
      }
      const hashes: Hex[] = [];
      const started = performance.now();
      for (const raw of signed) hashes.push(await ws.sendRawTransaction({ serializedTransaction: raw }));
      const seconds = (performance.now() - started) / 1000;
      for (const hash of hashes) if ((await ws.getTransactionReceipt({ hash })).status !== "success") throw new Error(`chain limit: ${hash} reverted`);
      return +(pairs / seconds).toFixed(1);
    };

    const slots: PrivateKeyAccount[] = [];
    for (let i = 0; i < Math.max(...levels); i++) {
      const account = privateKeyToAccount(generatePrivateKey());
      await fund(account);
      slots.push(account);
    }
    let jobNonce = 0n;
    const signJobs = async (label: string, providerAddress: Hex, perSlot: number[]) => {
      const { timestamp } = await ws.getBlock();
      const fees = await gasFees();
      return Promise.all(
        perSlot.map(async (count, i) => {
          const account = slots[i]!;
          let nonce = await ws.getTransactionCount({ address: account.address });
          const txs: { raw: Hex; input: string }[] = [];
          for (let k = 0; k < count; k++) {
            const input = `${PROMPTS[(i + k) % PROMPTS.length]} (processes ${label}/${i}/${k})`;
            const request = { provider: providerAddress, token: p.usdc.address, price: PRICE, model, inputHash: contentHash(input), deadline: Number(timestamp) + 3600, nonce: ++jobNonce };
            const bytes = `0x${Buffer.from(input).toString("hex")}` as Hex;
            txs.push({ input, raw: await account.signTransaction({ chainId: chain.id, type: "eip1559", to: p.market.address, data: encode("createJob", [request, bytes]), gas: 600_000n, nonce: nonce++, ...fees }) });
          }
          return txs;
        }),
      );
    };

    /** One level: a fresh provider, its node as its own process, `inFlight` clients here. */
    const level = async (inFlight: number) => {
      const dir = mkdtempSync(path.join(os.tmpdir(), "depinfer-bench-processes-"));
      const provider = await setUpNodeProvider(connection, p, deployer, { model, price: PRICE, stake: STAKE });
      const configFile = path.join(dir, "provider.json");
      writeFileSync(
        configFile,
        JSON.stringify({
          rpcUrl: `ws://127.0.0.1:${CHAIN_PORT}`,
          chainId: chain.id,
          market: p.market.address,
          dataDir: path.join(dir, "data"),
          signer: { env: "DEPINFER_BENCH_NODE_KEY" },
          models: [{ model, backend: { type: "builtin" }, price: PRICE.toString(), token: p.usdc.address }],
          concurrency: inFlight,
          pollingIntervalMs: pollMs,
          outputServer: { host: "127.0.0.1", port: OUTPUT_PORT },
          startBlock: Number(await ws.getBlockNumber()),
          ...config,
        }),
      );
      const profileDir = process.env.DEPINFER_BENCH_NODE_CPU_PROF;
      const node = startProviderNode(["--config", configFile], {
        DEPINFER_BENCH_NODE_KEY: provider.privateKey,
        ...(profileDir && { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --cpu-prof --cpu-prof-dir=${profileDir}`.trim() }),
      });
      running.add(node);
      try {
        const startedAt = Date.now();
        while (!outputUrlOf(node)) {
          if (node.child.exitCode !== null) throw new Error(`the node exited:\n${node.lines.slice(-20).join("\n")}`);
          if (Date.now() - startedAt > 120_000) throw new Error(`the node did not start:\n${node.lines.slice(-20).join("\n")}`);
          await sleep(50);
        }
        const store = new HttpContentStore({ baseUrl: outputUrlOf(node)! });

        // The clients learn of results from one ResultSubmitted scan per pushed block (viem's webSocket subscribes to newHeads).
        const results = new ResultWatcher(ws, p.market.address, (await ws.getBlockNumber()) + 1n);
        await results.start(async (onNumber) => ws.watchBlockNumber({ onBlockNumber: onNumber, emitOnBegin: false }), pollMs);
        const runJob = async ({ raw, input }: { raw: Hex; input: string }) => {
          const started = performance.now();
          const hash = await ws.sendRawTransaction({ serializedTransaction: raw });
          const receipt = await ws.getTransactionReceipt({ hash });
          if (receipt.status !== "success") throw new Error(`createJob ${hash} reverted`);
          const [created] = parseEventLogs({ abi: JOB_CREATED, logs: receipt.logs });
          const jobId = created!.args.jobId as Hex;
          const result = await results.wait(jobId);
          if (result.provider.toLowerCase() !== provider.address.toLowerCase()) throw new Error(`job ${jobId}: result from ${result.provider}`);
          for (let tries = 0; ; tries++) {
            const bytes = await store.get(result.outputHash);
            if (bytes) {
              const output = verifyContent(bytes, result.outputHash, "the node's output server");
              if (!Buffer.from(output).equals(Buffer.from(runBuiltinModel(new TextEncoder().encode(input))))) throw new Error(`job ${jobId}: wrong output`);
              return performance.now() - started;
            }
            if (tries > 2_000) throw new Error(`job ${jobId}: output never served`);
            await sleep(5);
          }
        };
        try {
          const perSlot = Array.from({ length: inFlight }, (_, i) => Math.floor(JOBS / inFlight) + (i < JOBS % inFlight ? 1 : 0));
          const signed = await signJobs(String(inFlight), provider.address, perSlot.map((n, i) => (i === 0 ? n + WARM_UP : n)));
          for (const tx of signed[0]!.splice(0, WARM_UP)) await runJob(tx);
          const nodeCpu = cpuMsOf(node.child.pid);
          const chainCpu = cpuMsOf(chainProcess.child.pid);
          const cpu = process.cpuUsage();
          const started = performance.now();
          const ms: number[] = [];
          await Promise.all(signed.map(async (txs) => {
            for (const tx of txs) ms.push(await runJob(tx));
          }));
          const wallMs = performance.now() - started;
          const nodeCpuAfter = cpuMsOf(node.child.pid);
          const chainCpuAfter = cpuMsOf(chainProcess.child.pid);
          const { user, system } = process.cpuUsage(cpu);
          ms.sort((a, b) => a - b);
          const nodeMs = nodeCpu === undefined || nodeCpuAfter === undefined ? undefined : nodeCpuAfter - nodeCpu;
          const chainMs = chainCpu === undefined || chainCpuAfter === undefined ? undefined : chainCpuAfter - chainCpu;
          return {
            inFlight,
            jobs: ms.length,
            wallSeconds: +(wallMs / 1000).toFixed(2),
            jobsPerSecond: +((ms.length * 1000) / wallMs).toFixed(2),
            latencyMs: { p50: Math.round(quantile(ms, 0.5)), p95: Math.round(quantile(ms, 0.95)), max: Math.round(ms[ms.length - 1]!) },
            nodeProcess: nodeMs === undefined ? undefined : { cpuCores: +(nodeMs / wallMs).toFixed(2), cpuMsPerJob: +(nodeMs / ms.length).toFixed(2) },
            chainProcess: chainMs === undefined ? undefined : { cpuCores: +(chainMs / wallMs).toFixed(2), cpuMsPerJob: +(chainMs / ms.length).toFixed(2) },
            clientsProcess: { cpuCores: +((user + system) / 1000 / wallMs).toFixed(2), cpuMsPerJob: +((user + system) / 1000 / ms.length).toFixed(2) },
          };
        } finally {
          results.stop();
        }
      } finally {
        const { code } = await stopProviderNode(node);
        running.delete(node);
        if (code !== 0) throw new Error(`the node exited with ${code}:\n${node.lines.slice(-20).join("\n")}`);
        rmSync(dir, { recursive: true, force: true });
      }
    };

    const rows = [];
    // Over a WebSocket to another process the chain's rate swings several-fold within seconds on a
    // shared machine: it is measured right before and right after each level, and the level's
    // ratio is to their mean.
    for (const n of levels) {
      const before = await chainLimit(JOBS);
      const r = await level(n);
      const after = await chainLimit(JOBS);
      const limit = +((before + after) / 2).toFixed(1);
      rows.push({ ...r, chainLimitPairsPerSecond: limit, chainLimitMeasured: [before, after], ratioToChainLimit: +(r.jobsPerSecond / limit).toFixed(3) });
    }
    await (ws.transport as unknown as { getRpcClient: () => Promise<{ close: () => void }> }).getRpcClient().then((c) => c.close(), () => undefined);
    return {
      description: `The same load with the node as an operator runs it: \`hardhat node\` (the same EDR chain, automining) in its own process, the depinfer-provider command in its own (its config's rpcUrl: the chain's ws://, new blocks pushed), the clients in the bench's process over the same WebSocket. chainLimitPairsPerSecond: pre-signed pairs sent back to back over that WebSocket, the mean of a measurement right before and one right after the level (chainLimitMeasured). nodeProcess, chainProcess (hardhat node) and clientsProcess (the bench's): each one's CPU in the timed window (from /proc; the bench's from process.cpuUsage), on a machine whose cores they share.`,
      levels: rows,
    };
  } finally {
    for (const node of running) await stopProviderNode(node);
    chainProcess.stop();
    rmSync(path.join(root, "ignition", "deployments", deploymentId), { recursive: true, force: true });
  }
}
