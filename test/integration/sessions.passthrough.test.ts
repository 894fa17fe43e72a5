/**
 * The session server's SSE passthrough (provider/src/sessions/passthrough.ts): with an
 * OpenAI-compatible backend, a `stream: true` request is streamed to the client as the upstream
 * server produces it (not read whole first), per-token billing cuts the stream where the voucher runs
 * out (and cancels the upstream request), and the attestation covers exactly the text sent. A real
 * node (in-process, the config an operator writes) with its HTTP endpoint, a local upstream server
 * that streams slowly, and the official openai client through the SDK's session client.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";

import { network } from "hardhat";
import OpenAI from "openai";
import { recoverTypedDataAddress, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createInProcessNode, DPI, deployProtocol, registerBuiltinModel, setUpNodeProvider, type Connection, type Protocol, type Wallet } from "../../scripts/lib/harness.js";
import { openTestSession } from "../../scripts/lib/sessionsHarness.js";
import {
  ATTESTATION_SSE_PREFIX,
  createSessionClient,
  formatVoucher,
  parseAttestation,
  SESSION_HEADER,
  sessionAttestationTypes,
  SessionPricing,
  sessionsDomain,
  textHash,
  VOUCHER_HEADER,
  voucherTypes,
} from "../../sdk/src/index.js";
import { createLogger, createOpenAIBackend } from "../../provider/src/index.js";

const UPSTREAM_PORT = 20150;
const NODE_PORT = 20151;
const PRICE = 10_000n;

/**
 * An OpenAI-compatible server that streams `pieces` one SSE chunk at a time, `delayMs` apart, holding
 * before chunk `holdAt` until `release()`; a request without `stream` is answered whole, also only
 * after `release()`. Records what it sent and whether the client hung up before the end.
 */
