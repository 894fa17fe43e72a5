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
import { z } from "zod";
import { privateKeyToAccount } from "viem/accounts";

import { DepinferError, describeValue } from "depinfer";

import { redactUrl } from "./errors.js";
import type { VerifierConfig } from "./verifier.js";
import type { RedundancyConfig } from "./redundancy.js";
import { withNativeSigning } from "./sessions/crypto.js";

export { redactUrl };

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
  /**
   * What the model can run, checked against each job's input before the job is accepted (see
   * `inputLimitsOf` for the defaults): a job over any of them is skipped, never accepted, so its
   * client cannot get the stake slashed with an input the backend rejects.
   * `maxInputBytes`: the largest input, in bytes. `maxInputTokens`: the largest prompt, in tokens as
   * the backend counts them (or bounded from the bytes when it cannot count). `contextTokens`: the
   * model's context length; the prompt's tokens plus `maxTokens` must fit in it. `maxTokens`: the
   * completion budget (`max_tokens` of an `openai` request). `timeoutSeconds`: the longest one
   * inference may take; a job that leaves less (plus the margins to be mined) is not taken.
   */
  maxInputBytes?: number;
  maxInputTokens?: number;
  contextTokens?: number;
  maxTokens?: number;
  timeoutSeconds?: number;
}

/** The per-model defaults (see `ServedModel`): an inference timeout per backend type, and a byte limit. */
export const MODEL_LIMIT_DEFAULTS = Object.freeze({
  /** 1 MiB: over 250k tokens of text, more than any context window served today. */
  maxInputBytes: 1024 * 1024,
  /** The OpenAI-compatible backend's own default timeout. */
  openaiTimeoutSeconds: 60,
  /** The built-in model runs in-process in well under a second. */
  builtinTimeoutSeconds: 10,
});

