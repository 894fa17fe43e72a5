/**
 * The economic model behind `npm run sim`: pure functions, no chain. Two layers:
 *
 * 1. **Events** (`events`): what one event moves, in token units, for every party, with the
 *    contracts' own formulas and rounding (docs/protocol.md 4.1 and 7.7). The integration test
 *    test/integration/sim.test.ts runs each event through the deployed contracts and checks that
 *    the balance deltas equal these numbers, so the model cannot drift from the code.
 * 2. **Expected values** (`evaluate`): for each fault class, the attacker's expected gain over
 *    behaving honestly, per job (or per check, for a verifier), in units of the job's price `P`,
 *    built only from the event amounts and a few stated assumptions (`Assumptions`). Closed form
 *    where there is one; a seeded Monte Carlo for the classes with a path (graduation from the
 *    new-provider rate, the escalation draw), cross-checked against the closed form where both exist.
 *
 * Units: T is the job's payment token, S the stake token. A stake amount is valued in T at the
 * job's `stakeRate` (S units per T unit, scaled by 1e18), as the contracts value collateral.
 */

// ------------------------------------------------------------------ inputs

/** `IJobMarket.Params`, as `params()` returns it. */
export interface MarketParams {
  challengeWindow: number;
  disputeResolutionPeriod: number;
  collateralRatioBps: number;
  protocolFeeBps: number;
  challengerShareBps: number;
  livenessSlashBps: number;
  bondRatioBps: number;
  disputeFeeBps: number;
  /** `Params.verificationFeeBps`: paid at settlement by jobs of a class routed to the fee module (`setVerificationFeeModule`). */
  verificationFeeBps: number;
}

/** `ISampledVerifierTypes.Params`, as the module's `params()` returns it. */
export interface SamplingParams {
  samplingRateBps: number;
  newProviderRateBps: number;
  newProviderChecks: number;
  verifierRewardBps: number;
  keeperTipBps: number;
  commitPeriod: number;
  revealPeriod: number;
  escalationVerifiers: number;
  verifierStake: bigint;
  /**
   * `δ` (bps of the price in stake): a job's rate is at least `⌈δ × P_S / (C + B)⌉` with `B` its provider's
   * sampling bond (economics.md 6.6). Read from the module once it has it; until then an input.
   */
  deterrenceBps: number;
}

/** One job's money terms: its price and its token's configuration (`paymentToken(token)`). */
export interface JobTerms {
  price: bigint;
  stakeRate: bigint;
  bondFloor: bigint;
}

/**
 * What the contracts do not decide: the attacker's situation. Each is stated where it is used, and
 * the defaults are the attacker's best case unless said otherwise.
 */
export interface Assumptions {
  /** The provider's cost of computing a job honestly, in `P` (what a lie saves). Default 1: a job priced at cost, the docs' worst case. */
  computeCost: number;
  /** Chance that a wrong result the module did not sample is disputed and upheld by a human challenger. Default 0: sampling alone. */
  humanDetection: number;
  /** Chance that a verifier draw lands on the attacker's sybil (self-dealing, forced checks). Default 1: a model only its sybils verify. */
  sybilDrawChance: number;
  /** The share of the enrolled verifier stake held by a provider's colluders (each draw lands on one with this chance). Default 0.5. */
  colluderShare: number;
  /** The fraction of its jobs a provider lies on, for "lie at rate q". Default 0.1. */
  lieRate: number;
  /** The fraction of checks that are planted (known-wrong canaries, `SampledVerifier.expose`). Default 0 here; the deployment's commitment is `SAMPLING_PLANTING` in scripts/deploy/samplingParams.ts (`DEPLOYED_ASSUMPTIONS` in chain.ts). */
  plantedRate: number;
  /**
   * The sampling bonds `B` (in units of `P`, valued at the job's stake rate) over which the bond-dependent
   * classes take the attacker's best choice (the max EV): the attacker chooses `B`.
   */
  bondGrid: number[];
  /**
   * Chance that a draw in the caller-paid band (above `samplingRateBps`, below the job's rate) is paid for
   * and checked. Default 1: the SDK's `waitForResult` funds it for the client by default (economics.md 6.6).
   */
  paidBandChecked: number;
  /**
   * The attacker's gas, for the classes that are zero before gas: gas price (gwei) and the native
   * token's price in `T` units (USDC: 1e6 a dollar). Stated, not read: no contract decides them.
   */
  gasPriceGwei: number;
  nativeTokenPriceT: number;
  /**
   * `a`: the chance that the arbiter (the ARBITRATOR role, `SampledVerifier.rule`) upholds a real TOLERANT lie
   * that reached it (a drawn TOLERANT job whose re-run differs in bytes). Default 0.9: it lets one in ten stand.
   * An exposed planted canary is upheld always (the PLANTER knows it is wrong and says so).
   */
  arbiterUpholds: number;
  /**
   * `a_junk`: the chance that the arbiter rejects a junk TOLERANT vote (`rejectVote`: an output that differs
   * from the provider's and is no re-run of the job). Default 0.9.
   */
  arbiterRejectsJunk: number;
  /** Jobs in the Monte Carlo horizon of "lie at rate q" (a fresh provider, graduating from the new-provider rate). */
  horizonJobs: number;
  /** Monte Carlo trials, and the seed of its generator. */
  trials: number;
  seed: number;
}

