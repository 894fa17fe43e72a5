import { network } from "hardhat";
import {
  BaseError,
  ContractFunctionRevertedError,
  custom,
  encodeFunctionData,
  ExecutionRevertedError,
  getAddress,
  HttpRequestError,
  LimitExceededRpcError,
  parseEther,
  RpcRequestError,
  TimeoutError,
  UserRejectedRequestError,
  zeroAddress,
  type Account,
  type Chain,
  type Hex,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { beforeAll, describe, expect, it } from "vitest";

import { deployProtocol, DPI, registerModel, setUpProvider, USDC, type Connection, type Protocol } from "../../scripts/lib/harness.js";
import { jobMarketAbi } from "../src/abis/jobMarket.js";
import { depositBalance } from "../src/actions/client/depositBalance.js";
import { getClaimable } from "../src/actions/public/reads.js";
import { DepinferError } from "../src/errors/base.js";
import { JobUnknownError } from "../src/errors/contract.js";
import {
  WrongChainError,
  DeadlineExpiredError,
  InsufficientAllowanceError,
  InsufficientBalanceError,
  InvalidAddressError,
  InvalidAmountError,
  NoContractError,
  PriceBelowOfferError,
  TransactionRevertedError,
  UserRejectedError,
} from "../src/errors/validation.js";
import { createDepinferClient } from "../src/index.js";
import {
  backoffDelay,
  createNonceQueue,
  isTransientError,
  mapWalletError,
  waitForSuccess,
  withRetry,
} from "../src/utils/transactions.js";
import {
  assertAddress,
  assertAmount,
  assertChain,
  assertContract,
  assertDeadline,
  assertFunds,
  assertPriceMeetsOffer,
  parseAmount,
} from "../src/utils/validate.js";

/** The error `fn` throws (fails the test if it does not throw). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

async function rejected(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

const someAddress = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"; // checksummed
const someModel = `0x${"ab".repeat(32)}` as Hex;

describe("validation errors", () => {
  it("subclass DepinferError (a viem BaseError) with fields, a validation docs page and a message that says what to do", () => {
    const errors: [DepinferError, string, string[]][] = [
      [new InvalidAddressError({ field: "token", value: "0x123" }), "InvalidAddressError", ["token", "is not an address", "pass a 20-byte hex string"]],
      [new InvalidAmountError({ field: "price", value: -5n, reason: "negative" }), "InvalidAmountError", ["price", "is negative", "-5n"]],
      [new WrongChainError({ expectedChainId: 8453, actualChainId: 1 }), "WrongChainError", ["Expected chain 8453", "on chain 1", "switch"]],
      [new NoContractError({ address: someAddress, field: "market" }), "NoContractError", [`market ${someAddress}`, "check that the address"]],
      [new DeadlineExpiredError({ deadline: 100n, now: 200n }), "DeadlineExpiredError", ["100 (1970", "200 (1970", "pick a later deadline"]],
      [
        new PriceBelowOfferError({ provider: someAddress, model: someModel, price: 1n, offerPrice: 3n }),
        "PriceBelowOfferError",
        [someAddress, someModel, "asks 3", "pays 1", "raise the price to at least 3"],
      ],
      [new UserRejectedError({ action: "submitJob" }), "UserRejectedError", ["declined submitJob", "nothing was sent"]],
    ];
    for (const [error, name, parts] of errors) {
      expect(error).toBeInstanceOf(DepinferError);
      expect(error).toBeInstanceOf(BaseError);
      expect(error.name).toBe(name);
      expect(error.docsPath).toMatch(/^\/docs\/errors\/(validation|transaction)$/);
      expect(error.message).toContain("depinfer.xyz/docs/errors/");
      for (const part of parts) expect(error.message).toContain(part); // short message, then the values
    }
  });

  it("InsufficientBalanceError and InsufficientAllowanceError carry and print needed, available and missing", () => {
    const token = getAddress(`0x${"11".repeat(20)}`);
    const spender = getAddress(`0x${"22".repeat(20)}`);
    const balance = new InsufficientBalanceError({ token, account: someAddress, needed: 7n, available: 5n });
    expect([balance.needed, balance.available, balance.missing]).toEqual([7n, 5n, 2n]);
    expect(balance.shortMessage).toBe(
      `Account ${someAddress} holds 5 of token ${token} but needs 7: add at least 2 to its balance, or lower the amount.`,
    );
    const allowance = new InsufficientAllowanceError({ token, account: someAddress, spender, needed: 10n, available: 4n });
    expect(allowance.missing).toBe(6n);
    expect(allowance.shortMessage).toBe(
      `Account ${someAddress} allows ${spender} to spend 4 of token ${token} but the call needs 10: approve at least 10 (6 more), or sign an EIP-2612 permit.`,
    );
    expect(allowance.metaMessages).toEqual(["needed:    10", "available: 4", "missing:   6"]);
  });

  it("TransactionRevertedError carries the hash, block and function", () => {
    const hash = `0x${"cd".repeat(32)}` as Hex;
    const error = new TransactionRevertedError({ hash, blockNumber: 42n, functionName: "finalizeJob" });
    expect([error.hash, error.blockNumber, error.functionName]).toEqual([hash, 42n, "finalizeJob"]);
    expect(error.shortMessage).toContain(`The finalizeJob transaction ${hash} was mined in block 42 but reverted`);
    expect(error.shortMessage).toContain("read the state again and retry");
  });
});

describe("pure validators", () => {
  it("assertAddress accepts lower case and checksummed addresses, and names the field of a bad one", () => {
    assertAddress("provider", someAddress);
    assertAddress("provider", someAddress.toLowerCase());
    assertAddress("provider", zeroAddress, { allowZero: true });

    const cases: [unknown, string][] = [
      ["0x1234", "not an address"],
      [123, "not an address"],
      [undefined, "not an address"],
      [someAddress.replace("C8", "c8"), "bad checksum"],
      [zeroAddress, "zero address"],
    ];
    for (const [value, reason] of cases) {
      const error = thrown(() => assertAddress("provider", value)) as InvalidAddressError;
      expect(error).toBeInstanceOf(InvalidAddressError);
      expect([error.field, error.value, error.reason]).toEqual(["provider", value, reason]);
      expect(error.shortMessage.startsWith("provider ")).toBe(true);
    }
  });

  it("assertAmount takes positive bigints and refuses numbers, negatives and (unless allowed) zero", () => {
    assertAmount("price", 2_000_000n);
    assertAmount("amount", 0n, { allowZero: true });
    const cases: [unknown, string, string][] = [
      [2_000_000, "not a bigint", "price is a number: pass a bigint in the token's smallest unit (e.g. 2000000n)"],
      ["2", "not a bigint", "price is not a bigint"],
      [-1n, "negative", "price is negative"],
      [0n, "zero", "price is zero: pass a positive amount."],
    ];
    for (const [value, reason, message] of cases) {
      const error = thrown(() => assertAmount("price", value)) as InvalidAmountError;
      expect(error).toBeInstanceOf(InvalidAmountError);
      expect([error.field, error.value, error.reason]).toEqual(["price", value, reason]);
      expect(error.shortMessage).toContain(message);
    }
  });

  it("parseAmount converts exact decimal strings and refuses more decimals than the token has", () => {
    expect(parseAmount("price", "2", 6)).toBe(2_000_000n);
    expect(parseAmount("price", "2.5", 6)).toBe(2_500_000n);
    expect(parseAmount("price", ".5", 6)).toBe(500_000n);
    expect(parseAmount("price", " 1.000001 ", 6)).toBe(1_000_001n);
    expect(parseAmount("price", "1.50000000", 6)).toBe(1_500_000n); // trailing zeros lose nothing
    expect(parseAmount("stake", "1000", 18)).toBe(1_000n * DPI);
    expect(parseAmount("price", "3.", 0)).toBe(3n);
    expect(parseAmount("amount", "0", 6, { allowZero: true })).toBe(0n);

    const tooPrecise = thrown(() => parseAmount("price", "0.0000001", 6)) as InvalidAmountError;
    expect([tooPrecise.reason, tooPrecise.decimals, tooPrecise.value]).toEqual(["too many decimals", 6, "0.0000001"]);
    expect(tooPrecise.shortMessage).toBe("price has more decimals than the token's 6: round it to at most 6 decimal places.");

    const cases: [string, number, string][] = [
      ["1.5", 0, "too many decimals"],
      ["-1", 6, "negative"],
      ["-0.5", 6, "negative"],
      ["1e6", 6, "not a decimal number"],
      ["1,000", 6, "not a decimal number"],
      ["", 6, "not a decimal number"],
      [".", 6, "not a decimal number"],
      ["+1", 6, "not a decimal number"],
      ["0.000", 6, "zero"],
    ];
    for (const [value, decimals, reason] of cases) {
      const error = thrown(() => parseAmount("price", value, decimals)) as InvalidAmountError;
      expect(error, value).toBeInstanceOf(InvalidAmountError);
      expect(error.reason, value).toBe(reason);
    }
    expect(() => parseAmount("price", "1", -1)).toThrow(RangeError);
  });

  it("assertDeadline refuses a deadline at or before now and reports both times", () => {
    assertDeadline(1_700_000_001n, 1_700_000_000n);
    assertDeadline(1_700_000_001, 1_700_000_000);
    const error = thrown(() => assertDeadline(1_700_000_000, 1_700_000_000n)) as DeadlineExpiredError;
    expect(error).toBeInstanceOf(DeadlineExpiredError);
    expect([error.deadline, error.now]).toEqual([1_700_000_000n, 1_700_000_000n]);
    expect(error.shortMessage).toBe(
      "The deadline 1700000000 (2023-11-14T22:13:20.000Z) is not after the current time 1700000000 (2023-11-14T22:13:20.000Z): pick a later deadline (a timeout in seconds from now).",
    );
  });
});

describe("transaction helpers without a chain", () => {
  const http = (status: number) => new HttpRequestError({ url: "https://rpc.example", status, body: { method: "eth_call" } });
  const revert = () => new ContractFunctionRevertedError({ abi: jobMarketAbi, functionName: "finalizeJob", data: "0x" });

  it("isTransientError: 429, 5xx, timeouts, -32005 and dropped connections are transient; reverts, 4xx and rejections are not", () => {
    expect(isTransientError(http(429))).toBe(true);
    expect(isTransientError(http(503))).toBe(true);
    expect(isTransientError(new TimeoutError({ url: "https://rpc.example", body: {} }))).toBe(true);
    expect(isTransientError(new LimitExceededRpcError(new Error("limit exceeded")))).toBe(true);
    expect(isTransientError({ code: -32005, message: "limit exceeded" })).toBe(true);
    expect(isTransientError(new TypeError("fetch failed", { cause: Object.assign(new Error("socket"), { code: "ECONNRESET" }) }))).toBe(true);
    expect(isTransientError(new BaseError("wrapped", { cause: http(502) }))).toBe(true);

    expect(isTransientError(http(400))).toBe(false);
    expect(isTransientError(revert())).toBe(false);
    expect(isTransientError(new ExecutionRevertedError())).toBe(false);
    expect(isTransientError(new UserRejectedRequestError(new Error("no")))).toBe(false);
    expect(isTransientError(new RpcRequestError({ body: {}, url: "x", error: { code: -32603, message: "Internal error" } }))).toBe(false);
    expect(isTransientError(new Error("something else"))).toBe(false);
    // A revert anywhere in the chain wins over a transient-looking wrapper.
    expect(isTransientError(Object.assign(new BaseError("500 with a revert", { cause: revert() }), { status: 500 }))).toBe(false);
  });

  it("withRetry retries transient errors with backoff until the call succeeds", async () => {
    let calls = 0;
    const delays: number[] = [];
    const value = await withRetry(
      async () => {
        calls++;
        if (calls < 3) throw calls === 1 ? http(429) : new LimitExceededRpcError(new Error("-32005"));
        return "ok";
      },
      { baseDelayMs: 1, onRetry: (_e, _attempt, delay) => delays.push(delay) },
    );
    expect(value).toBe("ok");
    expect(calls).toBe(3);
    expect(delays).toHaveLength(2);
  });

  it("withRetry does not retry a revert or a user rejection", async () => {
    for (const error of [revert(), new UserRejectedRequestError(new Error("no")), new UserRejectedError({ action: "stake" })]) {
      let calls = 0;
      const caught = await rejected(
        withRetry(
          async () => {
            calls++;
            throw error;
          },
          { baseDelayMs: 1 },
        ),
      );
      expect(caught).toBe(error);
      expect(calls).toBe(1);
    }
  });

  it("withRetry gives up after `retries` retries and rethrows the last error", async () => {
    let calls = 0;
    const caught = await rejected(
      withRetry(
        async () => {
          calls++;
          throw http(500 + calls);
        },
        { retries: 2, baseDelayMs: 1 },
      ),
    );
    expect(calls).toBe(3);
    expect((caught as HttpRequestError).status).toBe(503);
  });

  it("backoffDelay doubles per attempt, caps at maxDelayMs and keeps at least half of it (jitter)", () => {
    expect([1, 2, 3, 4].map((a) => backoffDelay(a, 200, 10_000, () => 1))).toEqual([200, 400, 800, 1600]);
    expect([1, 2, 3, 4].map((a) => backoffDelay(a, 200, 10_000, () => 0))).toEqual([100, 200, 400, 800]);
    expect(backoffDelay(20, 200, 10_000, () => 1)).toBe(10_000);
  });

  it("mapWalletError turns a 4001 anywhere in the cause chain into UserRejectedError and leaves other errors alone", () => {
    // An EIP-1193 error as a browser wallet throws it, wrapped as a library would.
    const eip1193 = { code: 4001, message: "MetaMask Tx Signature: User denied transaction signature." };
    const wrapped = new Error("sendTransaction failed", { cause: eip1193 });
    const mapped = mapWalletError(wrapped, "submitJob") as UserRejectedError;
    expect(mapped).toBeInstanceOf(UserRejectedError);
    expect(mapped.action).toBe("submitJob");
    expect(mapped.isUserRejection).toBe(true);
    expect(mapped.cause).toBe(wrapped);
    expect(mapped.shortMessage).toBe("The user declined submitJob in the wallet: nothing was sent; ask again if they meant to go ahead.");

    const viemError = new BaseError("Transaction failed", { cause: new UserRejectedRequestError(new Error("User rejected")) });
    expect(mapWalletError(viemError, "stake")).toBeInstanceOf(UserRejectedError);
    expect(mapWalletError(eip1193, "stake")).toBeInstanceOf(UserRejectedError);
    expect(mapWalletError(Object.assign(new Error("ethers"), { code: "ACTION_REJECTED" }), "stake")).toBeInstanceOf(UserRejectedError);

    const other = http(500);
    expect(mapWalletError(other, "stake")).toBe(other);
    expect(mapWalletError({ code: 4100, message: "unauthorized" }, "stake")).toEqual({ code: 4100, message: "unauthorized" });
  });

  it("createNonceQueue runs one account's calls in order, other accounts in parallel, and survives a failure", async () => {
    const queue = createNonceQueue();
    const log: string[] = [];
    const step = (name: string, ms: number, fail = false) => async () => {
      log.push(`start ${name}`);
      await new Promise((r) => setTimeout(r, ms));
      log.push(`end ${name}`);
      if (fail) throw new Error(name);
      return name;
    };
    const a = someAddress;
    const b = getAddress(`0x${"33".repeat(20)}`);
    const results = await Promise.allSettled([
      queue.run(a, step("a1", 20)),
      queue.run(a.toLowerCase() as Hex, step("a2", 1, true)),
      queue.run(a, step("a3", 1)),
      queue.run(b, step("b1", 5)),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled", "fulfilled"]);
    const aLog = log.filter((l) => l.includes(" a"));
    expect(aLog).toEqual(["start a1", "end a1", "start a2", "end a2", "start a3", "end a3"]);
    expect(log.indexOf("end b1")).toBeLessThan(log.indexOf("end a1")); // b did not wait for a
    expect(queue.pending(a)).toBe(0);
  });
});

describe("chain-aware validators and transactions on the in-process chain", () => {
  let connection: Connection;
  let p: Protocol;
  let chain: Chain;
  let market: Hex;
  let model: Hex;
  let client: ReturnType<typeof createDepinferClient>;
  let providerAddress: Hex;

  beforeAll(async () => {
    // Like a real node: a reverting transaction is mined with status 0 instead of failing the send.
    connection = (await network.create({ override: { throwOnTransactionFailures: false } })) as Connection;
    const [deployer, prov, sig, cli] = await connection.viem.getWalletClients();
    p = await deployProtocol(connection);
    market = p.market.address;
    providerAddress = prov.account.address;
    model = await registerModel(p, deployer, "validation");
    await setUpProvider(p, deployer, prov, sig.account.address, model, 2n * USDC, 1_000n * DPI);
    await p.usdc.write.mint([cli.account.address, 5n * USDC]);
    chain = (await connection.viem.getPublicClient()).chain as Chain;
    client = createDepinferClient({ chain, transport: custom(connection.provider), account: cli.account, deployment: { market } });
  });

  it("assertContract passes for the market and the token, and throws NoContractError for an EOA", async () => {
    await assertContract(client, market, "market");
    await assertContract(client, p.usdc.address, "token");
    const error = (await rejected(assertContract(client, providerAddress, "market"))) as NoContractError;
    expect(error).toBeInstanceOf(NoContractError);
    expect([error.address, error.field]).toEqual([providerAddress, "market"]);
    expect(error.shortMessage).toContain(`There is no contract at market ${providerAddress} on this chain`);
  });

  it("assertFunds reports the exact missing balance, then the exact missing allowance", async () => {
    const account = client.account.address;
    const token = p.usdc.address;
    // 5 USDC held, 7 needed: 2 missing.
    const short = (await rejected(assertFunds(client, { token, account, spender: market, amount: 7n * USDC }))) as InsufficientBalanceError;
    expect(short).toBeInstanceOf(InsufficientBalanceError);
    expect([short.token, short.account, short.needed, short.available, short.missing]).toEqual([token, account, 7n * USDC, 5n * USDC, 2n * USDC]);
    expect(short.shortMessage).toContain(`add at least ${2n * USDC}`);

    // Enough balance, 1.5 USDC approved, 4 needed: 2.5 missing.
    await client.waitForTransactionReceipt({
      hash: await client.writeContract({ address: token, abi: p.usdc.abi, functionName: "approve", args: [market, 1_500_000n] }),
    });
    const allowance = (await rejected(assertFunds(client, { token, account, spender: market, amount: 4n * USDC }))) as InsufficientAllowanceError;
    expect(allowance).toBeInstanceOf(InsufficientAllowanceError);
    expect([allowance.spender, allowance.needed, allowance.available, allowance.missing]).toEqual([market, 4n * USDC, 1_500_000n, 2_500_000n]);
    expect(allowance.shortMessage).toContain(`approve at least ${4n * USDC} (2500000 more)`);

    // Without the allowance check (an action that approves or permits itself) it passes.
    expect(await assertFunds(client, { token, account, spender: market, amount: 4n * USDC, checkAllowance: false })).toEqual({
      balance: 5n * USDC,
      allowance: undefined,
    });
    expect(await assertFunds(client, { token, account, spender: market, amount: 1n * USDC })).toEqual({ balance: 5n * USDC, allowance: 1_500_000n });
  });

  it("assertChain returns the node's chain id and throws WrongChainError for another expected id or a misconfigured client", async () => {
    expect(await assertChain(client)).toBe(chain.id);
    expect(await assertChain(client, chain.id)).toBe(chain.id);

    const error = (await rejected(assertChain(client, 8453))) as WrongChainError;
    expect(error).toBeInstanceOf(WrongChainError);
    expect([error.expectedChainId, error.actualChainId]).toEqual([8453, chain.id]);
    expect(error.shortMessage).toContain(`Expected chain 8453 but the client is on chain ${chain.id}`);

    const misconfigured = createDepinferClient({
      chain: { ...chain, id: 10 },
      transport: custom(connection.provider),
      account: client.account,
      deployment: { market },
    });
    const configured = (await rejected(assertChain(misconfigured))) as WrongChainError;
    expect([configured.expectedChainId, configured.actualChainId]).toEqual([10, chain.id]);
  });

  it("assertPriceMeetsOffer refuses 1 USDC against a 2 USDC offer, and skips open jobs and inactive offers", async () => {
    const error = (await rejected(
      assertPriceMeetsOffer(client, { market, provider: providerAddress, model, price: 1n * USDC }),
    )) as PriceBelowOfferError;
    expect(error).toBeInstanceOf(PriceBelowOfferError);
    expect([error.provider, error.model, error.price, error.offerPrice]).toEqual([getAddress(providerAddress), model, 1n * USDC, 2n * USDC]);
    expect(error.shortMessage).toContain(`raise the price to at least ${2n * USDC}`);

    const offer = await assertPriceMeetsOffer(client, { market, provider: providerAddress, model, price: 2n * USDC });
    expect(offer).toMatchObject({ price: 2n * USDC, active: true });
    expect(await assertPriceMeetsOffer(client, { market, model, price: 1n })).toBeUndefined();
    expect(await assertPriceMeetsOffer(client, { market, provider: zeroAddress, model, price: 1n })).toBeUndefined();

    // An offer that is not active binds nothing.
    const [deployer, prov] = await connection.viem.getWalletClients();
    const other = await registerModel(p, deployer, "validation-inactive");
    await p.market.write.setOffer([other, p.usdc.address, 2n * USDC, 60, false], { account: prov.account });
    expect(await assertPriceMeetsOffer(client, { market, provider: providerAddress, model: other, price: 1n })).toMatchObject({ active: false });
  });

  it("waitForSuccess returns a successful receipt, and throws TransactionRevertedError with the hash of a mined revert", async () => {
    const okHash = await client.writeContract({ address: p.usdc.address, abi: p.usdc.abi, functionName: "approve", args: [market, 0n] });
    expect((await waitForSuccess(client, okHash, "approve")).status).toBe("success");

    // finalizeJob of a job that does not exist, sent with an explicit gas limit so nothing simulates it first.
    const unknownJob = {
      client: client.account.address,
      provider: providerAddress,
      token: p.usdc.address,
      price: 1n,
      collateral: 0n,
      model,
      inputHash: `0x${"22".repeat(32)}` as Hex,
      deadline: 1,
      paramsVersion: 0,
      nonce: 1n,
    } as const;
    const data = encodeFunctionData({ abi: jobMarketAbi, functionName: "finalizeJob", args: [unknownJob] });
    const hash = await client.sendTransaction({ to: market, data, gas: 300_000n });
    const receipt = await client.waitForTransactionReceipt({ hash });
    expect(receipt.status).toBe("reverted");

    const error = (await rejected(waitForSuccess(client, hash, "finalizeJob"))) as TransactionRevertedError;
    expect(error).toBeInstanceOf(TransactionRevertedError);
    expect([error.hash, error.blockNumber, error.functionName]).toEqual([hash, receipt.blockNumber, "finalizeJob"]);
    expect(error.shortMessage).toContain(`The finalizeJob transaction ${hash} was mined in block ${receipt.blockNumber} but reverted`);
    // The replay on the block before finds the custom error.
    expect(error.cause).toBeInstanceOf(JobUnknownError);
    expect(error.walk((e) => e instanceof JobUnknownError)).toBeInstanceOf(JobUnknownError);

    const bare = (await rejected(waitForSuccess(client, hash, "finalizeJob", { replay: false }))) as TransactionRevertedError;
    expect(bare.hash).toBe(hash);
    expect(bare.cause).toBeUndefined();
  });

  /** A fresh local account (it signs itself and takes its nonce from eth_getTransactionCount: the case that races), funded. */
  async function fundedLocalClient() {
    const local: Account = privateKeyToAccount(generatePrivateKey());
    const [deployer] = await connection.viem.getWalletClients();
    await deployer.sendTransaction({ to: local.address, value: parseEther("10") });
    await p.usdc.write.mint([local.address, 100n * USDC]);
    return createDepinferClient({ chain, transport: custom(connection.provider), account: local, deployment: { market } });
  }
  const amounts = Array.from({ length: 10 }, (_, i) => BigInt(i + 1) * USDC); // 1 + ... + 10 = 55 USDC

  it("control: without a queue, ten concurrent depositBalance calls from one local account race for nonces", async () => {
    const localClient = await fundedLocalClient();
    const settled = await Promise.allSettled(amounts.map((amount) => depositBalance(localClient, { market, token: p.usdc.address, amount })));
    expect(settled.filter((s) => s.status === "rejected").length).toBeGreaterThan(0);
  });

  it("ten concurrent depositBalance calls from one local account all mine through createNonceQueue", async () => {
    const localClient = await fundedLocalClient();
    const local = localClient.account;
    const token = p.usdc.address;

    const queue = createNonceQueue();
    const hashes = await Promise.all(amounts.map((amount) => queue.run(local, () => depositBalance(localClient, { market, token, amount }))));
    expect(queue.pending(local)).toBe(0);

    const receipts = await Promise.all(hashes.map((hash) => waitForSuccess(localClient, hash, "deposit")));
    expect(receipts.every((r) => r.status === "success")).toBe(true);
    expect(new Set(hashes).size).toBe(10);
    const nonces = await Promise.all(hashes.map(async (hash) => (await localClient.getTransaction({ hash })).nonce));
    expect(nonces).toEqual(Array.from({ length: 10 }, (_, i) => i + 1)); // nonce 0 was the single approval
    expect(await getClaimable(localClient, { market, account: local.address, token })).toBe(55n * USDC);
  });
});

describe("jobStatusName", () => {
  it("names every on-chain status, and refuses a number the contract never returns", async () => {
    const { JobStatus, jobStatusName } = await import("../src/index.js");
    for (const [name, n] of Object.entries(JobStatus)) expect(jobStatusName(n)).toBe(name);
    expect(() => jobStatusName(9)).toThrow("Unknown job status 9: expected 0 to 8.");
  });
});
