// Node-only. Where the market is, and whether an address really is one: the deployment records in
// `deployments/<network>/deployment.json` (written by `npm run deploy`), and a check that refuses any
// other contract (a Governor, the token, the market's extension code) with one line.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

import { isAddress, zeroAddress, type Address, type Chain, type Client, type Transport } from "viem";
import { getCode, readContract } from "viem/actions";

import { jobMarketAbi } from "depinfer";
import { ProviderConfigError } from "./config.js";

/** The parts of a deployment record (`deployments/<network>/deployment.json`) the provider uses. */
export interface DeploymentAddresses {
  network: string;
  chainId: number;
  /** The JobMarket (immutable; no proxy). */
  market: Address;
  /** The protocol (stake) token. */
  token?: Address | undefined;
  /** Payment tokens allowed at deployment. */
  paymentTokens: Address[];
  /** The redundancy (k of n) module, when the deployment has one. */
  redundancyModule?: Address | undefined;
  /** The file it was read from. */
  file: string;
}

/** The directory of deployment records: `dir`, else `$DEPINFER_DEPLOYMENTS_DIR`, else `./deployments`. */
export function deploymentsDirOf(dir?: string | undefined, env: Record<string, string | undefined> = process.env, cwd = process.cwd()): string {
  return path.resolve(cwd, dir ?? env.DEPINFER_DEPLOYMENTS_DIR ?? "deployments");
}

/**
 * Reads `<dir>/<network>/deployment.json`.
 *
 * @throws ProviderConfigError naming `--network` when there is no such record or it has no market.
 */
export function loadDeploymentAddresses(network: string, dir: string): DeploymentAddresses {
  const file = path.join(dir, network, "deployment.json");
  const fail = (expected: string): never => {
    throw new ProviderConfigError({ issues: [{ field: "--network", value: JSON.stringify(network), expected }] });
  };
  if (!/^[A-Za-z0-9_.-]+$/.test(network)) fail("a network name (letters, digits, . _ -)");
  if (!existsSync(file)) fail(`a network with a deployment record: there is no ${file} (deploy with \`npm run deploy -- --network ${network}\`, or pass --deployments DIR)`);
  let record: { chainId?: unknown; contracts?: { market?: unknown; token?: unknown; paymentTokens?: unknown; redundancyModule?: unknown } };
  try {
    record = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    return fail(`a readable deployment record: ${file} is not JSON (${(error as Error).message})`);
  }
  const market = record.contracts?.market;
  if (typeof market !== "string" || !isAddress(market, { strict: false })) return fail(`a deployment record with contracts.market: ${file} has none`);
  if (typeof record.chainId !== "number") return fail(`a deployment record with a chainId: ${file} has none`);
  const token = typeof record.contracts?.token === "string" ? (record.contracts.token as Address) : undefined;
  const paymentTokens = Array.isArray(record.contracts?.paymentTokens) ? (record.contracts.paymentTokens as Address[]) : [];
  const redundancyModule = typeof record.contracts?.redundancyModule === "string" && isAddress(record.contracts.redundancyModule, { strict: false }) ? (record.contracts.redundancyModule as Address) : undefined;
  return { network, chainId: record.chainId, market: market as Address, token, paymentTokens, redundancyModule, file };
}

/** What `checkMarket` reads from a market. */
export interface MarketSettings {
  stakeToken: Address;
  treasury: Address;
  thawingPeriod: number;
  minStake: bigint;
  paused: boolean;
}

/**
 * Checks that `market` is a Depinfer JobMarket on this chain: it has code, answers `settings()` and
 * `params()`, and has a stake token (the extension code, which answers the same views on its own empty storage, has none). Returns its settings.
 *
 * @throws ProviderConfigError naming `market`, in one line, when it is not.
 */
export async function checkMarket(client: Client<Transport, Chain | undefined>, market: Address, { chainId, field = "market" }: { chainId: number; field?: string }): Promise<MarketSettings> {
  const fail = (expected: string): never => {
    throw new ProviderConfigError({ issues: [{ field, value: market, expected }] });
  };
  const hint = "(the market is the JobMarket: contracts.market in deployments/<network>/deployment.json, or pass --network <name>)";
  const code = await getCode(client, { address: market });
  if (!code || code === "0x") return fail(`a Depinfer JobMarket on chain ${chainId}, but there is no contract at this address ${hint}`);
  let settings: readonly [Address, Address, number, bigint, boolean];
  try {
    settings = await readContract(client, { address: market, abi: jobMarketAbi, functionName: "settings" });
    await readContract(client, { address: market, abi: jobMarketAbi, functionName: "params" });
  } catch {
    return fail(`a Depinfer JobMarket on chain ${chainId}, but the contract there is something else: it does not answer settings() and params() ${hint}`);
  }
  const [stakeToken, treasury, thawingPeriod, minStake, paused] = settings;
  if (stakeToken === zeroAddress) {
    return fail(`an initialized Depinfer JobMarket on chain ${chainId}, but this one has no stake token: the market's extension code, not the market? ${hint}`);
  }
  return { stakeToken, treasury, thawingPeriod, minStake, paused };
}