export const DEFAULT_ASSUMPTIONS: Assumptions = {
  computeCost: 1,
  humanDetection: 0,
  sybilDrawChance: 1,
  colluderShare: 0.5,
  lieRate: 0.1,
  plantedRate: 0,
  arbiterUpholds: 0.9,
  arbiterRejectsJunk: 0.9,
  bondGrid: [0, 1, 2, 5, 10, 20, 50, 90, 100, 200, 500, 1_000],
  paidBandChecked: 1,
  gasPriceGwei: 0.1,
  nativeTokenPriceT: 3_000 * 1e6,
  horizonJobs: 5_000,
  trials: 2_000,
  seed: 11,
};

export interface ModelInputs {
  market: MarketParams;
  sampling: SamplingParams;
  terms: JobTerms;
  assumptions: Assumptions;
}

// ------------------------------------------------------------------ layer 1: events, in token units

const BPS = 10_000n;
const WAD = 10n ** 18n;

const bps = (x: bigint, b: number | bigint) => (x * BigInt(b)) / BPS;

/** The amounts every formula of docs/protocol.md 4.1 gives for one job (token units, rounded down as in the code). */
export function amounts(market: MarketParams, sampling: SamplingParams, terms: JobTerms, paysVerificationFee = true) {
  const P = terms.price;
  const C = (P * BigInt(market.collateralRatioBps) * terms.stakeRate) / (BPS * WAD); // JobLib.collateralFor (S)
  const fee = bps(P, market.protocolFeeBps);
  // The simulated jobs are EXACT or TOLERANT, routed to the SampledVerifier, which is the verification-fee
  // module; a class routed elsewhere (NONE, arbitrated: the tests' arbitrated jobs) pays none.
  const vfee = paysVerificationFee ? bps(P, market.verificationFeeBps) : 0n;
  const L = (C * BigInt(market.livenessSlashBps)) / BigInt(market.collateralRatioBps); // JobLib.livenessSlash (S)
  const bondByRatio = bps(P, market.bondRatioBps);
  const B = bondByRatio > terms.bondFloor ? bondByRatio : terms.bondFloor; // JobLib.bondFor (T)
  const bondFee = bps(B, market.disputeFeeBps); // per bond (T)
  const shareOf = (slashed: bigint) => bps(slashed, market.challengerShareBps);
  /** The upheld arbitration fee for `n` challengers, in S, capped at what the winner's share leaves. */
  const upheldFee = (n: number) => {
    const raw = (bondFee * BigInt(n) * C * BPS) / (P * BigInt(market.collateralRatioBps));
    const cap = C - shareOf(C);
    return raw < cap ? raw : cap;
  };
  return {
    P,
    C,
    fee,
    vfee,
    payout: P - fee - vfee,
    L,
    B,
    bondFee,
    shareOf,
    upheldFee,
    reward: bps(P, sampling.verifierRewardBps), // per paid verifier (T), from the module's fund
    tip: bps(P, sampling.keeperTipBps), // to the caller of `sample` (T)
    verifierStake: sampling.verifierStake, // per seat (S)
    /** The job's rate in bps with a sampling bond `bondS` (stake units) and provider base rate `baseBps`: the module's formula. */
    rateBps: (baseBps: number, bondS: bigint) => {
      const num = BigInt(sampling.deterrenceBps) * C * BPS;
      const den = BigInt(market.collateralRatioBps) * (C + bondS);
      const adaptive = Number((num + den - 1n) / den); // rounded up, as Math.mulDiv(…, Ceil)
      return Math.min(10_000, Math.max(baseBps, adaptive));
    },
  };
}

export type Amounts = ReturnType<typeof amounts>;

/** A balance change in both tokens. */
export interface Delta {
  T: bigint;
  S: bigint;
}

const d = (T: bigint, S: bigint = 0n): Delta => ({ T, S });

/**
 * What one event changes for each party, in token units. Provider `S` is its `staked`; `T` is
 * `claimable` in the market (for verifiers and keepers: `owed` in the module). Bonds are counted
 * when paid and when returned, so a returned bond nets to zero.
 */
