/**
 * Shared by the release steps in scripts/releases/<version>/: the storage-layout check, the
 * release record (deployments/<network>/releases/<version>.json) and the market's extension.
 *
 * The market itself is immutable (no proxy, docs/protocol.md 1.4): a release upgrades the periphery,
 * the extension and disputes code that `JobMarket`'s fallback delegates to, by a vote that calls
 * `JobMarket.setExtension`. A release folder holds numbered steps (01 deploy the extension, 02 queue
 * the swap, 03 execute it), each run with `npm run release -- <version> <step> --network <name> [--yes]`.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";

import hre from "hardhat";
import { getAddress, parseAbi, type Address, type PublicClient } from "viem";

import { deploymentsDir, runCli, type CliOption, type DeploymentRecord } from "../lib/cli.js";

/** The market's swap entry point (restricted to the Timelock) and the views the steps use to check a release. */
export const releaseAbi = parseAbi([
  "function setExtension(address extension)",
  "function extension() view returns (address)",
  "function disputes() view returns (address)",
  "function version() view returns (string)",
]);

/** The contracts of the deployment that `npm run deploy` records (scripts/deploy/Depinfer.ts). */
export const INITIAL_CONTRACTS = { market: "JobMarket", extension: "JobMarketExtension", disputes: "JobMarketDisputes" } as const;

// ------------------------------------------------------------------ storage layout

/** Why an upgrade was refused: `reasons` is the upgrades-core report, verbatim. */
export class UpgradeLayoutError extends Error {
  constructor(
    readonly from: string,
    readonly to: string,
    readonly reasons: string,
  ) {
    super(`${to} is not an upgrade-safe replacement for ${from}:\n${reasons}`);
    this.name = "UpgradeLayoutError";
  }
}

export interface UpgradeValidation {
  ok: true;
  /** Fully qualified names. */
  from: string;
  to: string;
  /** The tool's report. */
  report: string;
}

const validateCli = createRequire(import.meta.url).resolve("@openzeppelin/upgrades-core/dist/cli/cli.js");

/** The fully qualified name and build-info files of a compiled contract, from its artifact's `buildInfoId`. */
async function compiled(contract: string) {
  if (!(await hre.artifacts.artifactExists(contract))) {
    throw new Error(`No artifact for "${contract}": is the name right, and is the project built (npm run build)?`);
  }
  const artifact = await hre.artifacts.readArtifact(contract);
  const buildInfoId = await hre.artifacts.getBuildInfoId(contract);
  const input = buildInfoId && (await hre.artifacts.getBuildInfoPath(buildInfoId));
  const output = buildInfoId && (await hre.artifacts.getBuildInfoOutputPath(buildInfoId));
  if (!input || !output) throw new Error(`The build-info of "${contract}" is missing: rebuild (npm run build).`);
  return { fqn: `${artifact.sourceName}:${artifact.contractName}`, files: [input, output] };
}

/**
 * Checks with @openzeppelin/upgrades-core that `toContract` may run in the storage `fromContract`
 * wrote (replace it as the market's extension, or share the storage of the immutable `JobMarket`):
 * upgrade safety of the new code and storage-layout compatibility (ERC-7201 namespaces included). Each contract is read from the build-info its artifact names (`buildInfoId`), so
 * stale build-infos from earlier compiles cannot confuse the check; the reference is passed as a
 * separate build-info directory, so the two may come from different compilations.
 *
 * Returns `{ ok: true }` with the report, or throws `UpgradeLayoutError` carrying the tool's reasons.
 */
