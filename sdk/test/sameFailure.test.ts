/**
 * Reads and writes fail the same way on the same bad input:
 * - a market address with no contract gives NoContractError from every action, reads included,
 *   and nothing is sent;
 * - an amount above what the contract's field holds is refused locally with InvalidAmountError
 *   naming the bound, before any request.
 */
import { network } from "hardhat";
import { createClient, custom, type Account, type Address, type Chain, type Client, type EIP1193RequestFn, type Hex, type Transport } from "viem";
import { beforeAll, describe, expect, it } from "vitest";

import { deployProtocol, DPI, registerModel, setUpProvider, USDC, type Connection, type Protocol, type Wallet } from "../../scripts/lib/harness.js";
import {
  acceptJob,
  cancelJob,
  claim,
  depositBalance,
  disputeJob,
  expireJob,
  finalizeJob,
  finalizeJobs,
  getClaimable,
  getJob,
  getParams,
  getProviders,
  getStake,
  InvalidAmountError,
  joinDispute,
  MemoryContentStore,
  NoContractError,
  registerProvider,
  requestUnstake,
  setOffer,
  stake,
  submitJob,
  submitJobSync,
  submitResult,
  uintMax,
  waitForResult,
  watchJobs,
  withdrawBalance,
  withdrawStake,
  type Job,
} from "../src/index.js";

type AnyClient = Client<Transport, Chain, Account | undefined>;