/** A served model's input limits with the defaults filled in (also for models built in code without them). */
export function inputLimitsOf(model: ServedModel): Required<Pick<ServedModel, "maxInputBytes" | "timeoutSeconds">> & Pick<ServedModel, "maxInputTokens" | "contextTokens" | "maxTokens"> {
  const D = MODEL_LIMIT_DEFAULTS;
  return {
    maxInputBytes: model.maxInputBytes ?? D.maxInputBytes,
    timeoutSeconds: model.timeoutSeconds ?? (model.backend.type === "openai" ? D.openaiTimeoutSeconds : D.builtinTimeoutSeconds),
    ...(model.maxInputTokens !== undefined && { maxInputTokens: model.maxInputTokens }),
    ...(model.contextTokens !== undefined && { contextTokens: model.contextTokens }),
    ...(model.maxTokens !== undefined && { maxTokens: model.maxTokens }),
  };
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
  /**
   * Batched submission of direct jobs (`acceptAndSubmitBatch`): results ready within `maxWaitMs` of
   * the first one go out together, up to `maxJobs` per transaction (1 turns batching off). A result
   * goes out at once when no other job in flight could join it, so a lone job never waits.
   * Default `{ maxJobs: 32, maxWaitMs: 25 }`.
   */
  batch: { maxJobs: number; maxWaitMs: number };
  /** How often earnings are claimed. Default 1 hour. */
  claimIntervalMs: number;
  /**
   * Serve job outputs over HTTP. `corsOrigins`: browser origins allowed to read and upload (`["*"]`
   * for any; default none). `maxConnections` (default 256) and `maxUploadBytes` (default 16 MiB)
   * bound what strangers can make the node hold.
   */
  outputServer?: { host: string; port: number; corsOrigins?: string[]; maxConnections?: number; maxUploadBytes?: number; metrics?: boolean };
  /**
   * `GET /metrics` (Prometheus) on a listener of its own, e.g. `{ "host": "127.0.0.1", "port": 9100 }`.
   * Default: off. The public output server answers `/metrics` with 404 unless `outputServer.metrics`
   * is true: the metrics show the node's earnings and activity.
   */
  metrics?: { host: string; port: number };
  /**
   * The most bytes the node keeps in `dataDir/content` and `dataDir/outputs` before it refuses
   * uploads (507, before the body is read). Outputs the node computes count, but are never refused.
   * Default 4 GiB.
   */
  contentQuotaBytes: number;
  /**
   * How long content stays after its job ended: a job's output (and its input) once the job is
   * final, for clients and challengers who fetch it by hash after settlement. The input of a job
   * that ended without an output is deleted at once. Default 7 days.
   */
  contentRetentionSeconds: number;
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
  /**
   * Fee ceilings: the most the node pays, whatever its RPC quotes. A transaction above any of them
   * (or far above the chain's recent `eth_feeHistory`) is not signed; it is logged and tried again
   * later. `maxFeePerGasGwei` (default 200) also caps a legacy gas price; `maxPriorityFeePerGasGwei`
   * (default 10); `maxGasPerTx` (default 10,000,000); `maxFeePerTxEth` (default 0.5), the worst
   * case of one transaction (gas limit × maxFeePerGas), in the chain's native coin.
   */
  maxFeePerGasGwei: number;
  maxPriorityFeePerGasGwei: number;
  maxGasPerTx: number;
  maxFeePerTxEth: number;
  /**
   * How many blocks must hold (include, or be built on) a transaction's block before the node treats
   * its effect as final: 1 is "mined". An output is released (served, put in the content store) only
   * once its submission has this many; until then a reorg could drop the submission, and the job's
   * client cancel it in the new branch after reading the output. From 1 to 1000. Default 2, or 1 on
   * chain 31337 (anvil and Hardhat: a block is mined only when a transaction comes, and such a chain
   * does not reorganize on its own). Effects up to `REORG_DEPTH` blocks deep are re-checked after a
   * reorg whatever this is.
   */
  confirmations: number;
  /**
   * Payment sessions: the paid OpenAI-compatible endpoint (`POST /v1/chat/completions`,
   * `POST /v1/completions`) on the output server (which must be configured), paid by vouchers of
   * sessions opened with this provider on the PaymentSessions contract `address`. The node settles a
   * session's latest voucher when `settleThreshold` (token units, default 0: at each round) is
   * unsettled, `settleIntervalSeconds` (default 3600) after the first unsettled voucher, and
   * `settleBeforeExpirySeconds` (default 3600) before the session's expiry. docs/provider-node.md.
   */
  sessions?: { address: Address; settleIntervalSeconds: number; settleThreshold: string; settleBeforeExpirySeconds: number };
  /**
   * Serve as a verifier of sampled re-execution (docs/provider-node.md, "The verifier role"):
   * `{ "enabled": true }` enrols for every served model; `models` narrows them; `address` names the
   * SampledVerifier (default: the SDK's deployment for the chain). Default: off.
   */
  verifier?: VerifierConfig;
  /**
   * Serve redundancy (k of n) requests that name this node (docs/provider-node.md, "The redundancy
   * role"): `{ "enabled": true }`; `address` names the RedundancyModule (default: the SDK's deployment
   * for the chain); `maxSeats` (default 4) bounds the stake the module may lock at once. Default: off.
   */
  redundancy?: RedundancyConfig;
}

/**
 * `maxCollateralShare` as a function of an amount: `share` of it, rounded down, in bigint arithmetic
 * (parts per billion). The job path and the redundancy seats apply the rule with it.
 */
export function collateralShareOf(share: number): (amount: bigint) => bigint {
  const ppb = BigInt(Math.round(share * 1e9));
  return (amount) => (amount * ppb) / 1_000_000_000n;
}

export const PROVIDER_CONFIG_DEFAULTS = Object.freeze({
  concurrency: 4,
  pollingIntervalMs: 1000,
  finalizeBatchSize: 50,
  batch: Object.freeze({ maxJobs: 32, maxWaitMs: 25 }),
  claimIntervalMs: 3_600_000,
  acceptFirst: false,
  minJobSeconds: 60,
  maxCollateralShare: 0.1,
  maxFeePerGasGwei: 200,
  maxPriorityFeePerGasGwei: 10,
  maxGasPerTx: 10_000_000,
  maxFeePerTxEth: 0.5,
  contentQuotaBytes: 4 * 1024 ** 3,
  contentRetentionSeconds: 7 * 86_400,
  confirmations: 2,
});

