import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import type { ContractFuture, Future } from "@nomicfoundation/ignition-core";
import { getAbiItem, keccak256, toFunctionSelector, toHex, zeroAddress, type Address } from "viem";

import { arbitratedVerifierAbi } from "../../sdk/src/abis/arbitratedVerifier.js";
import { paymentSessionsAbi } from "../../sdk/src/abis/paymentSessions.js";
import { addSampledVerifier, type SampledVerifierDeployOptions } from "./SampledVerifier.js";
import { SAMPLED_VERIFIER_DEPLOY_PARAMS } from "./samplingParams.js";
import { addRedundancyModule, type RedundancyDeployOptions } from "./Redundancy.js";

/** AccessManager role ids, as in contracts/governance/Roles.sol. */
export const ROLES = { ADMIN: 0n, GUARDIAN: 1n, ARBITRATOR: 2n } as const;

/** OpenZeppelin TimelockController role ids. */
export const TIMELOCK_ROLES = {
  DEFAULT_ADMIN: "0x0000000000000000000000000000000000000000000000000000000000000000",
  PROPOSER: keccak256(toHex("PROPOSER_ROLE")),
  CANCELLER: keccak256(toHex("CANCELLER_ROLE")),
} as const;

/** A payment token allow-listed at deployment. */
export interface PaymentTokenConfig {
  /**
   * An existing token, or for local chains only: `"mockUSDC"` (6 decimals, permit, blocklist) or
   * `"mockERC20"` (a plain OpenZeppelin ERC-20 with 6 decimals and permit).
   */
  token: Address | "mockUSDC" | "mockERC20";
  /** Smallest dispute bond, in token units. */
  bondFloor: bigint;
  /** Stake-token units of collateral per token unit of price, scaled by 1e18. */
  stakeRate: bigint;
}

/** The market's job-bound parameters (IJobMarketTypes.Params); the market checks every bound. */
export interface InitialParams {
  challengeWindow: number;
  disputeResolutionPeriod: number;
  collateralRatioBps: number;
  protocolFeeBps: number;
  challengerShareBps: number;
  livenessSlashBps: number;
  bondRatioBps: number;
  disputeFeeBps: number;
  verificationFeeBps: number;
}

/** The defaults the `JobMarket` constructor sets (docs/protocol.md, section 5). */
export const DEFAULT_PARAMS: InitialParams = {
  challengeWindow: 4 * 3600,
  disputeResolutionPeriod: 7 * 86400,
  collateralRatioBps: 100_000,
  protocolFeeBps: 100,
  challengerShareBps: 5_000,
  livenessSlashBps: 10_000,
  bondRatioBps: 50_000,
  disputeFeeBps: 3_000,
  verificationFeeBps: 260,
};

export interface DepinferDeployOptions {
  /** Payment tokens to allow-list while the deployer still holds the admin role. */
  paymentTokens?: PaymentTokenConfig[];
  /** Initial parameters, set before admin passes to the Timelock (default: DEFAULT_PARAMS). */
  params?: Partial<InitialParams>;
  /** Initial thawing period in seconds (default 14 days); set before `params` if given. */
  thawingPeriod?: number;
  /** `"timelock"`: the Timelock (governance) is the treasury; otherwise the `treasury` parameter is. */
  treasury?: "timelock";
  /**
   * Where the minted supply goes: the deployer receives it and transfers each `amount` (token wei) to
   * `to` (`"timelock"` for the Timelock). Without it the deployer keeps the whole supply, which
   * `npm run deploy` allows on local chains only (scripts/deploy/config.ts).
   */
  tokenDistribution?: TokenAllocation[];
  /**
   * The sampled re-execution module (scripts/deploy/SampledVerifier.ts). Default
   * {@link DEFAULT_SAMPLED_VERIFIER}: deployed with PrevrandaoRandomness and registered for EXACT and TOLERANT jobs
   * (and as the verification-fee module) before admin passes to the Timelock. `false`: not deployed, an
   * explicit opt-out for test fixtures and demos that do not concern sampling.
   */
  sampledVerifier?: SampledVerifierDeployOptions | false;
  /**
   * The redundancy (k of n) module (scripts/deploy/Redundancy.ts, docs/protocol.md 7.8). Deployed by
   * default (`false`: not deployed); registered only with `register: true`, which `npm run deploy`
   * allows on local chains only (elsewhere governance registers it through the Timelock).
   */
  redundancy?: RedundancyDeployOptions | false;
}

/**
 * The sampled re-execution module as the default deployment has it: the deployment parameters
 * (scripts/deploy/samplingParams.ts), `PrevrandaoRandomness` (sound on L1 only: on a rollup pass a
 * `VrfRandomnessAdapter`'s address as `randomness`, docs/protocol.md 7.7), registered for EXACT and TOLERANT jobs.
 */
export const DEFAULT_SAMPLED_VERIFIER: SampledVerifierDeployOptions = { params: SAMPLED_VERIFIER_DEPLOY_PARAMS, randomness: "prevrandao", register: true };