describe("the same failure for reads and writes on the same bad input", () => {
  let connection: Connection;
  let p: Protocol;
  let model: Hex;
  let job: Job;
  let client: AnyClient;
  let alice: Wallet, provider: Wallet, signer: Wallet;
  let requests: string[];
  /** An address with no code on this chain: an account of the node. */
  let empty: Address;

  beforeAll(async () => {
    connection = (await network.create()) as Connection;
    const wallets = await connection.viem.getWalletClients();
    [provider, signer, alice] = wallets.slice(1, 4);
    empty = wallets[9].account.address;
    p = await deployProtocol(connection);
    model = await registerModel(p, wallets[0], "same-failure");
    await setUpProvider(p, wallets[0], provider, signer.account.address, model, 2n * USDC, 1_000n * DPI);
    await p.usdc.write.mint([alice.account.address, 100n * USDC]);
    const chain = (await connection.viem.getPublicClient()).chain as Chain;
    requests = [];
    const request = (async (args: { method: string; params?: unknown }) => {
      requests.push(args.method);
      return connection.provider.request(args as never);
    }) as EIP1193RequestFn;
    client = createClient({ chain, transport: custom({ request }), account: alice.account.address });
    ({ job } = await submitJobSync(client, { market: p.market.address, model, input: "real", price: 2n * USDC, token: p.usdc.address, provider: provider.account.address }));
  });

  /** Every action, reads and writes, pointed at `market`. */
  const everyAction = (market: Address) => {
    const token = p.usdc.address;
    const account = alice.account.address;
    return {
      // reads
      getJob: () => getJob(client, { market, jobId: `0x${"ab".repeat(32)}` }),
      getProviders: () => getProviders(client, { market, model }),
      getClaimable: () => getClaimable(client, { market, account, token }),
      getParams: () => getParams(client, { market }),
      getStake: () => getStake(client, { market, provider: account }),
      waitForResult: () => waitForResult(client, { market, jobId: `0x${"ab".repeat(32)}`, store: new MemoryContentStore(), timeoutMs: 2_000 }),
      watchJobs: () =>
        new Promise((_, reject) => {
          const stop = watchJobs(client, { market, provider: account, fromBlock: 0n, pollingInterval: 50, onJobs: () => {}, onError: (e) => (stop(), reject(e)) });
        }),
      // writes
      submitJob: () => submitJob(client, { market, model, input: "x", price: 2n * USDC, token }),
      submitJobSync: () => submitJobSync(client, { market, model, input: "x", price: 2n * USDC, token }),
      finalizeJob: () => finalizeJob(client, { market, job }),
      finalizeJobs: () => finalizeJobs(client, { market, jobs: [job] }),
      cancelJob: () => cancelJob(client, { market, job }),
      expireJob: () => expireJob(client, { market, job }),
      disputeJob: () => disputeJob(client, { market, job }),
      joinDispute: () => joinDispute(client, { market, job }),
      acceptJob: () => acceptJob(client, { market, job }),
      submitResult: () => submitResult(client, { market, jobId: `0x${"ab".repeat(32)}`, job, output: "y" }),
      depositBalance: () => depositBalance(client, { market, token, amount: 1n }),
      withdrawBalance: () => withdrawBalance(client, { market, token, amount: 1n }),
      claim: () => claim(client, { market, token }),
      registerProvider: () => registerProvider(client, { market, signer: account, metadataURI: "" }),
      setOffer: () => setOffer(client, { market, model, token, price: 1n, maxLatency: 60 }),
      stake: () => stake(client, { market, amount: 1n }),
      requestUnstake: () => requestUnstake(client, { market, amount: 1n }),
      withdrawStake: () => withdrawStake(client, { market }),
    };
  };

  it("test_everyAction_marketWithoutCode_throwsNoContractError_andSendsNothing", async () => {
    const nonce = await connection.viem.getPublicClient().then((c) => c.getTransactionCount({ address: alice.account.address }));
    const actions = everyAction(empty);
    for (const [name, run] of Object.entries(actions)) {
      const error = await run().then(
        () => new Error(`${name} did not throw`),
        (e: unknown) => e,
      );
      expect(error, name).toBeInstanceOf(NoContractError);
      expect((error as NoContractError).field, name).toBe("market");
      expect((error as NoContractError).address, name).toBe(empty);
    }
    expect(Object.keys(actions)).toHaveLength(25);
    const after = await connection.viem.getPublicClient().then((c) => c.getTransactionCount({ address: alice.account.address }));
    expect(after).toBe(nonce);
    expect(requests.filter((m) => m === "eth_sendTransaction" || m === "eth_sendRawTransaction")).toHaveLength(1); // the set-up job only
  });

  it("test_everyAmount_aboveItsFieldsBound_isRefusedLocally_namingTheBound_beforeAnyRequest", async () => {
    const market = p.market.address;
    const token = p.usdc.address;
    const u96 = uintMax.uint96 + 1n;
    const u128 = uintMax.uint128 + 1n;
    const cases: [string, string, () => Promise<unknown>][] = [
      // [action, field, call] — reads and writes alike
      ["getProviders", "maxPrice", () => getProviders(client, { market, model, maxPrice: u96 })],
      ["getProviders", "minStake", () => getProviders(client, { market, minStake: u96 })],
      ["submitJob", "price", () => submitJob(client, { market, model, input: "x", price: u96, token })],
      ["submitJobSync", "price", () => submitJobSync(client, { market, model, input: "x", price: u96, token })],
      ["setOffer", "price", () => setOffer(client, { market, model, token, price: u96, maxLatency: 60 })],
      ["setOffer", "maxLatency", () => setOffer(client, { market, model, token, price: 1n, maxLatency: 2 ** 32 })],
      ["stake", "amount", () => stake(client, { market, amount: u96 })],
      ["requestUnstake", "amount", () => requestUnstake(client, { market, amount: u96 })],
      ["depositBalance", "amount", () => depositBalance(client, { market, token, amount: u128 })],
      ["withdrawBalance", "amount", () => withdrawBalance(client, { market, token, amount: u128 })],
      ["finalizeJob", "job.price", () => finalizeJob(client, { market, job: { ...job, price: u96 } })],
      ["finalizeJobs", "job.price", () => finalizeJobs(client, { market, jobs: [job, { ...job, price: u96 }] })],
      ["cancelJob", "job.collateral", () => cancelJob(client, { market, job: { ...job, collateral: u96 } })],
      ["expireJob", "job.nonce", () => expireJob(client, { market, job: { ...job, nonce: uintMax.uint64 + 1n } })],
      ["disputeJob", "job.price", () => disputeJob(client, { market, job: { ...job, price: u96 } })],
      ["joinDispute", "job.price", () => joinDispute(client, { market, job: { ...job, price: u96 } })],
      ["acceptJob", "job.price", () => acceptJob(client, { market, job: { ...job, price: u96 } })],
      ["submitResult", "job.price", () => submitResult(client, { market, jobId: `0x${"ab".repeat(32)}`, job: { ...job, price: u96 }, output: "y" })],
    ];
    for (const [action, field, run] of cases) {
      const before = requests.length;
      const error = await run().then(
        () => new Error(`${action} did not throw`),
        (e: unknown) => e,
      );
      expect(error, `${action} ${field}`).toBeInstanceOf(InvalidAmountError);
      const e = error as InvalidAmountError;
      expect(e.reason, action).toBe("above bound");
      expect(e.field, action).toBe(field);
      const bound = field === "amount" && action.endsWith("Balance") ? "uint128" : field === "maxLatency" ? "uint32" : field === "job.nonce" ? "uint64" : "uint96";
      expect(e.bound, action).toBe(bound);
      expect(e.max, action).toBe(uintMax[bound as keyof typeof uintMax]);
      expect(e.shortMessage, action).toContain(`it is a ${bound}, at most ${uintMax[bound as keyof typeof uintMax]}`);
      expect(requests.length, `${action}: requests made`).toBe(before);
    }
    // At the bound itself the local check passes and the chain decides (here: the balance is short).
    const atBound = await depositBalance(client, { market, token, amount: uintMax.uint128 }).catch((e: unknown) => e);
    expect(atBound).not.toBeInstanceOf(InvalidAmountError);
  });
});