/** The chain id of local development chains (anvil, Hardhat): blocks only on demand, no reorgs of their own. */
export const LOCAL_CHAIN_ID = 31337;

/** `confirmations` when the config does not set it: 2, or 1 on a local development chain. */
export function defaultConfirmations(chainId: number): number {
  return chainId === LOCAL_CHAIN_ID ? 1 : PROVIDER_CONFIG_DEFAULTS.confirmations;
}

/** The config's fee ceilings in wei and gas (for the transaction sender). */
export function feeCeilingsOf(config: Pick<ProviderConfig, "maxFeePerGasGwei" | "maxPriorityFeePerGasGwei" | "maxGasPerTx" | "maxFeePerTxEth">) {
  const D = PROVIDER_CONFIG_DEFAULTS;
  // Whole milli-gwei and nano-ETH: exact in a double for every value the schema allows.
  const gwei = (n: number) => BigInt(Math.round(n * 1e6)) * 1_000n;
  return {
    maxFeePerGas: gwei(config.maxFeePerGasGwei ?? D.maxFeePerGasGwei),
    maxPriorityFeePerGas: gwei(config.maxPriorityFeePerGasGwei ?? D.maxPriorityFeePerGasGwei),
    maxGasPerTx: BigInt(config.maxGasPerTx ?? D.maxGasPerTx),
    maxFeePerTx: BigInt(Math.round((config.maxFeePerTxEth ?? D.maxFeePerTxEth) * 1e9)) * 1_000_000_000n,
  };
}

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
  "batch",
  "claimIntervalMs",
  "outputServer",
  "metrics",
  "contentQuotaBytes",
  "contentRetentionSeconds",
  "acceptFirst",
  "minJobSeconds",
  "maxCollateralShare",
  "contentStore",
  "startBlock",
  "confirmations",
  "sessions",
  "verifier",
  "redundancy",
] as const;

const FLAG_OF: Partial<Record<string, string>> = Object.fromEntries(Object.entries(FLAGS).map(([flag, field]) => [field, flag]));

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PRIVATE_KEY = /^(0x)?[0-9a-fA-F]{64}$/;
const BYTES32 = /^0x[0-9a-fA-F]{64}$/;
const UINT256_MAX = 2n ** 256n - 1n;
const KEY_SOURCE_EXPECTED = '{ "env": "NAME_OF_ENV_VAR" } (a hex private key) or { "keystore": "path/to/keystore.json", "passwordEnv": "NAME_OF_ENV_VAR" }';
const MODEL_KEYS = ["model", "backend", "price", "token", "maxInputBytes", "maxInputTokens", "contextTokens", "maxTokens", "timeoutSeconds"] as const;
const MODEL_EXPECTED = "an object { model, backend, price, token, maxInputBytes?, maxInputTokens?, contextTokens?, maxTokens?, timeoutSeconds? }";
const BACKEND_EXPECTED = '{ "type": "builtin" } or { "type": "openai", "baseUrl", "model", "apiKeyEnv"? }';

/** An issue whose value must be shown as `<REDACTED>` (it may be a secret). */
const SECRET = { secret: true } as const;

/** An integer in a range, with one message for every way it can be wrong. */
function int(min: number, max?: number) {
  const expected = `an integer ${max === undefined ? `>= ${min}` : `from ${min} to ${max}`}`;
  const number = z.number({ error: expected }).int({ error: expected }).min(min, { error: expected });
  return max === undefined ? number : number.max(max, { error: expected });
}

/** A number in a range (e.g. gwei), with one message for every way it can be wrong. */
function positive(min: number, max: number, unit: string) {
  const expected = `a number from ${min} to ${max} (${unit})`;
  return z.number({ error: expected }).min(min, { error: expected }).max(max, { error: expected });
}

function url(protocols: string[]) {
  const expected = `a URL starting with ${protocols.map((p) => `${p}//`).join(" or ")}`;
  return z.string({ error: expected }).refine((v) => {
    try {
      const u = new URL(v);
      return protocols.includes(u.protocol) && u.hostname !== "";
    } catch {
      return false;
    }
  }, { error: expected });
}