export async function validateUpgrade(
  fromContract: string,
  toContract: string,
  options: { unsafeAllow?: string[] } = {},
): Promise<UpgradeValidation> {
  const [from, to] = await Promise.all([compiled(fromContract), compiled(toContract)]);
  const dir = mkdtempSync(path.join(tmpdir(), "depinfer-release-"));
  try {
    const candidate = path.join(dir, "candidate");
    const deployed = path.join(dir, "deployed");
    for (const [target, files] of [
      [candidate, to.files],
      [deployed, from.files],
    ] as const) {
      mkdirSync(target);
      for (const file of files) copyFileSync(file, path.join(target, path.basename(file)));
    }
    const args = [validateCli, "validate", candidate, "--contract", to.fqn, "--reference", `deployed:${from.fqn}`];
    args.push("--referenceBuildInfoDirs", deployed, "--requireReference");
    if (options.unsafeAllow?.length) args.push("--unsafeAllow", options.unsafeAllow.join(","));
    const run = spawnSync(process.execPath, args, { encoding: "utf8" });
    const report = `${run.stdout ?? ""}${run.stderr ?? ""}`.trim();
    if (run.error) throw run.error;
    if (run.status !== 0 || !/SUCCESS/.test(report)) throw new UpgradeLayoutError(from.fqn, to.fqn, report);
    return { ok: true, from: from.fqn, to: to.fqn, report };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------ release records

/** What a release's steps record in deployments/<network>/releases/<version>.json. */
export interface ReleaseRecord {
  version: string;
  network: string;
  /** The market version the release brings (`versions.market` once executed). */
  marketVersion: string;
  /** The new periphery: what `setExtension` installs. */
  extension: { contract: string; address: Address };
  /** The disputes code the extension forwards to (its constructor argument). */
  disputes: { contract: string; address: Address };
  /**
   * What the layout was validated against: the market's own contract (immutable), the extension and
   * disputes code deployed at the time, and the address of the extension the release replaces.
   */
  validatedAgainst: { market: string; extension: string; disputes: string; address: Address };
  deployedAt: string;
  block: number;
  /** Set by step 02. */
  proposalId?: string;
  /** Set by step 03. */
  executedAt?: string;
}

/** The release a step belongs to: the name of its folder (for example "v2"). */
export function releaseOf(stepFile: string) {
  return path.basename(path.dirname(stepFile));
}

/** "v2" -> "2": the market version a release folder brings. */
export function marketVersionOf(version: string) {
  return version.replace(/^v/, "");
}

export function releasePath(network: string, version: string) {
  return path.join(deploymentsDir(), network, "releases", `${version}.json`);
}

export function loadRelease(network: string, version: string, step?: string): ReleaseRecord {
  const file = releasePath(network, version);
  if (!existsSync(file)) {
    const hint = step ? ` Run step 01 first: npm run release -- ${version} 01 --network ${network}` : "";
    throw new Error(`No release ${version} recorded for network "${network}" (${file}).${hint}`);
  }
  return JSON.parse(readFileSync(file, "utf8")) as ReleaseRecord;
}

export function saveRelease(record: ReleaseRecord) {
  const file = releasePath(record.network, record.version);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(record, null, 2) + "\n");
  return file;
}

/**
 * The contract names of the market, extension and disputes code the deployment record points at: the
 * extension and disputes code of the executed release that installed them, else the initial
 * deployment's (JobMarketExtension); the market is always the deployed `JobMarket`.
 */
export function deployedContracts(deployment: DeploymentRecord): { market: string; extension: string; disputes: string } {
  const dir = path.join(deploymentsDir(), deployment.network, "releases");
  if (existsSync(dir)) {
    for (const file of readdirSync(dir).filter((f) => f.endsWith(".json"))) {
      const r = JSON.parse(readFileSync(path.join(dir, file), "utf8")) as ReleaseRecord;
      if (r.executedAt && getAddress(r.extension.address) === getAddress(deployment.contracts.marketExtension)) {
        return { market: INITIAL_CONTRACTS.market, extension: r.extension.contract, disputes: r.disputes.contract };
      }
    }
  }
  return { ...INITIAL_CONTRACTS };
}

/** The extension the market delegates to now (`JobMarket.extension()`). */
export async function extensionOf(publicClient: PublicClient, market: Address): Promise<Address> {
  return getAddress(await publicClient.readContract({ address: market, abi: releaseAbi, functionName: "extension" }));
}

/** Whether `address` has code. */
export async function hasCode(publicClient: PublicClient, address: Address) {
  const code = await publicClient.getCode({ address });
  return !!code && code !== "0x";
}

/** A CLI entry point for a step module: runs `main` when the file is executed directly. */
export function runIfMain(file: string, name: string, main: (argv: string[]) => Promise<unknown>) {
  if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(file)) runCli(name, () => main(process.argv.slice(2)));
}

// ------------------------------------------------------------------ labels

/**
 * What each release folder is, for `npm run release` and the steps' output. v2 ships no new
 * protocol code: it installs a test mock to rehearse the upgrade path end to end.
 */
export const RELEASE_LABELS: Record<string, string> = {
  v2: "an example upgrade to a mock: its default extension JobMarketExtensionV2Mock (contracts/mocks/upgrades) is JobMarketExtension plus version(), for rehearsing the extension swap; a real release names its own contracts",
};

/** The line a step prints first when its release (or the contract it installs) is an example upgrade to a mock. */
export function exampleNotice(version: string, extension: string): string | undefined {
  if (!/Mock$/.test(extension)) return undefined;
  return `Note: release ${version} is ${RELEASE_LABELS[version] ?? `an example upgrade to a mock (${extension})`}.`;
}

/** The `--account <i>` option of the steps that send through the Governor. */
export const STEP_ACCOUNT_OPTION = { type: "string", value: "<i>", help: "the sender: index of the network's accounts (default 0)" } as const satisfies CliOption;
