/**
 * The Depinfer indexer's Ponder configuration.
 *
 * Everything it needs comes from two places, so that it never drifts from the contracts:
 * - addresses, chain id and start block: `deployments/<network>/deployment.json`, written by
 *   `npm run deploy` (`DEPINFER_NETWORK`, default `localhost`; `DEPINFER_DEPLOYMENTS_DIR` overrides
 *   the folder, as for every other script);
 * - ABIs: the SDK's committed `sdk/src/abis` (`npm run gen`).
 *
 * Environment:
 * - `DEPINFER_RPC_URL`: the node to index (default `http://127.0.0.1:8545`);
 * - `DATABASE_URL`: index into Postgres (the production path) instead of the embedded PGlite;
 * - `INDEXER_PGLITE_DIR`: the PGlite folder (default `.ponder/pglite/<network>-<chainId>-<block>`, one per
 *   deployment, so that a redeployed local chain never meets the rows of the previous one);
 * - `INDEXER_POLLING_MS`: how often to poll the node for new blocks (default 1000).
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { createConfig, factory, mergeAbis } from "ponder";
import { getAbiItem, parseAbi, zeroAddress, type Address } from "viem";

import { arbitratedVerifierAbi } from "../sdk/src/abis/arbitratedVerifier.js";
import { depinferGovernorAbi } from "../sdk/src/abis/depinferGovernor.js";
import { depinferTimelockAbi } from "../sdk/src/abis/depinferTimelock.js";
import { jobMarketAbi } from "../sdk/src/abis/jobMarket.js";
import { paymentSessionsAbi } from "../sdk/src/abis/paymentSessions.js";
import { redundancyModuleAbi } from "../sdk/src/abis/redundancyModule.js";
import { sampledVerifierAbi } from "../sdk/src/abis/sampledVerifier.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "..");
const network = process.env.DEPINFER_NETWORK ?? "localhost";
const deploymentsDir = process.env.DEPINFER_DEPLOYMENTS_DIR ?? path.join(repoRoot, "deployments");
const file = path.join(deploymentsDir, network, "deployment.json");
if (!existsSync(file)) {
  throw new Error(`No deployment recorded for network "${network}" (${file}). Run: npm run deploy -- --network ${network} (or set DEPINFER_NETWORK).`);
}
const deployment = JSON.parse(readFileSync(file, "utf8")) as {
  chainId: number;
  block: number;
  contracts: { market: Address; verifier: Address; timelock: Address; governor: Address; sampledVerifier?: Address; sessions?: Address; redundancyModule?: Address };
};
const { chainId, block: startBlock, contracts } = deployment;

const moduleSet = getAbiItem({ abi: jobMarketAbi, name: "ModuleSet" });

/**
 * The market also emits what its OpenZeppelin bases declare and IJobMarket does not: its
 * initialization (in its constructor) and AccessManager authority changes. Without them its logs would
 * not all be indexed. It has no proxy, so no ERC-1967 `Upgraded`: its periphery changes by
 * `ExtensionUpdated`, which IJobMarket declares.
 */
export const marketAbi = mergeAbis([
  jobMarketAbi,
  parseAbi(["event Initialized(uint64 version)", "event AuthorityUpdated(address authority)"]),
]);

export default createConfig({
  database: process.env.DATABASE_URL
    ? { kind: "postgres", connectionString: process.env.DATABASE_URL }
    : { kind: "pglite", directory: process.env.INDEXER_PGLITE_DIR ?? path.join(here, ".ponder", "pglite", `${network}-${chainId}-${startBlock}`) },
  chains: {
    depinfer: {
      id: chainId,
      rpc: process.env.DEPINFER_RPC_URL ?? "http://127.0.0.1:8545",
      pollingInterval: Number(process.env.INDEXER_POLLING_MS ?? 1_000),
    },
  },
  contracts: {
    // The market (no proxy): every core event (jobs, stake, disputes, parameters, pauses, modules).
    JobMarket: { chain: "depinfer", abi: marketAbi, address: contracts.market, startBlock },
    // The arbitrated verifier of v1 (the verifier of every determinism class at deployment).
    ArbitratedVerifier: { chain: "depinfer", abi: arbitratedVerifierAbi, address: contracts.verifier, startBlock },
    // Sampled re-execution: every module the market registers (`ModuleSet`), or the recorded address.
    // Logs of modules of another kind carry other event signatures and are not matched.
    SampledVerifier: {
      chain: "depinfer",
      // Its constructor's AccessManaged `AuthorityUpdated` is not in the interface's ABI.
      abi: mergeAbis([sampledVerifierAbi, parseAbi(["event AuthorityUpdated(address authority)"])]),
      address: contracts.sampledVerifier ?? factory({ address: contracts.market, event: moduleSet, parameter: "module", startBlock }),
      startBlock,
    },
    // Payment sessions (docs/protocol.md 7.9): the deployed module; a record written before it existed has none,
    // and then no log can match (the zero address emits nothing).
    // The ABI at its address is IPaymentSessions, which does not declare AccessManaged's constructor event.
    PaymentSessions: {
      chain: "depinfer",
      abi: mergeAbis([paymentSessionsAbi, parseAbi(["event AuthorityUpdated(address authority)"])]),
      address: contracts.sessions ?? zeroAddress,
      startBlock,
    },
    // Redundancy, k of n (docs/protocol.md 7.8): the deployed module, as for sessions (none recorded: no log matches).
    RedundancyModule: {
      chain: "depinfer",
      abi: mergeAbis([redundancyModuleAbi, parseAbi(["event AuthorityUpdated(address authority)"])]),
      address: contracts.redundancyModule ?? zeroAddress,
      startBlock,
    },
    Timelock: { chain: "depinfer", abi: depinferTimelockAbi, address: contracts.timelock, startBlock },
    Governor: { chain: "depinfer", abi: depinferGovernorAbi, address: contracts.governor, startBlock },
  },
});
