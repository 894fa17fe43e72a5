// The SDK's verifier actions (sdk/src/actions/verifier) and typed sampling errors, against a chain
// with the SampledVerifier deployed by the production Ignition module (with MockRandomness, whose
// seeds the test sets, and the simulation's parameters: the fund pays for draws below 2 %; an unbonded
// provider's jobs are drawn at deterrenceBps / collateral ratio, 25 % at the deployment's defaults, the band between being the caller-funded one).
import { network } from "hardhat";
import { custom, sha256, toHex, type Chain, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { beforeAll, describe, expect, it } from "vitest";

import { DPI, registerBuiltinModel, setUpNodeProvider, USDC, type Connection } from "../../scripts/lib/harness.js";
import { drawOf, seedDrawing } from "../../scripts/sim/chain.js";
import {
  assignVerifiers,
  claimVerifierRewards,
  commitVote,
  createDepinferClient,
  enrolVerifier,
  fundCheck,
  getJobSampling,
  getSamplingBond,
  getVerification,
  postSamplingBond,
  requestSamplingBondRelease,
  withdrawSamplingBond,
  resolveCheck,
  revealVote,
  sampleJob,
  SamplingContractError,
  signAttestation,
  unenrolVerifier,
  voteCommitment,
  type Job,
} from "../../sdk/src/index.js";
import { deploySampling, EPOCH } from "../utils/sampling.js";

const PRICE = 2n * USDC;

async function rejectsWith(promise: Promise<unknown>, errorName: string) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected ${errorName}`).toBeInstanceOf(SamplingContractError);
  expect((error as SamplingContractError).errorName).toBe(errorName);
  expect((error as SamplingContractError).hint.length).toBeGreaterThan(20);
  return error as SamplingContractError;
}

describe("SDK: sampled verification actions", () => {
  let connection: Connection;
  let s: Awaited<ReturnType<typeof deploySampling>>;
  let model: Hex;
  let chain: Chain;
  /** An unbonded provider's rate: ⌈deterrenceBps × P_S / C⌉ = deterrenceBps / collateral ratio, read from the deployment. */
  let unbonded: number;
  const wallets: Record<string, ReturnType<typeof createDepinferClient>> = {};
  const keys: Record<string, { privateKey: Hex; address: `0x${string}` }> = {};

  beforeAll(async () => {
    connection = (await network.create()) as Connection;
    s = await deploySampling(connection, { randomness: "mock" });
    model = await registerBuiltinModel(connection, s);
    const [deployer] = await connection.viem.getWalletClients();
    chain = (await connection.viem.getPublicClient()).chain as Chain;
    const [marketParams] = await s.market.read.params();
    unbonded = Math.ceil((Number((await s.sv.read.params()).deterrenceBps) * 10_000) / Number(marketParams.collateralRatioBps));
    for (const name of ["provider", "verifier"]) {
      keys[name] = await setUpNodeProvider(connection, s, deployer, { model, price: PRICE, stake: 1_000n * DPI });
      wallets[name] = createDepinferClient({ chain, transport: custom(connection.provider, { retryCount: 0 }), account: privateKeyToAccount(keys[name].privateKey), deployment: { market: s.market.address } });
    }
  });

  async function submittedJob(nonce: string): Promise<{ job: Job; jobId: Hex; outputHash: Hex; signature: Hex }> {
    const [, clientW] = await connection.viem.getWalletClients();
    await s.usdc.write.mint([clientW.account.address, PRICE]);
    const client = createDepinferClient({ chain, transport: custom(connection.provider, { retryCount: 0 }), account: clientW.account, deployment: { market: s.market.address } });
    const { jobId, job } = await client.submitJobSync({ model, input: `input ${nonce}`, price: PRICE, token: s.usdc.address, provider: keys.provider.address, timeout: 3600, authorization: "approve" });
    const outputHash = sha256(toHex(`output ${nonce}`));
    const signature = await signAttestation(wallets.provider, { market: s.market.address, jobId, job, outputHash, provider: keys.provider.address });
    await s.market.write.acceptAndSubmit([job, outputHash, signature], { account: privateKeyToAccount(keys.provider.privateKey) });
    return { job, jobId, outputHash, signature };
  }
  const rng = () => connection.viem.getContractAt("MockRandomness", s.randomness);
  const epochOf = async (jobId: Hex) => BigInt((await s.market.read.jobState([jobId])).timestamp) / BigInt(EPOCH);

  it("enrols, samples, assigns, commits with a kept salt, reveals, resolves and claims; each refusal is a typed error", async () => {
    const sv = s.sv.address;
    const verifier = wallets.verifier;
    await s.market.write.setModuleAllowance([sv, 200n * DPI], { account: privateKeyToAccount(keys.verifier.privateKey) });
    await enrolVerifier(verifier, { sampledVerifier: sv, model });
    await rejectsWith(enrolVerifier(verifier, { sampledVerifier: sv, model }), "SamplingAlreadyEnrolled");

    // Not drawn: nothing stored, a typed refusal with the draw and the rate.
    const a = await submittedJob("a");
    await rejectsWith(sampleJob(verifier, { sampledVerifier: sv, job: a.job, outputHash: a.outputHash, signature: a.signature }), "RandomnessSeedNotReady");
    await (await rng()).write.setSeed([await epochOf(a.jobId), seedDrawing(a.jobId, unbonded, false)]);
    const notDrawn = await rejectsWith(sampleJob(verifier, { sampledVerifier: sv, job: a.job, outputHash: a.outputHash, signature: a.signature }), "SamplingJobNotSampled");
    expect(Number(notDrawn.args.rateBps as bigint)).toBe(unbonded);
    expect((await getVerification(verifier, { sampledVerifier: sv, job: a.job })).draw).toMatchObject({ sampled: false, rateBps: 200 });

    // Drawn: the check waits for its assignment seed, then seats the only eligible verifier.
    const b = await submittedJob("b");
    await (await rng()).write.setSeed([await epochOf(b.jobId), seedDrawing(b.jobId, 200, true)]);
    expect((await getVerification(verifier, { sampledVerifier: sv, job: b.job })).draw?.sampled).toBe(true);
    await rejectsWith(sampleJob(verifier, { sampledVerifier: sv, job: b.job, outputHash: b.outputHash, signature: a.signature }), "SamplingBadAttestation");
    await sampleJob(verifier, { sampledVerifier: sv, job: b.job, outputHash: b.outputHash, signature: b.signature });
    let v = await getVerification(verifier, { sampledVerifier: sv, job: b.job });
    expect(v).toMatchObject({ sampled: true, status: "AwaitingSeed", round: 0, providerOutput: b.outputHash, votes: [] });
    await (await rng()).write.setSeed([v.seedEpoch, toHex(7n, { size: 32 })]);
    await assignVerifiers(verifier, { sampledVerifier: sv, job: b.job });
    v = await getVerification(verifier, { sampledVerifier: sv, job: b.job });
    expect(v.status).toBe("Running");
    expect(v.votes).toMatchObject([{ verifier: keys.verifier.address, status: "Assigned", round: 0 }]);

    // The provider holds no seat: a typed refusal. The verifier's salt is handed over before sending.
    await rejectsWith(commitVote(wallets.provider, { sampledVerifier: sv, job: b.job, outputHash: b.outputHash }), "SamplingNotAssigned");
    let kept: { salt: Hex; commitment: Hex } | undefined;
    const committed = await commitVote(verifier, { sampledVerifier: sv, job: b.job, outputHash: b.outputHash, onSalt: (x) => void (kept = x) });
    expect(kept?.salt).toBe(committed.salt);
    expect(committed.commitment).toBe(voteCommitment({ jobId: b.jobId, round: 0, verifier: keys.verifier.address, outputHash: b.outputHash, salt: committed.salt }));
    expect((await getVerification(verifier, { sampledVerifier: sv, job: b.job })).votes[0]).toMatchObject({ status: "Committed", commitment: committed.commitment });
    // A different salt does not open the commitment.
    await rejectsWith(revealVote(verifier, { sampledVerifier: sv, job: b.job, outputHash: b.outputHash, salt: toHex(1n, { size: 32 }) }), "SamplingCommitmentMismatch");
    await rejectsWith(resolveCheck(verifier, { sampledVerifier: sv, job: b.job }), "SamplingRoundOpen");
    await revealVote(verifier, { sampledVerifier: sv, job: b.job, outputHash: b.outputHash, salt: committed.salt });
    await rejectsWith(revealVote(verifier, { sampledVerifier: sv, job: b.job, outputHash: b.outputHash, salt: committed.salt }), "SamplingNotAssigned");
    await resolveCheck(verifier, { sampledVerifier: sv, job: b.job });
    v = await getVerification(verifier, { sampledVerifier: sv, job: b.job });
    expect(v).toMatchObject({ status: "Closed", outcome: "stands", votes: [{ status: "Revealed", agrees: true }] });

    // Paid: R for the seat, plus the keeper tip for the draw.
    const p = await s.sv.read.params();
    const owed = (PRICE * BigInt(p.verifierRewardBps + p.keeperTipBps)) / 10_000n;
    const { amount } = await claimVerifierRewards(verifier, { sampledVerifier: sv, token: s.usdc.address });
    expect(amount).toBe(owed);
    await rejectsWith(claimVerifierRewards(verifier, { sampledVerifier: sv, token: s.usdc.address }), "SamplingNothingOwed");

    await unenrolVerifier(verifier, { sampledVerifier: sv, model });
    await rejectsWith(unenrolVerifier(verifier, { sampledVerifier: sv, model }), "SamplingNotEnrolled");
  }, 60_000);

  /** A seed under which `jobId`'s draw is in [lo, hi). */
  function seedBetween(jobId: Hex, lo: number, hi: number): Hex {
    for (let i = 1; ; i++) {
      const seed = sha256(toHex(`band ${i}`));
      const d = drawOf(seed, jobId);
      if (d >= lo && d < hi) return seed;
    }
  }

  it("posts, reads, releases and withdraws a sampling bond; funds a check in the caller-paid band and gets the unused rewards back", async () => {
    const sv = s.sv.address;
    const provider = wallets.provider;
    const providerAccount = privateKeyToAccount(keys.provider.privateKey);
    const p = await s.sv.read.params();

    // The bond: typed refusals, then posted, read, released after exactly the delay.
    await rejectsWith(postSamplingBond(provider, { sampledVerifier: sv, amount: 0n }), "SamplingBondAmountInvalid");
    await rejectsWith(requestSamplingBondRelease(provider, { sampledVerifier: sv }), "SamplingNoBond");
    await s.market.write.setModuleAllowance([sv, 500n * DPI], { account: providerAccount });
    await postSamplingBond(provider, { sampledVerifier: sv, amount: 100n * DPI });
    let bond = await getSamplingBond(provider, { sampledVerifier: sv, provider: keys.provider.address });
    expect(bond).toMatchObject({ amount: 100n * DPI, cycle: 1, requestedAt: undefined, releaseAt: undefined });
    await rejectsWith(withdrawSamplingBond(provider, { sampledVerifier: sv }), "SamplingBondNotReleasing");
    await requestSamplingBondRelease(provider, { sampledVerifier: sv });
    bond = await getSamplingBond(provider, { sampledVerifier: sv, provider: keys.provider.address, at: bond.postedAt });
    expect(bond.releaseAt).toBe(bond.requestedAt! + p.bondReleaseDelay);
    expect(bond.amountAt).toBe(100n * DPI);
    await rejectsWith(postSamplingBond(provider, { sampledVerifier: sv, amount: 1n }), "SamplingBondReleasing");
    await connection.networkHelpers.time.increaseTo(bond.releaseAt! - 1);
    await rejectsWith(withdrawSamplingBond(provider, { sampledVerifier: sv }), "SamplingBondLocked");
    await connection.networkHelpers.time.increaseTo(bond.releaseAt!);
    await withdrawSamplingBond(provider, { sampledVerifier: sv });
    expect((await getSamplingBond(provider, { sampledVerifier: sv, provider: keys.provider.address })).amount).toBe(0n);
    await rejectsWith(withdrawSamplingBond(provider, { sampledVerifier: sv }), "SamplingNoBond");

    // An unbonded provider's job drawn in [2 %, 25 %): the fund refuses it, a caller pays for it.
    const verifier = wallets.verifier;
    await enrolVerifier(verifier, { sampledVerifier: sv, model });
    const c = await submittedJob("c");
    await (await rng()).write.setSeed([await epochOf(c.jobId), seedBetween(c.jobId, 200, unbonded)]);
    const sampling = await getJobSampling(verifier, { sampledVerifier: sv, job: c.job });
    expect(sampling).toMatchObject({ band: "Caller", baseRateBps: 200, rateBps: unbonded, bond: 0n });
    await rejectsWith(sampleJob(verifier, { sampledVerifier: sv, job: c.job, outputHash: c.outputHash, signature: c.signature }), "SamplingJobInPaidBand");
    const [, clientW] = await connection.viem.getWalletClients();
    const client = createDepinferClient({ chain, transport: custom(connection.provider, { retryCount: 0 }), account: clientW.account, deployment: { market: s.market.address } });
    const reward = (PRICE * BigInt(p.verifierRewardBps)) / 10_000n;
    await s.usdc.write.mint([clientW.account.address, 3n * reward]);
    const { paid } = await fundCheck(client, { sampledVerifier: sv, job: c.job, outputHash: c.outputHash, signature: c.signature, exactApproval: true });
    expect(paid).toBe(reward * BigInt(1 + p.escalationVerifiers));
    expect((await s.sv.read.funderOf([c.jobId])).toLowerCase()).toBe(clientW.account.address.toLowerCase());
    let v = await getVerification(verifier, { sampledVerifier: sv, job: c.job });
    await (await rng()).write.setSeed([v.seedEpoch, toHex(7n, { size: 32 })]);
    await assignVerifiers(verifier, { sampledVerifier: sv, job: c.job });
    const committed = await commitVote(verifier, { sampledVerifier: sv, job: c.job, outputHash: c.outputHash });
    await revealVote(verifier, { sampledVerifier: sv, job: c.job, outputHash: c.outputHash, salt: committed.salt });
    await resolveCheck(verifier, { sampledVerifier: sv, job: c.job });
    v = await getVerification(verifier, { sampledVerifier: sv, job: c.job });
    expect(v).toMatchObject({ status: "Closed", outcome: "stands" });
    // The funder gets back the two escalation rewards nobody earned; the verifier its one.
    const { amount } = await claimVerifierRewards(client, { sampledVerifier: sv, token: s.usdc.address });
    expect(amount).toBe(paid - reward);
    expect((await claimVerifierRewards(verifier, { sampledVerifier: sv, token: s.usdc.address })).amount).toBe(reward);

    // A job outside the band: fundCheck refuses it with a hint.
    const d = await submittedJob("d");
    await (await rng()).write.setSeed([await epochOf(d.jobId), seedDrawing(d.jobId, unbonded, false)]);
    const refused = await rejectsWith(fundCheck(client, { sampledVerifier: sv, job: d.job, outputHash: d.outputHash, signature: d.signature }), "SamplingJobNotInPaidBand");
    expect(refused.hint).toContain("not sampled");
  }, 60_000);
});
