/**
 * The redundancy (k of n) module (docs/protocol.md 7.8) as a part of the deployment: the module, with
 * `rule` given to the ARBITRATOR role (`withdrawFees` stays with ADMIN, the Timelock). Deployed by
 * default. Registering it (`setModule(module, true)`: a stake module, so providers can let it lock
 * their stake) is a separate choice: at deployment only on local chains, while the deployer is still
 * admin; on any other chain governance registers it through the Timelock with the calls of
 * {@link redundancyRegistrationCalls} (docs/protocol.md 7.8, "Deployment and governance").
 *
 * Parameters are the module's immutable constructor settings, bounded in code (RedundancyConfigOutOfBounds).
 */
import type { CallableContractFuture, ContractFuture, Future, IgnitionModuleBuilder } from "@nomicfoundation/ignition-core";
import { getAbiItem, parseAbi, toFunctionSelector, type Abi, type Address } from "viem";

import { jobMarketAbi } from "../../sdk/src/abis/jobMarket.js";
import { redundancyModuleAbi } from "../../sdk/src/abis/redundancyModule.js";

/** The module's constructor settings (docs/protocol.md 7.8, "Constructor settings"). */
export interface RedundancyParams {
  /** Seconds to reveal after the commit phase ends (10 min – 7 d). */
  revealPeriod: number;
  /** Seconds an outvoted EXACT minority has to appeal (10 min – 7 d); a provider node appeals at once. */
  appealPeriod: number;
  /** Seconds the arbiter has to rule (1 d – 14 d). */
  arbitrationPeriod: number;
  /** Share of a liveness slash paid to the client (≤ 5,000 bps); the rest to the treasury. */
  livenessRewardBps: number;
}

/**
 * What the module is deployed with: an hour to reveal (a node reveals within a block of the reveal
 * phase opening; an hour covers an operator's restart), a day to appeal (a node appeals automatically,
 * the day is for an operator whose node was down), three days for the arbiter, half a liveness slash to
 * the client (the tests' and the bench's setting).
 */
export const REDUNDANCY_DEPLOY_PARAMS: RedundancyParams = {
  revealPeriod: 3_600,
  appealPeriod: 86_400,
  arbitrationPeriod: 3 * 86_400,
  livenessRewardBps: 5_000,
};

export interface RedundancyDeployOptions {
  /** Default {@link REDUNDANCY_DEPLOY_PARAMS}. */
  params?: Partial<RedundancyParams>;
  /** Register the module (`setModule(module, true)`) while the deployer is still admin: local chains only. Default false. */
  register?: boolean;
}

/** What the ARBITRATOR role may call on the module: `rule` (disagreements nobody else decides). */
export const REDUNDANCY_ARBITRATOR_SELECTORS = [toFunctionSelector(getAbiItem({ abi: redundancyModuleAbi, name: "rule" }))];

/** The ARBITRATOR role id (contracts/governance/Roles.sol). */
const ARBITRATOR = 2n;

/**
 * Adds the module's futures to an Ignition module. Returns them (`redundancyModule`), and the setup
 * calls that must run before admin passes to the Timelock.
 */
export function addRedundancyModule(
  m: IgnitionModuleBuilder,
  { manager, jobMarket, market }: { manager: CallableContractFuture<string>; jobMarket: CallableContractFuture<string>; market: CallableContractFuture<string> },
  options: RedundancyDeployOptions = {},
) {
  const p = { ...REDUNDANCY_DEPLOY_PARAMS, ...options.params };
  const redundancyModule = m.contract("RedundancyModule", [manager, jobMarket, p.revealPeriod, p.appealPeriod, p.arbitrationPeriod, p.livenessRewardBps]);
  const setup: Future[] = [
    m.call(manager, "setTargetFunctionRole", [redundancyModule, REDUNDANCY_ARBITRATOR_SELECTORS, ARBITRATOR], { id: "ArbitratorMayRuleRedundancy" }),
  ];
  if (options.register) setup.push(m.call(market, "setModule", [redundancyModule, true], { id: "RedundancyIsModule" }));
  const futures: Record<string, ContractFuture<string>> = { redundancyModule };
  return { futures, setup };
}

/** One call governance makes (through the Timelock) to register the module. */
export interface RedundancyRegistrationCall {
  to: Address;
  target: "AccessManager" | "JobMarket";
  abi: Abi;
  functionName: string;
  args: readonly unknown[];
}

/**
 * What registering a deployed module takes on a chain whose admin is the Timelock, in order, both
 * ADMIN: give `rule` to the ARBITRATOR role (already done when the module was deployed with the
 * protocol: repeating it is harmless), and make it an active stake module. Propose them together
 * (`npm run propose`-style, docs/deployment.md); nothing else changes in the market.
 */
export function redundancyRegistrationCalls({ manager, market, redundancyModule }: { manager: Address; market: Address; redundancyModule: Address }): RedundancyRegistrationCall[] {
  return [
    { to: manager, target: "AccessManager", abi: accessManagerAbi, functionName: "setTargetFunctionRole", args: [redundancyModule, REDUNDANCY_ARBITRATOR_SELECTORS, ARBITRATOR] },
    { to: market, target: "JobMarket", abi: jobMarketAbi as Abi, functionName: "setModule", args: [redundancyModule, true] },
  ];
}

const accessManagerAbi = parseAbi(["function setTargetFunctionRole(address target, bytes4[] selectors, uint64 roleId)"]);
