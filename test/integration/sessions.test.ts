import { network } from "hardhat";
import { getAddress, hashTypedData, keccak256, toHex, type Hex } from "viem";
import { beforeAll, describe, expect, it } from "vitest";

import { deployProtocol, DPI, registerModel, type Connection, type Protocol, type Wallet } from "../../scripts/lib/harness.js";
import { setUpSessionProvider } from "../../scripts/lib/sessionsHarness.js";
import {
  claimSessionFunds,
  closeSession,
  disputeSessionRequest,
  getSession,
  getSessionTerms,
  lockSessionCollateral,
  openSessionSync,
  SessionCollateralNotIdleError,
  sessionIdOf,
  SessionUnknownError,
  unlockSessionCollateral,
  reclaimSession,
  releaseSession,
  reportSessionEquivocation,
  SESSION_SETTLEMENT_GRACE,
  SessionAttestationWrongSignerError,
  sessionAttestationTypes,
  SessionDisputeByProviderError,
  SessionIsClosedError,
  SessionReclaimTooEarlyError,
  sessionsDomain,
  settleSession,
  settleSessionSync,
  SessionStatus,
  SessionVoucherAboveEscrowError,
  SessionVoucherNotIncreasingError,
  SessionVoucherWrongSignerError,
  topUpSession,
  voucherTypes,
} from "../../sdk/src/index.js";

