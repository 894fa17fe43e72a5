import { network } from "hardhat";
import { createPublicClient, custom, keccak256, toHex, type EIP1193RequestFn, type Hex } from "viem";
import { beforeAll, describe, expect, it } from "vitest";

import { deployProtocol, registerModel, type Connection, type Protocol, type Wallet } from "../../scripts/lib/harness.js";
import { setUpSessionProvider } from "../../scripts/lib/sessionsHarness.js";
import {
  ClaimExceedsBalanceError,
  depositBalance,
  getSession,
  getSessionTerms,
  ModuleNotActiveError,
  openingBlock,
  openSessionFromBalance,
  openSessionFromBalanceSync,
  openSessionSync,
  SessionNotProviderError,
  SessionPriceAboveOfferError,
  sessionsDomain,
  settleAndCloseSession,
  voucherTypes,
  SessionUnknownError,
  sessionIdOf,
} from "../../sdk/src/index.js";

/**
 * Opening a session from the client's market balance (IJobMarket.openSessionFromBalance) through the SDK, and
 * getSessionTerms finding a session's terms in the one block its state names (no scan from block 0).
 */
describe("payment sessions: open from the market balance, terms without a scan", () => {
  let connection: Connection;
  let p: Protocol;
  let deployer: Wallet, provider: Wallet, signer: Wallet, client: Wallet;
  let model: Hex;
  let chainId: number;
  const PRICE = 10_000n;

  beforeAll(async () => {
    connection = (await network.create()) as Connection;
    [deployer, provider, signer, client] = await connection.viem.getWalletClients();
    p = await deployProtocol(connection);
    model = await registerModel(p, deployer, "sess-balance-model");
    await setUpSessionProvider(p, deployer, provider, signer.account.address, model, { price: PRICE });
    chainId = await (await connection.viem.getPublicClient()).getChainId();
    await p.usdc.write.mint([client.account.address, 100_000_000n]);
    await depositBalance(client, { market: p.market.address, token: p.usdc.address, amount: 5_000_000n });
  });

  const now = async () => (await (await connection.viem.getPublicClient()).getBlock()).timestamp;
  const params = async (amount: bigint) => ({
    market: p.market.address,
    sessions: p.sessions.address,
    provider: provider.account.address,
    token: p.usdc.address,
    model,
    maxPrice: PRICE,
    amount,
    expiry: (await now()) + 86_400n,
  });

  it("opens from the balance: no approval, the balance pays the escrow, the terms are open()'s", async () => {
    const wallet = await p.usdc.read.balanceOf([client.account.address]);
    const allowance = await p.usdc.read.allowance([client.account.address, p.sessions.address]);
    const before = await p.market.read.claimable([client.account.address, p.usdc.address]);
    const opened = await openSessionFromBalanceSync(client, await params(1_000_000n));
    expect(sessionIdOf(chainId, p.sessions.address, opened.terms)).toBe(opened.sessionId);
    expect(opened.terms.client.toLowerCase()).toBe(client.account.address.toLowerCase());
    expect(await p.market.read.claimable([client.account.address, p.usdc.address])).toBe(before - 1_000_000n);
    expect(await p.usdc.read.balanceOf([client.account.address])).toBe(wallet);
    expect(await p.usdc.read.allowance([client.account.address, p.sessions.address])).toBe(allowance);
    const s = await getSession(client, { sessions: p.sessions.address, sessionId: opened.sessionId });
    expect(s.statusName).toBe("Open");
    expect(s.escrow).toBe(1_000_000n);
  });

  it("refuses with typed errors: short balance, the module's checks, a module that is not one", async () => {
    const balance = await p.market.read.claimable([client.account.address, p.usdc.address]);
    await expect(openSessionFromBalance(client, await params(balance + 1n))).rejects.toBeInstanceOf(ClaimExceedsBalanceError);
    await expect(openSessionFromBalance(client, { ...(await params(1_000n)), maxPrice: PRICE + 1n })).rejects.toBeInstanceOf(
      SessionPriceAboveOfferError,
    );
    await expect(openSessionFromBalance(client, { ...(await params(1_000n)), sessions: p.token.address })).rejects.toBeInstanceOf(
      ModuleNotActiveError,
    );
    expect(await p.market.read.claimable([client.account.address, p.usdc.address])).toBe(balance);
  });

  it("getSessionTerms reads the state, then the logs of the one block that opened the session", async () => {
    await p.usdc.write.approve([p.sessions.address, 2n ** 256n - 1n], { account: client.account });
    const opened = await openSessionSync(client, { ...(await params(500_000n)) });
    for (let i = 0; i < 5; i++) await connection.provider.request({ method: "evm_mine", params: [] });
    // A client whose transport records every eth_getLogs range.
    const ranges: { fromBlock: bigint; toBlock: bigint }[] = [];
    const request = (async (args: { method: string; params?: unknown }) => {
      if (args.method === "eth_getLogs") {
        const [filter] = args.params as [{ fromBlock: Hex; toBlock: Hex }];
        ranges.push({ fromBlock: BigInt(filter.fromBlock), toBlock: BigInt(filter.toBlock) });
      }
      return connection.provider.request(args as never);
    }) as EIP1193RequestFn;
    const watched = createPublicClient({ transport: custom({ request }) });
    const terms = await getSessionTerms(watched, { sessions: p.sessions.address, sessionId: opened.sessionId });
    expect(terms).toEqual(opened.terms);
    expect(ranges).toEqual([{ fromBlock: opened.receipt.blockNumber, toBlock: opened.receipt.blockNumber }]);
    // An unknown id fails on the state read: no log query at all.
    ranges.length = 0;
    await expect(getSessionTerms(watched, { sessions: p.sessions.address, sessionId: keccak256(toHex("none")) })).rejects.toBeInstanceOf(
      SessionUnknownError,
    );
    expect(ranges).toEqual([]);
  });

  it("settleAndCloseSession: the provider's last settle refunds the client at once; the client cannot call it", async () => {
    const opened = await openSessionFromBalanceSync(client, await params(1_000_000n));
    const signature = await client.signTypedData({
      account: client.account,
      domain: sessionsDomain(chainId, p.sessions.address),
      types: voucherTypes,
      primaryType: "Voucher",
      message: { sessionId: opened.sessionId, cumulativeAmount: 30n * PRICE, requestCount: 30n },
    });
    const voucher = { sessions: p.sessions.address, sessionId: opened.sessionId, cumulativeAmount: 30n * PRICE, requestCount: 30n, signature };
    await expect(settleAndCloseSession(client, voucher)).rejects.toBeInstanceOf(SessionNotProviderError);
    const wallet = await p.usdc.read.balanceOf([client.account.address]);
    const { refund } = await settleAndCloseSession(provider, voucher);
    expect(refund).toBe(1_000_000n - 30n * PRICE);
    expect(await p.usdc.read.balanceOf([client.account.address])).toBe(wallet + refund);
    const s = await getSession(client, { sessions: p.sessions.address, sessionId: opened.sessionId });
    expect(s.statusName).toBe("Closed");
    expect(s.settled).toBe(30n * PRICE);
  });

  it("openingBlock undoes the modulo 2^32 the state keeps", () => {
    expect(openingBlock(1_000n, 990)).toBe(990n);
    expect(openingBlock(1_000n, 1_000)).toBe(1_000n);
    const big = 2n ** 32n + 10n; // past the first wrap
    expect(openingBlock(big, 5)).toBe(2n ** 32n + 5n);
    expect(openingBlock(big, 2 ** 32 - 3)).toBe(2n ** 32n - 3n);
  });
});
