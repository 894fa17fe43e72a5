/**
 * The session path's throughput, for `npm run bench` (scripts/bench/node.ts adds it to node.json):
 * paid requests per second through a provider node's OpenAI-compatible endpoint, with the built-in
 * model, at N = 1, 4 and 16 concurrent streams. Each stream is its own session (its own session key)
 * driven by the official `openai` client whose `fetch` is the SDK's session client: every request
 * signs a voucher (client), checks it and the session (node), runs the model, signs and journals an
 * attestation (node, fsync'd), streams the answer as SSE, and checks the attestation (client).
 * The chain, the node and the clients share this process and its one JavaScript thread.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";

import OpenAI from "openai";
import { createWalletClient, custom, type Chain, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import { createInProcessNode, DPI, setUpNodeProvider, USDC, type Connection, type Protocol, type Wallet } from "../lib/harness.js";
import { openTestSession } from "../lib/sessionsHarness.js";
import { createSessionClient, SessionPricing } from "../../sdk/src/index.js";
import { createLogger } from "../../provider/src/index.js";

const LEVELS = [1, 4, 16] as const;
/** Requests measured per level, after WARM_UP per stream. */
const REQUESTS = 240;
const WARM_UP = 4;
const PRICE = USDC / 1000n;
const PROMPTS = ["The river", "In the morning", "A quiet town", "The old ship", "Under the stars"];

/**
 * Measures the session path on `p` (deployed with its PaymentSessions module) with a fresh provider
 * and node per level; returns one row per level.
 */
export async function benchSessions(connection: Connection, p: Protocol, model: Hex, funder: Wallet, clientWallets: Wallet[]) {
  const publicClient = await connection.viem.getPublicClient();
  const chain = publicClient.chain as Chain;
  const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  const rows = [];
  for (const streams of LEVELS) {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "depinfer-bench-sessions-"));
    const stake = 10_000n * DPI;
    const provider = await setUpNodeProvider(connection, p, funder, { model, price: PRICE, stake });
    const wallet = createWalletClient({ chain, transport: custom(connection.provider, { retryCount: 0 }), account: privateKeyToAccount(provider.privateKey) });
    await publicClient.waitForTransactionReceipt({ hash: await wallet.writeContract({ address: p.market.address, abi: p.market.abi, functionName: "setModuleAllowance", args: [p.sessions.address, stake] }) });
    const node = await createInProcessNode(connection, p.market.address, {
      privateKey: provider.privateKey,
      model,
      token: p.usdc.address,
      price: PRICE,
      dataDir,
      // Settled once a level is over (threshold far above it): the figure is the request path.
      config: { startBlock: Number(await publicClient.getBlockNumber()), pollingIntervalMs: 1000, sessions: { address: p.sessions.address, settleThreshold: (10n ** 12n).toString() } },
      logger: createLogger({ level: "silent" }),
    });
    await node.start();
    try {
      const sessions = [];
      for (let i = 0; i < streams; i++) {
        const key = privateKeyToAccount(generatePrivateKey());
        const { sessionId } = await openTestSession(connection, p, clientWallets[i % clientWallets.length]!, {
          provider: provider.address,
          model,
          amount: 1000n * PRICE,
          maxPrice: PRICE,
          pricing: SessionPricing.PerRequest,
          signer: key.address,
        });
        const session = createSessionClient({ sessionId, account: key, chainId: chain.id, sessions: p.sessions.address, providerSigner: provider.address, model, pricing: "request", price: PRICE, cap: 1000n * PRICE });
        sessions.push({ session, openai: new OpenAI({ baseURL: `${node.outputUrl}/v1`, apiKey: "unused", fetch: session.fetch, maxRetries: 0 }) });
      }
      const ask = async (openai: OpenAI, n: number) => {
        const stream = await openai.chat.completions.create({ model, messages: [{ role: "user", content: `${PROMPTS[n % PROMPTS.length]} ${n}` }], stream: true });
        let text = "";
        for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
        if (!text) throw new Error("an empty answer");
      };
      for (const s of sessions) for (let i = 0; i < WARM_UP; i++) await ask(s.openai, i);
      let next = 0;
      const latencies: number[] = [];
      const worker = async (openai: OpenAI) => {
        for (let n = next++; n < REQUESTS; n = next++) {
          const started = performance.now();
          await ask(openai, n);
          latencies.push(performance.now() - started);
        }
      };
      const cpu = process.cpuUsage();
      const started = performance.now();
      await Promise.all(sessions.map((s) => worker(s.openai)));
      const wallMs = performance.now() - started;
      const { user, system } = process.cpuUsage(cpu);
      const attested = sessions.reduce((a, s) => a + s.session.attestations.length, 0);
      if (attested !== REQUESTS + streams * WARM_UP) throw new Error(`${attested} attestations for ${REQUESTS + streams * WARM_UP} requests`);
      latencies.sort((a, b) => a - b);
      rows.push({
        streams,
        requests: REQUESTS,
        wallSeconds: +(wallMs / 1000).toFixed(2),
        requestsPerSecond: +((REQUESTS * 1000) / wallMs).toFixed(1),
        latencyMs: { p50: +quantile(latencies, 0.5).toFixed(1), p95: +quantile(latencies, 0.95).toFixed(1), max: +latencies.at(-1)!.toFixed(1) },
        processCpuCores: +((user + system) / 1000 / wallMs).toFixed(2),
      });
    } finally {
      await node.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  return {
    description:
      "Paid requests per second through the provider node's OpenAI-compatible endpoint (payment sessions), built-in model, streamed (SSE), with N concurrent streams, each its own session driven by the openai client with the SDK's session client as fetch: a voucher signed (client), checked with the session (node), the model run, an attestation signed and journaled with fsync (node), the attestation checked (client). No transaction per request; settlement is one transaction per session, after the run.",
    note: `${REQUESTS} measured requests per level after ${WARM_UP} warm-up requests per stream; the chain, the node and the clients share one process and one JavaScript thread (processCpuCores), so the client's signing and checking count against the node's figure.`,
    levels: rows,
  };
}
