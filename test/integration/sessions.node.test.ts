// Payment sessions end to end: the provider node as a real process (`depinfer-provider`) on an anvil
// chain with the PaymentSessions module, and the official `openai` client whose `fetch` is the SDK's
// session client. Covers the paid endpoint (plain and streamed, chat and completions), every 402,
// the budget cap (also against a provider that asks for more), per-token billing stopping a stream,
// settlement, and SIGKILL right after a voucher and after an attestation is journaled.
import type { ChildProcess } from "node:child_process";
import { createServer } from "node:http";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { network } from "hardhat";
import OpenAI from "openai";
import { keccak256, toHex, type Address, type Hex, type LocalAccount } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { deployProtocol, registerBuiltinModel, setUpProvider, until, type Connection, type Protocol, type Wallet } from "../../scripts/lib/harness.js";
import { openTestSession, setUpSessionProvider } from "../../scripts/lib/sessionsHarness.js";
import depinferModule from "../../scripts/deploy/Depinfer.js";
import {
  createSessionClient,
  formatVoucher,
  SessionBudgetExceededError,
  SessionPaymentRequiredError,
  SessionPricing,
  sessionsDomain,
  voucherTypes,
  type PaymentRequiredBody,
} from "../../sdk/src/index.js";
import { runBuiltinModel, SessionJournal, type ProviderNodeStep } from "../../provider/src/index.js";
import { startAnvil, type AnvilHandle } from "../utils/anvil.js";
import { startProviderNode, type ProviderNodeProcess } from "../utils/providerCli.js";

const ANVIL_PORT = 18900;
const NODE_PORT = 18901;
const HOSTILE_PORT = 18902;
const NET = "anvilSessions";
const PRICE = 10_000n; // 0.01 USDC per request
// anvil's well-known development key #1 (wallets[1]): the provider, run by the node process.
const PROVIDER_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d" as const;
const root = path.resolve(import.meta.dirname, "../..");
const deploymentId = `anvil-sessions-${process.pid}-${Date.now()}`;
const baseURL = `http://127.0.0.1:${NODE_PORT}/v1`;