const address = z
  .string({ error: "an address: 0x followed by 40 hex digits" })
  .refine((v) => isAddress(v, { strict: false }), { error: "an address: 0x followed by 40 hex digits", abort: true })
  .refine((v) => isAddress(v), { error: "an address whose mixed case matches its EIP-55 checksum (or all lower case): check for a typo", abort: true })
  .refine((v) => v.toLowerCase() !== zeroAddress, { error: "a real contract, not the zero address" })
  .transform((v) => v as Address);

/** The name of an environment variable; a value that is not one is often the secret itself, pasted in. */
const envName = z
  .string({ error: "the name of an environment variable (letters, digits and _), not its value" })
  .refine((v) => ENV_NAME.test(v), { error: "the name of an environment variable (letters, digits and _), not its value", params: SECRET });

/** The config's schema: structure from zod; what depends on the environment and the files is checked in refinements. */
function configSchema({ env, baseDir, flags = {}, flagBaseDir }: ValidateContext) {
  const envSource = z.strictObject({ env: envName }).superRefine(({ env: name }, ctx) => {
    const value = env[name];
    if (value === undefined || value === "") ctx.addIssue({ code: "custom", path: ["env"], message: `the environment variable ${name} to be set to a hex private key (it is unset)` });
    else if (!PRIVATE_KEY.test(value.trim())) ctx.addIssue({ code: "custom", path: ["env"], message: `the environment variable ${name} to hold a private key: 64 hex digits, with or without 0x`, params: SECRET });
  });
  const keystoreSource = z
    .strictObject({
      keystore: z.string({ error: "the path of an encrypted JSON keystore" }).min(1, { error: "the path of an encrypted JSON keystore" }),
      passwordEnv: envName,
    })
    .superRefine((v, ctx) => {
      const problem = readKeystore(resolvePath(baseDir, v.keystore)).problem;
      if (problem) ctx.addIssue({ code: "custom", path: ["keystore"], message: `an encrypted JSON keystore (${problem})` });
      if (env[v.passwordEnv] === undefined) ctx.addIssue({ code: "custom", path: ["passwordEnv"], message: `the environment variable ${v.passwordEnv} to be set to the keystore's password (it is unset)` });
    })
    .transform((v) => ({ keystore: resolvePath(baseDir, v.keystore), passwordEnv: v.passwordEnv }));
  const keySource = z.union([envSource, keystoreSource], { error: KEY_SOURCE_EXPECTED });

  const price = z
    .string({
      error: (issue) =>
        typeof issue.input === "number"
          ? 'a decimal integer string in the token\'s smallest unit, e.g. "1000000000000000000" (a JSON number loses precision)'
          : 'a decimal integer string in the token\'s smallest unit, e.g. "1000000000000000000" (no decimals, sign or exponent)',
    })
    .refine((v) => /^\d+$/.test(v) && BigInt(v) <= UINT256_MAX, { error: 'a decimal integer string in the token\'s smallest unit, e.g. "1000000000000000000" (no decimals, sign or exponent)' })
    .transform((v) => BigInt(v).toString());

  const backend = z.discriminatedUnion(
    "type",
    [
      z.strictObject({ type: z.literal("builtin") }),
      z
        .strictObject({
          type: z.literal("openai"),
          baseUrl: url(["http:", "https:"]),
          model: z.string({ error: 'the backend\'s model name, e.g. "gpt-4o-mini"' }).trim().min(1, { error: 'the backend\'s model name, e.g. "gpt-4o-mini"' }),
          apiKeyEnv: envName.optional(),
        })
        .superRefine((b, ctx) => {
          if (b.apiKeyEnv !== undefined && (env[b.apiKeyEnv] === undefined || env[b.apiKeyEnv] === "")) {
            ctx.addIssue({ code: "custom", path: ["apiKeyEnv"], message: `the environment variable ${b.apiKeyEnv} to be set to the API key (it is unset)` });
          }
        }),
    ],
    { error: (issue) => (isObject(issue.input) ? '"builtin" or "openai"' : BACKEND_EXPECTED) },
  );

  const model = z.strictObject(
    {
      model: z.string({ error: "a bytes32 model id: 0x followed by 64 hex digits" }).regex(BYTES32, { error: "a bytes32 model id: 0x followed by 64 hex digits" }).transform((v) => v as Hex),
      backend,
      price,
      token: address,
      // Up to the largest upload the output server can be set to take.
      maxInputBytes: int(1, 1024 * 1024 * 1024).optional(),
      maxInputTokens: int(1, 100_000_000).optional(),
      contextTokens: int(2, 100_000_000).optional(),
      maxTokens: int(1, 100_000_000).optional(),
      // Up to a day: a job's deadline is rarely further, and setTimeout's limit is about 24.8 days.
      timeoutSeconds: int(1, 86_400).optional(),
    },
    { error: MODEL_EXPECTED },
  ).superRefine((m, ctx) => {
    // Limits that would refuse every job, or that the backend cannot honour: refused at start.
    if (m.backend?.type === "builtin" && m.maxTokens !== undefined) {
      ctx.addIssue({ code: "custom", path: ["maxTokens"], message: "no maxTokens for the built-in model (its completion length is fixed): remove it, or use an openai backend" });
    }
    if (m.contextTokens !== undefined && m.maxTokens !== undefined && m.maxTokens >= m.contextTokens) {
      ctx.addIssue({ code: "custom", path: ["maxTokens"], message: `an integer below contextTokens (${m.contextTokens}): the prompt needs room in the context too` });
    }
    if (m.contextTokens !== undefined && m.maxInputTokens !== undefined && m.maxInputTokens >= m.contextTokens) {
      ctx.addIssue({ code: "custom", path: ["maxInputTokens"], message: `an integer below contextTokens (${m.contextTokens}): the completion needs room in the context too` });
    }
  });

  const models = z
    .array(model, { error: "a non-empty array of { model, backend, price, token }" })
    .min(1, { error: "a non-empty array of { model, backend, price, token }" })
    .superRefine((list, ctx) => {
      const seen = new Map<string, number>();
      list.forEach((m, i) => {
        const key = `${m.model.toLowerCase()}/${m.token.toLowerCase()}`;
        const previous = seen.get(key);
        if (previous !== undefined) ctx.addIssue({ code: "custom", path: [i, "model"], message: `a model/token pair not already served (same as models[${previous}])` });
        else seen.set(key, i);
      });
    });

  const dataDirBase = flags.dataDir !== undefined ? (flagBaseDir ?? process.cwd()) : baseDir;
  const D = PROVIDER_CONFIG_DEFAULTS;
  return z.strictObject({
    $schema: z.unknown().optional(),
    rpcUrl: url(["http:", "https:", "ws:", "wss:"]),
    chainId: int(1),
    market: address.optional(),
    dataDir: z
      .string({ error: "a directory path (a non-empty string)" })
      .refine((v) => v.trim() !== "", { error: "a directory path (a non-empty string)", abort: true })
      .transform((v) => resolvePath(dataDirBase, v))
      .refine((dir) => {
        try {
          return statSync(dir).isDirectory();
        } catch {
          return true; // absent is fine: the node creates it
        }
      }, { error: "a directory (this path is a file)" }),
    signer: keySource,
    account: keySource.optional(),
    models,
    concurrency: int(1, 1024).default(D.concurrency),
    pollingIntervalMs: int(50, 3_600_000).default(D.pollingIntervalMs),
    finalizeBatchSize: int(1, 1000).default(D.finalizeBatchSize),
    // At most the market's MAX_BATCH; a wait of up to a minute (results are worth more sent early).
    batch: z
      .strictObject(
        { maxJobs: int(1, 256).default(D.batch.maxJobs), maxWaitMs: int(0, 60_000).default(D.batch.maxWaitMs) },
        { error: 'an object { "maxJobs": 32, "maxWaitMs": 25 }' },
      )
      .default({ ...D.batch }),
    claimIntervalMs: int(1000, 2_147_483_647).default(D.claimIntervalMs), // setTimeout's limit
    outputServer: z
      .strictObject(
        {
          host: z.string({ error: 'a host name or address, e.g. "127.0.0.1"' }).trim().min(1, { error: 'a host name or address, e.g. "127.0.0.1"' }),
          port: int(0, 65535),
          corsOrigins: z
            .array(
              z.string().refine((o) => o === "*" || /^https?:\/\/[^/\s]+$/.test(o), {
                error: 'an origin such as "https://app.example" (scheme and host, no path), or "*"',
              }),
              { error: 'a list of origins, e.g. ["https://app.example"], or ["*"]' },
            )
            .optional(),
          maxConnections: int(1, 65_535).optional(),
          maxUploadBytes: int(1, 1024 * 1024 * 1024).optional(),
          metrics: z.boolean({ error: "true or false: whether this public server answers /metrics too (default false)" }).optional(),
        },
        { error: "an object { host, port, corsOrigins?, maxConnections?, maxUploadBytes?, metrics? }" },
      )
      .optional(),
    metrics: z
      .strictObject(
        {
          host: z.string({ error: 'a host name or address, e.g. "127.0.0.1"' }).trim().min(1, { error: 'a host name or address, e.g. "127.0.0.1"' }),
          port: int(0, 65535),
        },
        { error: 'an object { "host": "127.0.0.1", "port": 9100 }' },
      )
      .optional(),
    // At least one upload's worth is up to the operator; at most 1 PiB.
    contentQuotaBytes: int(1, 2 ** 50).default(D.contentQuotaBytes),
    // 0: delete as soon as the job is final; at most 10 years.
    contentRetentionSeconds: int(0, 10 * 365 * 86_400).default(D.contentRetentionSeconds),
    acceptFirst: z.boolean({ error: "true or false" }).default(D.acceptFirst),
    // Up to the longest job the market allows (30 days): more would refuse every job.
    minJobSeconds: int(1, 30 * 86_400).default(D.minJobSeconds),
    maxCollateralShare: z
      .number({ error: "a number greater than 0 and at most 1: the share of the free stake one job may lock (0.1 = 10%)" })
      .gt(0, { error: "a number greater than 0 and at most 1: the share of the free stake one job may lock (0.1 = 10%)" })
      .lte(1, { error: "a number greater than 0 and at most 1: the share of the free stake one job may lock (0.1 = 10%)" })
      .default(D.maxCollateralShare),
    contentStore: z.strictObject({ baseUrl: url(["http:", "https:"]) }, { error: 'an object { "baseUrl": "https://content.example" }' }).optional(),
    startBlock: int(0).optional(),
    maxFeePerGasGwei: positive(0.001, 1_000_000, "gwei per gas").default(D.maxFeePerGasGwei),
    maxPriorityFeePerGasGwei: positive(0.001, 1_000_000, "gwei per gas").default(D.maxPriorityFeePerGasGwei),
    // At least a plain transfer's gas, at most a large block's.
    maxGasPerTx: int(21_000, 100_000_000).default(D.maxGasPerTx),
    maxFeePerTxEth: positive(0.000_001, 1_000, "ETH (the chain's native coin) per transaction").default(D.maxFeePerTxEth),
    // Filled in by validateConfig when absent: the default depends on the chain.
    confirmations: int(1, 1000).optional(),
    sessions: z
      .strictObject(
        {
          address,
          settleIntervalSeconds: int(1, 30 * 86_400).default(3600),
          settleThreshold: z.string({ error: "a decimal integer string of token units" }).regex(/^\d{1,30}$/, { error: "a decimal integer string of token units" }).default("0"),
          settleBeforeExpirySeconds: int(0, 30 * 86_400).default(3600),
        },
        { error: 'an object { "address": "0x…" (PaymentSessions), settleIntervalSeconds?, settleThreshold?, settleBeforeExpirySeconds? }' },
      )
      .optional(),
    verifier: z
      .strictObject(
        {
          enabled: z.boolean({ error: "true or false: whether the node verifies sampled jobs" }),
          models: z.array(z.string().regex(BYTES32, { error: "a bytes32 model id" }).transform((v) => v as Hex), { error: "a list of bytes32 model ids the node serves" }).optional(),
          address: address.optional(),
          sample: z.boolean({ error: "true or false (default true)" }).optional(),
          revealRandomness: z.boolean({ error: "true or false (default true)" }).optional(),
          maxSeats: int(1, 1000).optional(),
        },
        { error: 'an object { "enabled": true, "models"?, "address"?, "sample"?, "revealRandomness"?, "maxSeats"? }' },
      )
      .optional(),
    redundancy: z
      .strictObject(
        {
          enabled: z.boolean({ error: "true or false: whether the node serves redundancy requests" }),
          address: address.optional(),
          maxSeats: int(1, 1000).optional(),
        },
        { error: 'an object { "enabled": true, "address"?, "maxSeats"? }' },
      )
      .optional(),
  });
}

