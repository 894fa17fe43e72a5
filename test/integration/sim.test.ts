/**
 * The economic simulation (scripts/sim/) against the contracts.
 *
 * 1. Every per-event payoff the model uses equals what the contracts actually move on a local chain:
 *    each event is run through the deployed protocol and SampledVerifier, and every party's balance
 *    delta is compared with `events(amounts(...))`. A change to a formula, a share or a rounding in
 *    the contracts fails here, not silently in the docs.
 * 2. At the parameters read from those contracts, every class's EV has the sign the docs state
 *    (economics.md 6.6's remedies: the verification fee, disputeFeeBps 3,000, the sampling bond and
 *    the adaptive rate), and a parameter change names the class that breaks.
 */
import { network } from "hardhat";
import { readFileSync } from "node:fs";
import path from "node:path";
import { encodeAbiParameters, keccak256, sha256, toFunctionSelector, toHex, type Address, type Hex } from "viem";
import { beforeAll, describe, expect, it } from "vitest";

import { DPI, HOUR, jobCreatedIn, modelIdOf, registerModel, setUpProvider, signAttestation, USDC, type Connection, type Job, type Wallet } from "../../scripts/lib/harness.js";
import { asAccount, deploySimulation, DEPLOYED_ASSUMPTIONS, EPOCH, readInputs, seedDrawing, type Simulation } from "../../scripts/sim/chain.js";
import { amounts, evaluate, events, type Delta, type ModelInputs } from "../../scripts/sim/model.js";

const PRICE = 2n * USDC;
/** `Roles.PLANTER` (contracts/governance/Roles.sol). */
const PLANTER = 4n;

