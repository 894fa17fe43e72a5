/**
 * What the sampled re-execution module (docs/protocol.md 7.7) is deployed with, in a module of its own
 * with no imports, so that `npm run deploy` (scripts/deploy.ts), the demo, the tests and the
 * simulation (scripts/sim/chain.ts) all read the same object without pulling in each other's
 * dependencies.
 */

/**
 * The parameters the SampledVerifier is deployed with. The module's constructor takes them (it has
 * no defaults in code); these are the design brief's (DESIGN.md: p = 2 %, 10 % for a provider's first
 * 1,000 jobs) as docs/protocol.md 7.7 lists them, and the verifier stake the module's tests use.
 * A deployment script for the module should import this object; the simulation reads the values
 * back from the deployed contract, so it models whatever was deployed.
 */
export const SAMPLED_VERIFIER_DEPLOY_PARAMS = {
  samplingRateBps: 200,
  newProviderRateBps: 1_000,
  newProviderChecks: 100,
  verifierRewardBps: 12_500,
  keeperTipBps: 100,
  commitPeriod: 3_600,
  revealPeriod: 3_600,
  escalationVerifiers: 2,
  verifierStake: 50n * 10n ** 18n, // 50 DPI
  // docs/economics.md 6.6, remedy 1: a caught lie costs at least 2.5 times the price (δ = 2.5 × P_S), so
  // an unbonded provider at 10× collateral is drawn at 25 %, one with a bond of 115 × its price at the
  // base 2 %. 2.5, not 2: against colluders holding half the verifier stake the escalation upholds only
  // with 1 − σ² = 3/4, and the simulation puts collusion's break-even at 23,000 (tested).
  deterrenceBps: 25_000,
  // 72 h + 14 d: the longest challenge window plus the longest resolution period (the code's minimum).
  bondReleaseDelay: 72 * 3_600 + 14 * 86_400,
} as const;

/**
 * Planted checks (docs/protocol.md 7.7, `SampledVerifier.expose`): the share of checks that the PLANTER
 * role commits to plant, as canary jobs whose provider it runs and which return a wrong output on
 * purpose. It is an operating commitment of the deployment, not a contract parameter (nothing on chain
 * can count jobs it does not know to be canaries); anyone can audit it afterwards by counting
 * `CheckExposed` events against `JobSampled` ones. The simulation's lazy-verifier class takes its
 * planted rate from here, so a deployment that plants less is modelled as such.
 */
export const SAMPLING_PLANTING = {
  plantedShareBps: 500,
} as const;