/** The value at `path` in `root` (undefined when absent). */
function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const key of path) v = isObject(v) || Array.isArray(v) ? (v as Record<PropertyKey, unknown>)[key] : undefined;
  return v;
}

/** `models[1].backend.baseUrl` from `["models", 1, "backend", "baseUrl"]`. */
function fieldOf(path: readonly PropertyKey[]): string {
  return path.map((k, i) => (typeof k === "number" ? `[${k}]` : `${i === 0 ? "" : "."}${String(k)}`)).join("");
}

/**
 * zod's issues as the node reports them: one per field (the first), the value as printed (redacted
 * when it may be a secret), an unknown key as its own issue ahead of its object's other fields, and
 * a key source's union reduced to the branch its keys name.
 */
function toIssues(zodIssues: readonly z.core.$ZodIssue[], input: Record<string, unknown>, fieldName: (key: string) => string, prefix: PropertyKey[] = []): ProviderConfigIssue[] {
  const out: { path: PropertyKey[]; issue: ProviderConfigIssue; unknown: boolean }[] = [];
  const add = (path: PropertyKey[], expected: string, value: unknown, secret = false, unknown = false) => {
    const field = fieldOf(path);
    out.push({ path, unknown, issue: { field: path.length > 0 && typeof path[0] === "string" ? fieldName(path[0]) + field.slice(String(path[0]).length) : field, value: value === undefined ? "missing" : secret ? REDACTED : printable(value), expected } });
  };
  for (const issue of zodIssues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === "unrecognized_keys") {
      const known = knownKeysAt(path, valueAt(input, path));
      for (const key of issue.keys) add([...path, key], `no such field (known: ${known.join(", ")})`, valueAt(input, [...path, key]), false, true);
      continue;
    }
    if (issue.code === "invalid_union" && !(issue as { discriminator?: string }).discriminator) {
      // A key source: the branch its keys name ("env", else "keystore"), or what is expected of either.
      const value = valueAt(input, path);
      const branch = isObject(value) ? ("env" in value ? 0 : "keystore" in value ? 1 : undefined) : undefined;
      if (branch === undefined) add(path, KEY_SOURCE_EXPECTED, isObject(value) ? Object.keys(value) : value);
      else out.push(...toIssues(issue.errors[branch]!, input, fieldName, path).map((i) => ({ path, issue: i, unknown: false })));
      continue;
    }
    const secret = (issue as { params?: { secret?: boolean } }).params?.secret === true && typeof valueAt(input, path) === "string";
    add(path, issue.message, valueAt(input, path), secret);
  }
  // One issue per field; an object's unknown keys before its fields.
  const seen = new Set<string>();
  const unique = out.filter(({ issue }) => !seen.has(issue.field) && seen.add(issue.field));
  const order = unique.map((entry, index) => {
    if (!entry.unknown) return index;
    const owner = entry.path.slice(0, -1);
    const first = unique.findIndex((e) => owner.every((k, i) => e.path[i] === k) && e.path.length > owner.length);
    return first >= 0 && first < index ? first - 0.5 : index;
  });
  return unique.map((entry, i) => ({ entry, key: order[i]! })).sort((a, b) => a.key - b.key).map(({ entry }) => entry.issue);
}

