/**
 * Shared plumbing of the governor scripts: arguments, the deployment record, and the
 * "print the exact calls, then ask" rule. Every state-changing script goes through `confirmCalls`.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline/promises";
import { parseArgs, type ParseArgsConfig } from "node:util";

import { decodeFunctionData, type Abi, type Address, type Hex } from "viem";

import { explainError } from "./errors.js";

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
    /** The job market: immutable, no proxy (docs/protocol.md 1.4). */
    market: Address;
    /** The periphery the market's fallback delegates to (`JobMarket.extension()`; swapped by `setExtension`). */
    marketExtension: Address;
    /** The disputes code the extension forwards to (`JobMarketExtension.disputes()`). */
    marketDisputes: Address;
    token: Address;
    timelock: Address;
    governor: Address;
    manager: Address;
    verifier: Address;
    /** The payment-session module (absent in records written before it existed). */
    sessions?: Address;
    /** The sampled re-execution module and its randomness source, when deployed (docs/protocol.md 7.7). */
    sampledVerifier?: Address;
    randomness?: Address;
    /** The redundancy (k of n) module, when deployed (docs/protocol.md 7.8). */
    redundancyModule?: Address;
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

/** One option of a script: what `util.parseArgs` takes, plus its line in `--help`. */
export interface CliOption {
  type: "string" | "boolean";
  multiple?: boolean;
  default?: string | boolean;
  /** The value's placeholder in the help, e.g. "<address>" (string options). */
  value?: string;
  /** One line for `--help`. */
  help: string;
}

export type CliOptions = Record<string, CliOption>;

/** What `--help` prints for a script, and the options it accepts. */
export interface CliSpec<O extends CliOptions = CliOptions> {
  /** The command as a governor types it, e.g. "npm run delegate". */
  command: string;
  /** What the script does, in a sentence or two. */
  summary: string;
  /** The arguments after the command, one line per form, e.g. "--network <name> [--yes]". */
  usage: string[];
  /** The script's own options (`--network`, `--yes` and `--help` are added). */
  options: O;
  /** Whether the script sends transactions, and so takes `--yes` (default true). */
  sends?: boolean;
  /** Further lines printed after the options (positional arguments, what comes next). */
  notes?: string[];
  /** At least one full command line. */
  examples: string[];
}

/** The options every governor script takes. */
const COMMON = {
  network: {
    type: "string",
    default: "localhost",
    value: "<name>",
    help: "a network of hardhat.config.ts; addresses come from deployments/<name>/ (default: localhost)",
  },
  yes: { type: "boolean", default: false, help: "send without asking (without it: print the calls and ask; without a terminal, send nothing)" },
  help: { type: "boolean", default: false, help: "print this help and exit" },
} as const satisfies CliOptions;

/** `--help` was given: the message is the help text (printed on stdout, exit code 0, by `runCli`). */
export class HelpRequested extends Error {
  constructor(text: string) {
    super(text);
    this.name = "HelpRequested";
  }
}

/** The command line itself is wrong (an unknown flag, a missing value): exit code 2, one line. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

function allOptions(spec: CliSpec): CliOptions {
  const { network, yes, help } = COMMON;
  return spec.sends === false ? { network, ...spec.options, help } : { network, ...spec.options, yes, help };
}

const flag = (name: string, o: CliOption) => `--${name}${o.type === "string" ? ` ${o.value ?? "<value>"}` : ""}`;

/** The one line an unknown or malformed flag gets: what was wrong, then every valid flag. */
export function validFlags(spec: CliSpec) {
  return Object.entries(allOptions(spec))
    .map(([name, o]) => flag(name, o))
    .join(", ");
}

/** The `--help` text of a script: summary, usage, options, notes and examples. */
export function formatHelp(spec: CliSpec): string {
  const options = Object.entries(allOptions(spec)).map(([name, o]) => [flag(name, o), o.help] as const);
  const width = Math.max(...options.map(([f]) => f.length)) + 2;
  return [
    `${spec.command}: ${spec.summary}`,
    "",
    "Usage:",
    ...spec.usage.map((u) => `  ${spec.command}${spec.command.includes(" -- ") ? "" : " --"} ${u}`),
    "",
    "Options:",
    ...options.map(([f, h]) => `  ${f.padEnd(width)}${h}`),
    ...(spec.notes?.length ? ["", ...spec.notes] : []),
    "",
    spec.examples.length > 1 ? "Examples:" : "Example:",
    ...spec.examples.map((e) => `  ${e}`),
  ].join("\n");
}

