/**
 * The session path's throughput, for `npm run bench` (scripts/bench/node.ts adds it to node.json):
 * paid requests per second through a provider node's OpenAI-compatible endpoint, with the built-in
 * model, at N = 1, 4 and 16 concurrent streams. Each stream is its own session (its own session key)
 * driven by the official `openai` client whose `fetch` is the SDK's session client: every request
 * signs a voucher (client), checks it and the session (node), runs the model, signs and journals an
 * attestation (node, on the disk before the answer), streams the answer as SSE, and checks the
 * attestation (client).
 *
 * The node runs as the `depinfer-provider` command, in a process of its own (as in production),
 * reaching the bench's in-process chain through a JSON-RPC bridge (scripts/lib/rpcBridge.ts). The
 * clients run in processes of their own too (scripts/bench/sessionClients.ts; CLIENT_PROCESSES of
 * them, the streams spread over them), so neither side's CPU counts against the other's. Each level
 * reports the CPU each side used (cores: CPU seconds per wall second; ms per request), so a figure can
 * be read against the machine it ran on.
 * `preSigned` is the node with the client's work out of the timed window (vouchers signed
 * beforehand, answers read whole and checked afterwards), on the same node and sessions right after.
 * `clientAlone` is the client's own cost, with no node at all: the same openai + session-client
 * stream against a fetch that returns answers attested beforehand.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";

import OpenAI from "openai";
import { createWalletClient, custom, keccak256, recoverTypedDataAddress, toHex, type Chain, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import { DPI, setUpNodeProvider, USDC, type Connection, type Protocol, type Wallet } from "../lib/harness.js";
import { startRpcBridge } from "../lib/rpcBridge.js";
import { openTestSession } from "../lib/sessionsHarness.js";
import {
  ATTESTATION_HEADER,
  ATTESTATION_SSE_PREFIX,
  attestationSseComment,
  CHARGED_HEADER,
  createSessionClient,
  formatAttestation,
  formatVoucher,
  parseAttestation,
  SESSION_HEADER,
  sessionAttestationTypes,
  SessionPricing,
  sessionsDomain,
  textHash,
  VOUCHER_HEADER,
  voucherTypes,
  type SessionAttestation,
} from "../../sdk/src/index.js";
import { runBuiltinModel } from "../../provider/src/models/charModel.js";
import type { ClientDone, ClientSetup } from "./sessionClients.js";

/** The stream counts measured; DEPINFER_BENCH_SESSION_LEVELS (e.g. "16") narrows them, for profiling. */
const LEVELS = process.env.DEPINFER_BENCH_SESSION_LEVELS ? process.env.DEPINFER_BENCH_SESSION_LEVELS.split(",").map(Number) : [1, 4, 16];
/** Client processes per level (at most one per stream): DEPINFER_BENCH_CLIENT_PROCESSES, default 2 (one per core of the reference machine). */
const CLIENT_PROCESSES = Math.max(1, Number(process.env.DEPINFER_BENCH_CLIENT_PROCESSES ?? 2) || 2);
/** Requests measured per level, after WARM_UP per stream. */
const REQUESTS = 480;
const WARM_UP = 4;
/** Requests of the client-alone run. */
const CLIENT_ALONE = 200;
const PRICE = USDC / 1000n;
const PROMPTS = ["The river", "In the morning", "A quiet town", "The old ship", "Under the stars"];
const root = path.resolve(import.meta.dirname, "../..");

