/**
 * The session server's fast path (provider/src/sessions/crypto.ts, the journal's group commit): the
 * digests it computes are the contract's, its signer recovery (libsecp256k1, and noble where the
 * native binding does not load) agrees with viem and refuses what the contract would refuse to settle,
 * and the journal's group commit keeps each write's compare-and-set while sharing one fsync.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { network } from "hardhat";
import { hashTypedData, hexToBytes, keccak256, recoverTypedDataAddress, toHex, type Hex, type LocalAccount } from "viem";
import { generatePrivateKey, privateKeyToAccount, toAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createInProcessNode, DPI, registerBuiltinModel, deployProtocol, setUpNodeProvider, USDC, type Connection, type Protocol, type Wallet } from "../../scripts/lib/harness.js";
import { openTestSession } from "../../scripts/lib/sessionsHarness.js";
import { createSessionClient, formatVoucher, sessionAttestationTypes, SessionPricing, sessionsDomain, SESSION_HEADER, VOUCHER_HEADER, voucherTypes } from "../../sdk/src/index.js";
import { createLogger, SessionJournal } from "../../provider/src/index.js";
import { resolveSigner } from "../../provider/src/config.js";
import { nativeSecp256k1, recoverSigner, sessionDigests, signDigest } from "../../provider/src/sessions/crypto.js";

/** The secp256k1 group order. */
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const NODE_PORT = 19505;

/** The malleated twin of a signature: (r, n − s) with the other recovery bit. Recovers to the same key; OpenZeppelin refuses it. */
function highS(signature: Hex): Hex {
  const r = signature.slice(2, 66);
  const s = BigInt(`0x${signature.slice(66, 130)}`);
  const v = Number.parseInt(signature.slice(130, 132), 16);
  return `0x${r}${(N - s).toString(16).padStart(64, "0")}${(v === 27 ? 28 : 27).toString(16)}`;
}
/** The same signature with `v` as a y-parity (0 or 1): viem recovers it, the contract does not. */
const yParityForm = (signature: Hex): Hex => `${signature.slice(0, 130)}${(Number.parseInt(signature.slice(130, 132), 16) - 27).toString(16).padStart(2, "0")}` as Hex;

describe("session server: digests and signer recovery", () => {
  let connection: Connection;
  let p: Protocol;
  let chainId: number;

  beforeAll(async () => {
    connection = (await network.create()) as Connection;
    p = await deployProtocol(connection);
    chainId = await (await connection.viem.getPublicClient()).getChainId();
  });

  it("computes the contract's voucher and attestation digests, for edge values too", async () => {
    const digests = sessionDigests(chainId, p.sessions.address);
    const domain = sessionsDomain(chainId, p.sessions.address);
    for (const [amount, count] of [
      [0n, 0n],
      [1n, 1n],
      [123_456_789n, 42n],
      [2n ** 96n - 1n, 2n ** 32n - 1n],
      [2n ** 256n - 1n, 2n ** 64n - 1n],
    ] as const) {
      const sessionId = keccak256(toHex(`s${amount}`));
      const message = { sessionId, cumulativeAmount: amount, requestCount: count };
      const digest = toHex(digests.voucher(message));
      expect(digest).toBe(hashTypedData({ domain, types: voucherTypes, primaryType: "Voucher", message }));
      if (amount < 2n ** 96n) expect(digest).toBe(await p.sessions.read.voucherDigest([sessionId, amount, count] as never));
      const attestation = { sessionId, requestIndex: count, model: keccak256(toHex("m")), inputHash: keccak256(toHex("in")), outputHash: keccak256(toHex("out")) };
      const a = toHex(digests.attestation(attestation));
      expect(a).toBe(hashTypedData({ domain, types: sessionAttestationTypes, primaryType: "Attestation", message: attestation }));
      if (count < 2n ** 32n)
        expect(a).toBe(await p.sessions.read.attestationDigest([attestation.sessionId, attestation.requestIndex, attestation.model, attestation.inputHash, attestation.outputHash] as never));
    }
    // Another deployment or chain: another digest.
    const message = { sessionId: keccak256(toHex("x")), cumulativeAmount: 1n, requestCount: 1n };
    expect(toHex(sessionDigests(chainId + 1, p.sessions.address).voucher(message))).not.toBe(toHex(digests.voucher(message)));
    expect(() => digests.voucher({ ...message, requestCount: 2n ** 64n })).toThrow(/out of range/);
  });

  it("recovers the signer like viem, natively and with noble, and refuses what the contract refuses", async () => {
    expect(nativeSecp256k1, "the secp256k1 native binding should load on this machine").toBeDefined();
    const domain = sessionsDomain(chainId, p.sessions.address);
    const digests = sessionDigests(chainId, p.sessions.address);
    for (let i = 0; i < 8; i++) {
      const key = privateKeyToAccount(generatePrivateKey());
      const message = { sessionId: keccak256(toHex(`r${i}`)), cumulativeAmount: BigInt(i * 1000 + 1), requestCount: BigInt(i + 1) };
      const signature = await key.signTypedData({ domain, types: voucherTypes, primaryType: "Voucher", message });
      const digest = digests.voucher(message);
      for (const native of [nativeSecp256k1, undefined]) {
        expect((await recoverSigner(digest, signature, native))?.toLowerCase()).toBe(key.address.toLowerCase());
        // viem accepts both of these; the contract (OpenZeppelin's ECDSA) refuses them, so the node must too.
        expect((await recoverTypedDataAddress({ domain, types: voucherTypes, primaryType: "Voucher", message, signature: highS(signature) })).toLowerCase()).toBe(key.address.toLowerCase());
        expect(await recoverSigner(digest, highS(signature), native)).toBeUndefined();
        expect(await recoverSigner(digest, yParityForm(signature), native)).toBeUndefined();
        // Another message: another (or no) signer.
        expect((await recoverSigner(digests.voucher({ ...message, requestCount: message.requestCount + 1n }), signature, native))?.toLowerCase()).not.toBe(key.address.toLowerCase());
        expect(await recoverSigner(digest, `0x${"00".repeat(64)}1b`, native)).toBeUndefined();
        expect(await recoverSigner(digest, `0x${"ff".repeat(64)}1b`, native)).toBeUndefined();
        expect(await recoverSigner(digest, signature.slice(0, 128) as Hex, native)).toBeUndefined();
      }
    }
  });
});

