// `depinfer-provider`: runs the provider node, and its set-up commands.
//
//   depinfer-provider --config provider.json [--network NAME] [--log-level LEVEL] [--pretty] …
//   depinfer-provider setup --config provider.json [--stake AMOUNT] [--dry-run] …
//   depinfer-provider register-model --config provider.json --weights-hash 0x… --runtime-digest 0x… --determinism exact --metadata-uri URI
//
// `--help` on each command (src/args.ts). Logs are JSON lines on stdout (one object per line); on a
// terminal a progress line is kept at the bottom of stderr. SIGINT/SIGTERM stop it cleanly; SIGKILL
// is safe too (the journal resumes). Exit codes: 0 done/stopped, 2 bad configuration or set-up, 1
// anything else. Every refusal is one line (or one line per problem), never a stack trace.
//
// For crash tests only: DEPINFER_NODE_CRASH_AT=accepted|computed|submit-sent (or a verifier step:
// seat-recorded|vote-kept|commit-sent|committed|reveal-sent, or a redundancy step: redundancy-seat-recorded|
// redundancy-vote-kept|redundancy-commit-sent|redundancy-committed|redundancy-reveal-sent) makes the process
// SIGKILL itself right after that step is recorded (DEPINFER_NODE_CRASH_COUNT=N: the Nth time).
import { isHex, parseUnits, type Hex } from "viem";
import { getChainId, readContract } from "viem/actions";

import { jobMarketAbi, MODEL_DETERMINISM, modelIdOf, registerModel, waitForSuccess, type ModelDeterminism } from "depinfer";
import { COMMANDS, UsageError, configArgv, helpText, parseCommand, type CommandSpec } from "./args.js";
import { ProviderConfigError, loadConfig, resolveSigner, type ProviderConfig } from "./config.js";
import { formatError } from "./errors.js";
import { createLogger, type LogLevel } from "./logger.js";
import { checkMarket, deploymentsDirOf, loadDeploymentAddresses } from "./market.js";
import { BUILTIN_MODEL } from "./models/charModel.js";
import { clientFor, createProviderNode, marketOf, type ProviderNodeStep } from "./provider.js";
import { SetUpGapsError, setUpProvider } from "./setup.js";

const LEVELS = ["debug", "info", "warn", "error"];
const out = (line: string) => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

/** A refused configuration as one line, or, when there are several problems, one more line for each. */
function oneLinePerProblem(error: ProviderConfigError): string {
  return [error.shortMessage, ...(error.issues.length > 1 ? (error.metaMessages ?? []) : [])].join("\n");
}

/** A refusal of the command line or the set-up: printed as it is, exit 2. */
class Refusal extends Error {}

function refuse(flag: string, value: unknown, expected: string): never {
  throw new Refusal(`--${flag} is ${JSON.stringify(value ?? null)}: expected ${expected}.`);
}

async function main(argv: string[]): Promise<number> {
  const name = argv[0] === "setup" || argv[0] === "register-model" ? argv[0] : "run";
  const spec: CommandSpec = COMMANDS[name]!;
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseCommand(spec, name === "run" ? argv : argv.slice(1));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    err(error.message);
    return 2;
  }
  if (values.help) {
    out(helpText(spec));
    return 0;
  }
  try {
    const config = loadWithNetwork(values);
    if (name === "setup") return await runSetup(config, values);
    if (name === "register-model") return await runRegisterModel(config, values);
    return await runNode(config, values);
  } catch (error) {
    if (error instanceof Refusal) {
      err(error.message);
      return 2;
    }
    if (error instanceof ProviderConfigError) {
      err(oneLinePerProblem(error));
      return 2;
    }
    throw error;
  }
}

/** The config, with the market (and a check of the chain id) from `--network`'s deployment record. */
function loadWithNetwork(values: Record<string, string | boolean | undefined>): ProviderConfig {
  let config = loadConfig({ argv: configArgv(values) });
  // --redundancy: serve redundancy requests, as `"redundancy": { "enabled": true }` in the config.
  if (values.redundancy === true) config = { ...config, redundancy: { ...config.redundancy, enabled: true } };
  if (typeof values.network !== "string") return config;
  const record = loadDeploymentAddresses(values.network, deploymentsDirOf(values.deployments as string | undefined));
  if (record.chainId !== config.chainId) {
    throw new ProviderConfigError({
      issues: [{ field: "chainId", value: String(config.chainId), expected: `the chain of the ${values.network} deployment, ${record.chainId} (${record.file})` }],
    });
  }
  // The redundancy module from the record, unless the config names one.
  if (config.redundancy?.enabled && !config.redundancy.address && record.redundancyModule) config = { ...config, redundancy: { ...config.redundancy, address: record.redundancyModule } };
  // --market still wins over the record.
  return typeof values.market === "string" ? config : { ...config, market: record.market };
}