/** The keys the schema knows for the object `value` at `path` (for "no such field" messages). */
function knownKeysAt(path: readonly PropertyKey[], value: unknown): string[] {
  const last = path.findLast((k) => typeof k === "string");
  const v = isObject(value) ? value : {};
  if (last === undefined) return TOP_LEVEL_KEYS.slice(1);
  if (last === "signer" || last === "account") return "env" in v ? ["env"] : ["keystore", "passwordEnv"];
  if (last === "models") return [...MODEL_KEYS];
  if (last === "backend") return v.type === "openai" ? ["type", "baseUrl", "model", "apiKeyEnv"] : ["type"];
  if (last === "outputServer") return ["host", "port", "corsOrigins", "maxConnections", "maxUploadBytes", "metrics"];
  if (last === "metrics") return ["host", "port"];
  if (last === "contentStore") return ["baseUrl"];
  if (last === "sessions") return ["address", "settleIntervalSeconds", "settleThreshold", "settleBeforeExpirySeconds"];
  return [];
}

/**
 * Checks a config object (as parsed from JSON) and returns a `ProviderConfig` with defaults filled
 * in. `loadConfig` calls this; it is exported for configs built in code. The structure is a zod
 * schema; every problem is reported at once, each with its field, its value and what is expected.
 *
 * @throws ProviderConfigError
 */
