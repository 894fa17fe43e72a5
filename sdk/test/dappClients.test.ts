/**
 * The clients a dApp has: a public client (reads), a wallet client, and the clients wagmi builds
 * (`getClient()`: no account; `getConnectorClient()`: a JSON-RPC account over the wallet's EIP-1193
 * provider). wagmi is not a dependency, so its clients are built here as wagmi builds them: viem's
 * `createClient` with a `custom` transport. All run against the in-process Hardhat chain.
 */
import { network } from "hardhat";
import { createClient, createPublicClient, custom, getAddress, publicActions, type Address, type Chain, type EIP1193RequestFn, type Hex } from "viem";
import { beforeAll, describe, expect, expectTypeOf, it } from "vitest";

import { deployProtocol, DPI, registerModel, setUpProvider, USDC, type Connection, type Protocol, type Wallet } from "../../scripts/lib/harness.js";
import {
  AccountNotFoundError,
  createDepinferClient,
  depinferActions,
  DeploymentNotFoundError,
  InvalidAddressError,
  JobUnknownError,
  resolveDeployment,
  type ProviderListing,
  type ProviderOffer,
} from "../src/index.js";

describe("depinferActions on every kind of dApp client", () => {
  let connection: Connection;
  let p: Protocol;
  let chain: Chain;
  let market: Address;
  let model: Hex;
  let provider: Wallet, signer: Wallet, alice: Wallet, bob: Wallet;
  /** The chain's EIP-1193 provider, counting the requests made through it. */
  let requests: string[];
  let eip1193: { request: EIP1193RequestFn };

  beforeAll(async () => {
    connection = (await network.create()) as Connection;
    const wallets = await connection.viem.getWalletClients();
    const deployer = wallets[0];
    [provider, signer, alice, bob] = wallets.slice(1, 5);
    p = await deployProtocol(connection);
    market = p.market.address;
    model = await registerModel(p, deployer, "dapp-clients");
    await setUpProvider(p, deployer, provider, signer.account.address, model, 2n * USDC, 1_000n * DPI);
    for (const w of [alice, bob]) await p.usdc.write.mint([w.account.address, 100n * USDC]);
    chain = (await connection.viem.getPublicClient()).chain as Chain;
    requests = [];
    eip1193 = {
      request: (async (args: { method: string; params?: unknown }) => {
        requests.push(args.method);
        return connection.provider.request(args as never);
      }) as EIP1193RequestFn,
    };
  });

  it("test_publicClient_readsWithoutAccount_andWritesTakeAPerCallAccount", async () => {
    const reader = createPublicClient({ chain, transport: custom(eip1193) }).extend(depinferActions({ market }));
    const { minStake } = await reader.getParams();
    expect(minStake).toBe(100n * DPI);
    const [best] = await reader.getProviders({ model, token: p.usdc.address });
    expect(best.provider).toBe(getAddress(provider.account.address));
    expect(best.price).toBe(2n * USDC);

    // A write with no account anywhere: refused by name, before any request.
    const before = requests.length;
    const error = await reader.submitJob({ model, input: "hi", price: best.price, token: p.usdc.address }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AccountNotFoundError);
    expect((error as AccountNotFoundError).action).toBe("submitJob");
    expect((error as AccountNotFoundError).shortMessage).toMatch(/pass \{ account \}/);
    expect(requests.length).toBe(before);

    // The same public client writes with a per-call account (here a JSON-RPC account, by address),
    // as viem's own writeContract does; later actions sign as whoever the call names.
    const { jobId, job } = await reader.submitJobSync({
      model,
      input: "from a public client",
      price: best.price,
      token: p.usdc.address,
      provider: best.provider,
      account: alice.account.address,
    });
    expect(job.client).toBe(getAddress(alice.account.address));
    expect((await reader.getJob({ jobId })).status).toBe("Created");
    const hash = await reader.cancelJob({ job, account: alice.account.address });
    await reader.extend(publicActions).waitForTransactionReceipt({ hash });
    expect((await reader.getJob({ jobId })).status).toBe("Cancelled");
    expect(await reader.getClaimable({ account: alice.account.address, token: p.usdc.address })).toBe(2n * USDC);
  });

  it("test_wagmiGetClient_noAccount_readsAndWritesWithPerCallAccount", async () => {
    // wagmi's getClient(config): createClient({ chain, transport }) with no account hoisted.
    const wagmiClient = createClient({ chain, transport: custom(eip1193) });
    expect(wagmiClient.account).toBeUndefined();
    const depinfer = wagmiClient.extend(depinferActions({ market }));
    const offers = await depinfer.getProviders({ model });
    expect(offers.map((o) => o.provider)).toEqual([getAddress(provider.account.address)]);

    const { jobId, job } = await depinfer.submitJobSync({
      model,
      input: "from wagmi",
      price: offers[0].price,
      token: p.usdc.address,
      provider: offers[0].provider,
      account: bob.account.address,
    });
    expect(job.client).toBe(getAddress(bob.account.address));
    await depinfer.submitResult({ jobId, job, output: "ok", signer: signer.account, account: provider.account.address });
    // A read on an unknown job fails as a write on it would: JobUnknownError.
    await expect(depinfer.getJob({ jobId: `0x${"00".repeat(31)}01` })).rejects.toBeInstanceOf(JobUnknownError);
  });

  it("test_wagmiConnectorClient_hoistedJsonRpcAccount_signsWrites_andPerCallAccountWins", async () => {
    // wagmi's getConnectorClient(config): the connector's address as a JSON-RPC account, over its EIP-1193 provider.
    const connector = createClient({ chain, transport: custom(eip1193), account: alice.account.address });
    expect(connector.account?.type).toBe("json-rpc");
    const depinfer = connector.extend(depinferActions({ market }));
    const before = await p.usdc.read.balanceOf([alice.account.address]);
    const hash = await depinfer.depositBalance({ token: p.usdc.address, amount: 3n * USDC });
    await connector.extend(publicActions).waitForTransactionReceipt({ hash });
    expect(await p.usdc.read.balanceOf([alice.account.address])).toBe(before - 3n * USDC);
    // The per-call account wins over the hoisted one, as in viem.
    const bobBefore = await depinfer.getClaimable({ account: bob.account.address, token: p.usdc.address });
    const deposit = await depinfer.depositBalance({ token: p.usdc.address, amount: 1n * USDC, account: bob.account.address });
    await connector.extend(publicActions).waitForTransactionReceipt({ hash: deposit });
    expect(await depinfer.getClaimable({ account: bob.account.address, token: p.usdc.address })).toBe(bobBefore + 1n * USDC);
  });

  it("test_wagmiGetClient_everyWrite_signsAsThePerCallAccount", async () => {
    // One client without an account; each call names who signs (JSON-RPC accounts, by address).
    const wagmiClient = createClient({ chain, transport: custom(eip1193) });
    const depinfer = wagmiClient.extend(depinferActions({ market }));
    const mined = async (hash: Hex) => {
      const receipt = await wagmiClient.extend(publicActions).waitForTransactionReceipt({ hash });
      expect(receipt.status).toBe("success");
      return receipt;
    };
    const wallets = await connection.viem.getWalletClients();
    const [gpu, carol] = [wallets[5], wallets[6]];
    const as = (w: Wallet) => ({ account: w.account.address });
    await p.token.write.transfer([gpu.account.address, 300n * DPI]);
    await p.usdc.write.mint([carol.account.address, 100n * USDC]);

    // Provider side: register, stake (approving first), offer.
    await mined(await depinfer.registerProvider({ signer: gpu.account.address, metadataURI: "https://gpu.example", ...as(gpu) }));
    const staked = await depinfer.stake({ amount: 300n * DPI, ...as(gpu) });
    await mined(staked.hash);
    expect(staked.approvalHashes).toHaveLength(1);
    await mined(await depinfer.setOffer({ model, token: p.usdc.address, price: 1n * USDC, maxLatency: 60, ...as(gpu) }));
    expect((await depinfer.getStake({ provider: gpu.account.address })).staked).toBe(300n * DPI);

    // An open job: accepted, answered, finalized in a batch after the window.
    const open = await depinfer.submitJobSync({ model, input: "open", price: 1n * USDC, token: p.usdc.address, ...as(alice) });
    await mined(await depinfer.acceptJob({ job: open.job, ...as(gpu) }));
    await mined((await depinfer.submitResult({ jobId: open.jobId, job: open.job, output: "done", signer: gpu.account, ...as(gpu) })).hash);
    // A direct job, finalized early by its client.
    const direct = await depinfer.submitJobSync({ model, input: "direct", price: 1n * USDC, token: p.usdc.address, provider: gpu.account.address, ...as(alice) });
    await mined((await depinfer.submitResult({ jobId: direct.jobId, job: direct.job, output: "done", signer: gpu.account, ...as(gpu) })).hash);
    await mined(await depinfer.finalizeJob({ job: direct.job, ...as(alice) }));
    expect((await depinfer.getJob({ jobId: direct.jobId })).status).toBe("Finalized");
    // A disputed job: opened by bob, joined by carol.
    const contested = await depinfer.submitJobSync({ model, input: "contested", price: 1n * USDC, token: p.usdc.address, provider: gpu.account.address, ...as(alice) });
    await mined((await depinfer.submitResult({ jobId: contested.jobId, job: contested.job, output: "done", signer: gpu.account, ...as(gpu) })).hash);
    await mined((await depinfer.disputeJob({ job: contested.job, ...as(bob) })).hash);
    await mined((await depinfer.joinDispute({ job: contested.job, ...as(carol) })).hash);
    expect((await depinfer.getJob({ jobId: contested.jobId })).status).toBe("Disputed");
    // A job nobody answers, expired by a third party; and one cancelled by its client.
    const late = await depinfer.submitJobSync({ model, input: "late", price: 1n * USDC, token: p.usdc.address, provider: gpu.account.address, timeout: 120, ...as(alice) });
    const dropped = await depinfer.submitJobSync({ model, input: "dropped", price: 1n * USDC, token: p.usdc.address, ...as(alice) });
    await mined(await depinfer.cancelJob({ job: dropped.job, ...as(alice) }));

    await connection.networkHelpers.time.increase(4 * 3600 + 1);
    const batch = await depinfer.finalizeJobs({ jobs: [open.job], ...as(gpu) });
    expect(batch.finalized).toEqual([open.jobId]);
    await mined(await depinfer.expireJob({ job: late.job, ...as(bob) }));
    expect((await depinfer.getJob({ jobId: late.jobId })).status).toBe("Expired");

    // Balances out: alice withdraws part of her refunds, the provider claims its earnings.
    const refunds = await depinfer.getClaimable({ account: alice.account.address, token: p.usdc.address });
    await mined(await depinfer.withdrawBalance({ token: p.usdc.address, amount: 1n * USDC, ...as(alice) }));
    expect(await depinfer.getClaimable({ account: alice.account.address, token: p.usdc.address })).toBe(refunds - 1n * USDC);
    const claimed = await depinfer.claim({ token: p.usdc.address, ...as(gpu) });
    await mined(claimed.hash);
    expect(claimed.amount).toBe(2n * (USDC - USDC / 100n)); // two jobs, less the 1 % fee

    // Unstake what is free, and withdraw it after the thawing period.
    await mined(await depinfer.requestUnstake({ amount: 10n * DPI, ...as(gpu) }));
    await connection.networkHelpers.time.increase(14 * 86400 + 1);
    const withdrawn = await depinfer.withdrawStake({ ...as(gpu) });
    await mined(withdrawn.hash);
    expect(withdrawn.amount).toBe(10n * DPI);
  });

  it("test_everyWrite_withoutAnyAccount_throwsAccountNotFoundError_beforeAnyRequest", async () => {
    const depinfer = createClient({ chain, transport: custom(eip1193) }).extend(depinferActions({ market }));
    const job = { client: alice.account.address, provider: provider.account.address, token: p.usdc.address, price: 1n, collateral: 1n, model, inputHash: model, deadline: 1, paramsVersion: 1, nonce: 1n };
    const writes: Record<string, () => Promise<unknown>> = {
      submitJob: () => depinfer.submitJob({ model, input: "x", price: 1n, token: p.usdc.address }),
      submitJobSync: () => depinfer.submitJobSync({ model, input: "x", price: 1n, token: p.usdc.address }),
      finalizeJob: () => depinfer.finalizeJob({ job }),
      finalizeJobs: () => depinfer.finalizeJobs({ jobs: [job] }),
      cancelJob: () => depinfer.cancelJob({ job }),
      expireJob: () => depinfer.expireJob({ job }),
      disputeJob: () => depinfer.disputeJob({ job }),
      joinDispute: () => depinfer.joinDispute({ job }),
      acceptJob: () => depinfer.acceptJob({ job }),
      submitResult: () => depinfer.submitResult({ jobId: model, job, output: "y" }),
      depositBalance: () => depinfer.depositBalance({ token: p.usdc.address, amount: 1n }),
      withdrawBalance: () => depinfer.withdrawBalance({ token: p.usdc.address, amount: 1n }),
      claim: () => depinfer.claim({ token: p.usdc.address }),
      registerProvider: () => depinfer.registerProvider({ signer: alice.account.address, metadataURI: "" }),
      setOffer: () => depinfer.setOffer({ model, token: p.usdc.address, price: 1n, maxLatency: 60 }),
      stake: () => depinfer.stake({ amount: 1n }),
      requestUnstake: () => depinfer.requestUnstake({ amount: 1n }),
      withdrawStake: () => depinfer.withdrawStake(),
    };
    for (const [name, run] of Object.entries(writes)) {
      const before = requests.length;
      const error = await run().then(
        () => new Error(`${name} did not throw`),
        (e: unknown) => e,
      );
      expect(error, name).toBeInstanceOf(AccountNotFoundError);
      expect((error as AccountNotFoundError).action, name).toBe(name === "submitJobSync" ? "submitJob" : name);
      expect(requests.length, `${name}: requests made`).toBe(before);
    }
  });

  it("test_getProviders_withModel_priceIsNotOptional", async () => {
    const depinfer = createPublicClient({ chain, transport: custom(eip1193) }).extend(depinferActions({ market }));
    const offers = await depinfer.getProviders({ model, token: p.usdc.address });
    // Types: with a model, price, token and maxLatency are always there (no `!` needed).
    expectTypeOf(offers).toEqualTypeOf<ProviderOffer[]>();
    expectTypeOf(offers[0].price).toEqualTypeOf<bigint>();
    expectTypeOf(offers[0].token).toEqualTypeOf<Address>();
    expectTypeOf(offers[0].maxLatency).toEqualTypeOf<number>();
    expect(offers.every((o) => typeof o.price === "bigint" && o.token === p.usdc.address && o.maxLatency === 60)).toBe(true);
    // Without a model there is no offer to report.
    const listings = await depinfer.getProviders();
    expectTypeOf(listings).toEqualTypeOf<ProviderListing[]>();
    expectTypeOf(listings[0].price).toEqualTypeOf<bigint | undefined>();
    expect(listings[0].price).toBeUndefined();
    // A model that may be undefined at compile time gives the general listing.
    const maybe = model as Hex | undefined;
    expectTypeOf(await depinfer.getProviders({ model: maybe })).toEqualTypeOf<ProviderListing[]>();
  });
});