export function events(a: Amounts) {
  return {
    /** An accepted job expired past its deadline (`expireJob`): the liveness slash, shared with the client. */
    livenessExpiry: {
      provider: d(0n, -a.L),
      client: d(a.P, a.shareOf(a.L)),
      treasury: d(0n, a.L - a.shareOf(a.L)),
    },
    /** A dispute with one challenger, upheld by the arbitrator (winner 0). */
    upheldDispute: {
      provider: d(0n, -a.C),
      challenger: d(0n, a.shareOf(a.C)),
      client: d(a.P),
      module: d(0n, a.upheldFee(1)),
      treasury: d(0n, a.C - a.shareOf(a.C) - a.upheldFee(1)),
    },
    /** Two signed outputs for one job, reported before settlement (`reportEquivocation`). */
    equivocationReport: {
      provider: d(0n, -a.C),
      reporter: d(0n, a.shareOf(a.C)),
      client: d(a.P),
      treasury: d(0n, a.C - a.shareOf(a.C)),
    },
    /** A dispute with one challenger against a result that stands (`Rejected`). */
    rejectedDispute: {
      provider: d(a.payout + a.B - a.bondFee),
      challenger: d(-a.B),
      module: d(a.bondFee),
    },
    /** A sampled check whose one verifier agrees (`Draw`): the provider is paid, the verifier and the keeper too. */
    sampledPass: {
      provider: d(a.payout),
      verifier: d(a.reward),
      keeper: d(a.tip),
      fund: d(-(a.reward + a.tip)),
    },
    /**
     * A sampled lie: the first verifier disagrees, the escalation's verifiers disagree too, the
     * provider is outvoted (`Upheld`, the module the winner). Every verifier is paid.
     */
    sampledCaught: {
      provider: d(0n, -a.C),
      verifierEach: d(a.reward),
      client: d(a.P),
      keeper: d(a.tip),
      /** the module's fund: the winner's share and the arbitration fee in S; tip and rewards out in T. */
      fund: (paidVerifiers: number) => d(-(a.tip + a.reward * BigInt(paidVerifiers)), a.shareOf(a.C) + a.upheldFee(1)),
    },
    /**
     * A human dispute on an honest result, checked by re-execution (`Rejected`): the challenger loses
     * its bond (f × B to the module, the rest to the provider), the verifier is paid from the fund.
     */
    checkedRejectedDispute: {
      provider: d(a.payout + a.B - a.bondFee),
      challenger: d(-a.B),
      verifier: d(a.reward),
      fund: d(a.bondFee - a.reward),
    },
    /**
     * The verification fee of a settled job, moved to the module's fund (`collectVerificationFees`, or the
     * provider's `claim`): `verificationFeeBps` of the price, credited to the module's claimable balance.
     */
    verificationFeeCollected: {
      provider: d(0n),
      fund: d(a.vfee),
    },
    /** A sampled lie caught (as `sampledCaught`) from a provider whose sampling bond `bondS` covered the job: all of it to the treasury. */
    sampledCaughtBonded: (bondS: bigint) => ({
      provider: d(0n, -(a.C + bondS)),
      treasury: d(0n, a.C - a.shareOf(a.C) - a.upheldFee(1) + bondS),
    }),
    /** A verifier on the losing side of an escalation (it dissented alone): unpaid, its seat's stake slashed. */
    verifierOutvoted: {
      verifier: d(0n, -a.verifierStake),
    },
    /**
     * TOLERANT: a sampled lie whose one verifier's re-run differs goes to the arbiter, which upholds (`rule(job,
     * false)`): the provider loses C, the differing verifier is paid R, the fund wins s × C and the fee and pays
     * the tip and one reward (a TOLERANT check has one seat: no escalation). The client gets P back.
     */
    tolerantUpheld: {
      provider: d(0n, -a.C),
      verifier: d(a.reward),
      client: d(a.P),
      keeper: d(a.tip),
      fund: d(-(a.tip + a.reward), a.shareOf(a.C) + a.upheldFee(1)),
    },
    /**
     * TOLERANT: an honest result whose verifier's re-run differs in bytes, ruled within tolerance by the arbiter
     * (`rule(job, true)`, `Draw`): the provider is paid, the verifier earns R, the keeper the tip.
     */
    tolerantStands: {
      provider: d(a.payout),
      verifier: d(a.reward),
      keeper: d(a.tip),
      fund: d(-(a.reward + a.tip)),
    },
    /**
     * TOLERANT: a planted canary (a wrong output on purpose), exposed by the PLANTER, whose verifier copied the
     * public output: round 0 goes to the arbiter, which upholds; the copy is the same bytes, slashed with the
     * provider (its stake to the treasury) and unpaid. The fund pays only the tip and wins s × C and the fee.
     */
    tolerantCanaryCopied: {
      verifier: d(0n, -a.verifierStake),
      provider: d(0n, -a.C),
      fund: d(-a.tip, a.shareOf(a.C) + a.upheldFee(1)),
      treasury: d(0n, a.verifierStake + a.C - a.shareOf(a.C) - a.upheldFee(1)),
    },
    /**
     * TOLERANT: a junk vote (differs from an honest provider's output, no re-run) rejected by the arbiter
     * (`rejectVote`), then the result ruled to stand: the verifier loses its seat's stake to the treasury and is
     * not paid, its reward stays in the fund; the provider is paid.
     */
    junkRejected: {
      verifier: d(0n, -a.verifierStake),
      provider: d(a.payout),
      keeper: d(a.tip),
      fund: d(-a.tip),
      treasury: d(0n, a.verifierStake),
    },
    /** An assigned verifier that never commits: its seat's stake is slashed, all of it to the treasury. */
    verifierSilent: {
      verifier: d(0n, -a.verifierStake),
      treasury: d(0n, a.verifierStake),
    },
  };
}

export type Events = ReturnType<typeof events>;

// ------------------------------------------------------------------ layer 2: expected values, in P

/** A stake amount valued in T at the job's rate. */
const inT = (terms: JobTerms, s: bigint) => (s * WAD) / terms.stakeRate;
/** A delta valued in units of `P`. */
function inP(terms: JobTerms, delta: Delta): number {
  return Number(delta.T + inT(terms, delta.S)) / Number(terms.price);
}

export interface ClassResult {
  id: string;
  name: string;
  attacker: string;
  /** What one unit is: "job", "check", "dispute". */
  per: string;
  /** Expected gain over honest behaviour, in units of P. */
  ev: number;
  /** The closed form, with the symbols of docs/economics.md. */
  formula: string;
  /** Monte Carlo estimate, where there is one. */
  monteCarlo?: { ev: number; stderr: number; trials: number };
  /** The attacker's payoff in each event that makes up the EV (in P). */
  payoffs: Record<string, number>;
  /** Where the sign flips, in terms a governor can act on. */
  breakEven: Record<string, number>;
  /** What the docs claim: "negative", "non-positive", or the documented exception. */
  claimed: "negative" | "non-positive" | "positive (documented finding)";
  note: string;
}

const f3 = (x: number) => x.toFixed(3);

