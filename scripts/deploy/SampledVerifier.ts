/**
 * The sampled re-execution module (docs/protocol.md 7.7) as an optional part of the deployment:
 * a randomness source, the module's extension and the module, with `rule` given to the ARBITRATOR
 * role (`setParams` and `withdrawFund` stay with ADMIN, the Timelock). Registering it (`setModule`,
 * then `setVerifier(EXACT, module)`) is a separate choice: docs/protocol.md 7.7 says governance must
 * not register it on a real network until the self-dealing finding is fixed, so only local chains
 * register it at deployment; elsewhere governance does with `npm run sampling -- register`.
 *
 * The module has no parameter defaults in code: callers pass them. The local chains and the demo use
 * `SAMPLED_VERIFIER_DEPLOY_PARAMS` of scripts/sim/chain.ts (imported there, never copied here: this
 * file is imported by the Ignition module, which that file imports in turn).
 */
import type { IgnitionModuleBuilder } from "@nomicfoundation/ignition-core";
import type { CallableContractFuture, ContractFuture, Future } from "@nomicfoundation/ignition-core";
import { getAbiItem, toFunctionSelector, type Address } from "viem";

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
  /** Register the module and route EXACT jobs to it, while the deployer is still admin. Default false. */
  register?: boolean;
}

/** What the ARBITRATOR role may call on the module: `rule` (TOLERANT mismatches). */
export const SAMPLED_ARBITRATOR_SELECTORS = [toFunctionSelector(getAbiItem({ abi: sampledVerifierAbi, name: "rule" }))];

/**
 * Adds the module's futures to an Ignition module. Returns them, and the setup calls (`setup`) that
 * must run before admin passes to the Timelock.
 */
export function addSampledVerifier(
  m: IgnitionModuleBuilder,
  { manager, proxy, market }: { manager: CallableContractFuture<string>; proxy: CallableContractFuture<string>; market: CallableContractFuture<string> },
  options: SampledVerifierDeployOptions,
) {
  const epochLength = BigInt(options.epochLength ?? 600);
  const randomness: ContractFuture<string> | Address =
    options.randomness === "prevrandao"
      ? m.contract("PrevrandaoRandomness", [epochLength])
      : options.randomness === "mock"
        ? m.contract("MockRandomness", [epochLength])
        : options.randomness;
  const sampledVerifierExtension = m.contract("SampledVerifierExtension", [proxy, randomness]);
  const sampledVerifier = m.contract("SampledVerifier", [manager, proxy, randomness, sampledVerifierExtension, { ...options.params }]);
  const setup: Future[] = [
    m.call(manager, "setTargetFunctionRole", [sampledVerifier, SAMPLED_ARBITRATOR_SELECTORS, 2n], { id: "ArbitratorMayRuleSampled" }),
  ];
  if (options.register) {
    const isModule = m.call(market, "setModule", [sampledVerifier, true], { id: "SampledVerifierIsModule" });
    setup.push(isModule, m.call(market, "setVerifier", [0, sampledVerifier], { id: "SampledVerifierExact", after: [isModule] }));
  }
  const futures: Record<string, ContractFuture<string>> = { sampledVerifier, sampledVerifierExtension };
  if (typeof randomness !== "string") futures.randomness = randomness;
  return { futures, setup };
}
