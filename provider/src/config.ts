// Configuration of the provider node (`depinfer-provider`): a JSON config file plus a few flags.
//
// The config itself never holds a secret: the signer is named by an env var (a hex private key) or
// by a keystore path plus the env var that holds its password, so the object can be logged or
// serialised as it is. `resolveSigner` reads the secret only when it builds the viem Account, and no
// error built here ever carries a secret value (they print `<REDACTED>` instead, and never attach
// the underlying error as `cause`, since that could quote the value).
import { readFileSync, statSync } from "node:fs";
import { dirname, resolve as resolvePath } from "node:path";

import { isAddress, zeroAddress, type Account, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";

import { DepinferError } from "depinfer";
import { describeValue } from "depinfer";

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

/** Where a key comes from: a hex private key in an env var, or an encrypted JSON keystore. */
export type KeySource = { env: string } | { keystore: string; passwordEnv: string };

export type ModelBackend = { type: "builtin" } | { type: "openai"; baseUrl: string; model: string; apiKeyEnv?: string };

export interface ServedModel {
  /** The model id registered on-chain (bytes32). */
  model: Hex;
  backend: ModelBackend;
  /** The price per job in the token's smallest unit, as a decimal integer string (a bigint). */
  price: string;
  /** The ERC-20 the price is in. */
  token: Address;
}

export interface ProviderConfig {
  rpcUrl: string;
  chainId: number;
  /** The JobMarket address; when absent the SDK's deployment for `chainId` is used. */
  market?: Address;
  /** Where the node keeps its state (content, job journal). Absolute after `loadConfig`. */
  dataDir: string;
  /** The key that signs the node's transactions. */
  signer: KeySource;
  /** The staking (provider) account, when it differs from the signer. Defaults to the signer. */
  account?: KeySource;
  models: ServedModel[];
  /** Jobs run at once. Default 4. */
  concurrency: number;
  /** How often the chain is polled for new blocks/events. Default 1000 ms. */
  pollingIntervalMs: number;
  /** Jobs finalized per transaction. Default 50. */
  finalizeBatchSize: number;
  /** How often earnings are claimed. Default 1 hour. */
  claimIntervalMs: number;
  /** Serve job outputs over HTTP. */
  outputServer?: { host: string; port: number };
  /**
   * Accept direct jobs (those naming this provider) as soon as they are taken, before inference:
   * the client sees the job taken at once and its collateral is locked, for one more transaction.
   * Default false: a direct job is accepted and submitted in one call (`acceptAndSubmit`). Open
   * jobs are always accepted first, as providers race for them.
   */
  acceptFirst: boolean;
  /**
   * The least time, in seconds of chain time, a job must have left before its deadline for the node
   * to take it. An open job also needs its offer's `maxLatency` (plus a margin for the acceptance to
   * be mined). A job with less is skipped before any stake is committed or any inference run: a
   * client cannot make the node accept what it cannot finish, then collect a liveness slash.
   * Default 60.
   */
  minJobSeconds: number;
  /**
   * The largest collateral the node commits to one job, as a share of its free stake (greater than
   * 0, at most 1). A job whose collateral is above this share of the whole stake is skipped; one
   * above this share of the stake free right now waits until enough is freed. Default 0.1 (10%).
   */
  maxCollateralShare: number;
  /**
   * An HTTP content store (see `HttpContentStore`): outputs are also put there, and inputs that were
   * not posted on-chain are fetched from it.
   */
  contentStore?: { baseUrl: string };
  /** The first block to scan the first time the node starts (later it resumes from its journal). Default: 1000 blocks before the head. */
  startBlock?: number;
}

export const PROVIDER_CONFIG_DEFAULTS = Object.freeze({
  concurrency: 4,
  pollingIntervalMs: 1000,
  finalizeBatchSize: 50,
  claimIntervalMs: 3_600_000,
  acceptFirst: false,
  minJobSeconds: 60,
  maxCollateralShare: 0.1,
});

/** Shown instead of a secret value. */
export const REDACTED = "<REDACTED>";

// ---------------------------------------------------------------------------------------------
// Error
// ---------------------------------------------------------------------------------------------

export interface ProviderConfigIssue {
  /** The field path, e.g. `models[1].backend.baseUrl` (a flag is named too: `chainId (--chain-id)`). */
  field: string;
  /** The bad value as printed (`<REDACTED>` for secrets, `missing` when absent). */
  value: string;
  /** What was expected. */
  expected: string;
}

export type ProviderConfigErrorType = ProviderConfigError & { name: "ProviderConfigError" };

/**
 * The provider node's configuration is refused. The short message names the first bad field, its
 * value and what is expected; `issues` (and the printed meta lines) list every problem found.
 */
export class ProviderConfigError extends DepinferError {
  /** The first bad field's path. */
  readonly field: string;
  /** The first bad field's value as printed (never a secret). */
  readonly value: string;
  readonly expected: string;
  /** Every problem found, in order. */
  readonly issues: readonly ProviderConfigIssue[];
  /** The config file, when one was read. */
  readonly file: string | undefined;

  constructor({ issues, file }: { issues: ProviderConfigIssue[]; file?: string | undefined }) {
    const [first] = issues;
    if (first === undefined) throw new TypeError("ProviderConfigError needs at least one issue");
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? "s" : ""})` : "";
    super(`Invalid provider config${file ? ` ${file}` : ""}: ${formatIssue(first)}${more}`, {
      docsPath: "/docs/errors/node",
      docsSlug: "providerconfig",
      metaMessages: issues.length > 1 ? ["Problems:", ...issues.map((i) => `  ${formatIssue(i)}`)] : undefined,
      name: "ProviderConfigError",
    });
    this.field = first.field;
    this.value = first.value;
    this.expected = first.expected;
    this.issues = Object.freeze([...issues]);
    this.file = file;
  }
}

function formatIssue({ field, value, expected }: ProviderConfigIssue) {
  return value === "missing" ? `${field} is missing: expected ${expected}.` : `${field} is ${value}: expected ${expected}.`;
}

// ---------------------------------------------------------------------------------------------
// Flags
// ---------------------------------------------------------------------------------------------

const FLAGS = {
  "--config": "config",
  "--rpc-url": "rpcUrl",
  "--chain-id": "chainId",
  "--market": "market",
  "--data-dir": "dataDir",
  "--concurrency": "concurrency",
} as const;
type FlagField = (typeof FLAGS)[keyof typeof FLAGS];

/** `--flag value` and `--flag=value`; a later flag wins. Unknown flags and stray arguments are refused. */
function parseFlags(argv: readonly string[]): { values: Partial<Record<FlagField, string>>; issues: ProviderConfigIssue[] } {
  const values: Partial<Record<FlagField, string>> = {};
  const issues: ProviderConfigIssue[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf("=");
    const name = arg.startsWith("--") && eq > 0 ? arg.slice(0, eq) : arg;
    if (!(name in FLAGS)) {
      issues.push({
        field: arg.startsWith("-") ? name : `argument ${i + 1}`,
        value: describeValue(arg.startsWith("-") ? name : arg),
        expected: `one of the flags ${Object.keys(FLAGS).join(", ")}`,
      });
      continue;
    }
    let value: string | undefined;
    if (name !== arg) value = arg.slice(eq + 1);
    else if (i + 1 < argv.length && !argv[i + 1]!.startsWith("--")) value = argv[++i];
    if (value === undefined) {
      issues.push({ field: name, value: "missing", expected: `a value after ${name}` });
      continue;
    }
    values[FLAGS[name as keyof typeof FLAGS]] = value;
  }
  return { values, issues };
}

// ---------------------------------------------------------------------------------------------
// Loading and validation
// ---------------------------------------------------------------------------------------------

export interface LoadConfigParameters {
  /** The JSON config file; `--config` in `argv` overrides it. */
  file?: string | undefined;
  /** Command-line flags (e.g. `process.argv.slice(2)`); they override the file. */
  argv?: readonly string[] | undefined;
  /** The environment the signer's env vars are checked in. Defaults to `process.env`. */
  env?: Record<string, string | undefined> | undefined;
  /** Relative paths given as flags resolve against this. Defaults to `process.cwd()`. */
  cwd?: string | undefined;
}

/**
 * Reads the config file, applies the flags, fills in defaults and checks every field. Relative
 * paths in the file (`dataDir`, keystores) resolve against the file's directory, those in flags
 * against `cwd`. Checks that the signer's env vars are set and well formed, but does not decrypt a
 * keystore (see `resolveSigner`).
 *
 * @throws ProviderConfigError naming the field, its value (redacted for secrets) and what is expected.
 */
export function loadConfig(parameters: LoadConfigParameters = {}): ProviderConfig {
  const env = parameters.env ?? process.env;
  const cwd = parameters.cwd ?? process.cwd();
  const flags = parseFlags(parameters.argv ?? []);
  if (flags.issues.length > 0) throw new ProviderConfigError({ issues: flags.issues });

  const fromFlag = flags.values.config !== undefined;
  const file = fromFlag ? resolvePath(cwd, flags.values.config!) : parameters.file && resolvePath(cwd, parameters.file);
  const fileField = fromFlag ? "--config" : "file";
  if (!file) {
    throw new ProviderConfigError({ issues: [{ field: "--config", value: "missing", expected: "the path of a JSON config file" }] });
  }
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ProviderConfigError({
      issues: [{ field: fileField, value: describeValue(file), expected: `a readable JSON config file (${code ?? "unreadable"})` }],
    });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ProviderConfigError({
      file,
      issues: [{ field: "(file)", value: "not valid JSON", expected: `a JSON object (${(e as Error).message})` }],
    });
  }
  if (!isObject(raw)) {
    throw new ProviderConfigError({ file, issues: [{ field: "(file)", value: describeValue(raw), expected: "a JSON object" }] });
  }
  return validateConfig(raw, { env, baseDir: dirname(file), file, flags: flags.values, flagBaseDir: cwd });
}

export interface ValidateContext {
  env: Record<string, string | undefined>;
  /** Relative paths in the object resolve against this. */
  baseDir: string;
  file?: string | undefined;
  flags?: Partial<Record<FlagField, string>> | undefined;
  flagBaseDir?: string | undefined;
}

const TOP_LEVEL_KEYS = [
  "$schema",
  "rpcUrl",
  "chainId",
  "market",
  "dataDir",
  "signer",
  "account",
  "models",
  "concurrency",
  "pollingIntervalMs",
  "finalizeBatchSize",
  "claimIntervalMs",
  "outputServer",
  "acceptFirst",
  "minJobSeconds",
  "maxCollateralShare",
  "contentStore",
  "startBlock",
] as const;

const FLAG_OF: Partial<Record<string, string>> = Object.fromEntries(Object.entries(FLAGS).map(([flag, field]) => [field, flag]));

/**
 * Checks a config object (as parsed from JSON) and returns a `ProviderConfig` with defaults filled
 * in. `loadConfig` calls this; it is exported for configs built in code.
 *
 * @throws ProviderConfigError
 */
export function validateConfig(raw: Record<string, unknown>, context: ValidateContext): ProviderConfig {
  const issues: ProviderConfigIssue[] = [];
  const { env, flags = {} } = context;
  const issue = (field: string, value: unknown, expected: string, secret = false) =>
    issues.push({ field, value: value === undefined ? "missing" : secret ? REDACTED : printable(value), expected });

  // Flags win over the file; a value from a flag is a string, and its field says which flag gave it.
  const input: Record<string, unknown> = { ...raw };
  const fieldName = (key: string) => (flags[key as FlagField] !== undefined ? `${key} (${FLAG_OF[key]})` : key);
  for (const key of ["rpcUrl", "market", "dataDir"] as const) if (flags[key] !== undefined) input[key] = flags[key];
  for (const key of ["chainId", "concurrency"] as const) {
    const v = flags[key];
    if (v !== undefined) input[key] = /^\s*-?\d+\s*$/.test(v) ? Number(v) : v;
  }

  for (const key of Object.keys(raw)) {
    if (!(TOP_LEVEL_KEYS as readonly string[]).includes(key)) issue(key, raw[key], `no such field (known: ${TOP_LEVEL_KEYS.slice(1).join(", ")})`);
  }

  const rpcUrl = checkUrl(input.rpcUrl, fieldName("rpcUrl"), issue, ["http:", "https:", "ws:", "wss:"]);
  const chainId = checkInt(input.chainId, fieldName("chainId"), issue, { min: 1 });
  const market = input.market === undefined ? undefined : checkAddress(input.market, fieldName("market"), issue);

  let dataDir: string | undefined;
  if (typeof input.dataDir !== "string" || input.dataDir.trim() === "") issue(fieldName("dataDir"), input.dataDir, "a directory path (a non-empty string)");
  else dataDir = resolvePath(flags.dataDir !== undefined ? (context.flagBaseDir ?? process.cwd()) : context.baseDir, input.dataDir);
  if (dataDir !== undefined) {
    try {
      if (!statSync(dataDir).isDirectory()) issue(fieldName("dataDir"), input.dataDir, "a directory (this path is a file)");
    } catch {
      // Absent is fine: the node creates it.
    }
  }

  const signer = checkKeySource(input.signer, "signer", issue, context);
  const account = input.account === undefined ? undefined : checkKeySource(input.account, "account", issue, context);

  const models: ServedModel[] = [];
  if (!Array.isArray(input.models) || input.models.length === 0) {
    issue("models", input.models, "a non-empty array of { model, backend, price, token }");
  } else {
    const seen = new Map<string, number>();
    input.models.forEach((m: unknown, i: number) => {
      const checked = checkModel(m, `models[${i}]`, issue, env);
      if (!checked) return;
      const key = `${checked.model.toLowerCase()}/${checked.token.toLowerCase()}`;
      const previous = seen.get(key);
      if (previous !== undefined) issue(`models[${i}].model`, checked.model, `a model/token pair not already served (same as models[${previous}])`);
      else seen.set(key, i);
      models.push(checked);
    });
  }

  const concurrency = checkInt(input.concurrency, fieldName("concurrency"), issue, { min: 1, max: 1024, default: PROVIDER_CONFIG_DEFAULTS.concurrency });
  const pollingIntervalMs = checkInt(input.pollingIntervalMs, "pollingIntervalMs", issue, {
    min: 50,
    max: 3_600_000,
    default: PROVIDER_CONFIG_DEFAULTS.pollingIntervalMs,
  });
  const finalizeBatchSize = checkInt(input.finalizeBatchSize, "finalizeBatchSize", issue, {
    min: 1,
    max: 1000,
    default: PROVIDER_CONFIG_DEFAULTS.finalizeBatchSize,
  });
  const claimIntervalMs = checkInt(input.claimIntervalMs, "claimIntervalMs", issue, {
    min: 1000,
    max: 2_147_483_647, // setTimeout's limit
    default: PROVIDER_CONFIG_DEFAULTS.claimIntervalMs,
  });

  let outputServer: ProviderConfig["outputServer"];
  if (input.outputServer !== undefined) {
    const o = input.outputServer;
    if (!isObject(o)) issue("outputServer", o, "an object { host, port }");
    else {
      unknownKeys(o, "outputServer", ["host", "port"], issue);
      const host = typeof o.host === "string" && o.host.trim() !== "" ? o.host : (issue("outputServer.host", o.host, 'a host name or address, e.g. "127.0.0.1"'), undefined);
      const port = checkInt(o.port, "outputServer.port", issue, { min: 0, max: 65535 });
      if (host !== undefined && port !== undefined) outputServer = { host, port };
    }
  }

  let acceptFirst: boolean = PROVIDER_CONFIG_DEFAULTS.acceptFirst;
  if (input.acceptFirst !== undefined) {
    if (typeof input.acceptFirst !== "boolean") issue("acceptFirst", input.acceptFirst, "true or false");
    else acceptFirst = input.acceptFirst;
  }
  // Up to the longest job the market allows (30 days): more would refuse every job.
  const minJobSeconds = checkInt(input.minJobSeconds, "minJobSeconds", issue, { min: 1, max: 30 * 86_400, default: PROVIDER_CONFIG_DEFAULTS.minJobSeconds });
  let maxCollateralShare: number = PROVIDER_CONFIG_DEFAULTS.maxCollateralShare;
  if (input.maxCollateralShare !== undefined) {
    const v = input.maxCollateralShare;
    if (typeof v !== "number" || !Number.isFinite(v) || v <= 0 || v > 1) {
      issue("maxCollateralShare", v, "a number greater than 0 and at most 1: the share of the free stake one job may lock (0.1 = 10%)");
    } else maxCollateralShare = v;
  }
  let contentStore: ProviderConfig["contentStore"];
  if (input.contentStore !== undefined) {
    const c = input.contentStore;
    if (!isObject(c)) issue("contentStore", c, 'an object { "baseUrl": "https://content.example" }');
    else {
      unknownKeys(c, "contentStore", ["baseUrl"], issue);
      const baseUrl = checkUrl(c.baseUrl, "contentStore.baseUrl", issue, ["http:", "https:"]);
      if (baseUrl !== undefined) contentStore = { baseUrl };
    }
  }
  const startBlock = input.startBlock === undefined ? undefined : checkInt(input.startBlock, "startBlock", issue, { min: 0 });

  if (issues.length > 0) throw new ProviderConfigError({ issues, file: context.file });
  const config: ProviderConfig = {
    rpcUrl: rpcUrl!,
    chainId: chainId!,
    ...(market !== undefined && { market }),
    dataDir: dataDir!,
    signer: signer!,
    ...(account !== undefined && { account }),
    models,
    concurrency: concurrency!,
    pollingIntervalMs: pollingIntervalMs!,
    finalizeBatchSize: finalizeBatchSize!,
    claimIntervalMs: claimIntervalMs!,
    ...(outputServer !== undefined && { outputServer }),
    acceptFirst,
    minJobSeconds: minJobSeconds!,
    maxCollateralShare,
    ...(contentStore !== undefined && { contentStore }),
    ...(startBlock !== undefined && { startBlock }),
  };
  return config;
}

type Issue = (field: string, value: unknown, expected: string, secret?: boolean) => void;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A value for a message: URLs lose their credentials, long values are cut. */
function printable(value: unknown): string {
  const s = typeof value === "string" ? JSON.stringify(redactUrl(value)) : describeValue(value);
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

function unknownKeys(o: Record<string, unknown>, path: string, known: readonly string[], issue: Issue) {
  for (const key of Object.keys(o)) if (!known.includes(key)) issue(`${path}.${key}`, o[key], `no such field (known: ${known.join(", ")})`);
}

function checkInt(v: unknown, field: string, issue: Issue, { min, max, default: def }: { min: number; max?: number; default?: number }) {
  if (v === undefined && def !== undefined) return def;
  const range = max === undefined ? `>= ${min}` : `from ${min} to ${max}`;
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min || (max !== undefined && v > max)) {
    issue(field, v, `an integer ${range}`);
    return undefined;
  }
  return v;
}

function checkUrl(v: unknown, field: string, issue: Issue, protocols: string[]) {
  const expected = `a URL starting with ${protocols.map((p) => `${p}//`).join(" or ")}`;
  if (typeof v !== "string") return issue(field, v, expected), undefined;
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    return issue(field, v, expected), undefined;
  }
  if (!protocols.includes(url.protocol) || url.hostname === "") return issue(field, v, expected), undefined;
  return v;
}

function checkAddress(v: unknown, field: string, issue: Issue): Address | undefined {
  if (typeof v !== "string" || !isAddress(v, { strict: false })) {
    return issue(field, v, "an address: 0x followed by 40 hex digits"), undefined;
  }
  if (!isAddress(v)) return issue(field, v, "an address whose mixed case matches its EIP-55 checksum (or all lower case): check for a typo"), undefined;
  if (v.toLowerCase() === zeroAddress) return issue(field, v, "a real contract, not the zero address"), undefined;
  return v as Address;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function checkEnvName(v: unknown, field: string, issue: Issue): v is string {
  if (typeof v !== "string" || !ENV_NAME.test(v)) {
    // Redacted: a value here that is not a variable name is often the secret itself, pasted in.
    issue(field, v, "the name of an environment variable (letters, digits and _), not its value", typeof v === "string");
    return false;
  }
  return true;
}

const PRIVATE_KEY = /^(0x)?[0-9a-fA-F]{64}$/;

function checkKeySource(v: unknown, path: string, issue: Issue, { env, baseDir }: ValidateContext): KeySource | undefined {
  const expected = '{ "env": "NAME_OF_ENV_VAR" } (a hex private key) or { "keystore": "path/to/keystore.json", "passwordEnv": "NAME_OF_ENV_VAR" }';
  if (!isObject(v)) return issue(path, v, expected), undefined;
  if ("env" in v) {
    unknownKeys(v, path, ["env"], issue);
    if (!checkEnvName(v.env, `${path}.env`, issue)) return undefined;
    const value = env[v.env];
    if (value === undefined || value === "") return issue(`${path}.env`, v.env, `the environment variable ${v.env} to be set to a hex private key (it is unset)`), undefined;
    if (!PRIVATE_KEY.test(value.trim())) {
      return issue(`${path}.env`, value, `the environment variable ${v.env} to hold a private key: 64 hex digits, with or without 0x`, true), undefined;
    }
    return { env: v.env };
  }
  if ("keystore" in v) {
    unknownKeys(v, path, ["keystore", "passwordEnv"], issue);
    let keystore: string | undefined;
    if (typeof v.keystore !== "string" || v.keystore === "") issue(`${path}.keystore`, v.keystore, "the path of an encrypted JSON keystore");
    else {
      keystore = resolvePath(baseDir, v.keystore);
      const problem = readKeystore(keystore).problem;
      if (problem) issue(`${path}.keystore`, v.keystore, `an encrypted JSON keystore (${problem})`), (keystore = undefined);
    }
    let passwordEnv: string | undefined;
    if (checkEnvName(v.passwordEnv, `${path}.passwordEnv`, issue)) {
      if (env[v.passwordEnv] === undefined) issue(`${path}.passwordEnv`, v.passwordEnv, `the environment variable ${v.passwordEnv} to be set to the keystore's password (it is unset)`);
      else passwordEnv = v.passwordEnv;
    }
    return keystore !== undefined && passwordEnv !== undefined ? { keystore, passwordEnv } : undefined;
  }
  return issue(path, Object.keys(v), expected), undefined;
}