/** One recipient of the initial token supply. */
export interface TokenAllocation {
  to: Address | "timelock";
  amount: bigint;
}

/** What the ARBITRATOR role may call on the ArbitratedVerifier: rule on disputes and withdraw its fees. */
const ARBITRATOR_SELECTORS = (["rule", "claimFees"] as const).map((name) => toFunctionSelector(getAbiItem({ abi: arbitratedVerifierAbi, name })));

/** What the ARBITRATOR role may call on PaymentSessions: rule on session disputes and withdraw their fees. */
const SESSION_ARBITRATOR_SELECTORS = (["resolveDispute", "claimArbitrationFees"] as const).map((name) =>
  toFunctionSelector(getAbiItem({ abi: paymentSessionsAbi, name })),
);

/**
 * The whole protocol: token, Timelock, Governor, AccessManager (admin handed to the Timelock),
 * the job market (immutable, no proxy: docs/protocol.md 1.4) with its swappable extension and disputes code, and the arbitrated
 * verifier (a registered module, the verifier of every determinism class), and the payment-session module
 * (registered; its disputes ruled by the ARBITRATOR role).
 *
 * Module parameters (Ignition `--parameters`): `tokenSupply`, `timelockDelay` (s), `votingDelay` (s),
 * `votingPeriod` (s), `proposalThreshold`, `quorumPercent`, `minStake`, `treasury`, `guardian`,
 * `arbitrator`. The addresses default to the deployer, which is meant for local chains only:
 * `npm run deploy` refuses those defaults elsewhere (scripts/deploy/config.ts, docs/deployment.md).
 *
 * The guardian may pause the market (AccessManager `GUARDIAN`) and cancel operations queued in the
 * Timelock (its `CANCELLER_ROLE`), so that a captured vote can be stopped before it executes.
 */