/** Where the class stops paying, in one line (for the table). */
export function region(r: ClassResult): string {
  const b = r.breakEven;
  switch (r.id) {
    case "lie":
    case "lieNew":
    case "disputeSquatting":
      return `honest while c < ${f3(b.computeCost)} P (p > ${f3(100 * b.samplingRate)} % at this c)`;
    case "lieAtRate":
      return `honest while c < ${f3(b.computeCostSteadyState)} P once graduated`;
    case "collusion":
      return `honest while c < ${f3(b.computeCost)} P`;
    case "lazyVerifier":
    case "tolerantLazyVerifier":
      return `needs planted checks on > ${f3(100 * b.plantedRate)} % of checks`;
    case "tolerantLie":
    case "tolerantLieNew":
      return `honest while the arbiter upholds > ${f3(100 * b.arbiterUpholds)} % (a) at c = ${f3(b.c)} P`;
    case "tolerantLieAtRate":
      return `honest once graduated while a > ${f3(100 * b.arbiterUpholds)} %`;
    case "tolerantCollusion":
      return `honest while σ < ${f3(b.colluderShare)} at this a, a > ${f3(100 * b.arbiterUpholds)} % at this σ`;
    case "tolerantJunkVerifier":
      return `needs the arbiter to reject > ${f3(100 * b.arbiterRejectsJunk)} % of junk (a_junk)`;
    case "selfDealing":
    case "selfDealingNew":
      return `negative while verificationFeeBps > ${b.verificationFeeBps} (at q_draw = 1)`;
    case "sybilChallengerForcedCheck":
      return `negative while R < f × B = ${f3(b.verifierReward)} P (at q_draw = 1)`;
    case "equivocation":
      return `would need challengerShareBps > ${Math.round(b.challengerShareBps)} (cap 5,000)`;
    case "silence":
      return "while livenessSlashBps > 0";
    case "infeasibleDeadline":
    case "stolenRetiredKey":
      return "by the attacker's gas (zero before it)";
    default:
      return "always (≤ 0 before gas)";
  }
}