function readKeystore(path: string): { json?: string; problem?: string } {
  let json: string;
  try {
    json = readFileSync(path, "utf8");
  } catch (e) {
    return { problem: `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? "unreadable"}` };
  }
  try {
    const parsed = JSON.parse(json) as unknown;
    if (!isObject(parsed) || !(isObject(parsed.crypto) || isObject(parsed.Crypto))) return { problem: "the file is JSON but has no crypto section" };
  } catch {
    return { problem: "the file is not JSON" };
  }
  return { json };
}

const BYTES32 = /^0x[0-9a-fA-F]{64}$/;
const UINT256_MAX = 2n ** 256n - 1n;

function checkModel(m: unknown, path: string, issue: Issue, env: Record<string, string | undefined>): ServedModel | undefined {
  if (!isObject(m)) return issue(path, m, "an object { model, backend, price, token }"), undefined;
  unknownKeys(m, path, ["model", "backend", "price", "token"], issue);
  let ok = true;
  const model = m.model;
  if (typeof model !== "string" || !BYTES32.test(model)) {
    issue(`${path}.model`, model, "a bytes32 model id: 0x followed by 64 hex digits");
    ok = false;
  }
  const backend = checkBackend(m.backend, `${path}.backend`, issue, env);
  if (!backend) ok = false;
  const price = m.price;
  if (typeof price !== "string" || !/^\d+$/.test(price) || BigInt(price) > UINT256_MAX) {
    issue(
      `${path}.price`,
      price,
      typeof price === "number"
        ? 'a decimal integer string in the token\'s smallest unit, e.g. "1000000000000000000" (a JSON number loses precision)'
        : 'a decimal integer string in the token\'s smallest unit, e.g. "1000000000000000000" (no decimals, sign or exponent)',
    );
    ok = false;
  }
  const token = checkAddress(m.token, `${path}.token`, issue);
  if (!token) ok = false;
  if (!ok) return undefined;
  return { model: model as Hex, backend: backend!, price: BigInt(price as string).toString(), token: token! };
}