async function startSlowUpstream() {
  let script = { pieces: [] as string[], delayMs: 0, holdAt: Infinity, failAfter: Infinity };
  let release!: () => void;
  let gate = Promise.resolve();
  const log = { streamed: 0, sent: 0, finished: false, closedEarly: false, plainRequests: 0 };
  const server: Server = createServer((req, res) => {
    let raw = "";
    req.on("data", (c: Buffer) => (raw += c.toString()));
    req.on("end", async () => {
      const body = JSON.parse(raw) as { stream?: boolean };
      const { pieces, delayMs, holdAt, failAfter } = script;
      script.failAfter = Infinity; // fails once
      if (body.stream !== true) {
        log.plainRequests++;
        await gate;
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ choices: [{ index: 0, message: { role: "assistant", content: pieces.join("") }, finish_reason: "stop" }] }));
        return;
      }
      log.streamed++;
      res.on("close", () => (log.closedEarly = !log.finished));
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }] })}\n\n`);
      for (let i = 0; i < pieces.length; i++) {
        if (i === holdAt) await gate;
        if (i === failAfter) return res.destroy(); // the upstream breaks mid-stream
        if (res.destroyed) return;
        res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: pieces[i] }, finish_reason: null }] })}\n\n`);
        log.sent = i + 1;
        if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
      }
      if (res.destroyed) return;
      res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: "stop" }] })}\n\n`);
      log.finished = true;
      res.end("data: [DONE]\n\n");
    });
  });
  await new Promise<void>((resolve) => server.listen(UPSTREAM_PORT, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${UPSTREAM_PORT}`,
    log,
    /** The next answer: resets the log, and holds before chunk `holdAt` until `release()` (never, by default). */
    plan(next: { pieces: string[]; delayMs?: number; holdAt?: number; failAfter?: number }) {
      script = { pieces: next.pieces, delayMs: next.delayMs ?? 0, holdAt: next.holdAt ?? Infinity, failAfter: next.failAfter ?? Infinity };
      Object.assign(log, { streamed: 0, sent: 0, finished: false, closedEarly: false, plainRequests: 0 });
      gate = new Promise<void>((r) => (release = r));
    },
    release: () => release(),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe("session server: SSE passthrough from an OpenAI-compatible backend", () => {
  let connection: Connection;
  let p: Protocol;
  let deployer: Wallet;
  let chainId: number;
  let model: Hex;
  let providerAddress: Hex;
  let upstream: Awaited<ReturnType<typeof startSlowUpstream>>;
  let node: Awaited<ReturnType<typeof createInProcessNode>> | undefined;
  let dataDir: string | undefined;

  beforeAll(async () => {
    connection = (await network.create()) as Connection;
    [deployer] = (await connection.viem.getWalletClients()) as Wallet[];
    p = await deployProtocol(connection);
    const publicClient = await connection.viem.getPublicClient();
    chainId = publicClient.chain!.id;
    model = await registerBuiltinModel(connection, p);
    const stake = 10_000n * DPI;
    const provider = await setUpNodeProvider(connection, p, deployer, { model, price: PRICE, stake });
    providerAddress = provider.address;
    await p.market.write.setModuleAllowance([p.sessions.address, stake], { account: privateKeyToAccount(provider.privateKey) as never });
    upstream = await startSlowUpstream();
    dataDir = mkdtempSync(path.join(tmpdir(), "depinfer-passthrough-"));
    node = await createInProcessNode(connection, p.market.address, {
      privateKey: provider.privateKey,
      model,
      token: p.usdc.address,
      price: PRICE,
      dataDir,
      backend: createOpenAIBackend({ baseUrl: upstream.url, model: "slow-upstream", maxRetries: 0, timeoutMs: 20_000 }),
      config: { startBlock: Number(await publicClient.getBlockNumber()), pollingIntervalMs: 1000, outputServer: { host: "127.0.0.1", port: NODE_PORT }, sessions: { address: p.sessions.address, settleThreshold: (10n ** 12n).toString() } },
      logger: createLogger({ level: "silent" }),
    });
    await node.start();
  });
  afterAll(async () => {
    await node?.stop();
    await upstream?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  async function session(o: { pricing: SessionPricing; maxPrice: bigint; maxPerRequest?: bigint }) {
    const key = privateKeyToAccount(generatePrivateKey());
    const { sessionId } = await openTestSession(connection, p, deployer, { provider: providerAddress, model, amount: 100n * PRICE, maxPrice: o.maxPrice, pricing: o.pricing, signer: key.address });
    const s = createSessionClient({
      sessionId,
      account: key,
      chainId,
      sessions: p.sessions.address,
      providerSigner: providerAddress,
      model,
      pricing: o.pricing === SessionPricing.PerRequest ? "request" : "1k-tokens",
      price: o.maxPrice,
      cap: 100n * PRICE,
      maxPerRequest: o.maxPerRequest,
    });
    return { s, openai: new OpenAI({ baseURL: `${node!.outputUrl}/v1`, apiKey: "unused", fetch: s.fetch, maxRetries: 0 }) };
  }

  /** Resolves with `promise`, or rejects after `ms` saying what did not happen. */
  const within = <T,>(promise: Promise<T>, ms: number, what: string) =>
    Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms))]);

  it("passes each upstream chunk on as it arrives: the client reads the first while the upstream is still held, and the attestation covers the whole text", async () => {
    const pieces = ["The ", "river ", "runs ", "under ", "the ", "old ", "bridge."];
    upstream.plan({ pieces, holdAt: 2 });
    const { s, openai } = await session({ pricing: SessionPricing.PerRequest, maxPrice: PRICE });
    const stream = await within(openai.chat.completions.create({ model, messages: [{ role: "user", content: "Tell me" }], stream: true }), 10_000, "the stream's headers");
    const iterator = stream[Symbol.asyncIterator]();
    let text = "";
    // The first content chunk, while the upstream holds before its third chunk: buffering would wait for the end (never).
    for (;;) {
      const { value, done } = await within(iterator.next(), 10_000, "the first chunk before the upstream finishes");
      expect(done).toBe(false);
      text += value!.choices[0]?.delta?.content ?? "";
      if (text) break;
    }
    expect(upstream.log.finished).toBe(false);
    expect(upstream.log.sent).toBeLessThanOrEqual(2);
    expect(upstream.log.plainRequests).toBe(0);
    upstream.release();
    let finish: string | null | undefined;
    for (;;) {
      const { value, done } = await within(iterator.next(), 10_000, "the rest of the stream");
      if (done) break;
      text += value.choices[0]?.delta?.content ?? "";
      finish = value.choices[0]?.finish_reason ?? finish;
    }
    expect(text).toBe(pieces.join(""));
    expect(finish).toBe("stop");
    expect(upstream.log.finished).toBe(true);
    // Checked by the SDK before [DONE] was passed on: signed by the provider, over the text streamed.
    expect(s.attestations).toHaveLength(1);
    expect(s.attestations[0]!.output).toBe(text);
    expect(s.attestations[0]!.outputHash).toBe(textHash(text));
    expect(s.charged()).toBe(PRICE);
  });

  it("bills per token as it streams: cut exactly where the voucher runs out (inside an upstream chunk), the upstream request cancelled, the attestation over what was sent", async () => {
    // 1 unit per token (4 code points for this backend); each request may add 10 units. "hello" is 2
    // tokens, so 8 output tokens are paid: 32 code points, inside the 11th chunk of 3.
    const pieces = Array.from({ length: 60 }, (_, i) => `${"abcdéfghijklmnopqrstuvwxyz"[i % 26]}${i % 10}·`);
    upstream.plan({ pieces, delayMs: 5 });
    const { s, openai } = await session({ pricing: SessionPricing.PerThousandTokens, maxPrice: 1000n, maxPerRequest: 10n });
    const stream = await openai.chat.completions.create({ model, messages: [{ role: "user", content: "hello" }], stream: true });
    let text = "";
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    // Both sides of the boundary: 32 code points, not 31, not 33.
    expect([...text]).toHaveLength(32);
    expect(text).toBe([...pieces.join("")].slice(0, 32).join(""));
    expect(finish).toBe("length");
    expect(s.charged()).toBe(10n);
    expect(s.attestations[0]!.output).toBe(text);
    // The upstream was told to stop: it never finished its 60 chunks.
    await within((async () => {
      while (!upstream.log.closedEarly) await new Promise((r) => setTimeout(r, 10));
    })(), 5_000, "the upstream request cancelled");
    expect(upstream.log.finished).toBe(false);
    expect(upstream.log.sent).toBeLessThan(pieces.length);

    // max_tokens counts too: 3 tokens are 12 code points, then "length"; 1 prompt ("hi": 2 code points) + 3 output tokens charged.
    upstream.plan({ pieces, delayMs: 0 });
    const short = await openai.chat.completions.create({ model, messages: [{ role: "user", content: "hi" }], stream: true, max_tokens: 3 });
    let shortText = "";
    for await (const chunk of short) shortText += chunk.choices[0]?.delta?.content ?? "";
    expect(shortText).toBe([...pieces.join("")].slice(0, 12).join(""));
    expect(s.charged()).toBe(14n);
    expect(s.attestations[1]!.output).toBe(shortText);
  });

  it("a stream broken mid-answer (upstream failure, or the client gone) gets no attestation, cancels the upstream, and its voucher is served again in full", async () => {
    const key = privateKeyToAccount(generatePrivateKey());
    const { sessionId } = await openTestSession(connection, p, deployer, { provider: providerAddress, model, amount: 100n * PRICE, maxPrice: PRICE, pricing: SessionPricing.PerRequest, signer: key.address });
    const domain = sessionsDomain(chainId, p.sessions.address);
    const message = { sessionId, cumulativeAmount: PRICE, requestCount: 1n };
    const voucher = formatVoucher({ ...message, signature: await key.signTypedData({ domain, types: voucherTypes, primaryType: "Voucher", message }) });
    const ask = (signal?: AbortSignal) =>
      fetch(`${node!.outputUrl}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", [SESSION_HEADER]: sessionId, [VOUCHER_HEADER]: voucher },
        body: JSON.stringify({ model, messages: [{ role: "user", content: "Once" }], stream: true }),
        ...(signal && { signal }),
      });
    const pieces = ["one ", "two ", "three ", "four ", "five ", "six"];

    // The upstream breaks after 3 chunks: the client got them, then a broken stream, and no attestation.
    upstream.plan({ pieces, failAfter: 3, delayMs: 20 });
    const broken = await ask();
    expect(broken.status).toBe(200);
    const partial = await broken.text().catch(() => "(broken)");
    expect(partial).not.toContain(ATTESTATION_SSE_PREFIX);

    // The client goes away after its first chunk: the upstream request is cancelled too.
    upstream.plan({ pieces, delayMs: 30 });
    const abort = new AbortController();
    const left = await ask(abort.signal);
    const reader = left.body!.getReader();
    let seen = "";
    while (!seen.includes("one ")) seen += new TextDecoder().decode((await reader.read()).value);
    abort.abort();
    await within((async () => {
      while (!upstream.log.closedEarly) await new Promise((r) => setTimeout(r, 10));
    })(), 5_000, "the upstream request cancelled when the client left");
    expect(upstream.log.finished).toBe(false);

    // The same voucher again (journaled, never answered): served in full, and attested once, over what was sent.
    upstream.plan({ pieces });
    const served = await ask();
    expect(served.status).toBe(200);
    const body = await served.text();
    const text = body
      .split("\n")
      .filter((l) => l.startsWith("data: {"))
      .map((l) => (JSON.parse(l.slice(6)) as { choices: { delta?: { content?: string } }[] }).choices[0]?.delta?.content ?? "")
      .join("");
    expect(text).toBe(pieces.join(""));
    const attestation = parseAttestation(sessionId, body.split("\n").find((l) => l.startsWith(ATTESTATION_SSE_PREFIX))?.slice(ATTESTATION_SSE_PREFIX.length).replace(/; charged=\d+$/, ""));
    expect(attestation?.requestIndex).toBe(0n);
    expect(attestation?.outputHash).toBe(textHash(text));
    expect(attestation?.inputHash).toBe(textHash("Once"));
    const { signature, ...signed } = attestation!;
    expect(await recoverTypedDataAddress({ domain, types: sessionAttestationTypes, primaryType: "Attestation", message: signed, signature })).toBe(providerAddress);
    // Answered now: the same voucher gets the very same answer (never a second attestation), without asking the upstream.
    upstream.plan({ pieces: ["something ", "else"] });
    const again = await ask();
    expect(again.status).toBe(200);
    const againBody = await again.text();
    expect(againBody).toContain(attestation!.signature.slice(2, 40));
    expect(upstream.log.streamed + upstream.log.plainRequests).toBe(0);
  });

  it("the SDK's session client sends the voucher of a stream broken before its attestation again, so the client pays for no unanswered request", async () => {
    const { s, openai } = await session({ pricing: SessionPricing.PerRequest, maxPrice: PRICE });
    const pieces = ["alpha ", "beta ", "gamma ", "delta"];
    upstream.plan({ pieces, failAfter: 2, delayMs: 20 });
    const broken = await openai.chat.completions.create({ model, messages: [{ role: "user", content: "first" }], stream: true });
    const failed = await (async () => {
      for await (const _chunk of broken);
    })().catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(Error);
    expect(s.attestations).toHaveLength(0);
    // The next request goes with the same voucher (request 0, one price): served, attested, nothing more charged.
    upstream.plan({ pieces });
    const stream = await openai.chat.completions.create({ model, messages: [{ role: "user", content: "second" }], stream: true });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
    expect(text).toBe(pieces.join(""));
    expect(s.attestations).toHaveLength(1);
    expect(s.attestations[0]!.requestIndex).toBe(0n);
    expect(s.attestations[0]!.prompt).toBe("second");
    expect(s.latestVoucher()).toMatchObject({ requestCount: 1n, cumulativeAmount: PRICE });
    expect(s.charged()).toBe(PRICE);
  });
});
