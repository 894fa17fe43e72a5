/**
 * The sampled re-execution module (docs/protocol.md 7.7) as an optional part of the deployment:
 * a randomness source, the module's extension and the module, with `rule` given to the ARBITRATOR
 * role (`setParams` and `withdrawFund` stay with ADMIN, the Timelock). Registering it (`setModule`,
 * then `setVerifier(EXACT, module)` and `setVerifier(TOLERANT, module)`, then `setVerificationFeeModule(module)`) is the `register` option:
 * the default deployment (`buildDepinferModule` without a `sampledVerifier` option, and `npm run deploy`)
 * registers it while the deployer is still admin, before admin passes to the Timelock. The self-dealing
 * finding that kept it unregistered is fixed by the verification fee (docs/protocol.md 7.7). A
 * deployment made without it registers it later through the Timelock (`npm run sampling -- register`).
 *
 * The module has no parameter defaults in code: callers pass them. The local chains and the demo use
 * `SAMPLED_VERIFIER_DEPLOY_PARAMS` of scripts/deploy/samplingParams.ts (imported there, never copied here: this
 * file is imported by the Ignition module, which that file imports in turn).
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import type { IgnitionModuleBuilder } from "@nomicfoundation/ignition-core";
import type { CallableContractFuture, ContractFuture, Future } from "@nomicfoundation/ignition-core";
import { getAbiItem, parseAbi, toFunctionSelector, type Abi, type Address } from "viem";

import { jobMarketAbi } from "../../sdk/src/abis/jobMarket.js";

import { sampledVerifierAbi } from "../../sdk/src/abis/sampledVerifier.js";

/** `ISampledVerifierTypes.Params`: every field is bounded by the module (docs/protocol.md 7.7). */
export interface SampledVerifierParams {
  samplingRateBps: number;
  newProviderRateBps: number;
  newProviderChecks: number;
  verifierRewardBps: number;
  keeperTipBps: number;
  commitPeriod: number;
  revealPeriod: number;
  escalationVerifiers: number;
  verifierStake: bigint;
  /** `δ`: a job's rate is at least ⌈δ × P_S / (C + B)⌉ bps (10,000 – 100,000; economics.md 6.6). */
  deterrenceBps: number;
  /** Seconds from a sampling bond's release request to its withdrawal (17 d – 60 d). */
  bondReleaseDelay: number;
}

export interface SampledVerifierDeployOptions {
  params: SampledVerifierParams;
  /**
   * The randomness source: `"prevrandao"` (deploys `PrevrandaoRandomness`; L1 and local chains only:
   * on rollups the sequencer chooses prevrandao), `"mock"` (deploys the test-only `MockRandomness`,
   * whose seeds anyone sets: local chains only), or the address of an existing source (a
   * `VrfRandomnessAdapter`).
   */
  randomness: "prevrandao" | "mock" | Address;
  /** The epoch length of a deployed source, in seconds (60 to 1800). Default 600. */
  epochLength?: number;
  /** Register the module, route EXACT and TOLERANT jobs to it and name it the verification-fee module, while the deployer is still admin. Default false here; `buildDepinferModule`'s default sets it. */
  register?: boolean;
}

/** What the ARBITRATOR role may call on the module: `rule` and `rejectVote` (TOLERANT mismatches: the provider's output, a junk vote). */
export const SAMPLED_ARBITRATOR_SELECTORS = (["rule", "rejectVote"] as const).map((name) => toFunctionSelector(getAbiItem({ abi: sampledVerifierAbi, name })));

/** What the PLANTER role may call on the module: `expose` (planted checks). Nobody holds the role until governance grants it. */
export const SAMPLED_PLANTER_SELECTORS = [toFunctionSelector(getAbiItem({ abi: sampledVerifierAbi, name: "expose" }))];

/** `Roles.PLANTER` (contracts/governance/Roles.sol). */
export const PLANTER_ROLE = 4n;

/** The classes the module checks: EXACT (decided by hash, escalation) and TOLERANT (a mismatch goes to the arbiter). NONE has nothing to re-run against. */
export const SAMPLED_CLASSES = [0, 1] as const;

/**
 * Adds the module's futures to an Ignition module. Returns them, and the setup calls (`setup`) that
 * must run before admin passes to the Timelock.
 */