function checkBackend(b: unknown, path: string, issue: Issue, env: Record<string, string | undefined>): ModelBackend | undefined {
  const expected = '{ "type": "builtin" } or { "type": "openai", "baseUrl", "model", "apiKeyEnv"? }';
  if (!isObject(b)) return issue(path, b, expected), undefined;
  if (b.type === "builtin") {
    unknownKeys(b, path, ["type"], issue);
    return { type: "builtin" };
  }
  if (b.type === "openai") {
    unknownKeys(b, path, ["type", "baseUrl", "model", "apiKeyEnv"], issue);
    const baseUrl = checkUrl(b.baseUrl, `${path}.baseUrl`, issue, ["http:", "https:"]);
    const model = typeof b.model === "string" && b.model.trim() !== "" ? b.model : (issue(`${path}.model`, b.model, 'the backend\'s model name, e.g. "gpt-4o-mini"'), undefined);
    let apiKeyEnv: string | undefined;
    let ok = baseUrl !== undefined && model !== undefined;
    if (b.apiKeyEnv !== undefined) {
      if (!checkEnvName(b.apiKeyEnv, `${path}.apiKeyEnv`, issue)) ok = false;
      else if (env[b.apiKeyEnv] === undefined || env[b.apiKeyEnv] === "") {
        issue(`${path}.apiKeyEnv`, b.apiKeyEnv, `the environment variable ${b.apiKeyEnv} to be set to the API key (it is unset)`);
        ok = false;
      } else apiKeyEnv = b.apiKeyEnv;
    }
    if (!ok) return undefined;
    return { type: "openai", baseUrl: baseUrl!, model: model!, ...(apiKeyEnv !== undefined && { apiKeyEnv }) };
  }
  return issue(`${path}.type`, b.type, '"builtin" or "openai"'), undefined;
}