describe("payment sessions: the node's paid OpenAI-compatible endpoint, with the openai client", () => {
  let anvil: AnvilHandle;
  let connection: Connection;
  let p: Protocol;
  let chainId: number;
  let model: Hex;
  let provider: Wallet, client: Wallet, other: Wallet;
  let dir: string;
  let node: ProviderNodeProcess | undefined;
  const running = new Set<ChildProcess>();

  const configFile = (settle: { settleThreshold?: string; settleIntervalSeconds?: number } = {}) => {
    const file = path.join(dir, "provider.json");
    writeFileSync(
      file,
      JSON.stringify({
        rpcUrl: anvil.url,
        chainId,
        market: p.market.address,
        dataDir: "data",
        signer: { env: "DEPINFER_NODE_KEY" },
        models: [{ model, backend: { type: "builtin" }, price: PRICE.toString(), token: p.usdc.address }],
        pollingIntervalMs: 200,
        outputServer: { host: "127.0.0.1", port: NODE_PORT },
        sessions: { address: p.sessions.address, settleThreshold: settle.settleThreshold ?? "1000000000000", settleIntervalSeconds: settle.settleIntervalSeconds ?? 3600 },
        startBlock: 0,
      }),
    );
    return file;
  };

  async function startNode(options: { crashAt?: ProviderNodeStep; crashCount?: number; settleThreshold?: string; settleIntervalSeconds?: number } = {}) {
    const started = startProviderNode(["--config", configFile(options), "--log-level", "debug"], {
      DEPINFER_NODE_KEY: PROVIDER_KEY,
      ...(options.crashAt && { DEPINFER_NODE_CRASH_AT: options.crashAt, DEPINFER_NODE_CRASH_COUNT: String(options.crashCount ?? 1) }),
    });
    running.add(started.child);
    void started.exited.then(() => running.delete(started.child));
    await until("the node serves sessions", () => started.lines.some((l) => l.includes('"output server listening"')) || started.child.exitCode !== null, {
      timeoutMs: 60_000,
      detail: () => started.lines.slice(-20).join("\n"),
    });
    expect(started.child.exitCode, started.lines.join("\n")).toBe(null);
    node = started;
    return started;
  }

  async function stopNode() {
    if (!node) return;
    if (node.child.exitCode === null && node.child.signalCode === null) process.kill(-node.child.pid!, "SIGTERM");
    await node.exited;
    node = undefined;
  }

  /** Opens a session whose vouchers `key` signs (as its session key); returns a session client for it. */
  async function session(options: { amount?: bigint; pricing?: SessionPricing; maxPrice?: bigint; cap?: bigint; maxPerRequest?: bigint; key?: LocalAccount; provider?: Address } = {}) {
    const key = options.key ?? privateKeyToAccount(generatePrivateKey());
    const pricing = options.pricing ?? SessionPricing.PerRequest;
    const maxPrice = options.maxPrice ?? PRICE;
    const { sessionId, terms } = await openTestSession(connection, p, client, {
      provider: options.provider ?? provider.account.address,
      model,
      amount: options.amount ?? 100n * PRICE,
      maxPrice,
      pricing,
      signer: key.address,
    });
    const s = createSessionClient({
      sessionId,
      account: key,
      chainId,
      sessions: p.sessions.address,
      providerSigner: provider.account.address,
      model,
      pricing: pricing === SessionPricing.PerRequest ? "request" : "1k-tokens",
      price: maxPrice,
      cap: options.cap ?? 100n * PRICE,
      maxPerRequest: options.maxPerRequest,
    });
    return { sessionId, terms, key, s, openai: new OpenAI({ baseURL, apiKey: "unused", fetch: s.fetch, maxRetries: 0 }) };
  }

  /** Signs a voucher with `key` for `sessionId`, under this chain and contract unless told otherwise. */
  const voucher = async (key: LocalAccount, sessionId: Hex, cumulativeAmount: bigint, requestCount: bigint, verifyingContract: Address = p.sessions.address) =>
    formatVoucher({
      cumulativeAmount,
      requestCount,
      signature: await key.signTypedData({ domain: sessionsDomain(chainId, verifyingContract), types: voucherTypes, primaryType: "Voucher", message: { sessionId, cumulativeAmount, requestCount } }),
    });

  /** A raw request to the paid endpoint; returns its status and JSON body. */
  async function raw(headers: Record<string, string>, body: unknown = { model, messages: [{ role: "user", content: "the provider" }] }) {
    const response = await fetch(`${baseURL}/chat/completions`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as PaymentRequiredBody & { choices?: { message: { content: string } }[] }, headers: response.headers };
  }

  const expected = (prompt: string) => new TextDecoder().decode(runBuiltinModel(new TextEncoder().encode(prompt)));

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "depinfer-sessions-"));
    anvil = await startAnvil(ANVIL_PORT);
    connection = (await network.connect({ network: NET })) as Connection;
    p = await deployProtocol(connection, depinferModule, { deploymentId });
    const publicClient = await connection.viem.getPublicClient();
    chainId = await publicClient.getChainId();
    const wallets = await connection.viem.getWalletClients();
    [, provider, client, other] = wallets as [Wallet, Wallet, Wallet, Wallet];
    expect(privateKeyToAccount(PROVIDER_KEY).address.toLowerCase()).toBe(provider.account.address.toLowerCase());
    model = await registerBuiltinModel(connection, p);
    await setUpSessionProvider(p, wallets[0]!, provider, provider.account.address, model, { price: PRICE });
    await setUpProvider(p, wallets[0]!, other, other.account.address, model, PRICE, 10_000n * 10n ** 18n);
    await startNode();
  }, 240_000);

  afterAll(async () => {
    for (const child of running) process.kill(-child.pid!, "SIGKILL");
    await anvil?.stop();
    rmSync(path.join(root, "ignition", "deployments", deploymentId), { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  it("answers the openai client (chat and completions), each answer attested and paid by one voucher", async () => {
    const { s, openai } = await session();
    const chat = await openai.chat.completions.create({ model, messages: [{ role: "user", content: "The provider" }] });
    expect(chat.choices[0]!.message.content).toBe(expected("The provider"));
    const completion = await openai.completions.create({ model, prompt: "A job" });
    expect(completion.choices[0]!.text).toBe(expected("A job"));
    expect(s.attestations.map((a) => a.requestIndex)).toEqual([0n, 1n]);
    expect(s.latestVoucher()).toMatchObject({ cumulativeAmount: 2n * PRICE, requestCount: 2n });
    expect(s.charged()).toBe(2n * PRICE);
  });

  it("streams to the openai client: every token as a chunk, the attestation checked at the end", async () => {
    const { s, openai } = await session();
    const stream = await openai.chat.completions.create({ model, messages: [{ role: "user", content: "Stake" }], stream: true, stream_options: { include_usage: true } });
    let text = "";
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.delta?.content ?? "";
    }
    expect(text).toBe(expected("Stake"));
    expect(chunks).toBeGreaterThan([...text].length); // one per token, plus the role, the finish and the usage
    expect(s.attestations).toHaveLength(1);
    expect(s.attestations[0]!.output).toBe(text);
  });

  it("answers 402 before computing, saying what is wrong and what the next voucher must be", async () => {
    const { sessionId, key } = await session({ amount: 3n * PRICE });
    const header = (v: string) => ({ "x-depinfer-session": sessionId, "x-depinfer-voucher": v });
    // No voucher, a malformed one.
    expect((await raw({})).body.error.code).toBe("voucher_missing");
    expect((await raw(header("cumulativeAmount=1; requestCount=1; signature=0x12"))).body.error.code).toBe("voucher_malformed");
    // Signed by a stranger, or for another deployment (a replay from elsewhere).
    const stranger = privateKeyToAccount(generatePrivateKey());
    let r = await raw(header(await voucher(stranger, sessionId, PRICE, 1n)));
    expect([r.status, r.body.error.code]).toEqual([402, "signature_invalid"]);
    r = await raw(header(await voucher(key, sessionId, PRICE, 1n, p.market.address)));
    expect(r.body.error.code).toBe("signature_invalid");
    // Too low: the next voucher must pay the price.
    r = await raw(header(await voucher(key, sessionId, PRICE - 1n, 1n)));
    expect(r.body.error).toMatchObject({ code: "voucher_too_low", next: { cumulativeAmount: PRICE.toString(), requestCount: "1" } });
    // Above the per-request price the contract would settle.
    r = await raw(header(await voucher(key, sessionId, 2n * PRICE, 1n)));
    expect(r.body.error.code).toBe("voucher_above_price");
    // Accepted; then the same voucher for another prompt, and a stale one, are refused.
    const first = await voucher(key, sessionId, PRICE, 1n);
    r = await raw(header(first));
    expect(r.status).toBe(200);
    r = await raw(header(first), { model, messages: [{ role: "user", content: "another" }] });
    expect(r.body.error).toMatchObject({ code: "voucher_not_increasing", next: { cumulativeAmount: (2n * PRICE).toString(), requestCount: "2" } });
    // The same voucher for the same prompt (a retry) gets the same answer, and no second attestation.
    const again = await raw(header(first));
    expect(again.status).toBe(200);
    expect(again.headers.get("x-depinfer-attestation")).toBe(r.headers.get("x-depinfer-attestation") ?? again.headers.get("x-depinfer-attestation"));
    // Above the escrow (3 × PRICE): refused with escrow_exhausted.
    expect((await raw(header(await voucher(key, sessionId, 2n * PRICE, 2n)))).status).toBe(200);
    expect((await raw(header(await voucher(key, sessionId, 3n * PRICE, 3n)))).status).toBe(200);
    r = await raw(header(await voucher(key, sessionId, 4n * PRICE, 4n)));
    expect(r.body.error).toMatchObject({ code: "escrow_exhausted", session: { escrow: (3n * PRICE).toString(), acceptedCount: "3" } });
    // An unknown session; a session with another provider.
    r = await raw({ "x-depinfer-session": keccak256(toHex("nope")), "x-depinfer-voucher": await voucher(key, keccak256(toHex("nope")), PRICE, 1n) });
    expect(r.body.error.code).toBe("session_unknown");
    const elsewhere = await session({ provider: other.account.address });
    r = await raw({ "x-depinfer-session": elsewhere.sessionId, "x-depinfer-voucher": await voucher(elsewhere.key, elsewhere.sessionId, PRICE, 1n) });
    expect(r.body.error.code).toBe("session_wrong_provider");
    // Another model than the session's.
    const fresh = await session();
    r = await raw({ "x-depinfer-session": fresh.sessionId, "x-depinfer-voucher": await voucher(fresh.key, fresh.sessionId, PRICE, 1n) }, { model: keccak256(toHex("m")), messages: [{ role: "user", content: "x" }] });
    expect(r.body.error.code).toBe("session_wrong_model");
  });

  it("never signs past the cap: the client stops itself, and a provider asking for more gets nothing", async () => {
    const { s, openai } = await session({ cap: 2n * PRICE });
    await openai.chat.completions.create({ model, messages: [{ role: "user", content: "one" }] });
    await openai.chat.completions.create({ model, messages: [{ role: "user", content: "two" }] });
    const third = await openai.chat.completions.create({ model, messages: [{ role: "user", content: "three" }] }).catch((e: unknown) => e);
    expect((third as { cause?: unknown }).cause).toBeInstanceOf(SessionBudgetExceededError);
    expect(s.latestVoucher()?.cumulativeAmount).toBe(2n * PRICE);

    // A hostile provider that always asks for a huge voucher.
    let asked = 0;
    const hostile = createServer((request, response) => {
      asked++;
      request.resume();
      response.writeHead(402, { "content-type": "application/json" });
      response.end(JSON.stringify({ error: { message: "pay more", type: "payment_required", code: "voucher_too_low", next: { cumulativeAmount: (10n ** 30n).toString(), requestCount: "1" } } }));
    });
    await new Promise<void>((resolve) => hostile.listen(HOSTILE_PORT, "127.0.0.1", resolve));
    try {
      const victim = createSessionClient({ sessionId: keccak256(toHex("v")), account: privateKeyToAccount(generatePrivateKey()), chainId, sessions: p.sessions.address, providerSigner: provider.account.address, model, pricing: "request", price: PRICE, cap: 5n * PRICE });
      const greedy = new OpenAI({ baseURL: `http://127.0.0.1:${HOSTILE_PORT}/v1`, apiKey: "unused", fetch: victim.fetch, maxRetries: 0 });
      const error = await greedy.chat.completions.create({ model, messages: [{ role: "user", content: "x" }] }).catch((e: unknown) => e);
      expect((error as { cause?: unknown }).cause).toBeInstanceOf(SessionBudgetExceededError);
      expect(((error as { cause: SessionBudgetExceededError }).cause).askedBy).toBe("provider");
      expect(asked).toBe(1);
      expect(victim.latestVoucher()?.cumulativeAmount).toBe(PRICE);
    } finally {
      hostile.close();
    }
  });

  it("bills per token: the stream stops where the voucher runs out, and the rest is credited to the next request", async () => {
    // 1,000 units per 1,000 tokens: 1 unit a token. Each request may add 20 units: "hello" is 5 tokens, so 15 are streamed.
    const { s, openai } = await session({ pricing: SessionPricing.PerThousandTokens, maxPrice: 1000n, maxPerRequest: 20n, cap: 1000n });
    const stream = await openai.chat.completions.create({ model, messages: [{ role: "user", content: "hello" }], stream: true });
    let text = "";
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect([...text]).toHaveLength(15);
    expect(text).toBe([...expected("hello")].slice(0, 15).join(""));
    expect(finish).toBe("length");
    expect(s.charged()).toBe(20n);
    expect(s.attestations[0]!.output).toBe(text);
    // A short answer leaves credit: 2 tokens of prompt and a full answer under 20 units is not possible, so ask for 3 tokens.
    const short = await openai.completions.create({ model, prompt: "hi", max_tokens: 3 });
    expect([...short.choices[0]!.text]).toHaveLength(3);
    expect(s.charged()).toBe(25n); // 20 + 2 prompt + 3 completion
    expect(s.latestVoucher()?.cumulativeAmount).toBe(40n); // the credit left (15) stays for the next request
  });

  it("settles the latest voucher on-chain once its value reaches the threshold", async () => {
    await stopNode();
    await startNode({ settleThreshold: (3n * PRICE).toString() });
    const { terms, s, openai } = await session();
    for (const prompt of ["a", "b", "c"]) await openai.chat.completions.create({ model, messages: [{ role: "user", content: prompt }] });
    await until("the session is settled", async () => (await p.sessions.read.session([terms])).settled === 3n * PRICE, { timeoutMs: 30_000, intervalMs: 100, detail: () => node!.lines.slice(-20).join("\n") });
    expect((await p.sessions.read.session([terms])).settledRequests).toBe(3);
    expect(s.latestVoucher()?.requestCount).toBe(3n);
  });

  it("after the session's expiry, settles the last voucher and closes the session in one transaction (settleAndClose): the client gets its unspent escrow back without a reclaim", async () => {
    await stopNode();
    await startNode(); // threshold and interval far off: only the expiry makes the settlement due
    const { sessionId, terms, openai } = await session();
    for (const prompt of ["x", "y"]) await openai.chat.completions.create({ model, messages: [{ role: "user", content: prompt }] });
    // Past the expiry (86,400 s after the opening), well inside the day of grace for settlements.
    await connection.provider.request({ method: "evm_increaseTime", params: [86_400 + 60] });
    await connection.provider.request({ method: "evm_mine", params: [] });
    await until("the session is settled and closed", async () => (await p.sessions.read.session([terms])).status === 2, { timeoutMs: 30_000, intervalMs: 100, detail: () => node!.lines.slice(-20).join("\n") });
    const state = await p.sessions.read.session([terms]);
    expect([state.settled, state.settledRequests]).toEqual([2n * PRICE, 2]);
    // Closed by the provider's settlement, the unspent 98 requests' worth sent to the client in that transaction
    // (the earlier tests' sessions of the same client, expired too, are closed the same way).
    const [closed] = await p.sessions.getEvents.SessionClosed({ sessionId }, { fromBlock: 0n });
    expect([closed!.args.by!.toLowerCase(), closed!.args.refund]).toEqual([provider.account.address.toLowerCase(), 98n * PRICE]);
    const [settled] = await p.sessions.getEvents.SessionSettled({ sessionId }, { fromBlock: 0n });
    expect(settled!.transactionHash).toBe(closed!.transactionHash);
    const transfers = await p.usdc.getEvents.Transfer({ from: p.sessions.address, to: client.account.address }, { blockHash: closed!.blockHash });
    expect(transfers.map((t) => t.args.value)).toContain(98n * PRICE);
    expect(node!.lines.some((l) => l.includes('"session settled and closed"'))).toBe(true);
  });

  it("SIGKILLed right after a voucher, then after an attestation, is journaled: no value lost, no second attestation, the newest voucher settled", async () => {
    const { sessionId, terms, s, openai } = await session();
    const ask = (prompt: string) => openai.chat.completions.create({ model, messages: [{ role: "user", content: prompt }] });
    await stopNode();
    await startNode({ crashAt: "voucher-journaled", crashCount: 2 });
    await ask("one");
    expect(await ask("two").catch((e: unknown) => e)).toBeInstanceOf(Error); // killed before answering
    await node!.exited;
    await startNode({ crashAt: "attestation-journaled" });
    // The client sends the unanswered voucher again: served now (request 1), then killed after its attestation.
    expect(await ask("two").catch((e: unknown) => e)).toBeInstanceOf(Error);
    await node!.exited;
    const journal = new SessionJournal(path.join(dir, "data"));
    const signedBefore = journal.request(sessionId, 1n)!.signature;
    expect(journal.session(sessionId)).toMatchObject({ amount: 2n * PRICE, count: 2n });
    journal.close();
    expect(signedBefore).toBeDefined();
    await startNode({ settleIntervalSeconds: 1, settleThreshold: (3n * PRICE).toString() });
    // Sent again, it gets the very answer recorded (the same attestation), then the session goes on.
    const two = await ask("two");
    expect(two.choices[0]!.message.content).toBe(expected("two"));
    expect(s.attestations.at(-1)!.signature).toBe(signedBefore);
    await ask("three");
    expect(s.attestations.map((a) => a.requestIndex)).toEqual([0n, 1n, 2n]);
    await until("the newest voucher is settled", async () => (await p.sessions.read.session([terms])).settled === 3n * PRICE, { timeoutMs: 30_000, intervalMs: 100, detail: () => node!.lines.slice(-20).join("\n") });
    expect((await p.sessions.read.session([terms])).settledRequests).toBe(3);
  });

  it("refuses a session the client can no longer be charged on: expired", async () => {
    const { sessionId, key } = await session();
    await connection.provider.request({ method: "evm_increaseTime", params: [2 * 86_400] });
    await connection.provider.request({ method: "evm_mine", params: [] });
    await stopNode();
    await startNode();
    const r = await raw({ "x-depinfer-session": sessionId, "x-depinfer-voucher": await voucher(key, sessionId, PRICE, 1n) });
    expect([r.status, r.body.error.code]).toEqual([402, "session_expired"]);
    const error = await createSessionClient({ sessionId, account: key, chainId, sessions: p.sessions.address, providerSigner: provider.account.address, model, pricing: "request", price: PRICE, cap: PRICE })
      .fetch(`${baseURL}/chat/completions`, { method: "POST", body: JSON.stringify({ model, messages: [{ role: "user", content: "x" }] }) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SessionPaymentRequiredError);
  });
});