describe("createDepinferClient finds the deployment", () => {
  let chain: Chain;
  let market: Address;
  let connection: Connection;
  let requests: number;
  const counting = () =>
    custom({
      request: async (args: { method: string; params?: unknown }) => {
        requests++;
        return connection.provider.request(args as never);
      },
    });

  beforeAll(async () => {
    connection = (await network.create()) as Connection;
    const p = await deployProtocol(connection);
    market = p.market.address;
    chain = (await connection.viem.getPublicClient()).chain as Chain;
    requests = 0;
  });

  it("test_createDepinferClient_deploymentParameter_isUsed", async () => {
    const [w] = await connection.viem.getWalletClients();
    const depinfer = createDepinferClient({ chain, transport: counting(), account: w.account, deployment: { market } });
    expect((await depinfer.getParams()).paused).toBe(false);
  });

  it("test_createDepinferClient_noShippedDeploymentAndNoParameter_throwsSayingWhich", async () => {
    const [w] = await connection.viem.getWalletClients();
    requests = 0;
    const none = (() => {
      try {
        createDepinferClient({ chain, transport: counting(), account: w.account });
      } catch (e) {
        return e;
      }
    })() as DeploymentNotFoundError;
    expect(none).toBeInstanceOf(DeploymentNotFoundError);
    expect(none.chainId).toBe(31337);
    expect(none.deploymentGiven).toBe(false);
    expect(none.shortMessage).toMatch(/chain 31337 .*the package ships none for it, and no deployment parameter was passed/);
    expect(none.docsPath).toBe("/docs/errors/validation");

    const empty = (() => {
      try {
        createDepinferClient({ chain, transport: counting(), account: w.account, deployment: {} });
      } catch (e) {
        return e;
      }
    })() as DeploymentNotFoundError;
    expect(empty).toBeInstanceOf(DeploymentNotFoundError);
    expect(empty.deploymentGiven).toBe(true);
    expect(empty.shortMessage).toMatch(/the deployment parameter has no market/);

    // The decorator on a bare client looks the same way.
    expect(() => createClient({ chain, transport: counting() }).extend(depinferActions())).toThrow(DeploymentNotFoundError);
    expect(requests).toBe(0); // all refused before any request
  });

  it("test_resolveDeployment_shippedDeploymentForKnownChain_andParameterOverrides", () => {
    const shippedMarket = "0x1111111111111111111111111111111111111111";
    const known = { 31337: { network: "localhost", block: 1, contracts: { market: shippedMarket, verifier: "0x2222222222222222222222222222222222222222" } } };
    expect(resolveDeployment({ chain, known })).toEqual({ market: shippedMarket, verifier: "0x2222222222222222222222222222222222222222" });
    expect(resolveDeployment({ chain, known, deployment: { market } }).market).toBe(market);
    const other = { id: 84532, name: "Base Sepolia" };
    const e = (() => {
      try {
        resolveDeployment({ chain: other, known });
      } catch (error) {
        return error;
      }
    })() as DeploymentNotFoundError;
    expect(e).toBeInstanceOf(DeploymentNotFoundError);
    expect(e.knownChainIds).toEqual([31337]);
    expect(e.shortMessage).toMatch(/chain 84532 \(Base Sepolia\)/);
    expect(() => resolveDeployment({ chain, deployment: { market: "0x123" as Address } })).toThrow(InvalidAddressError);
  });
});