// ---------------------------------------------------------------------------------------------
// Signer
// ---------------------------------------------------------------------------------------------

/**
 * The viem Account that signs the node's transactions, from the env var (a hex private key) or the
 * keystore and its password. With `which: "account"`, the staking account (the signer when
 * `config.account` is absent). The key is never put in an error.
 *
 * @throws ProviderConfigError naming `signer.env`, `signer.keystore` or `signer.passwordEnv`.
 */
export async function resolveSigner(
  config: Pick<ProviderConfig, "signer" | "account">,
  env: Record<string, string | undefined> = process.env,
  which: "signer" | "account" = "signer",
): Promise<Account> {
  const source = which === "account" ? (config.account ?? config.signer) : config.signer;
  const path = which === "account" && config.account ? "account" : "signer";
  const fail = (field: string, value: string, expected: string): never => {
    throw new ProviderConfigError({ issues: [{ field, value, expected }] });
  };

  if ("env" in source) {
    const value = env[source.env]?.trim();
    if (!value) return fail(`${path}.env`, JSON.stringify(source.env), `the environment variable ${source.env} to be set to a hex private key (it is unset)`);
    if (!PRIVATE_KEY.test(value)) return fail(`${path}.env`, REDACTED, `the environment variable ${source.env} to hold a private key: 64 hex digits, with or without 0x`);
    try {
      return privateKeyToAccount((value.startsWith("0x") ? value : `0x${value}`) as Hex);
    } catch {
      // The error could quote the key: do not keep it.
      return fail(`${path}.env`, REDACTED, `the environment variable ${source.env} to hold a valid secp256k1 private key (non-zero, below the curve order)`);
    }
  }

  const { json, problem } = readKeystore(source.keystore);
  if (problem || json === undefined) return fail(`${path}.keystore`, JSON.stringify(source.keystore), `an encrypted JSON keystore (${problem})`);
  const password = env[source.passwordEnv];
  if (password === undefined) {
    return fail(`${path}.passwordEnv`, JSON.stringify(source.passwordEnv), `the environment variable ${source.passwordEnv} to be set to the keystore's password (it is unset)`);
  }
  let privateKey: string;
  try {
    const { Wallet } = await import("ethers");
    privateKey = (await Wallet.fromEncryptedJson(json, password)).privateKey;
  } catch (e) {
    const wrong = /password/i.test((e as Error)?.message ?? "");
    return fail(
      `${path}.passwordEnv`,
      REDACTED,
      wrong
        ? `the password in ${source.passwordEnv} to decrypt the keystore ${source.keystore} (it is incorrect)`
        : `a keystore ${source.keystore} that ethers can decrypt with the password in ${source.passwordEnv}`,
    );
  }
  return privateKeyToAccount(privateKey as Hex);
}

