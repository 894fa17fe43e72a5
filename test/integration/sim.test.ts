/**
 * The economic simulation (scripts/sim/) against the contracts.
 *
 * 1. Every per-event payoff the model uses equals what the contracts actually move on a local chain:
 *    each event is run through the deployed protocol and SampledVerifier, and every party's balance
 *    delta is compared with `events(amounts(...))`. A change to a formula, a share or a rounding in
 *    the contracts fails here, not silently in the docs.
 * 2. At the parameters read from those contracts, every class's EV has the sign the docs state
 *    (including the documented findings: self-dealing and the forced check are positive), and a
 *    parameter change names the class that breaks.
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
  let exact: Hex, tolerant: Hex;
  let stakeToken: Address;
  let ev: ReturnType<typeof events>;
  let a: ReturnType<typeof amounts>;
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

    exact = await registerModel(sim, deployer, "sim-exact");
    // A TOLERANT model stays with the ArbitratedVerifier: the arbitrated events run on it.
    const w = sha256(toHex("sim-tolerant:weights"));
    const r = sha256(toHex("sim-tolerant:runtime"));
    await sim.market.write.registerModel([w, r, 1, "ipfs://sim-tolerant"]);
    tolerant = modelIdOf(w, r, 1);

    await setUpProvider(sim, deployer, provider, signer.account.address, exact, PRICE, 1_000n * DPI);
    await sim.market.write.setOffer([tolerant, sim.usdc.address, PRICE, 60, true], { account: provider.account });
    for (const v of verifiers) {
      await setUpProvider(sim, deployer, v, v.account.address, exact, PRICE, 1_000n * DPI);
      await sim.market.write.setModuleAllowance([sim.sv.address, inputs.sampling.verifierStake * 4n], { account: v.account });
      await sim.sv.write.enrol([exact], { account: v.account });
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
  async function sampled() {
    const s = await submitted(exact);
    const state = await sim.market.read.jobState([s.jobId]);
    const epoch = BigInt(state.timestamp) / EPOCH;
    const rate = Number(await sim.sv.read.rateOf([provider.account.address]));
    await sim.rng.write.setSeed([epoch, seedDrawing(s.jobId, rate, true)]);
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
    const s = await submitted(tolerant);
    await sim.market.write.openDispute([s.job, ""], { account: challenger.account });
    const got = await measure(
      { provider: of(provider), challenger: of(challenger), client: of(client), module: of(sim.verifier.address), treasury },
      () => sim.verifier.write.rule([s.job, 0, 0n, "wrong"]),
    );
    // the bond was paid before the measurement: it comes back whole
    expect(got).toEqual({ ...ev.upheldDispute, challenger: { T: a.B, S: ev.upheldDispute.challenger.S } });
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
    const s = await submitted(tolerant);
    const got = await measure({ provider: of(provider), challenger: of(challenger), module: of(sim.verifier.address) }, async () => {
      await sim.market.write.openDispute([s.job, ""], { account: challenger.account });
      await sim.verifier.write.rule([s.job, 1, 0n, "ok"]);
    });
    expect(got).toEqual(ev.rejectedDispute);
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
    expect(evaluated.ev).toBe(0);
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
  const findings = (m: ModelInputs) => ids(evaluate(m).filter((r) => r.claimed === "positive (documented finding)" && r.ev > 0));
  const withMarket = (m: Partial<ModelInputs["market"]>, from = honestRegion()) => ({ ...from, market: { ...from.market, ...m } });
  const withSampling = (s: Partial<ModelInputs["sampling"]>, from = honestRegion()) => ({ ...from, sampling: { ...from.sampling, ...s } });
  /** The defaults with a provider whose compute is 10 % of its price: inside the region where a lie does not pay at p = 2 %. */
  const honestRegion = (): ModelInputs => ({ ...base, assumptions: { ...base.assumptions, computeCost: 0.1 } });

  const FINDINGS = ["selfDealing", "selfDealingNew", "sybilChallengerForcedCheck"];

  it("reads the parameters from the contracts, not from a copy: a governance change on chain moves the model", async () => {
    const connection = (await network.create()) as Connection;
    const fresh = await deploySimulation(connection);
    await asAccount(connection, fresh.timelock.address, async (account) => {
      const current = await fresh.sv.read.params();
      await fresh.sv.write.setParams([{ ...current, samplingRateBps: 100 }], { account });
    });
    const read = await readInputs(fresh, PRICE);
    expect(read.sampling.samplingRateBps).toBe(100);
    const m = { ...honestRegion(), sampling: read.sampling };
    expect(broken(m)).toEqual(["disputeSquatting"]);
  });

  it("at the defaults with c = P: the lie, lie at rate q, dispute squatting and collusion break; the documented findings are positive", () => {
    expect(broken(base)).toEqual(["collusion", "disputeSquatting", "lie", "lieAtRate"]);
    expect(findings(base)).toEqual(FINDINGS);
    const r = Object.fromEntries(evaluate(base).map((x) => [x.id, x]));
    // the region: a lie pays while c > p × ((1 − φ) P + C)
    expect(r.lie.breakEven.computeCost).toBeCloseTo(0.02 * 10.99, 6);
    expect(r.lieNew.ev).toBeLessThan(0); // at the new-provider rate (10 %) it does not
  });

  it("at the defaults with c = 0.1 P: every class but the documented findings is negative (or zero)", () => {
    const m = honestRegion();
    expect(broken(m)).toEqual([]);
    expect(findings(m)).toEqual(FINDINGS);
    for (const r of evaluate(m)) {
      if (r.claimed === "negative") expect(r.ev, r.id).toBeLessThan(0);
      if (r.claimed === "non-positive") expect(r.ev, r.id).toBe(0);
    }
  });

  it("names equivocation, the lie and squatting when collateralRatioBps drops to 1×", () => {
    expect(broken(withMarket({ collateralRatioBps: 10_000 }))).toEqual(["disputeSquatting", "equivocation", "lie", "lieAtRate"]);
  });

  it("names dispute squatting first when collateralRatioBps drops to 5×", () => {
    expect(broken(withMarket({ collateralRatioBps: 50_000 }))).toEqual(["disputeSquatting"]);
  });

  it("names silence when livenessSlashBps drops to 0", () => {
    expect(broken(withMarket({ livenessSlashBps: 0 }))).toEqual(["silence"]);
  });

  it("names nothing when challengerShareBps drops to 0 (the share pays challengers; no fault recovers more)", () => {
    expect(broken(withMarket({ challengerShareBps: 0 }))).toEqual([]);
  });

  it("names dispute squatting when the sampling rate drops to 1 %, and the lie and collusion at 0.1 %", () => {
    expect(broken(withSampling({ samplingRateBps: 100 }))).toEqual(["disputeSquatting"]);
    expect(broken(withSampling({ samplingRateBps: 10 }))).toEqual(["collusion", "disputeSquatting", "lie"]);
  });

  it("names collusion when colluders hold 90 % of the verifier stake", () => {
    expect(broken({ ...honestRegion(), assumptions: { ...honestRegion().assumptions, colluderShare: 0.9 } })).toEqual(["collusion"]);
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

  describe("self-dealing (docs/protocol.md 7.7: the reason the module is not deployed)", () => {
    const self = (m: ModelInputs, id = "selfDealing") => evaluate(m).find((r) => r.id === id)!;

    it("is positive at today's defaults, at the base and at the new-provider rate", () => {
      expect(self(base).ev).toBeGreaterThan(0);
      expect(self(base, "selfDealingNew").ev).toBeGreaterThan(0);
      // r × (tip + q R) − φ P: 0.02 × 1.26 − 0.01 and 0.1 × 1.26 − 0.01
      expect(self(base).ev).toBeCloseTo(0.0152, 10);
      expect(self(base, "selfDealingNew").ev).toBeCloseTo(0.116, 10);
    });

    it("turns non-positive at the reward cap the model reports (the fix chosen from the numbers)", () => {
      for (const id of ["selfDealing", "selfDealingNew"]) {
        const cap = self(base, id).breakEven.verifierRewardBps;
        expect(self(withSampling({ verifierRewardBps: cap }, base), id).ev, id).toBeLessThanOrEqual(0);
        expect(self(withSampling({ verifierRewardBps: cap + 1 }, base), id).ev, id).toBeGreaterThan(0);
      }
    });

    it("turns non-positive at the protocol fee the model reports; at the new-provider rate that fee is above the 10 % cap in code", () => {
      const fee = self(base).breakEven.protocolFeeBps;
      expect(self(withMarket({ protocolFeeBps: fee }, base)).ev).toBeLessThanOrEqual(0);
      expect(self(base, "selfDealingNew").breakEven.protocolFeeBps).toBeGreaterThan(1_000);
    });

    it("turns negative when the sybil's draw chance is below the reported bound, or with a verification fee per job of the reported size", () => {
      const s = self(base);
      const q = s.breakEven.sybilDrawChance;
      expect(self({ ...base, assumptions: { ...base.assumptions, sybilDrawChance: q * 0.99 } }).ev).toBeLessThan(0);
      expect(s.ev - s.breakEven.verificationFeePerJob).toBeCloseTo(0, 12);
    });
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
});