/** CPU seconds a process has used (user + system), from /proc (Linux); undefined elsewhere. */
function cpuSecondsOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime and stime (fields 14 and 15 of proc(5)), in clock ticks (100 per second on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** Starts `depinfer-provider --config <file>` from source in its own process group; resolves with its output URL. */
async function startNodeProcess(configFile: string, privateKey: Hex) {
  // DEPINFER_BENCH_NODE_ARGS: extra Node options for the node's process (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
  const extra = (process.env.DEPINFER_BENCH_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const child = spawn(process.execPath, [...extra, "--conditions=depinfer-source", "--disable-warning=ExperimentalWarning", "--import", "tsx", path.join(root, "provider/src/bin.ts"), "--config", configFile], {
    cwd: root,
    env: { ...process.env, NODE_KEY: privateKey },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const lines: string[] = [];
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the node did not start within 120 s:\n${lines.slice(-20).join("\n")}`)), 120_000);
    child.stdout.on("data", (chunk: Buffer) => {
      for (const line of chunk.toString().split("\n")) {
        lines.push(line);
        const found = /"output server listening","url":"([^"]+)"/.exec(line)?.[1];
        if (found) {
          clearTimeout(timer);
          resolve(found);
        }
      }
    });
    child.stderr.on("data", (chunk: Buffer) => lines.push(`stderr: ${chunk.toString()}`));
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the node exited (${code}) before serving:\n${lines.slice(-20).join("\n")}`));
    });
  });
  return {
    url,
    pid: child.pid!,
    stop: async () => {
      try {
        process.kill(-child.pid!, "SIGTERM");
      } catch {
        // already gone
      }
      await exited;
    },
  };
}

/** One level's figures with the real clients (in their own processes). */
interface LevelRow {
  streams: number;
  requests: number;
  clientProcesses: number;
  wallSeconds: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p95: number; max: number };
  nodeCpuCores: number | null;
  nodeCpuMsPerRequest: number | null;
  clientsCpuCores: number;
  clientsCpuMsPerRequest: number;
  chainCpuCores: number;
}

