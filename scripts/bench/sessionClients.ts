/**
 * One client process of the session bench (scripts/bench/sessions.ts): started by the bench with an
 * IPC channel, it drives some of the streams, each its own session through the official `openai`
 * client whose `fetch` is the SDK's session client (a voucher signed, the SSE parsed, the attestation
 * checked), exactly as an application would. Protocol (process.send / "message"):
 *   bench → client: { type: "setup", ... }   client → bench: { type: "ready" } (after the warm-up)
 *   bench → client: { type: "go" }           client → bench: { type: "done", latencies, attested, latest, cpuMs, wallMs }
 */
import { performance } from "node:perf_hooks";

import OpenAI from "openai";
import type { Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";

import { createSessionClient } from "../../sdk/src/index.js";

export interface ClientSetup {
  type: "setup";
  url: string;
  chainId: number;
  sessions: Hex;
  providerSigner: Hex;
  model: Hex;
  price: string;
  cap: string;
  /** This process's streams: each its own session and session key. */
  streams: { sessionId: Hex; privateKey: Hex }[];
  /** Requests this process makes in the timed window, spread over its streams as they free up. */
  requests: number;
  warmUp: number;
  prompts: string[];
  /** Numbers the prompts apart from the other processes'. */
  offset: number;
}

export interface ClientDone {
  type: "done";
  latencies: number[];
  attested: number;
  latest: { sessionId: Hex; cumulativeAmount: string; requestCount: string }[];
  cpuMs: number;
  wallMs: number;
}

const send = (message: unknown) => process.send!(message);

let setup: ClientSetup | undefined;
let clients: { sessionId: Hex; session: ReturnType<typeof createSessionClient>; openai: OpenAI }[] = [];

async function ask(openai: OpenAI, model: Hex, prompt: string) {
  const stream = await openai.chat.completions.create({ model, messages: [{ role: "user", content: prompt }], stream: true });
  let text = "";
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
  if (!text) throw new Error("an empty answer");
}

async function prepare(s: ClientSetup) {
  setup = s;
  clients = s.streams.map(({ sessionId, privateKey }) => {
    const session = createSessionClient({
      sessionId,
      account: privateKeyToAccount(privateKey),
      chainId: s.chainId,
      sessions: s.sessions,
      providerSigner: s.providerSigner,
      model: s.model,
      pricing: "request",
      price: BigInt(s.price),
      cap: BigInt(s.cap),
    });
    return { sessionId, session, openai: new OpenAI({ baseURL: `${s.url}/v1`, apiKey: "unused", fetch: session.fetch, maxRetries: 0 }) };
  });
  for (const c of clients) for (let i = 0; i < s.warmUp; i++) await ask(c.openai, s.model, `${s.prompts[i % s.prompts.length]} w${s.offset + i}`);
  send({ type: "ready" });
}

async function run() {
  const s = setup!;
  let next = 0;
  const latencies: number[] = [];
  const worker = async (openai: OpenAI) => {
    for (let n = next++; n < s.requests; n = next++) {
      const started = performance.now();
      await ask(openai, s.model, `${s.prompts[(s.offset + n) % s.prompts.length]} ${s.offset + n}`);
      latencies.push(performance.now() - started);
    }
  };
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(clients.map((c) => worker(c.openai)));
  const wallMs = performance.now() - started;
  const { user, system } = process.cpuUsage(cpu);
  const done: ClientDone = {
    type: "done",
    latencies,
    attested: clients.reduce((a, c) => a + c.session.attestations.length, 0),
    latest: clients.map((c) => ({ sessionId: c.sessionId, cumulativeAmount: c.session.latestVoucher()!.cumulativeAmount.toString(), requestCount: c.session.latestVoucher()!.requestCount.toString() })),
    cpuMs: (user + system) / 1000,
    wallMs,
  };
  send(done);
}

process.on("message", (message: { type: string }) => {
  const failed = (error: unknown) => {
    send({ type: "error", message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  };
  if (message.type === "setup") prepare(message as ClientSetup).catch(failed);
  else if (message.type === "go") run().catch(failed);
  else if (message.type === "exit") process.exit(0);
});
// Stopped by the bench: exit normally (a --cpu-prof profile is written on exit).
process.on("SIGTERM", () => process.exit(0));
// The bench gone: nothing left to do.
process.on("disconnect", () => process.exit(0));
send({ type: "started" });