/** A client for the config's chain acting as the provider account; checks the chain id and that the market is one. */
async function connect(config: ProviderConfig) {
  const signer = await resolveSigner(config);
  const account = config.account ? await resolveSigner(config, process.env, "account") : signer;
  const client = clientFor(config, account);
  let chainId: number;
  try {
    chainId = await getChainId(client);
  } catch (error) {
    throw new ProviderConfigError({ issues: [{ field: "rpcUrl", value: config.rpcUrl, expected: `an RPC endpoint that answers (${formatError(error, { short: true })})` }] });
  }
  if (chainId !== config.chainId) {
    throw new ProviderConfigError({ issues: [{ field: "chainId", value: String(config.chainId), expected: `the RPC's chain id ${chainId}` }] });
  }
  const market = config.market ?? marketOf(config.chainId);
  const settings = await checkMarket(client, market, { chainId });
  return { client, signer, account, market, settings };
}

/** `setup`: register, stake and offer as the config says. */
async function runSetup(config: ProviderConfig, values: Record<string, string | boolean | undefined>): Promise<number> {
  const stakeText = values.stake as string | undefined;
  if (stakeText !== undefined && !/^\d+(\.\d+)?$/.test(stakeText)) refuse("stake", stakeText, "an amount of stake tokens, e.g. 1000 or 1000.5");
  const maxLatency = values["max-latency"] === undefined ? 60 : Number(values["max-latency"]);
  if (!Number.isSafeInteger(maxLatency) || maxLatency < 1 || maxLatency > 2 ** 32 - 1) refuse("max-latency", values["max-latency"], "a whole number of seconds, at least 1");
  const dryRun = values["dry-run"] === true;

  const { client, signer, account, market, settings } = await connect(config);
  let stake: bigint | undefined;
  if (stakeText !== undefined) {
    const decimals = await readContract(client, { address: settings.stakeToken, abi: [{ type: "function", name: "decimals", stateMutability: "view", inputs: [], outputs: [{ type: "uint8" }] }] as const, functionName: "decimals" });
    stake = parseUnits(stakeText, decimals);
  }
  out(`provider ${account.address} on chain ${config.chainId}, market ${market}${dryRun ? " (dry run: nothing is sent)" : ""}`);
  try {
    await setUpProvider(client, { market, signer: signer.address, models: config.models, stake, metadataURI: values["metadata-uri"] as string | undefined, maxLatency, dryRun, log: out });
  } catch (error) {
    if (error instanceof SetUpGapsError) {
      for (const gap of error.gaps) err(`missing: ${gap}`);
      err(`setup ${dryRun ? "would fail" : "sent nothing"}: ${error.gaps.length} problem${error.gaps.length === 1 ? "" : "s"} above.`);
      return 2;
    }
    err(`setup failed: ${formatError(error, { short: true })}`);
    return 1;
  }
  return 0;
}