/** The SDK's session actions against the production deployment on an in-process chain. */
describe("payment sessions through the SDK", () => {
  let connection: Connection;
  let p: Protocol;
  let deployer: Wallet, provider: Wallet, signer: Wallet, client: Wallet, stranger: Wallet;
  let model: Hex;
  let chainId: number;
  const PRICE = 10_000n; // 0.01 USDC per request

  beforeAll(async () => {
    connection = (await network.create()) as Connection;
    [deployer, provider, signer, client, stranger] = await connection.viem.getWalletClients();
    p = await deployProtocol(connection);
    model = await registerModel(p, deployer, "sess-model");
    await setUpSessionProvider(p, deployer, provider, signer.account.address, model, { price: PRICE });
    chainId = await (await connection.viem.getPublicClient()).getChainId();
    await p.usdc.write.mint([client.account.address, 1_000_000_000n]);
    await p.usdc.write.mint([stranger.account.address, 1_000_000_000n]);
  });

  const now = async () => (await (await connection.viem.getPublicClient()).getBlock()).timestamp;
  const advance = async (seconds: bigint) => {
    await connection.provider.request({ method: "evm_increaseTime", params: [Number(seconds)] });
    await connection.provider.request({ method: "evm_mine", params: [] });
  };
  const voucher = (sessionId: Hex, cumulativeAmount: bigint, requestCount: bigint, w: Wallet = client) =>
    w.signTypedData({
      account: w.account,
      domain: sessionsDomain(chainId, p.sessions.address),
      types: voucherTypes,
      primaryType: "Voucher",
      message: { sessionId, cumulativeAmount, requestCount },
    });
  const attest = (sessionId: Hex, requestIndex: bigint, inputHash: Hex, outputHash: Hex) =>
    signer.signTypedData({
      account: signer.account,
      domain: sessionsDomain(chainId, p.sessions.address),
      types: sessionAttestationTypes,
      primaryType: "Attestation",
      message: { sessionId, requestIndex, model, inputHash, outputHash },
    });
  const open = async (amount = 1_000_000n) =>
    openSessionSync(client, {
      sessions: p.sessions.address,
      provider: provider.account.address,
      token: p.usdc.address,
      model,
      maxPrice: PRICE,
      amount,
      expiry: (await now()) + 86_400n,
    });

  it("the SDK's typed data matches the contract's EIP-712 digests", async () => {
    const sessionId = keccak256(toHex("s"));
    const domain = sessionsDomain(chainId, p.sessions.address);
    expect(await p.sessions.read.voucherDigest([sessionId, 123n, 4n])).toBe(
      hashTypedData({ domain, types: voucherTypes, primaryType: "Voucher", message: { sessionId, cumulativeAmount: 123n, requestCount: 4n } }),
    );
    const att = { sessionId, requestIndex: 3n, model, inputHash: keccak256(toHex("in")), outputHash: keccak256(toHex("out")) };
    expect(await p.sessions.read.attestationDigest([att.sessionId, att.requestIndex, att.model, att.inputHash, att.outputHash])).toBe(
      hashTypedData({ domain, types: sessionAttestationTypes, primaryType: "Attestation", message: att }),
    );
    expect(await p.market.read.isModule([p.sessions.address])).toBe(true);
  });

  it("opens, tops up, settles 100 requests once, releases after the window, and the provider claims", async () => {
    const { sessionId } = await open();
    await topUpSession(client, { sessions: p.sessions.address, sessionId, amount: 500_000n });
    let s = await getSession(client, { sessions: p.sessions.address, sessionId });
    expect(s.statusName).toBe("Open");
    expect(s.escrow).toBe(1_500_000n);

    const signature = await voucher(sessionId, 100n * PRICE, 100n);
    const { cumulativeAmount, requestCount } = await settleSessionSync(provider, {
      sessions: p.sessions.address, sessionId, cumulativeAmount: 100n * PRICE, requestCount: 100n, signature,
    });
    expect(cumulativeAmount).toBe(1_000_000n);
    expect(requestCount).toBe(100n);
    s = await getSession(client, { sessions: p.sessions.address, sessionId });
    expect(s.collateral).toBe(10n * DPI); // 1 USDC at 10x, 1 USDC ~ 1 DPI, drawn from the provider's pool
    expect((await p.market.read.moduleStake([p.sessions.address, provider.account.address])).locked).toBe(10n * DPI); // the pool was empty: locked now
    expect(s.pending).toBe(1_000_000n);
    expect(s.unspent).toBe(500_000n);

    // The same voucher again: typed, before anything is sent.
    await expect(
      settleSession(provider, { sessions: p.sessions.address, sessionId, cumulativeAmount: 100n * PRICE, requestCount: 100n, signature }),
    ).rejects.toBeInstanceOf(SessionVoucherNotIncreasingError);

    await advance(4n * 3600n + 1n);
    await releaseSession(stranger, { sessions: p.sessions.address, sessionId });
    const before = await p.usdc.read.balanceOf([provider.account.address]);
    const { amount } = await claimSessionFunds(provider, { sessions: p.sessions.address, token: p.usdc.address });
    expect(amount).toBe(990_000n); // less the 1 % protocol fee
    expect(await p.usdc.read.balanceOf([provider.account.address])).toBe(before + 990_000n);
    // The collateral went back to the provider's pool (idle); the provider unlocks it in the market when it likes.
    expect((await p.sessions.read.collateralPool([provider.account.address])).used).toBe(0n);
    await unlockSessionCollateral(provider, { sessions: p.sessions.address, amount: 10n * DPI });
    expect((await p.market.read.moduleStake([p.sessions.address, provider.account.address])).locked).toBe(0n);
    await expect(unlockSessionCollateral(provider, { sessions: p.sessions.address, amount: 1n })).rejects.toBeInstanceOf(SessionCollateralNotIdleError);

    const { refund } = await closeSession(provider, { sessions: p.sessions.address, sessionId });
    expect(refund).toBe(500_000n);
    await expect(
      settleSession(provider, { sessions: p.sessions.address, sessionId, cumulativeAmount: 101n * PRICE, requestCount: 101n, signature: await voucher(sessionId, 101n * PRICE, 101n) }),
    ).rejects.toBeInstanceOf(SessionIsClosedError);
  });

  it("refuses an over-escrow voucher and a voucher signed by anyone else, with typed errors", async () => {
    const { sessionId } = await open(100_000n);
    await expect(
      settleSession(provider, { sessions: p.sessions.address, sessionId, cumulativeAmount: 100_001n, requestCount: 100n, signature: await voucher(sessionId, 100_001n, 100n) }),
    ).rejects.toBeInstanceOf(SessionVoucherAboveEscrowError);
    await expect(
      settleSession(provider, { sessions: p.sessions.address, sessionId, cumulativeAmount: 10_000n, requestCount: 1n, signature: await voucher(sessionId, 10_000n, 1n, stranger) }),
    ).rejects.toBeInstanceOf(SessionVoucherWrongSignerError);
  });

  it("lets the client reclaim only after expiry + grace, and then exactly the unspent", async () => {
    const { sessionId } = await open(300_000n);
    await settleSession(provider, { sessions: p.sessions.address, sessionId, cumulativeAmount: 50_000n, requestCount: 5n, signature: await voucher(sessionId, 50_000n, 5n) });
    const err = await reclaimSession(client, { sessions: p.sessions.address, sessionId }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SessionReclaimTooEarlyError);
    expect((err as SessionReclaimTooEarlyError).hint).toMatch(/retry in/);
    const { expiry } = await getSession(client, { sessions: p.sessions.address, sessionId });
    await advance(BigInt(expiry) + SESSION_SETTLEMENT_GRACE + 1n - (await now()));
    const before = await p.usdc.read.balanceOf([client.account.address]);
    const { refund } = await reclaimSession(client, { sessions: p.sessions.address, sessionId });
    expect(refund).toBe(250_000n);
    expect(await p.usdc.read.balanceOf([client.account.address])).toBe(before + 250_000n);
    expect((await getSession(client, { sessions: p.sessions.address, sessionId })).status).toBe(SessionStatus.Closed);
  });

  it("a proven wrong answer slashes the session's collateral and refunds the client (arbitrated)", async () => {
    const { sessionId } = await open();
    await settleSession(provider, { sessions: p.sessions.address, sessionId, cumulativeAmount: 20n * PRICE, requestCount: 20n, signature: await voucher(sessionId, 20n * PRICE, 20n) });
    const inputHash = keccak256(toHex("what is 2+2"));
    const outputHash = keccak256(toHex("5"));
    const attestation = await attest(sessionId, 7n, inputHash, outputHash);
    // The provider's own key may not dispute; a forged attestation is not evidence.
    await expect(
      disputeSessionRequest(signer, { sessions: p.sessions.address, sessionId, requestIndex: 7n, inputHash, outputHash, signature: attestation }),
    ).rejects.toBeInstanceOf(SessionDisputeByProviderError);
    const forged = await stranger.signTypedData({
      account: stranger.account, domain: sessionsDomain(chainId, p.sessions.address), types: sessionAttestationTypes, primaryType: "Attestation",
      message: { sessionId, requestIndex: 7n, model, inputHash, outputHash },
    });
    await expect(
      disputeSessionRequest(client, { sessions: p.sessions.address, sessionId, requestIndex: 7n, inputHash, outputHash, signature: forged }),
    ).rejects.toBeInstanceOf(SessionAttestationWrongSignerError);

    const { disputeId, bond } = await disputeSessionRequest(client, {
      sessions: p.sessions.address, sessionId, requestIndex: 7n, inputHash, outputHash, signature: attestation, evidence: "2+2=4",
    });
    expect(bond).toBe(1_000_000n); // the 1 USDC floor
    const staked = (await p.market.read.provider([provider.account.address])).staked;
    const claimableBefore = await p.sessions.read.claimable([client.account.address, p.usdc.address]);
    const terms = await getSessionTerms(client, { sessions: p.sessions.address, sessionId });
    await p.sessions.write.resolveDispute([terms, disputeId, 0, "the answer is 4"], { account: deployer.account }); // deployer is the arbitrator
    expect((await p.market.read.provider([provider.account.address])).staked).toBe(staked - 2n * DPI); // 0.2 USDC at 10x
    const s = await getSession(client, { sessions: p.sessions.address, sessionId });
    expect(s.statusName).toBe("Slashed");
    // Refund (0.2 USDC) + bond less the 30 % fee (disputeFeeBps 3,000), claimable; the unspent escrow back at once.
    expect(await p.sessions.read.claimable([client.account.address, p.usdc.address])).toBe(claimableBefore + 200_000n + 700_000n);
    const { refund } = await reclaimSession(client, { sessions: p.sessions.address, sessionId });
    expect(refund).toBe(800_000n);
    expect((await p.market.read.claimable([client.account.address, p.token.address]))).toBe(1n * DPI); // half the slash
  });

  it("two attestations for one request are equivocation, provable by anyone", async () => {
    const { sessionId } = await open();
    await settleSession(provider, { sessions: p.sessions.address, sessionId, cumulativeAmount: 10n * PRICE, requestCount: 10n, signature: await voucher(sessionId, 10n * PRICE, 10n) });
    const inputHash = keccak256(toHex("q"));
    const a = { model, inputHash, outputHash: keccak256(toHex("A")), signature: await attest(sessionId, 3n, inputHash, keccak256(toHex("A"))) };
    const b = { model, inputHash, outputHash: keccak256(toHex("B")), signature: await attest(sessionId, 3n, inputHash, keccak256(toHex("B"))) };
    await reportSessionEquivocation(stranger, { sessions: p.sessions.address, sessionId, requestIndex: 3n, a, b });
    expect((await getSession(client, { sessions: p.sessions.address, sessionId })).statusName).toBe("Slashed");
    expect(await p.market.read.claimable([stranger.account.address, p.token.address])).toBe(DPI / 2n); // half of 1 DPI
  });

  it("open returns the terms; their hash is the id, the event holds them, and forged terms find no session", async () => {
    const opened = await open();
    expect(sessionIdOf(chainId, p.sessions.address, opened.terms)).toBe(opened.sessionId);
    expect(await p.sessions.read.sessionIdOf([opened.terms])).toBe(opened.sessionId);
    expect(await getSessionTerms(client, { sessions: p.sessions.address, sessionId: opened.sessionId })).toEqual(opened.terms);
    expect(opened.terms).toMatchObject({ client: getAddress(client.account.address), provider: getAddress(provider.account.address), amount: 1_000_000n, maxPrice: PRICE });
    await expect(getSessionTerms(client, { sessions: p.sessions.address, sessionId: keccak256(toHex("no such session")) })).rejects.toBeInstanceOf(
      SessionUnknownError,
    );
    // A provider that claims a higher price addresses another (unknown) session.
    await expect(
      settleSession(provider, {
        sessions: p.sessions.address, sessionId: opened.sessionId, terms: { ...opened.terms, maxPrice: 10n * PRICE },
        cumulativeAmount: 10n * PRICE, requestCount: 1n, signature: await voucher(opened.sessionId, 10n * PRICE, 1n),
      }),
    ).rejects.toBeInstanceOf(SessionUnknownError);
  });

  it("a provider's collateral pool backs settlements without a market lock", async () => {
    await lockSessionCollateral(provider, { sessions: p.sessions.address, amount: 100n * DPI });
    const locked = (await p.market.read.moduleStake([p.sessions.address, provider.account.address])).locked;
    const { sessionId, terms } = await open();
    await settleSession(provider, { sessions: p.sessions.address, sessionId, terms, cumulativeAmount: 50n * PRICE, requestCount: 50n, signature: await voucher(sessionId, 50n * PRICE, 50n) });
    expect((await p.market.read.moduleStake([p.sessions.address, provider.account.address])).locked).toBe(locked); // no new lock
    expect((await getSession(client, { sessions: p.sessions.address, sessionId, terms })).collateral).toBe(5n * DPI);
  });
});