describe("npm run sim: the model's payoffs are the contracts' money flows", () => {
  let connection: Connection;
  let sim: Simulation;
  let inputs: ModelInputs;
  let deployer: Wallet, provider: Wallet, signer: Wallet, client: Wallet, challenger: Wallet, keeper: Wallet, reporter: Wallet;
  let verifiers: Wallet[];
  let exact: Hex, tolerant: Hex, none: Hex;
  let stakeToken: Address;
  let ev: ReturnType<typeof events>;
  let a: ReturnType<typeof amounts>;
  /** The arbitrated (NONE) jobs' amounts: their class is not routed to the fee module, so no verification fee. */
  let evArb: ReturnType<typeof events>;
  let nonce = 0n;

  beforeAll(async () => {
    connection = (await network.create()) as Connection;
    const wallets = await connection.viem.getWalletClients();
    [deployer, provider, signer, client, challenger, keeper, reporter] = wallets;
    verifiers = wallets.slice(7, 11);
    sim = await deploySimulation(connection);
    const read = await readInputs(sim, PRICE);
    inputs = { market: read.market, sampling: read.sampling, terms: read.terms, assumptions: DEPLOYED_ASSUMPTIONS };
    stakeToken = read.read.settings.stakeToken;
    a = amounts(inputs.market, inputs.sampling, inputs.terms);
    ev = events(a);
    evArb = events(amounts(inputs.market, inputs.sampling, inputs.terms, false));

    exact = await registerModel(sim, deployer, "sim-exact");
    // A TOLERANT model goes to the SampledVerifier like EXACT (the deployment routes both to it); a NONE model
    // stays with the ArbitratedVerifier: the arbitrated events run on it.
    const model = async (name: string, determinism: number) => {
      const w = sha256(toHex(`${name}:weights`));
      const r = sha256(toHex(`${name}:runtime`));
      await sim.market.write.registerModel([w, r, determinism, `ipfs://${name}`]);
      return modelIdOf(w, r, determinism);
    };
    tolerant = await model("sim-tolerant", 1);
    none = await model("sim-none", 2);

    await setUpProvider(sim, deployer, provider, signer.account.address, exact, PRICE, 1_000n * DPI);
    for (const m of [tolerant, none]) await sim.market.write.setOffer([m, sim.usdc.address, PRICE, 60, true], { account: provider.account });
    for (const v of verifiers) {
      await setUpProvider(sim, deployer, v, v.account.address, exact, PRICE, 1_000n * DPI);
      await sim.market.write.setOffer([tolerant, sim.usdc.address, PRICE, 60, true], { account: v.account });
      await sim.market.write.setModuleAllowance([sim.sv.address, inputs.sampling.verifierStake * 8n], { account: v.account });
      await sim.sv.write.enrol([exact], { account: v.account });
      await sim.sv.write.enrol([tolerant], { account: v.account });
    }
    for (const w of [client, challenger]) {
      await sim.usdc.write.mint([w.account.address, 1_000_000n * USDC]);
      await sim.usdc.write.approve([sim.market.address, 2n ** 256n - 1n], { account: w.account });
    }
    await connection.networkHelpers.time.increase(1);
  });

  // ---------------------------------------------------------------- chain helpers

  async function now() {
    return (await (await connection.viem.getPublicClient()).getBlock()).timestamp;
  }

  async function create(model: Hex): Promise<{ jobId: Hex; job: Job }> {
    const request = {
      provider: provider.account.address,
      token: sim.usdc.address,
      price: PRICE,
      model,
      inputHash: sha256(toHex(`sim-input-${++nonce}`)),
      deadline: Number((await now()) + HOUR),
      nonce,
    };
    const { jobId, job } = await jobCreatedIn(connection, sim, await sim.market.write.createJob([request, "0x"], { account: client.account }));
    return { jobId, job };
  }

  const output = (tag: string, jobId: Hex) => sha256(toHex(`${tag}-${jobId}`));

  async function submitted(model: Hex) {
    const c = await create(model);
    const out = output("out", c.jobId);
    const signature = await signAttestation(sim, signer, c.jobId, c.job, out, provider.account.address);
    await sim.market.write.acceptAndSubmit([c.job, out, signature], { account: provider.account });
    return { ...c, out, signature };
  }

  /** Everything `account` holds or is owed, in T and in S (wallet, market balance, stake, the module's `owed`). */
  async function holdings(account: Address): Promise<Delta> {
    const [t, tc, to, s, sc, info] = await Promise.all([
      sim.usdc.read.balanceOf([account]),
      sim.market.read.claimable([account, sim.usdc.address]),
      sim.sv.read.owed([account, sim.usdc.address]),
      sim.token.read.balanceOf([account]),
      sim.market.read.claimable([account, stakeToken]),
      sim.market.read.provider([account]),
    ]);
    return { T: t + tc + to, S: s + sc + info.staked };
  }

  async function fund(): Promise<Delta> {
    const [[t], [s]] = await Promise.all([sim.sv.read.fundOf([sim.usdc.address]), sim.sv.read.fundOf([stakeToken])]);
    return { T: t, S: s };
  }

  async function treasury(): Promise<Delta> {
    return { T: 0n, S: await sim.market.read.treasuryAccrued([stakeToken]) };
  }

  /** Measures `parties` around `act` and returns each one's delta. */
  async function measure<K extends string>(parties: Record<K, () => Promise<Delta>>, act: () => Promise<unknown>) {
    const keys = Object.keys(parties) as K[];
    const before = await Promise.all(keys.map((k) => parties[k]()));
    await act();
    const after = await Promise.all(keys.map((k) => parties[k]()));
    return Object.fromEntries(keys.map((k, i) => [k, { T: after[i].T - before[i].T, S: after[i].S - before[i].S }])) as Record<K, Delta>;
  }

  /** An upheld fraud or an equivocation jails the provider for 30 days: the next event waits it out. */
  async function serveJail() {
    await connection.networkHelpers.time.increase(31 * 24 * 3600);
  }

  const of = (w: Wallet | Address) => () => holdings(typeof w === "string" ? w : w.account.address);

  /** A sampled check: the job drawn and `sample`d by the keeper; returns once the first verifier is assigned. */
  async function sampled(model: Hex = exact) {
    const s = await submitted(model);
    const state = await sim.market.read.jobState([s.jobId]);
    const epoch = BigInt(state.timestamp) / EPOCH;
    // A draw in the fund's band (below samplingRateBps): `sample` checks it at the fund's cost. Above
    // it, up to the job's rate, only a paying caller (`fundCheck`) does.
    await sim.rng.write.setSeed([epoch, seedDrawing(s.jobId, inputs.sampling.samplingRateBps, true)]);
    await connection.networkHelpers.time.increaseTo((epoch + 1n) * EPOCH);
    await sim.sv.write.sample([s.job, s.out, s.signature], { account: keeper.account });
    return s;
  }

  /** Ends the check's seed epoch, sets its seed and assigns; returns the verifiers of the new seats. */
  async function assign(s: { jobId: Hex; job: Job }, salt: number): Promise<Wallet[]> {
    const check = await sim.sv.read.checkOf([s.jobId]);
    const first = check.assigned;
    const e = BigInt(check.seedEpoch);
    if ((await now()) < (e + 1n) * EPOCH) await connection.networkHelpers.time.increaseTo((e + 1n) * EPOCH);
    await sim.rng.write.setSeed([e, sha256(toHex(`assign-${e}-${salt}`))]);
    await sim.sv.write.assign([s.job]);
    const after = await sim.sv.read.checkOf([s.jobId]);
    const seats: Wallet[] = [];
    for (let i = first; i < after.assigned; i++) {
      const vote = await sim.sv.read.voteOf([s.jobId, BigInt(i)]);
      seats.push(verifiers.find((w) => w.account.address.toLowerCase() === vote.verifier.toLowerCase())!);
    }
    return seats;
  }

  const salt = (w: Wallet) => sha256(toHex(`salt-${w.account.address}`));

  async function vote(s: { jobId: Hex; job: Job }, round: number, seats: Wallet[], out: Hex) {
    for (const v of seats) {
      const commitment = keccak256(
        encodeAbiParameters(
          [{ type: "bytes32" }, { type: "uint256" }, { type: "address" }, { type: "bytes32" }, { type: "bytes32" }],
          [s.jobId, BigInt(round), v.account.address, out, salt(v)],
        ),
      );
      await sim.sv.write.commit([s.job, commitment], { account: v.account });
    }
    for (const v of seats) await sim.sv.write.reveal([s.job, out, salt(v)], { account: v.account });
  }

  // ---------------------------------------------------------------- the events

  it("a liveness expiry: the provider loses L, the client gets P back and s × L, the treasury the rest", async () => {
    const c = await create(exact);
    await sim.market.write.acceptJob([c.job], { account: provider.account });
    await connection.networkHelpers.time.increase(Number(HOUR) + 1);
    const got = await measure({ provider: of(provider), client: of(client), treasury }, () => sim.market.write.expireJob([c.job]));
    expect(got).toEqual(ev.livenessExpiry);
  });

  it("an upheld dispute: the provider loses C, the winner gets s × C and its bond back, the module the fee", async () => {
    const s = await submitted(none);
    await sim.market.write.openDispute([s.job, ""], { account: challenger.account });
    const got = await measure(
      { provider: of(provider), challenger: of(challenger), client: of(client), module: of(sim.verifier.address), treasury },
      () => sim.verifier.write.rule([s.job, 0, 0n, "wrong"]),
    );
    // the bond was paid before the measurement: it comes back whole
    expect(got).toEqual({ ...evArb.upheldDispute, challenger: { T: a.B, S: evArb.upheldDispute.challenger.S } });
    await serveJail();
  });

  it("an equivocation report: the provider loses C, the reporter gets s × C, the client its price", async () => {
    const c = await create(exact);
    await sim.market.write.acceptJob([c.job], { account: provider.account });
    const [oa, ob] = [output("a", c.jobId), output("b", c.jobId)];
    const sa = await signAttestation(sim, signer, c.jobId, c.job, oa, provider.account.address);
    const sb = await signAttestation(sim, signer, c.jobId, c.job, ob, provider.account.address);
    const got = await measure({ provider: of(provider), reporter: of(reporter), client: of(client), treasury }, () =>
      sim.market.write.reportEquivocation([c.job, oa, sa, ob, sb], { account: reporter.account }),
    );
    expect(got).toEqual(ev.equivocationReport);
    await serveJail();
  });

  it("a rejected frivolous dispute: the challenger loses B, f × B to the module and the rest to the provider", async () => {
    const s = await submitted(none);
    const got = await measure({ provider: of(provider), challenger: of(challenger), module: of(sim.verifier.address) }, async () => {
      await sim.market.write.openDispute([s.job, ""], { account: challenger.account });
      await sim.verifier.write.rule([s.job, 1, 0n, "ok"]);
    });
    expect(got).toEqual(evArb.rejectedDispute);
    expect(a.bondFee).toBe((a.B * BigInt(inputs.market.disputeFeeBps)) / 10_000n);
  });

  it("a verification fee: the provider of an EXACT job is paid price − φ P − v P, and the fee reaches the module's fund when collected", async () => {
    const [feeModule, classes] = await sim.market.read.verificationFeeModule();
    expect([feeModule.toLowerCase(), classes]).toEqual([sim.sv.address.toLowerCase(), 3]); // EXACT and TOLERANT (bits 0 and 1)
    const s = await submitted(exact);
    expect(await sim.market.read.paysVerificationFee([s.jobId])).toBe(true);
    await connection.networkHelpers.time.increase(inputs.market.challengeWindow + 1);
    const paid = await measure({ provider: of(provider), fund }, () => sim.market.write.finalizeJob([s.job]));
    expect(paid).toEqual({ provider: { T: a.payout, S: 0n }, fund: { T: 0n, S: 0n } });
    expect(a.payout).toBe(a.P - a.fee - a.vfee);
    const collected = await measure({ provider: of(provider), fund }, () =>
      sim.market.write.collectVerificationFees([provider.account.address, sim.usdc.address], { account: keeper.account }),
    );
    expect(collected).toEqual(ev.verificationFeeCollected);
    // A TOLERANT job (routed to the module, which checks it) pays it; a NONE job (arbitrated) pays none.
    const t = await submitted(tolerant);
    expect(await sim.market.read.paysVerificationFee([t.jobId])).toBe(true);
    expect((await sim.market.read.verifierOf([1])).toLowerCase()).toBe(sim.sv.address.toLowerCase());
    const n = await submitted(none);
    expect(await sim.market.read.paysVerificationFee([n.jobId])).toBe(false);
  });

  it("a sampled check that passes: the provider is paid, the verifier earns R, the keeper the tip, the fund pays both", async () => {
    const parties = { provider: of(provider), keeper: of(keeper), fund, ...Object.fromEntries(verifiers.map((v, i) => [`v${i}`, of(v)])) };
    let seat: Wallet | undefined;
    const got = await measure(parties, async () => {
      const s = await sampled();
      [seat] = await assign(s, 1);
      await vote(s, 0, [seat], s.out);
      await sim.sv.write.resolve([s.job]);
    });
    const i = verifiers.indexOf(seat!);
    expect(got.provider).toEqual(ev.sampledPass.provider);
    expect(got.keeper).toEqual(ev.sampledPass.keeper);
    expect(got[`v${i}` as "provider"]).toEqual(ev.sampledPass.verifier);
    expect(got.fund).toEqual(ev.sampledPass.fund);
  });

  it("a sampled lie caught: outvoted 3–0 after escalation, the provider loses C, every verifier earns R, the fund wins s × C + fee", async () => {
    const parties = { provider: of(provider), client: of(client), keeper: of(keeper), fund, ...Object.fromEntries(verifiers.map((v, i) => [`v${i}`, of(v)])) };
    const seats: Wallet[] = [];
    const got = await measure(parties, async () => {
      const s = await sampled();
      const truth = output("true", s.jobId);
      seats.push(...(await assign(s, 2)));
      await vote(s, 0, seats, truth);
      await sim.sv.write.resolve([s.job]); // disagreement in round 0: escalate
      const more = await assign(s, 3);
      seats.push(...more);
      await vote(s, 1, more, truth);
      await sim.sv.write.resolve([s.job]);
      expect((await sim.market.read.jobState([s.jobId])).status).not.toBe(3);
    });
    expect(seats).toHaveLength(1 + inputs.sampling.escalationVerifiers);
    expect(got.provider).toEqual(ev.sampledCaught.provider);
    // the client paid P into escrow inside the measurement (the job was created there): the refund nets it
    expect(got.client).toEqual({ T: ev.sampledCaught.client.T - a.P, S: ev.sampledCaught.client.S });
    expect(got.keeper).toEqual(ev.sampledCaught.keeper);
    for (const v of seats) expect(got[`v${verifiers.indexOf(v)}` as "provider"]).toEqual(ev.sampledCaught.verifierEach);
    expect(got.fund).toEqual(ev.sampledCaught.fund(seats.length));
    await serveJail();
  });

  it("a bonded provider's sampled lie caught: it loses C and its whole sampling bond, the bond to the treasury", async () => {
    const bond = 100n * DPI; // 50 P at this job's stake rate
    await sim.market.write.setModuleAllowance([sim.sv.address, bond], { account: provider.account });
    await sim.sv.write.postBond([bond], { account: provider.account });
    await connection.networkHelpers.time.increase(1);
    const got = await measure({ provider: of(provider), treasury }, async () => {
      const s = await sampled();
      const truth = output("true", s.jobId);
      const seats = await assign(s, 12);
      await vote(s, 0, seats, truth);
      await sim.sv.write.resolve([s.job]);
      await vote(s, 1, await assign(s, 13), truth);
      await sim.sv.write.resolve([s.job]);
    });
    expect(got).toEqual(ev.sampledCaughtBonded(bond));
    expect((await sim.sv.read.bondOf([provider.account.address])).amount).toBe(0n);
    await serveJail();
  });

  it("a verifier outvoted after escalation: the lone dissenter loses its stake, the two who agree earn R, the provider is paid", async () => {
    const parties = { provider: of(provider), treasury, ...Object.fromEntries(verifiers.map((v, i) => [`v${i}`, of(v)])) };
    const seats: Wallet[] = [];
    const got = await measure(parties, async () => {
      const s = await sampled();
      seats.push(...(await assign(s, 5)));
      await vote(s, 0, seats, output("wrong", s.jobId));
      await sim.sv.write.resolve([s.job]);
      const more = await assign(s, 6);
      seats.push(...more);
      await vote(s, 1, more, s.out);
      await sim.sv.write.resolve([s.job]);
    });
    expect(got.provider).toEqual(ev.sampledPass.provider);
    expect(got[`v${verifiers.indexOf(seats[0])}` as "provider"]).toEqual(ev.verifierOutvoted.verifier);
    expect(got.treasury).toEqual({ T: 0n, S: inputs.sampling.verifierStake });
    for (const v of seats.slice(1)) expect(got[`v${verifiers.indexOf(v)}` as "provider"]).toEqual(ev.sampledPass.verifier);
  });

  it("a planted check exposed: the lazy round-0 verifier that copied the output loses its stake and is unpaid (the model's planted payoff)", async () => {
    // The PLANTER role (governance maps `expose` to it; done here as the Timelock, the manager's admin).
    const expose = toFunctionSelector("expose((address,address,address,uint96,uint96,bytes32,bytes32,uint40,uint32,uint64))");
    await asAccount(connection, sim.timelock.address, async (account) => {
      await sim.manager.write.setTargetFunctionRole([sim.sv.address, [expose], PLANTER], { account });
      await sim.manager.write.grantRole([PLANTER, reporter.account.address, 0], { account });
    });
    const parties = Object.fromEntries(verifiers.map((v, i) => [`v${i}`, of(v)]));
    const seats: Wallet[] = [];
    let lazyIndex = -1;
    const got = await measure(parties, async () => {
      const s = await sampled(); // the canary: its output is wrong on purpose
      seats.push(...(await assign(s, 8)));
      lazyIndex = verifiers.indexOf(seats[0]);
      const [lazy] = seats;
      const commitment = keccak256(
        encodeAbiParameters(
          [{ type: "bytes32" }, { type: "uint256" }, { type: "address" }, { type: "bytes32" }, { type: "bytes32" }],
          [s.jobId, 0n, lazy.account.address, s.out, salt(lazy)],
        ),
      );
      await sim.sv.write.commit([s.job, commitment], { account: lazy.account }); // copies the public output
      await sim.sv.write.expose([s.job], { account: reporter.account });
      await sim.sv.write.reveal([s.job, s.out, salt(lazy)], { account: lazy.account });
      await sim.sv.write.resolve([s.job]); // round 0 agreed, and escalates anyway
      const more = await assign(s, 9);
      await vote(s, 1, more, output("true", s.jobId));
      await sim.sv.write.resolve([s.job]);
      expect((await sim.market.read.jobState([s.jobId])).status).toBe(8); // Slashed
    });
    // The model's lazy-verifier EV charges a planted check exactly this event (`verifierOutvoted`).
    expect(got[`v${lazyIndex}`]).toEqual(ev.verifierOutvoted.verifier);
    expect(got[`v${lazyIndex}`]).toEqual({ T: 0n, S: -inputs.sampling.verifierStake });
    await serveJail();
  });

  // ---------------------------------------------------------------- TOLERANT (economics.md 6.7)

  const ARBITRATING = 4; // CheckStatus.AwaitingArbitration
  /** The model at these inputs (its Monte Carlo cut short: the payoffs do not depend on it). */
  const model = () => evaluate({ ...inputs, assumptions: { ...inputs.assumptions, trials: 10 } });
  /** A delta in units of P, stake valued at the job's rate (the model's valuation). */
  const inP = (x: Delta) => Number(x.T + (x.S * 10n ** 18n) / inputs.terms.stakeRate) / Number(inputs.terms.price);

  /** A drawn TOLERANT job whose one verifier revealed `answer`; returns once the check awaits the arbiter. */
  async function tolerantAtArbiter(salt_: number, answer: (s: { jobId: Hex; out: Hex }) => Hex) {
    const s = await sampled(tolerant);
    const [seat] = await assign(s, salt_);
    await vote(s, 0, [seat], answer(s));
    await sim.sv.write.resolve([s.job]); // a differing re-run: no escalation, the arbiter
    expect((await sim.sv.read.checkOf([s.jobId])).status).toBe(ARBITRATING);
    return { ...s, seat };
  }

  it("a TOLERANT lie upheld by the arbiter: the provider loses C, the verifier whose re-run differs earns R, the fund wins s × C + fee for one reward and the tip", async () => {
    const parties = { provider: of(provider), client: of(client), keeper: of(keeper), fund, treasury, ...Object.fromEntries(verifiers.map((v, i) => [`v${i}`, of(v)])) };
    let seat: Wallet | undefined;
    const got = await measure(parties, async () => {
      const s = await tolerantAtArbiter(20, (x) => output("true", x.jobId));
      seat = s.seat;
      await sim.sv.write.rule([s.job, false]); // the deployer holds ARBITRATOR
      expect((await sim.market.read.jobState([s.jobId])).status).toBe(8); // Slashed
    });
    const e = ev.tolerantUpheld;
    expect(got.provider).toEqual(e.provider);
    expect(got.client).toEqual({ T: e.client.T - a.P, S: e.client.S }); // it paid P into escrow inside the measurement
    expect(got.keeper).toEqual(e.keeper);
    expect(got[`v${verifiers.indexOf(seat!)}` as "provider"]).toEqual(e.verifier);
    expect(got.fund).toEqual(e.fund);
    // the model's TOLERANT lie charges exactly this loss when upheld
    const lie = model().find((r) => r.id === "tolerantLie")!;
    expect(lie.payoffs.upheld).toBeCloseTo(lie.payoffs.uncaught - (Number(a.payout) / Number(a.P) - inP(got.provider)) - lie.breakEven.bond, 9);
    await serveJail();
  });

  it("a TOLERANT honest mismatch ruled within tolerance: the provider is paid, the verifier earns R, the keeper the tip", async () => {
    const parties = { provider: of(provider), keeper: of(keeper), fund, ...Object.fromEntries(verifiers.map((v, i) => [`v${i}`, of(v)])) };
    let seat: Wallet | undefined;
    const got = await measure(parties, async () => {
      const s = await tolerantAtArbiter(21, (x) => output("close", x.jobId));
      seat = s.seat;
      await sim.sv.write.rule([s.job, true]);
      expect((await sim.market.read.jobState([s.jobId])).status).toBe(5); // Finalized
    });
    expect(got.provider).toEqual(ev.tolerantStands.provider);
    expect(got.keeper).toEqual(ev.tolerantStands.keeper);
    expect(got[`v${verifiers.indexOf(seat!)}` as "provider"]).toEqual(ev.tolerantStands.verifier);
    expect(got.fund).toEqual(ev.tolerantStands.fund);
  });

  it("a TOLERANT junk vote rejected by the arbiter: the verifier loses its stake to the treasury and is unpaid, its R stays in the fund", async () => {
    const parties = { provider: of(provider), keeper: of(keeper), fund, treasury, ...Object.fromEntries(verifiers.map((v, i) => [`v${i}`, of(v)])) };
    let seat: Wallet | undefined;
    const got = await measure(parties, async () => {
      const s = await tolerantAtArbiter(22, (x) => output("junk", x.jobId));
      seat = s.seat;
      await sim.sv.write.rejectVote([s.job, 0n]);
      await sim.sv.write.rule([s.job, true]); // the honest result stands
    });
    const e = ev.junkRejected;
    expect(got.provider).toEqual(e.provider);
    expect(got.keeper).toEqual(e.keeper);
    expect(got[`v${verifiers.indexOf(seat!)}` as "provider"]).toEqual(e.verifier);
    expect(got.fund).toEqual(e.fund);
    expect(got.treasury).toEqual(e.treasury);
    // the model's junk verifier loses exactly this (V, and the R a re-run would have earned)
    const junk = model().find((r) => r.id === "tolerantJunkVerifier")!;
    expect(junk.payoffs.rejected).toBe(inP(got[`v${verifiers.indexOf(seat!)}` as "provider"]));
  });

  it("a TOLERANT planted canary exposed: the verifier that copied the output goes to the arbiter with it, is slashed V and unpaid", async () => {
    await asAccount(connection, sim.timelock.address, async (account) => {
      await sim.manager.write.grantRole([PLANTER, reporter.account.address, 0], { account }); // `expose` is PLANTER's by the deployment
    });
    const parties = { provider: of(provider), fund, treasury, ...Object.fromEntries(verifiers.map((v, i) => [`v${i}`, of(v)])) };
    let copier: Wallet | undefined;
    const got = await measure(parties, async () => {
      const s = await sampled(tolerant); // the canary: its output is out of tolerance on purpose
      [copier] = await assign(s, 23);
      const commitment = keccak256(
        encodeAbiParameters(
          [{ type: "bytes32" }, { type: "uint256" }, { type: "address" }, { type: "bytes32" }, { type: "bytes32" }],
          [s.jobId, 0n, copier.account.address, s.out, salt(copier)],
        ),
      );
      await sim.sv.write.commit([s.job, commitment], { account: copier.account }); // copies the public output
      await sim.sv.write.expose([s.job], { account: reporter.account });
      await sim.sv.write.reveal([s.job, s.out, salt(copier)], { account: copier.account });
      await sim.sv.write.resolve([s.job]); // agreed, and goes to the arbiter anyway
      expect((await sim.sv.read.checkOf([s.jobId])).status).toBe(ARBITRATING);
      await sim.sv.write.rule([s.job, false]);
      expect((await sim.market.read.jobState([s.jobId])).status).toBe(8); // Slashed
    });
    const e = ev.tolerantCanaryCopied;
    expect(got[`v${verifiers.indexOf(copier!)}` as "provider"]).toEqual(e.verifier);
    expect(got.provider).toEqual(e.provider);
    expect(got.fund).toEqual(e.fund);
    expect(got.treasury).toEqual(e.treasury);
    // the model's TOLERANT lazy verifier charges a planted check exactly this
    const lazy = model().find((r) => r.id === "tolerantLazyVerifier")!;
    expect(lazy.payoffs.plantedCopied).toBe(inP(got[`v${verifiers.indexOf(copier!)}` as "provider"]));
    await serveJail();
  });

  it("a human dispute on an honest result, checked by re-execution: rejected, the challenger pays, the verifier is paid (the forced check)", async () => {
    const s = await submitted(exact);
    const parties = { provider: of(provider), challenger: of(challenger), fund, ...Object.fromEntries(verifiers.map((v, i) => [`v${i}`, of(v)])) };
    let seat: Wallet | undefined;
    const got = await measure(parties, async () => {
      await sim.market.write.openDispute([s.job, ""], { account: challenger.account });
      await sim.sv.write.attest([s.job, s.out, s.signature]);
      [seat] = await assign(s, 7);
      await vote(s, 0, [seat], s.out);
      await sim.sv.write.resolve([s.job]);
    });
    expect(got.provider).toEqual(ev.checkedRejectedDispute.provider);
    expect(got.challenger).toEqual(ev.checkedRejectedDispute.challenger);
    expect(got[`v${verifiers.indexOf(seat!)}` as "provider"]).toEqual(ev.checkedRejectedDispute.verifier);
    expect(got.fund).toEqual(ev.checkedRejectedDispute.fund);
  });

  it("a verifier slashed for silence: it loses its seat's stake, all of it to the treasury", async () => {
    const s = await sampled();
    const [seat] = await assign(s, 4);
    const check = await sim.sv.read.checkOf([s.jobId]);
    await connection.networkHelpers.time.increaseTo(BigInt(check.commitDeadline) + 1n);
    const got = await measure({ verifier: of(seat), treasury }, () => sim.sv.write.resolve([s.job]));
    expect(got).toEqual(ev.verifierSilent);
  });

  it("a stolen retired key proves nothing on a job accepted after its retirement (the model's 0)", async () => {
    const evaluated = evaluate(inputs).find((r) => r.id === "stolenRetiredKey")!;
    expect(evaluated.payoffs.jobAfterRetirement).toBe(0); // the EV is this less the attacker's gas
    // rotate the provider's key: the old key (stolen) is retired, then a job is accepted
    const [, , , , , , , , , , , fresh] = await connection.viem.getWalletClients();
    await sim.market.write.updateProvider([fresh.account.address, "https://provider.example"], { account: provider.account });
    const c = await create(exact);
    await sim.market.write.acceptJob([c.job], { account: provider.account });
    const [oa, ob] = [output("a", c.jobId), output("b", c.jobId)];
    const sa = await signAttestation(sim, signer, c.jobId, c.job, oa, provider.account.address);
    const sb = await signAttestation(sim, signer, c.jobId, c.job, ob, provider.account.address);
    await expect(sim.market.write.reportEquivocation([c.job, oa, sa, ob, sb], { account: reporter.account })).rejects.toThrow(/AttestationWrongSigner/);
  });
});