describe("session server: native attestation signing", () => {
  it("signs a digest byte for byte as viem does (RFC 6979, low-s), through the config's signer", async () => {
    expect(nativeSecp256k1).toBeDefined();
    for (let i = 0; i < 16; i++) {
      const key = generatePrivateKey();
      const account = await resolveSigner({ signer: { env: "K" } }, { K: key });
      const plain = privateKeyToAccount(key);
      const digest = hexToBytes(keccak256(toHex(`digest ${i}`)));
      const signature = await signDigest(account as LocalAccount, digest);
      expect(signature).toBe(await plain.sign({ hash: toHex(digest) }));
      expect(await signDigest(plain, digest)).toBe(signature); // the noble path, for an account without the native signer
    }
    // The key never shows in what is logged or serialized.
    const key = generatePrivateKey();
    const account = await resolveSigner({ signer: { env: "K" } }, { K: key });
    expect(JSON.stringify(account)).not.toContain(key.slice(2));
    expect(Object.keys(account).join()).not.toMatch(/native/i);
  });
});

describe("session server: malleable vouchers, through a running node", () => {
  let connection: Connection;
  let p: Protocol;
  let deployer: Wallet;
  let node: Awaited<ReturnType<typeof createInProcessNode>>;
  let dataDir: string;
  const PRICE = USDC / 1000n;

  beforeAll(async () => {
    connection = (await network.create()) as Connection;
    [deployer] = (await connection.viem.getWalletClients()) as Wallet[];
    p = await deployProtocol(connection);
  });
  afterAll(async () => {
    await node?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("refuses a high-s or y-parity voucher with 402 signature_invalid (the contract would never settle it), and serves the canonical one", async () => {
    const publicClient = await connection.viem.getPublicClient();
    const model = await registerBuiltinModel(connection, p);
    const stake = 10_000n * DPI;
    const provider = await setUpNodeProvider(connection, p, deployer!, { model, price: PRICE, stake });
    await p.market.write.setModuleAllowance([p.sessions.address, stake], { account: privateKeyToAccount(provider.privateKey) as never });
    dataDir = mkdtempSync(path.join(tmpdir(), "depinfer-sessfast-"));
    node = await createInProcessNode(connection, p.market.address, {
      privateKey: provider.privateKey,
      model,
      token: p.usdc.address,
      price: PRICE,
      dataDir,
      config: { startBlock: Number(await publicClient.getBlockNumber()), pollingIntervalMs: 1000, outputServer: { host: "127.0.0.1", port: NODE_PORT }, sessions: { address: p.sessions.address, settleThreshold: (10n ** 12n).toString() } },
      logger: createLogger({ level: "silent" }),
    });
    await node.start();
    const key = privateKeyToAccount(generatePrivateKey());
    const { sessionId, terms } = await openTestSession(connection, p, deployer!, { provider: provider.address, model, amount: 100n * PRICE, maxPrice: PRICE, pricing: SessionPricing.PerRequest, signer: key.address });
    const domain = sessionsDomain(chainId(), p.sessions.address);
    function chainId() {
      return publicClient.chain!.id;
    }
    const ask = (voucher: { cumulativeAmount: bigint; requestCount: bigint; signature: Hex }) =>
      fetch(`${node.outputUrl}/v1/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", [SESSION_HEADER]: sessionId, [VOUCHER_HEADER]: formatVoucher(voucher) },
        body: JSON.stringify({ model, prompt: "The river" }),
      });
    const message = { sessionId, cumulativeAmount: PRICE, requestCount: 1n };
    const signature = await key.signTypedData({ domain, types: voucherTypes, primaryType: "Voucher", message });
    for (const bad of [highS(signature), yParityForm(signature)]) {
      const refused = await ask({ ...message, signature: bad });
      expect(refused.status).toBe(402);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("signature_invalid");
      // Why it matters: the contract refuses to settle it, so serving it would be work for nothing.
      await expect(p.sessions.simulate.settle([terms, message.cumulativeAmount, message.requestCount, bad] as never, { account: provider.address })).rejects.toThrow();
    }
    const served = await ask({ ...message, signature });
    expect(served.status).toBe(200);
    expect(((await served.json()) as { choices: { text: string }[] }).choices[0]!.text.length).toBeGreaterThan(0);
    await p.sessions.simulate.settle([terms, message.cumulativeAmount, message.requestCount, signature] as never, { account: provider.address });

    // The SDK's session client signs digests with a key account, and typed data with any other
    // account (here one that only signs typed data): both are served and attested.
    const typedOnly = toAccount({
      address: key.address,
      signMessage: () => Promise.reject(new Error("unused")),
      signTransaction: () => Promise.reject(new Error("unused")),
      signTypedData: (typed) => key.signTypedData(typed as never),
    });
    let resume = { cumulativeAmount: PRICE, requestCount: 1n };
    for (const account of [key, typedOnly]) {
      const session = createSessionClient({ sessionId, account, chainId: chainId(), sessions: p.sessions.address, providerSigner: provider.address, model, pricing: "request", price: PRICE, cap: 100n * PRICE, resume });
      const answer = await session.fetch(`${node.outputUrl}/v1/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model, prompt: "The old ship" }) });
      expect(answer.status).toBe(200);
      await answer.text();
      expect(session.attestations).toHaveLength(1);
      resume = { cumulativeAmount: session.latestVoucher()!.cumulativeAmount, requestCount: session.latestVoucher()!.requestCount };
    }
    expect(resume.requestCount).toBe(3n);
  });
});