/** `register-model`: registers a model (unless it is registered) and prints its id. */
async function runRegisterModel(config: ProviderConfig, values: Record<string, string | boolean | undefined>): Promise<number> {
  let weightsHash: Hex, runtimeDigest: Hex, determinism: ModelDeterminism, metadataURI: string;
  if (values.builtin) {
    for (const flag of ["weights-hash", "runtime-digest", "determinism"]) if (values[flag] !== undefined) refuse(flag, values[flag], "nothing with --builtin (it sets the built-in model's commitment)");
    ({ weightsHash, runtimeDigest, determinism } = BUILTIN_MODEL);
    metadataURI = (values["metadata-uri"] as string | undefined) ?? `builtin://${BUILTIN_MODEL.name}`;
  } else {
    const bytes32 = (flag: string): Hex => {
      const v = values[flag];
      if (typeof v !== "string" || !isHex(v) || v.length !== 66) refuse(flag, v, "a bytes32: 0x followed by 64 hex digits");
      return v as Hex;
    };
    weightsHash = bytes32("weights-hash");
    runtimeDigest = bytes32("runtime-digest");
    const d = String(values.determinism ?? "").toLowerCase();
    const index = MODEL_DETERMINISM.indexOf(d as (typeof MODEL_DETERMINISM)[number]);
    determinism = (index >= 0 ? index : ["0", "1", "2"].indexOf(d)) as ModelDeterminism;
    if (determinism < 0) refuse("determinism", values.determinism, "exact, tolerant or none (or 0, 1, 2)");
    if (typeof values["metadata-uri"] !== "string" || values["metadata-uri"] === "") refuse("metadata-uri", values["metadata-uri"], "where the model is described, e.g. ipfs://… or https://…");
    metadataURI = values["metadata-uri"] as string;
  }
  const { client, market } = await connect(config);
  const model = modelIdOf({ weightsHash, runtimeDigest, determinism });
  const registered = (await readContract(client, { address: market, abi: jobMarketAbi, functionName: "model", args: [model] })).registered;
  if (registered) {
    out(`model ${model} is already registered on market ${market}: nothing to send`);
    return 0;
  }
  if (values["dry-run"]) {
    out(`would register model ${model} (${MODEL_DETERMINISM[determinism]}, ${metadataURI}) on market ${market}`);
    return 0;
  }
  try {
    const { hash } = await registerModel(client, { market, weightsHash, runtimeDigest, determinism, metadataURI });
    await waitForSuccess(client, hash, "registerModel");
    out(`registered model ${model} (${MODEL_DETERMINISM[determinism]}, ${metadataURI}) on market ${market}: tx ${hash}`);
  } catch (error) {
    err(`register-model failed: ${formatError(error, { short: true })}`);
    return 1;
  }
  return 0;
}

/** The node itself, until SIGINT/SIGTERM. */
async function runNode(config: ProviderConfig, values: Record<string, string | boolean | undefined>): Promise<number> {
  const level = (values["log-level"] ?? "info") as LogLevel;
  if (!LEVELS.includes(level)) refuse("log-level", level, `one of ${LEVELS.join(", ")}`);
  const logger = createLogger({ level, pretty: values.pretty === true });

  const crashAt = process.env.DEPINFER_NODE_CRASH_AT as ProviderNodeStep | undefined;
  let crashCount = Number(process.env.DEPINFER_NODE_CRASH_COUNT ?? "1");
  const afterStep = crashAt
    ? (step: ProviderNodeStep, jobId: string) => {
        if (step !== crashAt || --crashCount > 0) return;
        logger.warn("crash test: killing the node", { step, jobId });
        process.kill(process.pid, "SIGKILL");
      }
    : undefined;

  // The verifier loop's steps too (verifier.ts): seat-recorded, vote-kept, commit-sent, committed, reveal-sent.
  const afterVerifierStep = crashAt
    ? (step: string, jobId: string) => {
        if (step !== (crashAt as string) || --crashCount > 0) return;
        logger.warn("crash test: killing the node", { step, jobId });
        process.kill(process.pid, "SIGKILL");
      }
    : undefined;
  // And the redundancy loop's (redundancy.ts): redundancy-seat-recorded, …-vote-kept, …-commit-sent, …-committed, …-reveal-sent.
  const afterRedundancyStep = crashAt
    ? (step: string, id: bigint) => {
        if (step !== (crashAt as string) || --crashCount > 0) return;
        logger.warn("crash test: killing the node", { step, id });
        process.kill(process.pid, "SIGKILL");
      }
    : undefined;
  const node = await createProviderNode({ config, logger, progressStream: process.stderr, afterStep, afterVerifierStep, afterRedundancyStep });
  try {
    await node.start();
  } catch (error) {
    if (error instanceof ProviderConfigError) {
      logger.error(error.shortMessage, { field: error.field });
      err(oneLinePerProblem(error));
      return 2;
    }
    throw error;
  }
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info("stopping", { signal });
      node.stop().then(resolve, resolve);
    };
    process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGTERM", () => stop("SIGTERM"));
  });
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    err(`depinfer-provider: ${formatError(error)}`);
    process.exit(1);
  },
);

