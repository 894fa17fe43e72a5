// waitForResult funds the client's paid-band check by default (docs/economics.md 6.6; sdk/src/actions/client/
// fundPaidBandCheck.ts), against a chain with the SampledVerifier deployed and registered by the production
// Ignition module, with MockRandomness (the test sets the seeds). An unbonded provider is drawn at
// deterrenceBps / collateral ratio (25 % at the deployment's defaults); draws in [2 %, 25 %) are the
// caller-paid band, which only a paying caller checks.
import { network } from "hardhat";
import { custom, maxUint256, sha256, toHex, type Chain, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { beforeAll, describe, expect, it } from "vitest";

import { DPI, registerBuiltinModel, setUpNodeProvider, USDC, type Connection } from "../../scripts/lib/harness.js";
import { drawOf } from "../../scripts/sim/chain.js";
import {
  assignVerifiers,
  claimVerifierRewards,
  commitVote,
  createDepinferClient,
  enrolVerifier,
  fundPaidBandCheck,
  getFundedCheck,
  getVerification,
  MemoryContentStore,
  PaidBandCheckFundsError,
  PaidBandCheckWindowClosedError,
  resolveCheck,
  revealVote,
  sampleJob,
  SamplingContractError,
  signAttestation,
  WaitForResultTimeoutError,
  type Job,
} from "../../sdk/src/index.js";
import { deploySampling } from "../utils/sampling.js";

const PRICE = 2n * USDC;

describe("SDK: waitForResult funds paid-band checks", () => {
  let connection: Connection;
  let s: Awaited<ReturnType<typeof deploySampling>>;
  let model: Hex;
  let chain: Chain;
  let unbonded: number;
  let reward: bigint;
  let cost: bigint;
  const keys: Record<string, { privateKey: Hex; address: `0x${string}` }> = {};
  const wallets: Record<string, ReturnType<typeof createDepinferClient>> = {};
  const verifiers = ["v1", "v2", "v3"];
  let clientKey: Hex;
  let client: ReturnType<typeof createDepinferClient>;
  let clientAddress: `0x${string}`;
  let n = 0;

  const walletFor = (privateKey: Hex) =>
    createDepinferClient({ chain, transport: custom(connection.provider, { retryCount: 0 }), account: privateKeyToAccount(privateKey), deployment: { market: s.market.address } });
  const rng = () => connection.viem.getContractAt("MockRandomness", s.randomness);
  const epochOf = async (jobId: Hex) => BigInt((await s.market.read.jobState([jobId])).timestamp) / BigInt(60);
  const usdcOf = (a: `0x${string}`) => s.usdc.read.balanceOf([a]);

  beforeAll(async () => {
    connection = (await network.create()) as Connection;
    s = await deploySampling(connection, { randomness: "mock" });
    model = await registerBuiltinModel(connection, s);
    const [deployer] = await connection.viem.getWalletClients();
    chain = (await connection.viem.getPublicClient()).chain as Chain;
    const [marketParams] = await s.market.read.params();
    const p = await s.sv.read.params();
    unbonded = Math.ceil((Number(p.deterrenceBps) * 10_000) / Number(marketParams.collateralRatioBps));
    reward = (PRICE * BigInt(p.verifierRewardBps)) / 10_000n;
    cost = reward * BigInt(1 + p.escalationVerifiers);
    for (const name of ["provider", ...verifiers]) {
      keys[name] = await setUpNodeProvider(connection, s, deployer, { model, price: PRICE, stake: 1_000n * DPI });
      wallets[name] = walletFor(keys[name].privateKey);
    }
    for (const v of verifiers) {
      await s.market.write.setModuleAllowance([s.sv.address, 500n * DPI], { account: privateKeyToAccount(keys[v].privateKey) });
      await enrolVerifier(wallets[v], { sampledVerifier: s.sv.address, model });
    }
    clientKey = sha256(toHex("paid-band client"));
    clientAddress = privateKeyToAccount(clientKey).address;
    await deployer.sendTransaction({ to: clientAddress, value: 10n ** 19n });
    client = walletFor(clientKey);
  });

  /** A job of `client`'s, answered with `output` (a lie unless it is the truth) and published to `store`. */
  async function lyingJob(store: MemoryContentStore) {
    const nonce = `${n++}`;
    await s.usdc.write.mint([clientAddress, PRICE]);
    const { jobId, job } = await client.submitJobSync({ model, input: `input ${nonce}`, price: PRICE, token: s.usdc.address, provider: keys.provider.address, timeout: 3600, authorization: "approve" });
    const lie = new TextEncoder().encode(`a cheap wrong answer ${nonce}`);
    const outputHash = await store.put(lie);
    const signature = await signAttestation(wallets.provider, { market: s.market.address, jobId, job, outputHash, provider: keys.provider.address });
    await s.market.write.acceptAndSubmit([job, outputHash, signature], { account: privateKeyToAccount(keys.provider.privateKey) });
    return { job, jobId, outputHash, signature, truth: sha256(toHex(`the right answer ${nonce}`)) };
  }

  /** A seed under which `jobId`'s draw is in [lo, hi). */
  function seedBetween(jobId: Hex, lo: number, hi: number): Hex {
    for (let i = 1; ; i++) {
      const seed = sha256(toHex(`band ${jobId} ${i}`));
      const d = drawOf(seed, jobId);
      if (d >= lo && d < hi) return seed;
    }
  }
  const inPaidBand = async (jobId: Hex) => (await rng()).write.setSeed([await epochOf(jobId), seedBetween(jobId, 200, unbonded)]);

  /** Runs a check to its end with honest verifiers (they vote `truth`): round 0, then the escalation if they disagree. */
  async function runCheck(job: Job, truth: Hex) {
    const sv = s.sv.address;
    for (let round = 0; round < 2; round++) {
      const v = await getVerification(client, { sampledVerifier: sv, job });
      if (v.status !== "AwaitingSeed") break;
      await (await rng()).write.setSeed([v.seedEpoch, sha256(toHex(`assign ${job.nonce} ${round}`))]);
      await assignVerifiers(client, { sampledVerifier: sv, job });
      const seats = (await getVerification(client, { sampledVerifier: sv, job })).votes.filter((x) => x.round === round);
      const salts = [];
      for (const seat of seats) {
        const name = verifiers.find((x) => keys[x].address.toLowerCase() === seat.verifier.toLowerCase())!;
        salts.push({ name, salt: (await commitVote(wallets[name], { sampledVerifier: sv, job, outputHash: truth })).salt });
      }
      for (const { name, salt } of salts) await revealVote(wallets[name], { sampledVerifier: sv, job, outputHash: truth, salt });
      await resolveCheck(client, { sampledVerifier: sv, job });
    }
    return getVerification(client, { sampledVerifier: sv, job });
  }

  it("a lying provider drawn in the paid band is caught because waitForResult funded its check; the client gets its price back and the module's winnings", async () => {
    const store = new MemoryContentStore();
    const j = await lyingJob(store);
    await s.usdc.write.mint([clientAddress, cost]);
    // An unlimited allowance from earlier: the SDK cuts it to the check's cost, so the module can never take more than the budget.
    await s.usdc.write.approve([s.sv.address, maxUint256], { account: privateKeyToAccount(clientKey) });
    const before = await usdcOf(clientAddress);
    // waitForResult waits for the draw's seed: it is revealed only after it started waiting.
    let settled = false;
    const waiting = client.waitForResult({ jobId: j.jobId, store, pollingInterval: 20, timeoutMs: 30_000 }).finally(() => (settled = true));
    await new Promise((r) => setTimeout(r, 200));
    expect(settled).toBe(false);
    await inPaidBand(j.jobId);
    const result = await waiting;
    expect(result.outputHash).toBe(j.outputHash);
    expect(result.check).toMatchObject({ status: "funded", checked: true, band: "Caller", baseRateBps: 200, rateBps: unbonded, cost, paid: cost, budget: 4n * PRICE, sampledVerifier: s.sv.address });
    expect(before - (await usdcOf(clientAddress))).toBe(cost);
    expect(await s.usdc.read.allowance([clientAddress, s.sv.address])).toBe(0n);
    expect((await s.sv.read.funderOf([j.jobId])).toLowerCase()).toBe(clientAddress.toLowerCase());
    // Asked again (a second waitForResult, another tab): already funded, nothing paid twice.
    expect((await fundPaidBandCheck(client, { market: s.market.address, jobId: j.jobId, outputHash: j.outputHash, signature: j.signature })).status).toBe("alreadyFunded");

    const clientClaimable = await s.market.read.claimable([clientAddress, s.usdc.address]);
    const outcome = await runCheck(j.job, j.truth);
    expect(outcome).toMatchObject({ status: "Closed", outcome: "upheld" });
    expect((await s.market.read.jobState([j.jobId])).status).toBe(8); // Slashed
    // The client: its price back in the market, and what the check owes the funder.
    expect((await s.market.read.claimable([clientAddress, s.usdc.address])) - clientClaimable).toBe(PRICE);
    const funded = await getFundedCheck(client, { sampledVerifier: s.sv.address, jobId: j.jobId });
    // Refunded: the rewards of the seats nobody filled (the escalation may seat fewer than k among 3 enrolled).
    const paidSeats = BigInt(outcome.votes.filter((v) => v.status === "Revealed").length);
    expect(paidSeats).toBeGreaterThanOrEqual(2n);
    expect(funded).toMatchObject({ funder: clientAddress, settled: true, refund: cost - paidSeats * reward });
    expect(funded.winnings).toBeGreaterThan(0n);
    const dpi = await s.token.read.balanceOf([clientAddress]);
    expect((await claimVerifierRewards(client, { sampledVerifier: s.sv.address, token: s.token.address })).amount).toBe(funded.winnings);
    expect((await s.token.read.balanceOf([clientAddress])) - dpi).toBe(funded.winnings);
    await connection.networkHelpers.time.increase(31 * 24 * 3600); // the provider's fraud jail
  }, 90_000);

  it("with fundChecks: false the same lie at a paid-band draw is not checked, and the provider is paid", async () => {
    const store = new MemoryContentStore();
    const j = await lyingJob(store);
    await inPaidBand(j.jobId);
    const result = await client.waitForResult({ jobId: j.jobId, store, pollingInterval: 20, timeoutMs: 10_000, fundChecks: false });
    expect(result.check).toMatchObject({ status: "disabled", checked: false, paid: 0n });
    // Nobody else can start it: the fund does not pay for the band.
    const refused = await sampleJob(client, { sampledVerifier: s.sv.address, job: j.job, outputHash: j.outputHash, signature: j.signature }).catch((e: unknown) => e);
    expect((refused as SamplingContractError).errorName).toBe("SamplingJobInPaidBand");
    const [marketParams] = await s.market.read.params();
    await connection.networkHelpers.time.increase(Number(marketParams.challengeWindow) + 1);
    const provider = await s.market.read.claimable([keys.provider.address, s.usdc.address]);
    await s.market.write.finalizeJob([j.job]);
    expect((await s.market.read.jobState([j.jobId])).status).toBe(5); // Finalized: the lie was paid
    expect(await s.market.read.claimable([keys.provider.address, s.usdc.address])).toBeGreaterThan(provider);
    expect(await s.sv.read.funderOf([j.jobId])).toBe("0x0000000000000000000000000000000000000000");
  }, 60_000);

  it("within the budget only: a check costing more than the budget is not funded and nothing is approved or paid", async () => {
    const store = new MemoryContentStore();
    const j = await lyingJob(store);
    await inPaidBand(j.jobId);
    await s.usdc.write.mint([clientAddress, cost]);
    await s.usdc.write.approve([s.sv.address, 0n], { account: privateKeyToAccount(clientKey) });
    const before = await usdcOf(clientAddress);
    const result = await client.waitForResult({ jobId: j.jobId, store, pollingInterval: 20, timeoutMs: 10_000, fundChecks: { budget: cost - 1n } });
    expect(result.check).toMatchObject({ status: "overBudget", checked: false, cost, paid: 0n, budget: cost - 1n });
    expect(await usdcOf(clientAddress)).toBe(before);
    expect(await s.usdc.read.allowance([clientAddress, s.sv.address])).toBe(0n);
    // At exactly the cost it funds.
    expect((await fundPaidBandCheck(client, { market: s.market.address, jobId: j.jobId, outputHash: j.outputHash, signature: j.signature, budget: cost })).status).toBe("funded");
    expect(before - (await usdcOf(clientAddress))).toBe(cost);
  }, 60_000);

  it("typed errors that keep the output: balance short, allowance short with approve: false", async () => {
    const store = new MemoryContentStore();
    const j = await lyingJob(store);
    await inPaidBand(j.jobId);
    const balance = await usdcOf(clientAddress);
    await s.usdc.write.transfer([keys.provider.address, balance], { account: privateKeyToAccount(clientKey) });
    await s.usdc.write.mint([clientAddress, cost - 1n]);
    const short = await client.waitForResult({ jobId: j.jobId, store, pollingInterval: 20, timeoutMs: 10_000 }).catch((e: unknown) => e);
    expect(short).toBeInstanceOf(PaidBandCheckFundsError);
    expect(short).toMatchObject({ reason: "balance", needed: cost, available: cost - 1n });
    expect((short as PaidBandCheckFundsError).shortMessage).toContain("not checked");
    expect(((short as PaidBandCheckFundsError).result as { outputHash: Hex }).outputHash).toBe(j.outputHash);

    await s.usdc.write.mint([clientAddress, 1n]);
    await s.usdc.write.approve([s.sv.address, cost - 1n], { account: privateKeyToAccount(clientKey) });
    const allowance = await client.waitForResult({ jobId: j.jobId, store, pollingInterval: 20, timeoutMs: 10_000, fundChecks: { approve: false } }).catch((e: unknown) => e);
    expect(allowance).toBeInstanceOf(PaidBandCheckFundsError);
    expect(allowance).toMatchObject({ reason: "allowance", needed: cost, available: cost - 1n });
    expect(await s.sv.read.funderOf([j.jobId])).toBe("0x0000000000000000000000000000000000000000");
  }, 60_000);

  it("the funding window: funded in its last second, refused (typed, nothing sent) from the second it ends; a seed that never comes is refused too", async () => {
    const store = new MemoryContentStore();
    const j = await lyingJob(store);
    await inPaidBand(j.jobId);
    const state = await s.market.read.jobState([j.jobId]);
    const windowEndsAt = BigInt(state.timestamp) + BigInt(state.challengeWindow);
    await s.usdc.write.mint([clientAddress, cost]);
    await s.usdc.write.approve([s.sv.address, cost], { account: privateKeyToAccount(clientKey) });
    // The latest block is one second before the end: the funding transaction lands at the end itself.
    await connection.networkHelpers.time.increaseTo(windowEndsAt - 1n);
    const last = await fundPaidBandCheck(client, { market: s.market.address, jobId: j.jobId, outputHash: j.outputHash, signature: j.signature, approve: false });
    expect(last.status).toBe("funded");
    const receipt = await (await connection.viem.getPublicClient()).getTransactionReceipt({ hash: last.hash! });
    expect((await (await connection.viem.getPublicClient()).getBlock({ blockNumber: receipt.blockNumber })).timestamp).toBe(windowEndsAt);

    const k = await lyingJob(store);
    await inPaidBand(k.jobId);
    const kState = await s.market.read.jobState([k.jobId]);
    const kEnds = BigInt(kState.timestamp) + BigInt(kState.challengeWindow);
    await s.usdc.write.mint([clientAddress, cost]);
    await connection.networkHelpers.time.increaseTo(kEnds);
    const before = await usdcOf(clientAddress);
    const late = await client.waitForResult({ jobId: k.jobId, store, pollingInterval: 20, timeoutMs: 10_000 }).catch((e: unknown) => e);
    expect(late).toBeInstanceOf(PaidBandCheckWindowClosedError);
    expect(late).toMatchObject({ drawKnown: true, windowEndsAt: kEnds, now: kEnds });
    expect(((late as PaidBandCheckWindowClosedError).result as { outputHash: Hex }).outputHash).toBe(k.outputHash);
    expect(await usdcOf(clientAddress)).toBe(before);

    // No seed for the submission epoch before the window ends: the draw cannot be read, refused as well.
    const m = await lyingJob(store);
    const mState = await s.market.read.jobState([m.jobId]);
    await connection.networkHelpers.time.increaseTo(BigInt(mState.timestamp) + BigInt(mState.challengeWindow));
    const unseeded = await client.waitForResult({ jobId: m.jobId, store, pollingInterval: 20, timeoutMs: 10_000 }).catch((e: unknown) => e);
    expect(unseeded).toBeInstanceOf(PaidBandCheckWindowClosedError);
    expect(unseeded).toMatchObject({ drawKnown: false });
  }, 60_000);

  it("a timeout while the draw is unknown returns the verified output anyway, with the check drawPending and nothing paid", async () => {
    const store = new MemoryContentStore();
    const j = await lyingJob(store);
    const before = await usdcOf(clientAddress);
    const result = await client.waitForResult({ jobId: j.jobId, store, pollingInterval: 20, timeoutMs: 500, fundChecks: { budget: cost } });
    expect(result.outputHash).toBe(j.outputHash);
    expect(new TextDecoder().decode(result.output)).toMatch(/^a cheap wrong answer /);
    expect(result.check).toEqual({ status: "drawPending", checked: false, paid: 0n, budget: cost });
    expect(await usdcOf(clientAddress)).toBe(before);
    // A job whose result never came still times out with the typed error.
    const none = await client.waitForResult({ jobId: `0x${"ab".repeat(32)}`, store, pollingInterval: 20, timeoutMs: 300 }).catch((e: unknown) => e);
    expect(none).toBeInstanceOf(WaitForResultTimeoutError);
  }, 30_000);

  it("reports the other bands without paying: unsampled, and the fund's band (sdk/test/waitForResult.test.ts: a class the arbitrated verifier judges)", async () => {
    const store = new MemoryContentStore();
    const u = await lyingJob(store);
    await (await rng()).write.setSeed([await epochOf(u.jobId), seedBetween(u.jobId, unbonded, 10_000)]);
    expect((await client.waitForResult({ jobId: u.jobId, store, pollingInterval: 20, timeoutMs: 10_000 })).check).toMatchObject({ status: "unsampled", checked: false, paid: 0n });
    await connection.networkHelpers.time.increase(120);
    const f = await lyingJob(store);
    await (await rng()).write.setSeed([await epochOf(f.jobId), seedBetween(f.jobId, 0, 200)]);
    expect((await client.waitForResult({ jobId: f.jobId, store, pollingInterval: 20, timeoutMs: 10_000 })).check).toMatchObject({ status: "fundBand", checked: true, paid: 0n });
  }, 60_000);
});