// ---------------------------------------------------------------------------------------------
// Describing
// ---------------------------------------------------------------------------------------------

/** A URL without credentials: user info, query values and path segments that look like API keys are redacted. */
export function redactUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return value;
  }
  if (url.username || url.password) {
    url.username = url.username ? "REDACTED" : "";
    url.password = url.password ? "REDACTED" : "";
  }
  for (const key of [...url.searchParams.keys()]) url.searchParams.set(key, "REDACTED");
  url.pathname = url.pathname
    .split("/")
    .map((segment) => (/^[A-Za-z0-9_-]{20,}$/.test(segment) && /\d/.test(segment) && /[A-Za-z]/.test(segment) ? "REDACTED" : segment))
    .join("/");
  return url.toString();
}

/**
 * The config as printable JSON for the start-up log: env var names and keystore paths are shown,
 * never their values, and URLs lose credentials (e.g. an Infura/Alchemy key in the RPC URL).
 */
export function describeConfig(config: ProviderConfig): Record<string, unknown> & { toString(): string } {
  const key = (s: KeySource) => ("env" in s ? { env: s.env, value: REDACTED } : { keystore: s.keystore, passwordEnv: s.passwordEnv, password: REDACTED });
  const described: Record<string, unknown> = {
    rpcUrl: redactUrl(config.rpcUrl),
    chainId: config.chainId,
    ...(config.market !== undefined && { market: config.market }),
    dataDir: config.dataDir,
    signer: key(config.signer),
    account: config.account ? key(config.account) : "(the signer)",
    models: config.models.map((m) => ({
      model: m.model,
      backend:
        m.backend.type === "openai"
          ? { ...m.backend, baseUrl: redactUrl(m.backend.baseUrl), ...(m.backend.apiKeyEnv !== undefined && { apiKey: REDACTED }) }
          : m.backend,
      price: m.price,
      token: m.token,
    })),
    concurrency: config.concurrency,
    pollingIntervalMs: config.pollingIntervalMs,
    finalizeBatchSize: config.finalizeBatchSize,
    claimIntervalMs: config.claimIntervalMs,
    ...(config.outputServer !== undefined && { outputServer: config.outputServer }),
    acceptFirst: config.acceptFirst,
    minJobSeconds: config.minJobSeconds,
    maxCollateralShare: config.maxCollateralShare,
    ...(config.contentStore !== undefined && { contentStore: { baseUrl: redactUrl(config.contentStore.baseUrl) } }),
    ...(config.startBlock !== undefined && { startBlock: config.startBlock }),
  };
  Object.defineProperty(described, "toString", { value: () => JSON.stringify(described, null, 2), enumerable: false });
  return described as Record<string, unknown> & { toString(): string };
}