export function addSampledVerifier(
  m: IgnitionModuleBuilder,
  { manager, jobMarket, market }: { manager: CallableContractFuture<string>; jobMarket: CallableContractFuture<string>; market: CallableContractFuture<string> },
  options: SampledVerifierDeployOptions,
) {
  const epochLength = BigInt(options.epochLength ?? 600);
  const randomness: ContractFuture<string> | Address =
    options.randomness === "prevrandao"
      ? m.contract("PrevrandaoRandomness", [epochLength])
      : options.randomness === "mock"
        ? m.contract("MockRandomness", [epochLength])
        : options.randomness;
  const sampledVerifierExtension = m.contract("SampledVerifierExtension", [jobMarket, randomness]);
  const sampledVerifier = m.contract("SampledVerifier", [manager, jobMarket, randomness, sampledVerifierExtension, { ...options.params }]);
  const setup: Future[] = [
    m.call(manager, "setTargetFunctionRole", [sampledVerifier, SAMPLED_ARBITRATOR_SELECTORS, 2n], { id: "ArbitratorMayRuleSampled" }),
    m.call(manager, "setTargetFunctionRole", [sampledVerifier, SAMPLED_PLANTER_SELECTORS, PLANTER_ROLE], { id: "PlanterMayExpose" }),
  ];
  if (options.register) {
    const isModule = m.call(market, "setModule", [sampledVerifier, true], { id: "SampledVerifierIsModule" });
    const exact = m.call(market, "setVerifier", [0, sampledVerifier], { id: "SampledVerifierExact", after: [isModule] });
    const tolerant = m.call(market, "setVerifier", [1, sampledVerifier], { id: "SampledVerifierTolerant", after: [exact] });
    // The same calls as samplingRegistrationCalls: the module also takes the verification fee of the
    // classes routed to it (docs/protocol.md 5.5), which is what makes self-dealing lose (economics.md 6.2).
    setup.push(isModule, exact, tolerant, m.call(market, "setVerificationFeeModule", [sampledVerifier], { id: "SampledVerifierTakesTheFee", after: [tolerant] }));
  }
  const futures: Record<string, ContractFuture<string>> = { sampledVerifier, sampledVerifierExtension };
  if (typeof randomness !== "string") futures.randomness = randomness;
  return { futures, setup };
}

/**
 * The module alone, beside a protocol already deployed (whose admin is the Timelock by then): the
 * randomness source, the extension and the module. Its registration is governance's, by the calls of
 * {@link samplingRegistrationCalls}. Ignition parameters: none; the addresses are arguments.
 */
export function buildSampledVerifierModule({ manager, market }: { manager: Address; market: Address }, options: Omit<SampledVerifierDeployOptions, "register">) {
  return buildModule("SampledVerifier", (m) => {
    const epochLength = BigInt(options.epochLength ?? 600);
    const randomness: ContractFuture<string> | Address =
      options.randomness === "prevrandao"
        ? m.contract("PrevrandaoRandomness", [epochLength])
        : options.randomness === "mock"
          ? m.contract("MockRandomness", [epochLength])
          : options.randomness;
    const sampledVerifierExtension = m.contract("SampledVerifierExtension", [market, randomness]);
    const sampledVerifier = m.contract("SampledVerifier", [manager, market, randomness, sampledVerifierExtension, { ...options.params }]);
    return { sampledVerifier, sampledVerifierExtension, ...(typeof randomness !== "string" && { randomness }) };
  });
}

/** One call governance makes (through the Timelock) to register the module. */
export interface SamplingRegistrationCall {
  to: Address;
  target: "AccessManager" | "JobMarket";
  abi: Abi;
  functionName: string;
  args: readonly unknown[];
}

/**
 * What registering the module takes, in order, all ADMIN (the Timelock): give `rule` and `rejectVote`
 * to the ARBITRATOR role and `expose` to the PLANTER role, make it an active module, route EXACT and
 * TOLERANT jobs to it, name it the verification-fee module (docs/protocol.md 5.5).
 */
export function samplingRegistrationCalls({ manager, market, sampledVerifier }: { manager: Address; market: Address; sampledVerifier: Address }): SamplingRegistrationCall[] {
  return [
    { to: manager, target: "AccessManager", abi: accessManagerAbi, functionName: "setTargetFunctionRole", args: [sampledVerifier, SAMPLED_ARBITRATOR_SELECTORS, 2n] },
    { to: manager, target: "AccessManager", abi: accessManagerAbi, functionName: "setTargetFunctionRole", args: [sampledVerifier, SAMPLED_PLANTER_SELECTORS, PLANTER_ROLE] },
    { to: market, target: "JobMarket", abi: jobMarketAbi as Abi, functionName: "setModule", args: [sampledVerifier, true] },
    ...SAMPLED_CLASSES.map((d) => ({ to: market, target: "JobMarket" as const, abi: jobMarketAbi as Abi, functionName: "setVerifier", args: [d, sampledVerifier] })),
    // The module takes the verification fee on the classes routed to it (docs/protocol.md 5.5).
    { to: market, target: "JobMarket", abi: jobMarketAbi as Abi, functionName: "setVerificationFeeModule", args: [sampledVerifier] },
  ];
}

const accessManagerAbi = parseAbi(["function setTargetFunctionRole(address target, bytes4[] selectors, uint64 roleId)"]);