export function validateConfig(raw: Record<string, unknown>, context: ValidateContext): ProviderConfig {
  const { flags = {} } = context;
  // Flags win over the file; a value from a flag is a string, and its field says which flag gave it.
  const input: Record<string, unknown> = { ...raw };
  const fieldName = (key: string) => (flags[key as FlagField] !== undefined ? `${key} (${FLAG_OF[key]})` : key);
  for (const key of ["rpcUrl", "market", "dataDir"] as const) if (flags[key] !== undefined) input[key] = flags[key];
  for (const key of ["chainId", "concurrency"] as const) {
    const v = flags[key];
    if (v !== undefined) input[key] = /^\s*-?\d+\s*$/.test(v) ? Number(v) : v;
  }
  const result = configSchema(context).safeParse(input);
  if (!result.success) throw new ProviderConfigError({ issues: toIssues(result.error.issues, input, fieldName), file: context.file });
  const { $schema: _, ...config } = result.data;
  config.confirmations ??= defaultConfirmations(config.chainId);
  if (config.sessions && !config.outputServer)
    throw new ProviderConfigError({ issues: [{ field: "outputServer", value: "missing", expected: 'an output server ({ "host", "port" }): the paid session endpoint is served on it (sessions is set)' }], file: context.file });
  return Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined)) as unknown as ProviderConfig;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A value for a message: URLs lose their credentials, long values are cut. */
