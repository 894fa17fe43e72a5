import { network } from "hardhat";
import {
  createPublicClient,
  createWalletClient,
  custom,
  publicActions,
  type Account,
  type Address,
  type Chain,
  type EIP1193RequestFn,
  type Hash,
  type Hex,
  isAddressEqual,
  zeroAddress,
} from "viem";
import { beforeAll, describe, expect, it, vi } from "vitest";

import { deployProtocol, DPI, registerModel, USDC, type Connection, type Protocol, type Wallet } from "../../scripts/lib/harness.js";
import { submitJobSync } from "../src/actions/client/submitJob.js";
import { depinferActions } from "../src/decorators/depinfer.js";
import {
  acceptJob,
  finalizeJobs,
  modelIdOf,
  FinalizeJobsBatchError,
  registerProvider,
  requestUnstake,
  setOffer,
  stake,
  submitResult,
  watchJobs,
  withdrawStake,
  type WatchJobsItem,
} from "../src/actions/provider/index.js";
import {
  decodeDepinferError,
  JobChallengeWindowOpenError,
  InvalidParameterError,
  JobDeadlineBelowLatencyError,
  ModelAlreadyRegisteredError,
  StakeNothingToWithdrawError,
} from "../src/errors/index.js";
import { JobStatus, type Job } from "../src/types.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("SDK provider actions against an in-process chain", () => {
  let connection: Connection;
  let p: Protocol;
  let chain: Chain;
  let market: Address;
  let model: Hex;
  let otherModel: Hex;
  let deployer: Wallet;
  // Wallets 0-3 are the deployer, harness provider, its signer and flow.test's client: use fresh ones.
  let providerWallet: Wallet;
  let signerWallet: Wallet;
  let bystander: Wallet;
  let provider: ReturnType<typeof walletClient>;
  let client: ReturnType<typeof walletClient>;

  const walletClient = (account: Account) =>
    createWalletClient({ chain, transport: custom(connection.provider), account }).extend(publicActions);

  const jobFor = (to: { provider?: Address; model?: Hex; input: string; timeout?: number }) =>
    submitJobSync(client, {
      market,
      model: to.model ?? model,
      input: to.input,
      price: 2n * USDC,
      token: p.usdc.address,
      provider: to.provider,
      timeout: to.timeout,
    });

  const mined = async (hash: Hash) => {
    const receipt = await provider.waitForTransactionReceipt({ hash });
    expect(receipt.status).toBe("success");
    return receipt;
  };

  beforeAll(async () => {
    connection = (await network.create()) as Connection;
    const wallets = await connection.viem.getWalletClients();
    deployer = wallets[0];
    [providerWallet, signerWallet, bystander] = [wallets[5], wallets[6], wallets[7]];
    p = await deployProtocol(connection);
    market = p.market.address;
    model = await registerModel(p, deployer, "provider-sdk-model");
    otherModel = await registerModel(p, deployer, "provider-sdk-other-model");
    chain = (await connection.viem.getPublicClient()).chain as Chain;
    provider = walletClient(providerWallet.account);
    client = walletClient(wallets[4].account);
    await p.usdc.write.mint([client.account.address, 1_000n * USDC]);
  });

  it("test_providerLifecycle_registersStakesServesSettlesAndExits", async () => {
    const me = provider.account.address;
    await mined(await registerProvider(provider, { market, signer: signerWallet.account.address, metadataURI: "https://gpu.example" }));
    const info = await p.market.read.provider([me]);
    expect(info.registered).toBe(true);
    expect(info.signer.toLowerCase()).toBe(signerWallet.account.address.toLowerCase());

    await mined(await setOffer(provider, { market, model, token: p.usdc.address, price: 2n * USDC, maxLatency: 60 }));
    const offer = await p.market.read.offer([me, model]);
    expect(offer).toMatchObject({ price: 2n * USDC, maxLatency: 60, active: true });

    await p.token.write.transfer([me, 1_000n * DPI], { account: deployer.account });
    const staked = await stake(provider, { market, amount: 1_000n * DPI });
    expect(staked.approvalHash).toBeDefined(); // no allowance yet: approved exactly the amount first
    await mined(staked.hash);
    expect((await p.market.read.provider([me])).staked).toBe(1_000n * DPI);
    expect(await p.token.read.allowance([me, market])).toBe(0n);

    // Two direct jobs and one open job; the provider accepts all three and attests.
    const jobs: { jobId: Hex; job: Job }[] = [
      await jobFor({ provider: me, input: "direct 1" }),
      await jobFor({ provider: me, input: "direct 2" }),
      await jobFor({ input: "open 1" }),
    ];
    for (const { job } of jobs) await mined(await acceptJob(provider, { market, job }));
    expect((await p.market.read.provider([me])).locked).toBe(jobs.reduce((sum, { job }) => sum + job.collateral, 0n));
    for (const { jobId, job } of jobs) {
      await mined((await submitResult(provider, { market, jobId, job, output: `out ${jobId}`, signer: signerWallet.account })).hash);
    }

    // The client settles the second job early (a client may finalize at any time): the provider's
    // list is now stale, and its batch skips that job instead of failing.
    await mined(await client.writeContract({ address: market, abi: p.market.abi, functionName: "finalizeJob", args: [jobs[1].job] }));
    await connection.networkHelpers.time.increase(4 * 3600 + 1);
    // batchSize 2 splits the three jobs into two transactions.
    const settled = await finalizeJobs(provider, { market, jobs: jobs.map((j) => j.job), batchSize: 2 });
    expect(settled.hashes).toHaveLength(2);
    expect(settled.finalized).toEqual([jobs[0].jobId, jobs[2].jobId]);
    expect(settled.skipped).toEqual([{ jobId: jobs[1].jobId, status: "Finalized" }]);
    for (const { jobId } of jobs) expect((await p.market.read.jobState([jobId])).status).toBe(JobStatus.Finalized);
    expect(await finalizeJobs(provider, { market, jobs: [] })).toEqual({ hashes: [], finalized: [], skipped: [] });
    expect((await p.market.read.provider([me])).locked).toBe(0n);
    expect(await p.market.read.claimable([me, p.usdc.address])).toBe(3n * (2n * USDC - (2n * USDC) / 100n));

    // Finalizing settled jobs again sends a batch that skips them all.
    const again = await finalizeJobs(provider, { market, jobs: [jobs[0].job] });
    expect(again.finalized).toEqual([]);
    expect(again.skipped).toEqual([{ jobId: jobs[0].jobId, status: "Finalized" }]);

    // A job still in its window refuses the whole batch: the first batch throws its typed revert, a
    // later one reports what was sent.
    const fresh = await jobFor({ provider: me, input: "direct 3" });
    await mined((await submitResult(provider, { market, jobId: fresh.jobId, job: fresh.job, output: "out", signer: signerWallet.account })).hash);
    await connection.networkHelpers.time.increase(4 * 3600 + 1);
    const young = await jobFor({ provider: me, input: "direct 4" });
    await mined((await submitResult(provider, { market, jobId: young.jobId, job: young.job, output: "out", signer: signerWallet.account })).hash);
    await expect(finalizeJobs(provider, { market, jobs: [young.job] })).rejects.toBeInstanceOf(JobChallengeWindowOpenError);
    const partial = await finalizeJobs(provider, { market, jobs: [fresh.job, young.job], batchSize: 1 }).catch((e: unknown) => e);
    expect(partial).toBeInstanceOf(FinalizeJobsBatchError);
    expect((partial as FinalizeJobsBatchError).sentJobs).toBe(1);
    expect((partial as FinalizeJobsBatchError).hashes).toHaveLength(1);
    expect((partial as FinalizeJobsBatchError).cause).toBeInstanceOf(JobChallengeWindowOpenError);
    await mined((partial as FinalizeJobsBatchError).hashes[0]);
    expect((await p.market.read.jobState([fresh.jobId])).status).toBe(JobStatus.Finalized);
    await connection.networkHelpers.time.increase(4 * 3600 + 1);
    expect((await finalizeJobs(provider, { market, jobs: [young.job] })).finalized).toEqual([young.jobId]);

    await mined(await requestUnstake(provider, { market, amount: 400n * DPI }));
    const [thaw] = await p.market.read.thawRequests([me]);
    expect(thaw.amount).toBe(400n * DPI);
    // Before the thawing period: simulation reverts and nothing is sent.
    const early = await withdrawStake(provider, { market }).catch((e: unknown) => e);
    expect(decodeDepinferError(early)).toBeInstanceOf(StakeNothingToWithdrawError);

    await connection.networkHelpers.time.increaseTo(thaw.readyAt);
    const before = await p.token.read.balanceOf([me]);
    const { hash, amount } = await withdrawStake(provider, { market });
    await mined(hash);
    expect(amount).toBe(400n * DPI);
    expect(await p.token.read.balanceOf([me])).toBe(before + 400n * DPI);
    expect((await p.market.read.provider([me])).staked).toBe(600n * DPI);
  });

  it("test_registerModel_fromAnAccountlessClient_refusesBadInputLocally_andRegistersOnce", async () => {
    // A read-only client (as wagmi's getClient returns) with the actions, signing per call.
    const reader = createPublicClient({ chain, transport: custom(connection.provider) }).extend(depinferActions({ market }));
    const commitment = { weightsHash: `0x${"a1".repeat(32)}`, runtimeDigest: `0x${"b2".repeat(32)}`, determinism: 1 } as const;
    const requests = vi.spyOn(connection.provider, "request");
    try {
      const short = await reader.registerModel({ ...commitment, weightsHash: "0x1234", metadataURI: "", account: bystander.account }).catch((e) => e);
      expect(short).toBeInstanceOf(InvalidParameterError);
      expect(short.field).toBe("weightsHash");
      const unknown = await reader.registerModel({ ...commitment, determinism: 3 as never, metadataURI: "", account: bystander.account }).catch((e) => e);
      expect(unknown).toBeInstanceOf(InvalidParameterError);
      expect(requests).not.toHaveBeenCalled(); // refused before any request
    } finally {
      requests.mockRestore();
    }
    const { hash, model: id } = await reader.registerModel({ ...commitment, metadataURI: "ipfs://card", account: bystander.account });
    await mined(hash);
    expect(id).toBe(modelIdOf(commitment));
    expect((await p.market.read.model([id])).registered).toBe(true);
    await expect(reader.registerModel({ ...commitment, metadataURI: "again", account: bystander.account })).rejects.toBeInstanceOf(ModelAlreadyRegisteredError);
  });

  it("test_acceptJob_refusesAnOpenJobItCannotFinishBeforeSending", async () => {
    const me = provider.account.address;
    const { maxLatency } = await p.market.read.offer([me, model]);
    expect(maxLatency).toBe(60);
    // An open job whose deadline is maxLatency from its creation: by the time an acceptance lands, less is left.
    const tight = await jobFor({ input: "open, too tight", timeout: maxLatency });
    const nonce = await provider.getTransactionCount({ address: me });
    const error = await acceptJob(provider, { market, job: tight.job }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobDeadlineBelowLatencyError);
    const { args, hint } = error as JobDeadlineBelowLatencyError;
    const latest = await provider.getBlock();
    expect(args).toEqual({ jobId: tight.jobId, deadline: BigInt(tight.job.deadline), earliest: latest.timestamp + 1n + BigInt(maxLatency) });
    expect(hint).toMatch(/maxLatency/);
    expect(await provider.getTransactionCount({ address: me })).toBe(nonce); // nothing sent
    expect((await p.market.read.jobState([tight.jobId])).status).toBe(JobStatus.Created);

    // With room for the offer's latency it is taken; a direct job is not held to the offer's latency.
    const roomy = await jobFor({ input: "open, roomy", timeout: 600 });
    await mined(await acceptJob(provider, { market, job: roomy.job }));
    const direct = await jobFor({ provider: me, input: "direct, tight", timeout: 30 });
    await mined(await acceptJob(provider, { market, job: direct.job }));
  });

  it("test_watchJobs_deliversEveryJobOnceInOrderAcrossRpcOutages", async () => {
    const me = provider.account.address;
    // Fails every request, or only eth_getLogs (the head moves on while the logs cannot be read).
    let failing: "none" | "all" | "getLogs" = "none";
    let failures = 0;
    const request: EIP1193RequestFn = async (args) => {
      if (failing === "all" || (failing === "getLogs" && args.method === "eth_getLogs")) {
        failures += 1;
        throw new Error(`simulated RPC outage (${args.method})`);
      }
      return connection.provider.request(args as never) as never;
    };
    const watcher = createPublicClient({ chain, transport: custom({ request }, { retryCount: 0 }) });

    const expected: WatchJobsItem[] = [];
    // Jobs the provider can take, and decoys it must not be offered.
    const create = async (tag: string) => {
      for (const to of [
        { provider: me, input: `${tag} direct` },
        { input: `${tag} open` },
        { provider: bystander.account.address, input: `${tag} direct to someone else` },
        { model: otherModel, input: `${tag} open, model not offered` },
      ]) {
        const { jobId, job, receipt } = await jobFor(to);
        if (to.provider === me || (!to.provider && !to.model)) expected.push({ jobId, job, blockNumber: receipt.blockNumber });
      }
    };

    await create("before start");
    const delivered: WatchJobsItem[] = [];
    const progress: bigint[] = [];
    const errors: Error[] = [];
    const unwatch = watchJobs(watcher, {
      market,
      provider: me,
      models: [model],
      fromBlock: 0n,
      pollingInterval: 20,
      maxBlockRange: 4n, // several ranges per poll
      onJobs: (jobs) => void delivered.push(...jobs),
      onProgress: (block) => void progress.push(block),
      onError: (error) => void errors.push(error),
    });
    // Jobs of the lifecycle test (before this one) are for this provider and model too.
    const earlier = (await p.market.getEvents.JobCreated({}, { fromBlock: 0n })).filter(
      (log) =>
        !expected.some((e) => e.jobId === log.args.jobId) &&
        (isAddressEqual(log.args.job!.provider, me) || (log.args.job!.provider === zeroAddress && log.args.job!.model === model)),
    );
    expected.unshift(...earlier.map((log) => ({ jobId: log.args.jobId!, job: log.args.job as Job, blockNumber: log.blockNumber })));
    await vi.waitFor(() => expect(delivered).toHaveLength(expected.length), { timeout: 10_000, interval: 20 });

    failing = "all";
    await create("during a full outage");
    await vi.waitFor(() => expect(failures).toBeGreaterThanOrEqual(3), { timeout: 10_000, interval: 20 });
    failing = "getLogs";
    await create("while eth_getLogs fails");
    const failed = failures;
    await vi.waitFor(() => expect(failures).toBeGreaterThanOrEqual(failed + 3), { timeout: 10_000, interval: 20 });
    expect(delivered.length).toBeLessThan(expected.length);
    failing = "none";
    await create("after recovery");
    await vi.waitFor(() => expect(delivered).toHaveLength(expected.length), { timeout: 10_000, interval: 20 });
    await sleep(200); // a few more polls: nothing is delivered twice
    unwatch();

    expect(delivered).toEqual(expected);
    expect(new Set(delivered.map((d) => d.jobId)).size).toBe(delivered.length);
    for (let i = 1; i < delivered.length; i++) expect(delivered[i].blockNumber >= delivered[i - 1].blockNumber).toBe(true);
    expect(errors.length).toBeGreaterThanOrEqual(6);
    expect(errors.every((e) => /simulated RPC outage/.test(e.message))).toBe(true);
    for (let i = 1; i < progress.length; i++) expect(progress[i]).toBeGreaterThan(progress[i - 1]);
    const head = await provider.getBlockNumber();
    expect(progress.at(-1)).toBe(head);

    // After unwatch nothing arrives; a new watcher resumes from the persisted block and sees only the new job.
    const last = progress.at(-1)!;
    const late = await jobFor({ provider: me, input: "after unwatch" });
    await sleep(100);
    expect(delivered).toHaveLength(expected.length);
    const resumed: WatchJobsItem[] = [];
    const unwatch2 = watchJobs(watcher, {
      market,
      provider: me,
      models: [model],
      fromBlock: last + 1n,
      pollingInterval: 20,
      onJobs: (jobs) => void resumed.push(...jobs),
    });
    await vi.waitFor(() => expect(resumed).toHaveLength(1), { timeout: 10_000, interval: 20 });
    unwatch2();
    expect(resumed[0]).toEqual({ jobId: late.jobId, job: late.job, blockNumber: late.receipt.blockNumber });
  });
});