describe("session journal: group commit", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "depinfer-sessfast-journal-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("writes the accepts and answers queued in one turn in one transaction, each with its own compare-and-set, and on disk when they resolve", async () => {
    const journal = new SessionJournal(dir);
    const a = keccak256(toHex("a"));
    const b = keccak256(toHex("b"));
    const sig = (n: number) => `0x${n.toString(16).padStart(130, "0")}` as Hex;
    const voucher = (count: bigint) => ({ amount: count * 10n, count, signature: sig(Number(count)) });
    const first = await Promise.all([
      journal.accept(a, voucher(1n), 10n, 10n, 1e9),
      journal.accept(a, voucher(2n), 20n, 10n, 1e9),
      journal.accept(a, voucher(2n), 20n, 10n, 1e9), // the same count again: loses the compare-and-set
      journal.accept(a, voucher(1n), 20n, 10n, 1e9), // lower: loses too
      journal.accept(b, voucher(5n), 50n, 10n, 1e9),
    ]);
    expect(first).toEqual([true, true, false, false, true]);
    expect(journal.commits).toEqual({ transactions: 1, writes: 5 });
    const attestation = { inputHash: keccak256(toHex("i")), outputHash: keccak256(toHex("o")), signature: sig(99) };
    const answered = await Promise.all([
      journal.answer(a, 1n, attestation, { output: "out", finish: "stop" }, 20n),
      journal.answer(a, 1n, { ...attestation, signature: sig(98) }, { output: "other", finish: "stop" }, 20n), // never a second attestation for an index
      journal.answer(a, 7n, attestation, { output: "out", finish: "stop" }, 20n), // no such request
      journal.accept(a, voucher(3n), 30n, 10n, 1e9),
    ]);
    expect(answered).toEqual([true, false, false, true]);
    expect(journal.commits).toEqual({ transactions: 2, writes: 9 });
    journal.close();
    // What resolved is what a restart reads.
    const reopened = new SessionJournal(dir);
    expect(reopened.session(a)).toMatchObject({ amount: 30n, count: 3n, charged: 30n });
    expect(reopened.session(b)).toMatchObject({ amount: 50n, count: 5n });
    expect(reopened.request(a, 1n)).toMatchObject({ signature: sig(99), output: "out" });
    expect(reopened.request(a, 2n)).toMatchObject({ voucherAmount: 30n });
    expect(reopened.attestations(a)).toHaveLength(1);
    reopened.close();
    await expect(reopened.accept(a, voucher(4n), 40n, 10n, 1e9)).rejects.toThrow(/closed/);
  });
});