function printable(value: unknown): string {
  const s = typeof value === "string" ? JSON.stringify(redactUrl(value)) : describeValue(value);
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
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
      const key = (value.startsWith("0x") ? value : `0x${value}`) as Hex;
      return withNativeSigning(privateKeyToAccount(key), key);
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
  return withNativeSigning(privateKeyToAccount(privateKey as Hex), privateKey as Hex);
}

// ---------------------------------------------------------------------------------------------
// Describing
// ---------------------------------------------------------------------------------------------


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
      ...inputLimitsOf(m),
    })),
    concurrency: config.concurrency,
    pollingIntervalMs: config.pollingIntervalMs,
    finalizeBatchSize: config.finalizeBatchSize,
    batch: config.batch,
    claimIntervalMs: config.claimIntervalMs,
    ...(config.outputServer !== undefined && { outputServer: config.outputServer }),
    ...(config.metrics !== undefined && { metrics: config.metrics }),
    contentQuotaBytes: config.contentQuotaBytes,
    contentRetentionSeconds: config.contentRetentionSeconds,
    acceptFirst: config.acceptFirst,
    minJobSeconds: config.minJobSeconds,
    maxCollateralShare: config.maxCollateralShare,
    ...(config.contentStore !== undefined && { contentStore: { baseUrl: redactUrl(config.contentStore.baseUrl) } }),
    ...(config.startBlock !== undefined && { startBlock: config.startBlock }),
    maxFeePerGasGwei: config.maxFeePerGasGwei,
    maxPriorityFeePerGasGwei: config.maxPriorityFeePerGasGwei,
    maxGasPerTx: config.maxGasPerTx,
    maxFeePerTxEth: config.maxFeePerTxEth,
    confirmations: config.confirmations,
    ...(config.sessions !== undefined && { sessions: config.sessions }),
  };
  Object.defineProperty(described, "toString", { value: () => JSON.stringify(described, null, 2), enumerable: false });
  return described as Record<string, unknown> & { toString(): string };
}