/** A small seeded generator (mulberry32), so that every run prints the same numbers. */
export function rng(seed: number) {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

function meanAndError(xs: number[]) {
  const n = xs.length;
  const mean = xs.reduce((s, x) => s + x, 0) / n;
  const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / Math.max(1, n - 1);
  return { ev: mean, stderr: Math.sqrt(variance / n), trials: n };
}

function binomial(n: number, k: number) {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}

/**
 * The escalation tally of a sampled lie whose first verifier is honest (it disagrees): `k` more
 * verifiers are drawn, each a colluder (agreeing with the provider) with chance `sigma`. With `h`
 * honest among them: disagree = 1 + h, agree = k − h. Upheld when disagree > agree and
 * disagree ≥ 2; a pass when agree > disagree; otherwise a draw (SampledVerifier's tally, round 1).
 * Returns the chances of each outcome and the expected number of colluders on the losing side of an Upheld.
 */
export function escalation(k: number, sigma: number) {
  let upheld = 0;
  let pass = 0;
  let draw = 0;
  let colludersSlashed = 0;
  for (let h = 0; h <= k; h++) {
    const pr = binomial(k, h) * (1 - sigma) ** h * sigma ** (k - h);
    const disagree = 1 + h;
    const agree = k - h;
    if (disagree > agree && disagree >= 2) {
      upheld += pr;
      colludersSlashed += pr * agree;
    } else if (agree > disagree) pass += pr;
    else draw += pr;
  }
  return { upheld, pass, draw, colludersSlashed };
}

/** Every class's EV for these inputs. `samplingRateBps` overrides the module's base rate (for the chart). */
export function evaluate(inputs: ModelInputs): ClassResult[] {
  const { market, sampling, terms, assumptions: as } = inputs;
  const a = amounts(market, sampling, terms);
  const e = events(a);
  const P = (x: Delta) => inP(terms, x);
  const v = (s: bigint) => Number(inT(terms, s)) / Number(terms.price); // an S amount in P
  const t = (x: bigint) => Number(x) / Number(terms.price); // a T amount in P

  const p = sampling.samplingRateBps / 10_000;
  const pNew = sampling.newProviderRateBps / 10_000;
  const c = as.computeCost;
  const k = sampling.escalationVerifiers;

  // The loss of a caught lie relative to honest work: the payout it would have earned, and the slash.
  const caughtLoss = t(a.payout) - P(e.sampledCaught.provider); // payout + C
  const caughtLossSquatted = caughtLoss - v(a.shareOf(a.C)); // its sybil, the human opener, is the winner
  const detection = (r: number) => r + (1 - r) * as.humanDetection;
  const baseBps = sampling.samplingRateBps;
  const newBps = sampling.newProviderRateBps;

  /** A bond of `bP` (in P) in stake units, at the job's rate. */
  const bondS = (bP: number) => (BigInt(Math.round(bP * 1e6)) * a.P * terms.stakeRate) / (1_000_000n * WAD);
  /**
   * The detection rate of a job with bond `bP` and provider base rate `providerBps`: draws below the
   * fund's rate are always checked; the caller-paid band up to the job's rate with `paidBandChecked`.
   */
  const rateWithBond = (providerBps: number, bP: number) => {
    const r = a.rateBps(providerBps, bondS(bP)) / 10_000;
    const fundRate = providerBps / 10_000;
    return fundRate + (r - fundRate) * as.paidBandChecked;
  };
  /** The attacker's best bond on the grid for `ev(bP)`, and what it gives. */
  const best = (ev: (bP: number) => number) => {
    let bP = as.bondGrid[0];
    for (const g of as.bondGrid) if (ev(g) > ev(bP)) bP = g;
    return { bond: bP, ev: ev(bP), byBond: Object.fromEntries(as.bondGrid.map((g) => [`B=${g}P`, ev(g)])) };
  };

  const lie = (providerBps: number, label: string, id: string): ClassResult => {
    const evAt = (bP: number) => c - detection(rateWithBond(providerBps, bP)) * (caughtLoss + bP);
    const b = best(evAt);
    const r = rateWithBond(providerBps, b.bond);
    return {
      id,
      name: `lie (always), ${label}, its best sampling bond (B = ${b.bond} P)`,
      attacker: "provider",
      per: "job",
      ev: b.ev,
      formula: "max over B of c − d(B) × ((1 − φ − v)P + C + B), d(B) = max(p, ⌈δ P_S / (C + B)⌉) (+ (1 − d) q_human)",
      payoffs: { uncaught: c, caught: c - caughtLoss - b.bond, ...b.byBond },
      breakEven: { computeCost: detection(r) * (caughtLoss + b.bond), samplingRate: c / (caughtLoss + b.bond), bond: b.bond, rate: r },
      claimed: "negative",
      note: `the docs' "p·(R+P) > C" with the adaptive rate: r (C + B) ≥ δ P_S, so a caught lie costs at least ${(sampling.deterrenceBps / 10_000).toFixed(1)} P whatever B`,
    };
  };

  // TOLERANT (economics.md 6.7): one verifier re-runs a drawn job; a re-run that differs in bytes goes to the
  // arbiter (no escalation), which upholds a real lie with `a` and otherwise lets it stand (a `Draw`, paid).
  const aUp = as.arbiterUpholds;
  const tolerantLoss = t(a.payout) - P(e.tolerantUpheld.provider); // payout + C, as for EXACT
  const tolerantLie = (providerBps: number, label: string, id: string): ClassResult => {
    const reach = (bP: number) => detection(rateWithBond(providerBps, bP)) * (tolerantLoss + bP);
    const b = best((bP) => c - aUp * reach(bP));
    const r = rateWithBond(providerBps, b.bond);
    // The attacker picks B: the lie stops paying for every B once a × min_B d(B) (loss + B) > c.
    const weakest = Math.min(...as.bondGrid.map(reach));
    return {
      id,
      name: `TOLERANT lie (always), ${label}, arbiter upholds a = ${aUp}, its best sampling bond (B = ${b.bond} P)`,
      attacker: "provider",
      per: "job",
      ev: b.ev,
      formula: "max over B of c − a × d(B) × ((1 − φ − v)P + C + B): a drawn lie reaches the arbiter (the re-run differs), which upholds it with a",
      payoffs: { uncaught: c, upheld: c - tolerantLoss - b.bond, stands: c, ...b.byBond },
      breakEven: { arbiterUpholds: c / weakest, c, computeCost: aUp * weakest, bond: b.bond, rate: r },
      claimed: "negative",
      note: "the EXACT lie's loss times a: a TOLERANT job pays the verification fee and is drawn at the same adaptive rate; a lie the arbiter lets stand is paid and counts as a passed check",
    };
  };

  // The lie's best bond for an established provider: the Monte Carlo uses it throughout.
  const lieBond = best((bP) => c - detection(rateWithBond(baseBps, bP)) * (caughtLoss + bP)).bond;
  // Lie at rate q: a fresh provider over a horizon, sampled at the new-provider rate until it has
  // newProviderChecks passed checks (only honest sampled jobs pass). Monte Carlo.
  const lieAtRate = (upholds = 1, id = "lieAtRate"): ClassResult => {
    const random = rng(as.seed);
    const per: number[] = [];
    for (let trial = 0; trial < as.trials; trial++) {
      let passed = 0;
      let total = 0;
      for (let j = 0; j < as.horizonJobs; j++) {
        const providerBps = passed < sampling.newProviderChecks ? newBps : baseBps;
        const rate = rateWithBond(providerBps, lieBond);
        const lies = random() < as.lieRate;
        const sampled = random() < rate;
        if (!lies) {
          if (sampled) passed++;
          continue;
        }
        const reached = sampled || random() < as.humanDetection;
        // TOLERANT: the arbiter lets a lie stand with 1 − a (paid, and a passed check if it was drawn).
        const caught = reached && (upholds === 1 || random() < upholds);
        if (reached && !caught && sampled) passed++;
        total += caught ? c - caughtLoss - lieBond : c;
      }
      per.push(total / as.horizonJobs);
    }
    const mc = meanAndError(per);
    const steady = detection(rateWithBond(baseBps, lieBond)) * (caughtLoss + lieBond);
    const tolerant = upholds !== 1;
    return {
      id,
      name: `${tolerant ? `TOLERANT lie, arbiter upholds a = ${upholds}` : "lie"} at rate q = ${as.lieRate}, fresh provider, ${as.horizonJobs} jobs, bond B = ${lieBond} P`,
      attacker: "provider",
      per: "job",
      ev: mc.ev,
      formula: tolerant
        ? "Monte Carlo: q × (c − a × d_j × ((1 − φ − v)P + C + B)), a lie the arbiter lets stand counting as a passed check toward graduation"
        : "Monte Carlo: q × (c − d_j × ((1 − φ − v)P + C + B)), d_j the rate of job j (new-provider rate until graduation, at least δ P_S / (C + B))",
      monteCarlo: mc,
      payoffs: { uncaught: c, caught: c - caughtLoss - lieBond, honest: 0, ...(tolerant ? { stands: c } : {}) },
      breakEven: tolerant
        ? { arbiterUpholds: c / steady, computeCostSteadyState: upholds * steady, bond: lieBond }
        : { computeCostSteadyState: steady, bond: lieBond },
      claimed: "negative",
      note: "per job of the horizon; lying only on some jobs does not change the sign of a lie's EV, only slows graduation",
    };
  };

  const silence: ClassResult = {
    id: "silence",
    name: "going silent (accept, never answer)",
    attacker: "provider",
    per: "job",
    ev: P(e.livenessExpiry.provider),
    formula: "−L",
    payoffs: { expired: P(e.livenessExpiry.provider), expiredAsOwnClient: P(e.livenessExpiry.provider) + v(a.shareOf(a.L)) },
    breakEven: { livenessSlashBps: 0 },
    claimed: "negative",
    note: "no gain but keeping the job from competitors; its own client recovers s × L",
  };

  const equivocation: ClassResult = {
    id: "equivocation",
    name: "equivocation (two signed outputs)",
    attacker: "provider",
    per: "job",
    ev: t(a.payout) + P(e.equivocationReport.provider) + v(e.equivocationReport.reporter.S),
    formula: "(1 − φ)P − (1 − s) C (a second output worth at most the job; it reports itself)",
    payoffs: { selfReported: P(e.equivocationReport.provider) + v(e.equivocationReport.reporter.S), reportedByOther: P(e.equivocationReport.provider) },
    breakEven: { challengerShareBps: 10_000 * (1 - t(a.payout) / v(a.C)) },
    claimed: "negative",
    note: "upper bound on the gain: the job's payout",
  };

  const rewardP = t(a.reward);
  const stakeP = v(a.verifierStake);
  const lazy: ClassResult = {
    id: "lazyVerifier",
    name: planLabel(as.plantedRate),
    attacker: "verifier",
    per: "check",
    // It agrees with the public output and skips the re-run (saves c). Unexposed, it is only on a
    // losing side when the output is wrong and someone else dissents: in round 0 nobody does. A planted
    // check (share π) is exposed once it committed: round 1 runs anyway and outvotes it (it loses its
    // stake, `verifierOutvoted`, and is not paid), assuming the escalation's majority is honest.
    ev: c - as.plantedRate * (rewardP - P(e.verifierOutvoted.verifier)),
    formula: "c − π × (V + R), π the planted share of checks",
    payoffs: { pass: rewardP, planted: -stakeP, saved: c },
    breakEven: { plantedRate: c / (stakeP + rewardP) },
    claimed: "negative",
    note: "planted checks (SampledVerifier.expose) at the deployment's committed share; an unexposed lone round-0 verifier that agrees is never outvoted",
  };

  // TOLERANT collusion: a colluding verifier copies the provider's output (it agrees, the lie passes); an
  // honest one differs and the arbiter upholds with `a`. No escalation, so no colluder is ever outvoted.
  const tolerantCollusion = (): ClassResult => {
    const sigma = as.colluderShare;
    const reach = (bP: number) => rateWithBond(baseBps, bP) * (tolerantLoss + bP);
    const b = best((bP) => c - (1 - sigma) * aUp * reach(bP));
    const weakest = Math.min(...as.bondGrid.map(reach));
    return {
      id: "tolerantCollusion",
      name: `TOLERANT lie with verifiers colluding (σ = ${sigma} of the verifier stake), arbiter upholds a = ${aUp}, bond B = ${b.bond} P`,
      attacker: "provider + colluding verifiers",
      per: "job",
      ev: b.ev,
      formula: "max over B of c − d(B) (1 − σ) a ((1 − φ − v)P + C + B): a colluder drawn copies and agrees; an honest verifier's re-run goes to the arbiter",
      payoffs: { uncaught: c, upheld: c - tolerantLoss - b.bond, colluderDrawn: c, ...b.byBond },
      breakEven: { arbiterUpholds: c / ((1 - sigma) * weakest), colluderShare: 1 - c / (aUp * weakest), bond: b.bond },
      claimed: "negative",
      note: "a colluder that copies a planted canary is slashed with it (as the lazy verifier), which only lowers this",
    };
  };

  const tolerantLazy: ClassResult = {
    id: "tolerantLazyVerifier",
    name: `TOLERANT ${planLabel(as.plantedRate)}`,
    attacker: "verifier",
    per: "check",
    // It copies the provider's public output and skips the re-run (saves c): it agrees, nothing reaches the
    // arbiter, it is paid R, on a real lie as on an honest job. A planted canary (share π) is exposed once it
    // committed: round 0 goes to the arbiter, which upholds the canary, and the copy (the same bytes) is
    // slashed with it and unpaid, where a re-run (it differs) would have been paid R.
    ev: c - as.plantedRate * (rewardP - P(e.tolerantCanaryCopied.verifier)),
    formula: "c − π × (V + R), π the planted share of checks (an exposed canary is upheld, the copy slashed with it)",
    payoffs: { pass: rewardP, plantedCopied: P(e.tolerantCanaryCopied.verifier), plantedReRun: rewardP, saved: c },
    breakEven: { plantedRate: c / (stakeP + rewardP) },
    claimed: "negative",
    note: "planted TOLERANT checks (expose, then rule(job, false) slashes every vote equal to the canary's output) at the deployment's committed share",
  };

  const tolerantJunk: ClassResult = {
    id: "tolerantJunkVerifier",
    name: `TOLERANT junk verifier (disagrees without re-running), arbiter rejects junk a_junk = ${as.arbiterRejectsJunk}`,
    attacker: "verifier",
    per: "check",
    // It answers anything but the provider's output without running the job (saves c). A differing vote is
    // paid R whichever way the arbiter rules, unless the arbiter rejects it as junk (`rejectVote`): then it
    // loses its seat's stake V and is not paid. A re-run would have earned R.
    ev: c - as.arbiterRejectsJunk * (rewardP - P(e.junkRejected.verifier)),
    formula: "c − a_junk × (V + R): every junk vote differs, so every one of its checks reaches the arbiter",
    payoffs: { accepted: rewardP, rejected: P(e.junkRejected.verifier), saved: c },
    breakEven: { arbiterRejectsJunk: c / (stakeP + rewardP) },
    claimed: "negative",
    note: "each junk vote is one more ruling for the arbiter; rejectVote needs the verifier's output, which it must serve by its hash",
  };

  const selfDealing = (providerBps: number, label: string, id: string): ClassResult => {
    const q = as.sybilDrawChance;
    // Only draws below the base rate are fund-paid (with a tip). Above it (the new-provider and the
    // under-bonded band) a check runs only if a caller pays (1 + k) R: the self-dealer funding its own
    // job pays its sybil from its own pocket (q R − R ≤ 0); nobody else funds wash jobs.
    const fundRate = Math.min(providerBps, baseBps) / 10_000;
    const paidRate = Math.max(0, (a.rateBps(providerBps, 0n) - baseBps) / 10_000);
    const r = fundRate;
    const gain = r * (t(a.tip) + q * rewardP);
    const cost = t(a.fee) + t(a.vfee);
    return {
      id,
      name: `self-dealing (wash jobs + sybil verifier), ${label}`,
      attacker: "provider + sybil verifier",
      per: "job",
      ev: gain - cost,
      formula: "p_base × (tip + q_draw × R) − (φ + v) P; the band above p_base is caller-paid: funding its own check returns at most what it paid (the sybil agrees, so nobody computes; gas excluded)",
      payoffs: {
        sampledSybilDrawn: t(a.tip) + rewardP - cost,
        sampledOtherDrawn: t(a.tip) - cost,
        notSampled: -cost,
        paidBandSelfFunded: (q - 1) * rewardP - cost, // pays (1 + k) R, gets the unused k R back, its sybil earns q R
        paidBandRate: paidRate,
      },
      breakEven: {
        // the smallest verification fee per job (in P, paid into the fund by every job) that makes it negative
        verificationFeePerJob: Math.max(0, gain - cost),
        // the largest verifier reward (in P) that makes it negative at this rate and draw chance
        verifierReward: (cost - r * t(a.tip)) / (r * q),
        verifierRewardBps: Math.floor((10_000 * (cost - r * t(a.tip))) / (r * q)),
        // the smallest protocol fee that makes it negative
        protocolFeeBps: Math.ceil(10_000 * r * (t(a.tip) + q * rewardP)) - market.verificationFeeBps,
        // the smallest verification fee (bps) that makes it non-positive at this protocol fee
        verificationFeeBps: Math.ceil(10_000 * (r * (t(a.tip) + q * rewardP) - t(a.fee)) - 1e-9),
        // the largest sybil draw chance that keeps it negative
        sybilDrawChance: (cost - r * t(a.tip)) / (r * rewardP),
        // the largest sampling rate that keeps it negative
        samplingRate: cost / (t(a.tip) + q * rewardP),
      },
      claimed: "negative",
      note: "economics.md 6.6: the verification fee pays the base rate's checks; the caller pays above it",
    };
  };

  const sybilFrivolous: ClassResult = {
    id: "sybilChallenger",
    name: "sybil challenger (frivolous dispute on an honest result)",
    attacker: "challenger",
    per: "dispute",
    ev: P(e.rejectedDispute.challenger),
    formula: "−B (rejected: f B to the module, the rest to the provider)",
    payoffs: { rejected: P(e.rejectedDispute.challenger), draw: -t(a.bondFee) },
    breakEven: {},
    claimed: "negative",
    note: "checked by re-execution when the module judges the class; by the arbitrator otherwise",
  };

  const sybilForced: ClassResult = {
    id: "sybilChallengerForcedCheck",
    name: "sybil challenger + sybil verifier (forced check on its own honest job)",
    attacker: "provider + sybil challenger + sybil verifier",
    per: "dispute",
    // the coalition's deltas in a checked, rejected dispute, less the payout its provider earns anyway
    ev:
      P(e.checkedRejectedDispute.provider) + P(e.checkedRejectedDispute.challenger) - t(a.payout) + as.sybilDrawChance * P(e.checkedRejectedDispute.verifier),
    formula: "q_draw × R − f B (the rest of the bond goes to its own provider)",
    payoffs: { sybilDrawn: rewardP - t(a.bondFee), otherDrawn: -t(a.bondFee) },
    breakEven: { sybilDrawChance: t(a.bondFee) / rewardP, verifierReward: t(a.bondFee) / as.sybilDrawChance },
    claimed: "negative",
    note: "economics.md 6.6: disputeFeeBps 3,000 makes the loser's fee f × B larger than the check's R",
  };

  const squatBest = best((bP) => c - detection(rateWithBond(baseBps, bP)) * (caughtLossSquatted + bP));
  const squatting: ClassResult = {
    id: "disputeSquatting",
    name: "dispute squatting (lie; its sybil opens the dispute when drawn)",
    attacker: "provider + sybil challenger",
    per: "job",
    ev: squatBest.ev,
    formula: "max over B of c − d(B) × ((1 − φ − v)P + (1 − s) C + B) (the bond goes to the treasury, never to a challenger)",
    payoffs: { uncaught: c, caught: c - caughtLossSquatted - squatBest.bond, ...squatBest.byBond },
    breakEven: {
      computeCost: detection(rateWithBond(baseBps, squatBest.bond)) * (caughtLossSquatted + squatBest.bond),
      samplingRate: c / (caughtLossSquatted + squatBest.bond),
      bond: squatBest.bond,
    },
    claimed: "negative",
    note: "the lie with the winner's share recovered: squatting pays only where the lie it covers pays",
  };

  /** `gas` units of the attacker's gas, in P, at the stated gas and native-token prices. */
  const gasP = (gas: number) => (gas * as.gasPriceGwei * 1e-9 * as.nativeTokenPriceT) / Number(terms.price);
  const farming: ClassResult = {
    id: "infeasibleDeadline",
    name: "infeasible-deadline farming",
    attacker: "client",
    per: "job",
    ev: -gasP(CREATE_JOB_GAS),
    formula: "−gas (acceptJob refuses a deadline before now + maxLatency: the attacker pays a createJob for nothing); + s L only against a provider that understates its latency",
    payoffs: { refused: 0, gas: -gasP(CREATE_JOB_GAS), againstUnderstatingProvider: v(e.livenessExpiry.client.S) },
    breakEven: {},
    claimed: "negative",
    note: `zero before gas; the gas of one createJob (${CREATE_JOB_GAS}) at ${as.gasPriceGwei} gwei and a native token at ${as.nativeTokenPriceT / 1e6} T-dollars`,
  };

  const stolenKey: ClassResult = {
    id: "stolenRetiredKey",
    name: "stolen retired key",
    attacker: "key holder",
    per: "job",
    ev: -gasP(REPORT_GAS),
    formula: "−gas on every job accepted after the key was retired (not evidence: the report reverts)",
    payoffs: { jobAfterRetirement: 0, gas: -gasP(REPORT_GAS), jobWhileCurrent: v(e.equivocationReport.reporter.S) },
    breakEven: {},
    claimed: "negative",
    note: `on jobs the key was current for, it does what any holder of that job's key could; gas of a refused report (${REPORT_GAS}) at the same assumption`,
  };

  const collusion = (): ClassResult => {
    const sigma = as.colluderShare;
    const esc = escalation(k, sigma);
    // Per lied job: sampled (p): round-0 verifier a colluder (σ) → pass; else escalation.
    const lossAt = (bP: number) => (1 - sigma) * (esc.upheld * (caughtLoss + bP) + esc.colludersSlashed * (stakeP + rewardP));
    const cb = best((bP) => c - rateWithBond(baseBps, bP) * lossAt(bP));
    const bP = cb.bond;
    const rate = rateWithBond(baseBps, bP);
    const lossIfSampled = lossAt(bP);
    const closed = cb.ev;
    const random = rng(as.seed + 1);
    const per: number[] = [];
    const n = as.trials * 50;
    for (let i = 0; i < n; i++) {
      let payoff = c;
      if (random() < rate && random() >= sigma) {
        let honest = 0;
        for (let j = 0; j < k; j++) if (random() >= sigma) honest++;
        const disagree = 1 + honest;
        const agree = k - honest;
        if (disagree > agree && disagree >= 2) payoff -= caughtLoss + bP + agree * (stakeP + rewardP);
      }
      per.push(payoff);
    }
    return {
      id: "collusion",
      name: `provider colluding with verifiers holding σ = ${sigma} of the verifier stake, bond B = ${bP} P`,
      attacker: "provider + colluding verifiers",
      per: "job",
      ev: closed,
      formula: "max over B of c − d(B) (1 − σ) (P_up ((1 − φ − v)P + C + B) + E[colluders outvoted] (V + R))",
      monteCarlo: meanAndError(per),
      payoffs: { uncaught: c, caught: c - caughtLoss - bP, colluderOutvoted: -(stakeP + rewardP), ...cb.byBond },
      breakEven: { computeCost: rate * lossIfSampled, bond: bP },
      claimed: "negative",
      note: `if sampled: pass ${(sigma + (1 - sigma) * esc.pass).toFixed(3)}, upheld ${((1 - sigma) * esc.upheld).toFixed(3)}, draw ${((1 - sigma) * esc.draw).toFixed(3)}`,
    };
  };

  return [
    lie(baseBps, "established provider", "lie"),
    lie(newBps, "new provider", "lieNew"),
    lieAtRate(),
    silence,
    equivocation,
    lazy,
    selfDealing(baseBps, "established provider", "selfDealing"),
    selfDealing(newBps, "new provider", "selfDealingNew"),
    sybilFrivolous,
    sybilForced,
    squatting,
    farming,
    stolenKey,
    collusion(),
    tolerantLie(baseBps, "established provider", "tolerantLie"),
    tolerantLie(newBps, "new provider", "tolerantLieNew"),
    lieAtRate(aUp, "tolerantLieAtRate"),
    tolerantCollusion(),
    tolerantLazy,
    tolerantJunk,
  ];
}

/** Gas of the attacker's move in the classes that are zero before gas (bench/results/gas.json: createJob; a refused reportEquivocation). */
export const CREATE_JOB_GAS = 86_000;
export const REPORT_GAS = 60_000;

function planLabel(planted: number) {
  return planted > 0 ? `lazy verifier (copies the output), ${+(planted * 100).toFixed(2)} % of checks planted` : "lazy verifier (copies the output), no planted checks";
}

/** The same inputs with another base sampling rate (and the new-provider rate at least that). */
export function withSamplingRate(inputs: ModelInputs, rateBps: number): ModelInputs {
  return {
    ...inputs,
    sampling: { ...inputs.sampling, samplingRateBps: rateBps, newProviderRateBps: Math.max(rateBps, inputs.sampling.newProviderRateBps) },
  };
}