export function buildDepinferModule(options: DepinferDeployOptions = {}) {
  return buildModule("Depinfer", (m) => {
    const deployer = m.getAccount(0);
    const tokenSupply = m.getParameter("tokenSupply", 1_000_000_000n * 10n ** 18n);
    const timelockDelay = m.getParameter("timelockDelay", 2n * 24n * 3600n);
    const votingDelay = m.getParameter("votingDelay", 24n * 3600n);
    const votingPeriod = m.getParameter("votingPeriod", 5n * 24n * 3600n);
    const proposalThreshold = m.getParameter("proposalThreshold", 1_000_000n * 10n ** 18n);
    const quorumPercent = m.getParameter("quorumPercent", 4n);
    const minStake = m.getParameter("minStake", 100n * 10n ** 18n);
    const treasury = options.treasury === "timelock" ? undefined : m.getParameter<string>("treasury", deployer as unknown as string);
    const guardian = m.getParameter<string>("guardian", deployer as unknown as string);
    const arbitrator = m.getParameter<string>("arbitrator", deployer as unknown as string);

    const token = m.contract("DepinferToken", ["Depinfer", "DPI", deployer, tokenSupply]);
    const timelock = m.contract("DepinferTimelock", [timelockDelay, [], [zeroAddress], deployer]);
    const governor = m.contract("DepinferGovernor", [
      token,
      timelock,
      votingDelay,
      votingPeriod,
      proposalThreshold,
      quorumPercent,
    ]);
    const manager = m.contract("AccessManager", [deployer]);

    const disputes = m.contract("JobMarketDisputes");
    const extension = m.contract("JobMarketExtension", [disputes]);
    // No proxy: the market is constructed initialized, and governance swaps its extension (setExtension).
    const jobMarket = m.contract("JobMarket", [manager, token, treasury ?? timelock, minStake, extension]);
    const market = m.contractAt("IJobMarket", jobMarket, { id: "Market" });
    const verifier = m.contract("ArbitratedVerifier", [manager, jobMarket]);
    // Payment sessions: a stake module of the market (providers opt in with setModuleAllowance).
    // Its dispute functions run in PaymentSessionsDisputes by delegatecall (the code-size limit, docs/protocol.md 7.9).
    const sessionDisputes = m.contract("PaymentSessionsDisputes", [manager, jobMarket]);
    const sessions = m.contract("PaymentSessions", [manager, jobMarket, sessionDisputes]);

    // Roles: the guardian may pause, the arbitrator may rule and claim the module's fees; everything else is admin (Timelock).
    const pauseSel = m.call(manager, "setTargetFunctionRole", [jobMarket, [toFunctionSelector("pause()")], ROLES.GUARDIAN], {
      id: "GuardianMayPause",
    });
    const ruleSel = m.call(
      manager,
      "setTargetFunctionRole",
      [verifier, ARBITRATOR_SELECTORS, ROLES.ARBITRATOR],
      { id: "ArbitratorMayRule" },
    );
    const grantGuardian = m.call(manager, "grantRole", [ROLES.GUARDIAN, guardian, 0], { id: "GrantGuardian" });
    const grantArbitrator = m.call(manager, "grantRole", [ROLES.ARBITRATOR, arbitrator, 0], { id: "GrantArbitrator" });

    const sessionRuleSel = m.call(
      manager,
      "setTargetFunctionRole",
      [sessions, SESSION_ARBITRATOR_SELECTORS, ROLES.ARBITRATOR],
      { id: "ArbitratorMayRuleSessions" },
    );
    const setup: Future[] = [pauseSel, ruleSel, sessionRuleSel, grantGuardian, grantArbitrator];
    setup.push(m.call(market, "setModule", [sessions, true], { id: "SessionsIsModule" }));
    // A verifier must be an active module before setVerifier accepts it. NONE-class models are arbitrated too.
    const verifierIsModule = m.call(market, "setModule", [verifier, true], { id: "VerifierIsModule" });
    setup.push(verifierIsModule);
    setup.push(m.call(market, "setVerifier", [0, verifier], { id: "VerifierExact", after: [verifierIsModule] }));
    setup.push(m.call(market, "setVerifier", [1, verifier], { id: "VerifierTolerant", after: [verifierIsModule] }));
    setup.push(m.call(market, "setVerifier", [2, verifier], { id: "VerifierNone", after: [verifierIsModule] }));

    if (options.thawingPeriod !== undefined) {
      setup.push(m.call(market, "setThawingPeriod", [options.thawingPeriod], { id: "InitialThawingPeriod" }));
    }
    if (options.params !== undefined) {
      setup.push(
        m.call(market, "setParams", [{ ...DEFAULT_PARAMS, ...options.params }], {
          id: "InitialParams",
          after: setup.slice(-1),
        }),
      );
    }

    const sampledOptions = options.sampledVerifier === undefined ? DEFAULT_SAMPLED_VERIFIER : options.sampledVerifier;
    const sampled = sampledOptions ? addSampledVerifier(m, { manager, jobMarket, market }, sampledOptions) : undefined;
    if (sampled) setup.push(...sampled.setup);

    const redundancy = options.redundancy === false ? undefined : addRedundancyModule(m, { manager, jobMarket, market }, options.redundancy ?? {});
    if (redundancy) setup.push(...redundancy.setup);

    const mocks: Record<string, ContractFuture<string>> = {};
    (options.paymentTokens ?? []).forEach((cfg, i) => {
      let address: Address | ContractFuture<string> = cfg.token as Address;
      if (cfg.token === "mockUSDC") {
        address = mocks[`mockUSDC${i}`] = m.contract("MockUSDC", [], { id: `MockUSDC${i}` });
      } else if (cfg.token === "mockERC20") {
        address = mocks[`mockERC20${i}`] = m.contract("MockERC20", ["Test Dollar", "TUSD", 6], { id: `MockERC20${i}` });
      }
      setup.push(
        m.call(market, "configurePaymentToken", [address, true, cfg.bondFloor, cfg.stakeRate], {
          id: `PaymentToken${i}`,
        }),
      );
    });

    // The initial supply, minted to the deployer, goes where the configuration says.
    (options.tokenDistribution ?? []).forEach(({ to, amount }, i) => {
      m.call(token, "transfer", [to === "timelock" ? timelock : to, amount], { id: `Distribute${i}` });
    });

    // Hand over: the Governor proposes through the Timelock and may cancel its own operations; the
    // guardian may cancel too (a veto on a captured vote); the Timelock becomes its own only admin.
    const proposer = m.call(timelock, "grantRole", [TIMELOCK_ROLES.PROPOSER, governor], { id: "GovernorProposes" });
    const canceller = m.call(timelock, "grantRole", [TIMELOCK_ROLES.CANCELLER, governor], { id: "GovernorCancels" });
    const guardianCancels = m.call(timelock, "grantRole", [TIMELOCK_ROLES.CANCELLER, guardian], { id: "GuardianCancels" });
    m.call(timelock, "renounceRole", [TIMELOCK_ROLES.DEFAULT_ADMIN, deployer], {
      id: "DeployerLeavesTimelock",
      after: [proposer, canceller, guardianCancels],
    });
    const timelockAdmin = m.call(manager, "grantRole", [ROLES.ADMIN, timelock, 0], { id: "TimelockIsAdmin", after: setup });
    m.call(manager, "renounceRole", [ROLES.ADMIN, deployer], { id: "DeployerLeavesManager", after: [timelockAdmin, ...setup] });

    return { token, timelock, governor, manager, disputes, extension, jobMarket, market, verifier, sessions, sessionDisputes, ...mocks, ...sampled?.futures, ...redundancy?.futures };
  });
}

/**
 * The test fixture (scripts/lib/harness.ts `deployProtocol`) and the demo's chain: allow-lists a freshly
 * deployed test USDC (1 USDC backs 1 DPI of collateral), and registers the redundancy module. It opts out
 * of the sampled verifier explicitly: the tests and demo acts that concern sampling deploy it themselves
 * (test/utils/sampling.ts, scripts/demo/sampling.ts); `npm run deploy` deploys and registers it.
 */
export default buildDepinferModule({
  paymentTokens: [{ token: "mockUSDC", bondFloor: 1_000_000n, stakeRate: 10n ** 30n }],
  sampledVerifier: false,
  redundancy: { register: true },
});
