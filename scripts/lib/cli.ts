/**
 * Shared plumbing of the governor scripts: arguments, the deployment record, and the
 * "print the exact calls, then ask" rule. Every state-changing script goes through `confirmCalls`.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline/promises";
import { parseArgs, type ParseArgsConfig } from "node:util";

import { decodeFunctionData, type Abi, type Address, type Hex } from "viem";

export const repoRoot = path.resolve(import.meta.dirname, "../..");

/** What `npm run deploy` records in deployments/<network>/deployment.json. */
export interface DeploymentRecord {
  network: string;
  chainId: number;
  /** The block of the first deployment transaction: where event scans start. */
  block: number;
  deployedAt: string;
  /** The Ignition deployment id whose journal lives in ignition/deployments/<id>. */
  ignitionDeploymentId: string;
  versions: { protocol: string; solc: string; market: string };
  contracts: {
    market: Address;
    marketImplementation: Address;
    marketExtension: Address;
    /** The disputes code the extension forwards to (`JobMarketExtension.disputes()`). */
    marketDisputes: Address;
    token: Address;
    timelock: Address;
    governor: Address;
    manager: Address;
    verifier: Address;
    paymentTokens: Address[];
  };
}

/** Where deployment records live: deployments/ (tests point DEPINFER_DEPLOYMENTS_DIR at a temp dir). */
export function deploymentsDir() {
  return process.env.DEPINFER_DEPLOYMENTS_DIR ?? path.join(repoRoot, "deployments");
}

export function deploymentPath(network: string) {
  return path.join(deploymentsDir(), network, "deployment.json");
}

/** Reads the deployment of `network`, or explains how to make one. Scripts read addresses only from here. */
export function loadDeployment(network: string): DeploymentRecord {
  const file = deploymentPath(network);
  if (!existsSync(file)) {
    throw new Error(`No deployment recorded for network "${network}" (${path.relative(repoRoot, file)}). Run: npm run deploy -- --network ${network}`);
  }
  return JSON.parse(readFileSync(file, "utf8")) as DeploymentRecord;
}

export function saveDeployment(record: DeploymentRecord) {
  const file = deploymentPath(record.network);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(record, null, 2) + "\n");
  return file;
}

/** Parses `--network <name>`, `--yes` and the script's own options. */
export function parseCli<const O extends NonNullable<ParseArgsConfig["options"]>>(options: O, argv = process.argv.slice(2)) {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { network: { type: "string", default: "localhost" }, yes: { type: "boolean", default: false }, ...options },
    allowPositionals: true,
    strict: true,
  });
  return { ...(values as Record<string, unknown>), positionals } as {
    network: string;
    yes: boolean;
    positionals: string[];
  } & { [K in keyof O]: O[K]["type"] extends "boolean" ? boolean : O[K]["multiple"] extends true ? string[] : string | undefined };
}

/** One call a script is about to send. */
export interface PlannedCall {
  /** Who sends it (for example "guardian", "proposer"). */
  from: string;
  to: Address;
  /** A label for the target (for example "JobMarket"). */
  target: string;
  abi: Abi;
  data: Hex;
}

/** A human rendering of a call: target, function and decoded arguments. */
export function describeCall(call: PlannedCall): string {
  const { functionName, args } = decodeFunctionData({ abi: call.abi, data: call.data });
  const rendered = (args ?? []).map((a) => JSON.stringify(a, (_k, v) => (typeof v === "bigint" ? v.toString() : v))).join(", ");
  return `${call.from} -> ${call.target} (${call.to}).${functionName}(${rendered})`;
}

/** Asks a yes/no question unless `yes`; without a terminal (and without `--yes`) the answer is no. */
export async function confirm(question: string, yes: boolean, log: (line: string) => void = console.log): Promise<boolean> {
  if (yes) return true;
  if (!process.stdin.isTTY) {
    log("Not a terminal and --yes not given: nothing sent. Re-run with --yes to send.");
    return false;
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  const answer = (await rl.question(`${question} [y/N] `)).trim().toLowerCase();
  rl.close();
  const ok = answer === "y" || answer === "yes";
  if (!ok) log("Nothing sent.");
  return ok;
}

/**
 * Prints the exact calls, then asks for confirmation unless `yes`. Returns false when the user
 * declines (nothing has been sent). Without a terminal and without `--yes`, it refuses.
 */
export async function confirmCalls(calls: PlannedCall[], yes: boolean, log: (line: string) => void = console.log): Promise<boolean> {
  log("About to send:");
  calls.forEach((c, i) => log(`  ${i + 1}. ${describeCall(c)}`));
  for (const c of calls) log(`     calldata ${c.data}`);
  return confirm("Send these transactions?", yes, log);
}