/** Starts a client process (scripts/bench/sessionClients.ts) with an IPC channel. */
async function startClientProcess() {
  // DEPINFER_BENCH_CLIENT_ARGS: extra Node options for the client processes (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
  const extra = (process.env.DEPINFER_BENCH_CLIENT_ARGS ?? "").split(" ").filter(Boolean);
  const child = spawn(process.execPath, [...extra, "--conditions=depinfer-source", "--disable-warning=ExperimentalWarning", "--import", "tsx", path.join(root, "scripts/bench/sessionClients.ts")], {
    cwd: root,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const waiting = new Map<string, (message: Record<string, unknown>) => void>();
  let failure: Error | undefined;
  const failAll = (error: Error) => {
    failure = error;
    for (const resolve of waiting.values()) resolve({ type: "error", message: error.message });
  };
  child.on("message", (message: Record<string, unknown>) => {
    if (message.type === "error") return failAll(new Error(`a client process failed: ${String(message.message)}`));
    const resolve = waiting.get(message.type as string);
    waiting.delete(message.type as string);
    resolve?.(message);
  });
  child.on("exit", (code) => failAll(new Error(`a client process exited (${code})`)));
  const waitFor = <T = Record<string, unknown>>(type: string) =>
    new Promise<T>((resolve, reject) => {
      if (failure) return reject(failure);
      waiting.set(type, (message) => (message.type === "error" ? reject(new Error(String(message.message))) : resolve(message as T)));
    });
  await waitFor("started");
  return {
    pid: child.pid!,
    send: (message: unknown) => child.send(message as never),
    waitFor,
    stop: () => {
      child.removeAllListeners("exit");
      if (child.exitCode === null) child.kill("SIGTERM");
    },
  };
}

/**
 * The client's own work per request, with no node: the openai client streaming through the SDK's
 * session client (a voucher signed, the SSE parsed, the attestation checked) from a fetch that
 * returns answers the provider's key attested beforehand. Requests per second on one thread.
 */
async function clientAlone(chainId: number) {
  const sessions = privateKeyToAccount(generatePrivateKey()).address;
  const providerKey = privateKeyToAccount(generatePrivateKey());
  const sessionId = keccak256(toHex("bench: client alone"));
  const model = keccak256(toHex("bench: model"));
  const domain = sessionsDomain(chainId, sessions);
  const answers: { body: string; attestation: SessionAttestation }[] = [];
  for (let i = 0; i < CLIENT_ALONE; i++) {
    const prompt = `${PROMPTS[i % PROMPTS.length]} ${i}`;
    const tokens = [...new TextDecoder().decode(runBuiltinModel(new TextEncoder().encode(prompt)))];
    const message = { sessionId, requestIndex: BigInt(i), model, inputHash: textHash(prompt), outputHash: textHash(tokens.join("")) };
    const attestation = { ...message, signature: await providerKey.signTypedData({ domain, types: sessionAttestationTypes, primaryType: "Attestation", message }) };
    const chunk = (delta: Record<string, unknown>, finish: string | null) => `data: ${JSON.stringify({ id: `chatcmpl-${i}`, object: "chat.completion.chunk", created: 0, model, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] })}\n\n`;
    const charged = BigInt(i + 1) * PRICE;
    answers.push({ attestation, body: [chunk({ role: "assistant", content: "" }, null), ...tokens.map((t) => chunk({ content: t }, null)), chunk({}, "stop"), attestationSseComment(attestation, charged), "data: [DONE]\n\n"].join("") });
  }
  let n = 0;
  const fakeFetch = async () => {
    const a = answers[n++]!;
    return new Response(a.body, { status: 200, headers: { "content-type": "text/event-stream", [ATTESTATION_HEADER]: formatAttestation(a.attestation), [CHARGED_HEADER]: (BigInt(n) * PRICE).toString() } });
  };
  const key = privateKeyToAccount(generatePrivateKey());
  const session = createSessionClient({ sessionId, account: key, chainId, sessions, providerSigner: providerKey.address, model, pricing: "request", price: PRICE, cap: 10_000n * PRICE, fetch: fakeFetch as typeof fetch });
  const openai = new OpenAI({ baseURL: "http://client-alone.invalid/v1", apiKey: "unused", fetch: session.fetch, maxRetries: 0 });
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < CLIENT_ALONE; i++) {
    const stream = await openai.chat.completions.create({ model, messages: [{ role: "user", content: `${PROMPTS[i % PROMPTS.length]} ${i}` }], stream: true });
    for await (const _chunk of stream);
  }
  const wallMs = performance.now() - started;
  const { user, system } = process.cpuUsage(cpu);
  if (session.attestations.length !== CLIENT_ALONE) throw new Error(`client alone: ${session.attestations.length} attestations for ${CLIENT_ALONE} requests`);
  return { requests: CLIENT_ALONE, requestsPerSecond: +((CLIENT_ALONE * 1000) / wallMs).toFixed(1), cpuMsPerRequest: +((user + system) / 1000 / CLIENT_ALONE).toFixed(2) };
}

/**
 * The node with the client's work taken out of the timed window: each stream's next vouchers are
 * signed beforehand, each answer is read whole with plain `fetch` (no openai parsing), and every
 * attestation is checked (signer, index, input and output hashes) after the window. What the node
 * alone sustains on this machine.
 */
async function runPreSigned(
  node: { url: string; pid: number },
  sessions: { last: { cumulativeAmount: bigint; requestCount: bigint }; key: ReturnType<typeof privateKeyToAccount>; sessionId: Hex }[],
  chainId: number,
  sessionsAddress: Hex,
  providerSigner: Hex,
  model: Hex,
) {
  const domain = sessionsDomain(chainId, sessionsAddress);
  const perStream = Math.ceil(REQUESTS / sessions.length);
  const plans: { sessionId: Hex; vouchers: { sessionId: Hex; cumulativeAmount: bigint; requestCount: bigint; signature: Hex }[] }[] = [];
  for (const s of sessions) {
    const last = s.last;
    const vouchers = [];
    for (let i = 1n; i <= BigInt(perStream); i++) {
      const message = { sessionId: s.sessionId, cumulativeAmount: last.cumulativeAmount + i * PRICE, requestCount: last.requestCount + i };
      vouchers.push({ ...message, signature: await s.key.signTypedData({ domain, types: voucherTypes, primaryType: "Voucher", message }) });
    }
    plans.push({ sessionId: s.sessionId, vouchers });
  }
  const answers: { sessionId: Hex; requestIndex: bigint; prompt: string; body: string }[] = [];
  const latencies: number[] = [];
  let sent = 0;
  const worker = async (plan: (typeof plans)[number]) => {
    for (const voucher of plan.vouchers) {
      if (sent++ >= REQUESTS) return;
      const prompt = `${PROMPTS[sent % PROMPTS.length]} ${sent}`;
      const started = performance.now();
      const response = await fetch(`${node.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", [SESSION_HEADER]: plan.sessionId, [VOUCHER_HEADER]: formatVoucher(voucher) },
        body: JSON.stringify({ model, messages: [{ role: "user", content: prompt }], stream: true }),
      });
      const body = await response.text();
      latencies.push(performance.now() - started);
      if (response.status !== 200) throw new Error(`pre-signed: HTTP ${response.status}: ${body.slice(0, 300)}`);
      answers.push({ sessionId: plan.sessionId, requestIndex: voucher.requestCount - 1n, prompt, body });
    }
  };
  const cpu = process.cpuUsage();
  const nodeCpu = cpuSecondsOf(node.pid);
  const started = performance.now();
  await Promise.all(plans.map(worker));
  const wallMs = performance.now() - started;
  const nodeCpuEnd = cpuSecondsOf(node.pid);
  const { user, system } = process.cpuUsage(cpu);
  // Every answer checked, after the window: attested by the provider's signer, for its index, prompt and streamed text.
  for (const a of answers) {
    const line = a.body.split("\n").find((l) => l.startsWith(ATTESTATION_SSE_PREFIX));
    const attestation = parseAttestation(a.sessionId, line?.slice(ATTESTATION_SSE_PREFIX.length).replace(/; charged=\d+$/, ""));
    const text = a.body
      .split("\n")
      .filter((l) => l.startsWith("data: {"))
      .map((l) => (JSON.parse(l.slice(6)) as { choices: { delta?: { content?: string } }[] }).choices[0]?.delta?.content ?? "")
      .join("");
    if (!attestation || attestation.requestIndex !== a.requestIndex || attestation.inputHash !== textHash(a.prompt) || attestation.outputHash !== textHash(text) || !text)
      throw new Error(`pre-signed: request ${a.requestIndex} of ${a.sessionId}: a missing or wrong attestation`);
    const { signature, ...message } = attestation;
    const signer = await recoverTypedDataAddress({ domain, types: sessionAttestationTypes, primaryType: "Attestation", message, signature });
    if (signer.toLowerCase() !== providerSigner.toLowerCase()) throw new Error(`pre-signed: attested by ${signer}`);
  }
  if (answers.length !== REQUESTS) throw new Error(`pre-signed: ${answers.length} answers for ${REQUESTS} requests`);
  latencies.sort((a, b) => a - b);
  const quantile = (q: number) => latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)]!;
  const nodeCores = nodeCpu !== undefined && nodeCpuEnd !== undefined ? +((nodeCpuEnd - nodeCpu) / (wallMs / 1000)).toFixed(2) : null;
  return {
    requests: REQUESTS,
    requestsPerSecond: +((REQUESTS * 1000) / wallMs).toFixed(1),
    latencyMs: { p50: +quantile(0.5).toFixed(1), p95: +quantile(0.95).toFixed(1) },
    nodeCpuCores: nodeCores,
    clientsCpuCores: +((user + system) / 1000 / wallMs).toFixed(2),
    nodeCpuMsPerRequest: nodeCores === null ? null : +((nodeCores * wallMs) / REQUESTS).toFixed(2),
  };
}

/**
 * Measures the session path on `p` (deployed with its PaymentSessions module) with a fresh provider
 * and node process per level; returns one row per level, and the client's cost alone.
 */
export async function benchSessions(connection: Connection, p: Protocol, model: Hex, funder: Wallet, clientWallets: Wallet[]) {
  const publicClient = await connection.viem.getPublicClient();
  const chain = publicClient.chain as Chain;
  const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  const bridge = await startRpcBridge(connection);
  const rows = [];
  try {
    for (const streams of LEVELS) {
      const dir = mkdtempSync(path.join(os.tmpdir(), "depinfer-bench-sessions-"));
      const stake = 10_000n * DPI;
      const provider = await setUpNodeProvider(connection, p, funder, { model, price: PRICE, stake });
      const wallet = createWalletClient({ chain, transport: custom(connection.provider, { retryCount: 0 }), account: privateKeyToAccount(provider.privateKey) });
      await publicClient.waitForTransactionReceipt({ hash: await wallet.writeContract({ address: p.market.address, abi: p.market.abi, functionName: "setModuleAllowance", args: [p.sessions.address, stake] }) });
      const configFile = path.join(dir, "provider.json");
      writeFileSync(
        configFile,
        JSON.stringify({
          rpcUrl: bridge.url,
          chainId: chain.id,
          market: p.market.address,
          dataDir: path.join(dir, "data"),
          signer: { env: "NODE_KEY" },
          models: [{ model, backend: { type: "builtin" }, price: PRICE.toString(), token: p.usdc.address }],
          pollingIntervalMs: 1000,
          startBlock: Number(await publicClient.getBlockNumber()),
          outputServer: { host: "127.0.0.1", port: 0 },
          // Settled once a level is over (threshold far above it): the figure is the request path.
          sessions: { address: p.sessions.address, settleThreshold: (10n ** 12n).toString() },
        }),
      );
      const node = await startNodeProcess(configFile, provider.privateKey);
      let levelRow: LevelRow | undefined;
      try {
        const sessions: { key: ReturnType<typeof privateKeyToAccount>; privateKey: Hex; sessionId: Hex; last: { cumulativeAmount: bigint; requestCount: bigint } }[] = [];
        for (let i = 0; i < streams; i++) {
          const privateKey = generatePrivateKey();
          const key = privateKeyToAccount(privateKey);
          const { sessionId } = await openTestSession(connection, p, clientWallets[i % clientWallets.length]!, {
            provider: provider.address,
            model,
            amount: 10_000n * PRICE,
            maxPrice: PRICE,
            pricing: SessionPricing.PerRequest,
            signer: key.address,
          });
          sessions.push({ key, privateKey, sessionId, last: { cumulativeAmount: 0n, requestCount: 0n } });
        }
        // The clients: CLIENT_PROCESSES processes (at most one per stream), the streams dealt round-robin, the requests in proportion.
        const count = Math.min(streams, CLIENT_PROCESSES);
        const clients = await Promise.all(Array.from({ length: count }, () => startClientProcess()));
        try {
          const shares = clients.map((_, c) => sessions.filter((_, i) => i % count === c));
          const quotas = shares.map((share) => Math.floor((REQUESTS * share.length) / streams));
          quotas[0]! += REQUESTS - quotas.reduce((a, b) => a + b, 0);
          clients.forEach((client, c) =>
            client.send({
              type: "setup",
              url: node.url,
              chainId: chain.id,
              sessions: p.sessions.address,
              providerSigner: provider.address,
              model,
              price: PRICE.toString(),
              cap: (10_000n * PRICE).toString(),
              streams: shares[c]!.map((s) => ({ sessionId: s.sessionId, privateKey: s.privateKey })),
              requests: quotas[c]!,
              warmUp: WARM_UP,
              prompts: PROMPTS,
              offset: c * 100_000,
            } satisfies ClientSetup),
          );
          await Promise.all(clients.map((client) => client.waitFor("ready")));
          const benchCpu = process.cpuUsage();
          const nodeCpu = cpuSecondsOf(node.pid);
          const clientsCpu = clients.map((client) => cpuSecondsOf(client.pid));
          const started = performance.now();
          const finished = clients.map((client) => client.waitFor<ClientDone>("done"));
          for (const client of clients) client.send({ type: "go" });
          const done = await Promise.all(finished);
          const wallMs = performance.now() - started;
          const nodeCpuEnd = cpuSecondsOf(node.pid);
          const clientsCpuEnd = clients.map((client) => cpuSecondsOf(client.pid));
          const { user, system } = process.cpuUsage(benchCpu);
          const attested = done.reduce((a, d) => a + d.attested, 0);
          if (attested !== REQUESTS + streams * WARM_UP) throw new Error(`${attested} attestations for ${REQUESTS + streams * WARM_UP} requests`);
          for (const d of done)
            for (const l of d.latest) sessions.find((s) => s.sessionId === l.sessionId)!.last = { cumulativeAmount: BigInt(l.cumulativeAmount), requestCount: BigInt(l.requestCount) };
          const latencies = done.flatMap((d) => d.latencies).sort((a, b) => a - b);
          const nodeCores = nodeCpu !== undefined && nodeCpuEnd !== undefined ? +((nodeCpuEnd - nodeCpu) / (wallMs / 1000)).toFixed(2) : null;
          // CPU of the client processes from /proc (the whole process, its GC and I/O threads too), else their own count.
          const clientsCpuSeconds = clientsCpu.every((c) => c !== undefined) && clientsCpuEnd.every((c) => c !== undefined) ? clientsCpuEnd.reduce((a, c, i) => a! + c! - clientsCpu[i]!, 0)! : done.reduce((a, d) => a + d.cpuMs / 1000, 0);
          levelRow = {
            streams,
            requests: REQUESTS,
            clientProcesses: count,
            wallSeconds: +(wallMs / 1000).toFixed(2),
            requestsPerSecond: +((REQUESTS * 1000) / wallMs).toFixed(1),
            latencyMs: { p50: +quantile(latencies, 0.5).toFixed(1), p95: +quantile(latencies, 0.95).toFixed(1), max: +latencies.at(-1)!.toFixed(1) },
            /** CPU (in cores) of the node's process, of the client processes, and of the bench's (the chain and the RPC bridge), during the timed window. */
            nodeCpuCores: nodeCores,
            nodeCpuMsPerRequest: nodeCores === null ? null : +((nodeCores * wallMs) / REQUESTS).toFixed(2),
            clientsCpuCores: +(clientsCpuSeconds / (wallMs / 1000)).toFixed(2),
            clientsCpuMsPerRequest: +((clientsCpuSeconds * 1000) / REQUESTS).toFixed(2),
            chainCpuCores: +((user + system) / 1000 / wallMs).toFixed(2),
          };
        } finally {
          for (const client of clients) client.stop();
        }
        const preSigned = await runPreSigned(node, sessions, chain.id, p.sessions.address, provider.address, model);
        rows.push({ ...levelRow!, preSigned });
      } finally {
        await node.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    }
  } finally {
    await bridge.close();
  }
  const alone = await clientAlone(chain.id);
  return {
    description:
      "Paid requests per second through the provider node's OpenAI-compatible endpoint (payment sessions), built-in model, streamed (SSE), with N concurrent streams, each its own session driven by the openai client with the SDK's session client as fetch: a voucher signed (client), checked with the session (node), the model run, an attestation signed and journaled on the disk (node, group commit), the attestation checked (client). No transaction per request; settlement is one transaction per session, after the run.",
    note: `${REQUESTS} measured requests per level after ${WARM_UP} warm-up requests per stream. The node is the depinfer-provider command in a process of its own, reaching the chain through a JSON-RPC bridge; the clients run in ${CLIENT_PROCESSES} processes of their own (at most one per stream; clientsCpuCores, clientsCpuMsPerRequest), the chain and the bridge in the bench's (chainCpuCores); all share the machine's cores with the node (nodeCpuCores, nodeCpuMsPerRequest). preSigned: the node with the client's work out of the timed window (vouchers signed beforehand, answers read whole with plain fetch and checked afterwards). clientAlone: the client's own work per request (openai + session client: sign the voucher, parse the stream, check the attestation) against pre-attested answers, with no node: its rate bounds what one client thread can drive.`,
    levels: rows,
    clientAlone: alone,
  };
}