type ValuesOf<O extends CliOptions> = {
  [K in keyof O]: O[K]["type"] extends "boolean" ? boolean : O[K]["multiple"] extends true ? string[] | undefined : string | undefined;
};

/** Parsed arguments: the options by name, the positionals, whether `--help` was asked, and parseArgs' tokens. */
export type ParsedCli<O extends CliOptions> = { network: string; yes: boolean; help: boolean; positionals: string[] } & ValuesOf<O> & {
  tokens: NonNullable<ReturnType<typeof parseArgs>["tokens"]>;
};

/**
 * Parses `argv` with node's `util.parseArgs` (strict: an unknown flag is a `UsageError` naming every
 * valid flag) against `spec`'s options plus `--network`, `--yes` and `--help`. Does not act on `--help`.
 * `strict: false` only serves a dispatcher (the release runner) that finds its positionals before
 * handing the rest to a command that parses it strictly.
 */
export function parseArgv<const O extends CliOptions>(spec: CliSpec<O>, argv: string[], { strict = true }: { strict?: boolean } = {}): ParsedCli<O> {
  const options = Object.fromEntries(
    Object.entries(allOptions(spec)).map(([name, { type, multiple, default: d }]) => [name, { type, ...(multiple && { multiple }), ...(d !== undefined && { default: d }) }]),
  ) as ParseArgsConfig["options"];
  try {
    const { values, positionals, tokens } = parseArgs({ args: argv, options, allowPositionals: true, strict, tokens: true });
    return { yes: false, ...(values as Record<string, unknown>), positionals, tokens } as ParsedCli<O>;
  } catch (error) {
    const e = error as Error & { code?: string };
    if (e.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
      const given = /'([^']+)'/.exec(e.message)?.[1] ?? "?";
      throw new UsageError(`unknown option ${given}. Valid options: ${validFlags(spec)}`);
    }
    if (e.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
      throw new UsageError(`${e.message.replace(/\.$/, "")}. Valid options: ${validFlags(spec)}`);
    }
    throw error;
  }
}

/** `parseArgv`, then `--help` throws `HelpRequested` with the script's help (before anything connects). */
export function parseCli<const O extends CliOptions>(spec: CliSpec<O>, argv = process.argv.slice(2)): ParsedCli<O> {
  const args = parseArgv(spec, argv);
  if (args.help) throw new HelpRequested(formatHelp(spec));
  return args;
}

/** True when the file `metaFilename` is the script node/tsx was started with. */
export function isMain(metaFilename: string) {
  return Boolean(process.argv[1]) && path.resolve(process.argv[1]) === path.resolve(metaFilename);
}

/**
 * Runs `main` as a command: `--help` prints the help on stdout (exit 0); a usage error prints one
 * line (exit 2); any other error prints `<name>: <one line>` on stderr, contract reverts decoded by
 * name (exit 1). No stack traces.
 */
export function runCli(name: string, main: () => Promise<unknown>) {
  main().catch((error: Error) => {
    if (error instanceof HelpRequested) {
      process.stdout.write(`${error.message}\n`);
      process.exit(0);
    }
    console.error(`${name}: ${explainError(error)}`);
    process.exit(error instanceof UsageError ? 2 : 1);
  });
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

/** What `sendPlanned` needs of a wallet client (any viem wallet client with an account). */
export interface Sender {
  account: { address: Address };
  chain?: unknown;
  sendTransaction: (request: never) => Promise<Hex>;
}

/** What `sendPlanned` needs of a public client. */
export interface ReceiptReader<R extends { status: "success" | "reverted"; blockNumber: bigint }> {
  waitForTransactionReceipt: (args: { hash: Hex }) => Promise<R>;
}

/**
 * Sends a planned call from `wallet` and waits for its receipt. A call the chain refuses (for example
 * when the node's gas estimate reverts) throws an error of one line naming the contract error
 * (`TimelockUnexpectedOperationState`, …), never an undecoded selector.
 */
export async function sendPlanned<R extends { status: "success" | "reverted"; blockNumber: bigint }>(
  wallet: Sender,
  publicClient: ReceiptReader<R>,
  call: PlannedCall,
  what: string,
): Promise<{ hash: Hex; receipt: R }> {
  let hash: Hex;
  try {
    hash = await wallet.sendTransaction({ to: call.to, data: call.data, account: wallet.account, chain: wallet.chain } as never);
  } catch (error) {
    throw new Error(`${what} refused by ${call.target}, nothing sent: ${explainError(error as Error)}`, { cause: error });
  }
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`${what} transaction ${hash} reverted (block ${receipt.blockNumber})`);
  return { hash, receipt };
}