describe("npm run sim: the sign of every class at the deployed parameters, and which class breaks", () => {
  let base: ModelInputs;

  beforeAll(async () => {
    const connection = (await network.create()) as Connection;
    const read = await readInputs(await deploySimulation(connection), PRICE);
    base = { market: read.market, sampling: read.sampling, terms: read.terms, assumptions: { ...DEPLOYED_ASSUMPTIONS, trials: 200 } };
  });

  const ids = (xs: { id: string }[]) => xs.map((x) => x.id).sort();
  /** The classes whose EV contradicts what the docs claim for them (a "negative" class at or above 0, a "non-positive" one above). */
  const broken = (m: ModelInputs) =>
    ids(evaluate(m).filter((r) => (r.claimed === "negative" && r.ev >= 0) || (r.claimed === "non-positive" && r.ev > 0)));
  /** The documented findings: positive at the defaults, recorded in docs/protocol.md 7.7. */
  const withMarket = (m: Partial<ModelInputs["market"]>, from = honestRegion()) => ({ ...from, market: { ...from.market, ...m } });
  const withSampling = (s: Partial<ModelInputs["sampling"]>, from = honestRegion()) => ({ ...from, sampling: { ...from.sampling, ...s } });
  /** The defaults with a provider whose compute is 10 % of its price: inside the region where a lie does not pay at p = 2 %. */
  const honestRegion = (): ModelInputs => ({ ...base, assumptions: { ...base.assumptions, computeCost: 0.1 } });

  /** The byBond payoffs of a bond-dependent class: its EV at every bond of the grid. */
  const byBond = (r: { payoffs: Record<string, number> }) => Object.entries(r.payoffs).filter(([k]) => k.startsWith("B="));

  it("reads the parameters from the contracts, not from a copy: a governance change on chain moves the model", async () => {
    const connection = (await network.create()) as Connection;
    const fresh = await deploySimulation(connection);
    await asAccount(connection, fresh.timelock.address, async (account) => {
      const current = await fresh.sv.read.params();
      await fresh.sv.write.setParams([{ ...current, deterrenceBps: 10_000 }], { account });
      const [market] = await fresh.market.read.params();
      await fresh.market.write.setParams([{ ...market, verificationFeeBps: 0 }], { account });
    });
    const read = await readInputs(fresh, PRICE);
    expect(read.sampling.deterrenceBps).toBe(10_000);
    expect(read.market.verificationFeeBps).toBe(0);
    const m = { ...base, market: read.market, sampling: read.sampling };
    // at δ = 1 a TOLERANT lie that the arbiter upholds with a = 0.9 pays too (economics.md 6.7)
    expect(broken(m)).toEqual(["collusion", "disputeSquatting", "selfDealing", "selfDealingNew", "tolerantCollusion", "tolerantLie", "tolerantLieNew"]);
  });

  it("the verification fee default covers the base rate's checks: verificationFeeBps ≥ samplingRateBps × (keeperTipBps + verifierRewardBps) / 10,000", () => {
    const { samplingRateBps, keeperTipBps, verifierRewardBps } = base.sampling;
    expect(base.market.verificationFeeBps).toBeGreaterThanOrEqual(Math.ceil((samplingRateBps * (keeperTipBps + verifierRewardBps)) / 10_000));
    expect(base.market.verificationFeeBps).toBe(260);
    expect(base.market.disputeFeeBps).toBe(3_000);
  });

  it("at the defaults with c = P: every class is negative; collusion at σ = 0.5 is what breaks below deterrenceBps 23,000", () => {
    expect(base.sampling.deterrenceBps).toBe(25_000);
    expect(broken(base)).toEqual([]);
    for (const r of evaluate(base)) expect(r.ev, r.id).toBeLessThan(0);
    expect(broken(withSampling({ deterrenceBps: 22_500 }, base))).toEqual(["collusion"]);
    expect(broken(withSampling({ deterrenceBps: 23_000 }, base))).toEqual([]);
  });

  it("the attacker's choice of bond does not help: the lie, the new provider's lie and squatting are negative at every B of the grid", () => {
    const r = Object.fromEntries(evaluate(base).map((x) => [x.id, x]));
    for (const id of ["lie", "lieNew", "disputeSquatting"]) {
      expect(byBond(r[id]).length, id).toBe(base.assumptions.bondGrid.length);
      for (const [b, ev] of byBond(r[id])) expect(ev, `${id} ${b}`).toBeLessThan(0);
    }
    // r (C + B) ≥ δ P_S: a caught lie costs at least δ/10,000 P = 2 P whatever B, so c = P loses at least P
    expect(r.lie.ev).toBeLessThan(-1);
  });

  it("without the caller-paid band checked, the lie family is back (the adaptive rate needs callers to pay)", () => {
    const m = { ...base, assumptions: { ...base.assumptions, paidBandChecked: 0 } };
    expect(broken(m)).toEqual(["collusion", "disputeSquatting", "lie", "lieAtRate", "tolerantCollusion", "tolerantLie", "tolerantLieAtRate", "tolerantLieNew"]);
  });

  it("at the defaults with c = 0.1 P: every class is negative", () => {
    const m = honestRegion();
    expect(broken(m)).toEqual([]);
    for (const r of evaluate(m)) expect(r.ev, r.id).toBeLessThan(0);
  });

  it("names equivocation when collateralRatioBps drops to 1×, silence when livenessSlashBps drops to 0, nothing for challengerShareBps 0", () => {
    expect(broken(withMarket({ collateralRatioBps: 10_000 }))).toEqual(["equivocation"]);
    expect(broken(withMarket({ livenessSlashBps: 0 }))).toEqual(["silence"]);
    expect(broken(withMarket({ challengerShareBps: 0 }))).toEqual([]);
  });

  it("names self-dealing when the verification fee drops below the reported bound, and the forced check when disputeFeeBps is back at 1,000", () => {
    const fee = evaluate(base).find((r) => r.id === "selfDealing")!.breakEven.verificationFeeBps;
    expect(fee).toBe(152); // p (tip + R) − φ P = 0.0152 P
    const self = (m: ModelInputs) => ids(evaluate(m).filter((r) => r.id.startsWith("selfDealing") && r.ev >= 0));
    expect(self(withMarket({ verificationFeeBps: fee + 1 }, base))).toEqual([]);
    expect(self(withMarket({ verificationFeeBps: fee - 1 }, base))).toEqual(["selfDealing", "selfDealingNew"]);
    expect(broken(withMarket({ disputeFeeBps: 1_000 }))).toEqual(["sybilChallengerForcedCheck"]);
    expect(evaluate(base).find((r) => r.id === "sybilChallengerForcedCheck")!.ev).toBeCloseTo(1.25 - 1.5, 9); // q R − f B
  });

  it("names dispute squatting when deterrenceBps drops to its floor (10,000), and collusion when colluders hold 90 %", () => {
    // and the TOLERANT lie, which the arbiter upholds with a = 0.9 only: at δ = 1 a caught lie costs at least P, times a
    expect(broken(withSampling({ deterrenceBps: 10_000 }, base))).toEqual(["collusion", "disputeSquatting", "tolerantCollusion", "tolerantLie", "tolerantLieNew"]);
    expect(broken({ ...honestRegion(), assumptions: { ...honestRegion().assumptions, colluderShare: 0.9 } })).toEqual(["collusion"]);
  });

  it("the zero-EV classes are negative by the attacker's gas, and zero without it", () => {
    const noGas = { ...base, assumptions: { ...base.assumptions, gasPriceGwei: 0 } };
    for (const id of ["infeasibleDeadline", "stolenRetiredKey"]) {
      expect(evaluate(base).find((r) => r.id === id)!.ev, id).toBeLessThan(0);
      expect(Math.abs(evaluate(noGas).find((r) => r.id === id)!.ev), id).toBe(0);
    }
  });

  it("the committed bench/results/sim.json is what the model computes now (rerun npm run sim if not)", () => {
    const committed = JSON.parse(readFileSync(path.join(process.cwd(), "bench", "results", "sim.json"), "utf8")) as {
      classes: { id: string; ev: number }[];
    };
    const now = evaluate({ ...base, assumptions: DEPLOYED_ASSUMPTIONS });
    expect(committed.classes.map((c) => c.id)).toEqual(now.map((c) => c.id));
    for (const c of now) expect(committed.classes.find((x) => x.id === c.id)!.ev, c.id).toBeCloseTo(c.ev, 9);
  });

  it("the Monte Carlo agrees with the closed form for collusion", () => {
    const r = evaluate(base).find((x) => x.id === "collusion")!;
    expect(Math.abs(r.monteCarlo!.ev - r.ev)).toBeLessThan(4 * r.monteCarlo!.stderr + 1e-9);
  });

  it("the lazy verifier pays without planted checks, stops paying at the planted share the model reports, and the deployment plants more", () => {
    const lazy = (m: ModelInputs) => evaluate(m).find((r) => r.id === "lazyVerifier")!;
    const none = { ...base, assumptions: { ...base.assumptions, plantedRate: 0 } };
    expect(lazy(none).ev).toBeGreaterThan(0);
    const rate = lazy(none).breakEven.plantedRate;
    expect(lazy({ ...base, assumptions: { ...base.assumptions, plantedRate: rate * 0.99 } }).ev).toBeGreaterThan(0);
    expect(lazy({ ...base, assumptions: { ...base.assumptions, plantedRate: rate * 1.01 } }).ev).toBeLessThan(0);
    expect(base.assumptions.plantedRate).toBeGreaterThan(rate);
    expect(lazy(base).ev).toBeLessThan(0);
  });

  it("TOLERANT: names the junk verifier when the arbiter never rejects junk, both lazy verifiers when nothing is planted, the TOLERANT lie and collusion when the arbiter never upholds", () => {
    // a short Monte Carlo: only the lie at rate q has one, and a = 0 or 1 decides it
    const withAs = (x: Partial<ModelInputs["assumptions"]>) => ({ ...base, assumptions: { ...base.assumptions, trials: 20, ...x } });
    const of = (m: ModelInputs, id: string) => evaluate(m).find((r) => r.id === id)!;
    expect(broken(withAs({ arbiterRejectsJunk: 0 }))).toEqual(["tolerantJunkVerifier"]);
    expect(broken(withAs({ plantedRate: 0 }))).toEqual(["lazyVerifier", "tolerantLazyVerifier"]);
    expect(broken(withAs({ arbiterUpholds: 0 }))).toEqual(["tolerantCollusion", "tolerantLie", "tolerantLieAtRate", "tolerantLieNew"]);
    // each break-even the model reports, on both sides; the defaults are inside
    const junk = of(withAs({}), "tolerantJunkVerifier").breakEven.arbiterRejectsJunk;
    expect(of(withAs({ arbiterRejectsJunk: junk * 0.99 }), "tolerantJunkVerifier").ev).toBeGreaterThan(0);
    expect(of(withAs({ arbiterRejectsJunk: junk * 1.01 }), "tolerantJunkVerifier").ev).toBeLessThan(0);
    expect(base.assumptions.arbiterRejectsJunk).toBeGreaterThan(junk);
    const upholds = of(withAs({}), "tolerantLie").breakEven.arbiterUpholds;
    expect(of(withAs({ arbiterUpholds: upholds * 0.99 }), "tolerantLie").ev).toBeGreaterThan(0);
    expect(of(withAs({ arbiterUpholds: upholds * 1.01 }), "tolerantLie").ev).toBeLessThan(0);
    expect(base.assumptions.arbiterUpholds).toBeGreaterThan(upholds);
    // TOLERANT collusion: no escalation, so the colluders' share decides it with a
    const sigma = of(withAs({}), "tolerantCollusion").breakEven.colluderShare;
    expect(of(withAs({ colluderShare: sigma * 1.01 }), "tolerantCollusion").ev).toBeGreaterThan(0);
    expect(of(withAs({ colluderShare: sigma * 0.99 }), "tolerantCollusion").ev).toBeLessThan(0);
    expect(base.assumptions.colluderShare).toBeLessThan(sigma);
    // an arbiter that upholds every lie makes a TOLERANT lie the EXACT one: same rate, same loss
    for (const [t, e] of [["tolerantLie", "lie"], ["tolerantLieNew", "lieNew"], ["tolerantLieAtRate", "lieAtRate"]]) {
      expect(of(withAs({ arbiterUpholds: 1 }), t).ev, t).toBe(of(withAs({}), e).ev);
    }
    expect(of(withAs({}), "tolerantLazyVerifier").ev).toBe(of(withAs({}), "lazyVerifier").ev);
  });
});
