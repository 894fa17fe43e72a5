// `depinfer-provider`: runs the provider node.
//
//   depinfer-provider --config provider.json [--rpc-url URL] [--chain-id N] [--market 0x…]
//                     [--data-dir DIR] [--concurrency N] [--log-level debug|info|warn|error] [--pretty]
//   depinfer-provider setup --config provider.json [--stake AMOUNT] [--metadata-uri URI] [--max-latency S] [--dry-run]
//
// Logs are JSON lines on stdout (one object per line); on a terminal a progress line is kept at the
// bottom of stderr. SIGINT/SIGTERM stop it cleanly; SIGKILL is safe too (the journal resumes).
// Exit codes: 0 stopped, 2 bad configuration or set-up, 1 anything else.
//
// For crash tests only: DEPINFER_NODE_CRASH_AT=accepted|computed|submit-sent makes the process
// SIGKILL itself right after that step is recorded (DEPINFER_NODE_CRASH_COUNT=N: the Nth time).
import { erc20Abi, parseUnits } from "viem";
import { getChainId, readContract } from "viem/actions";

import { jobMarketAbi } from "depinfer";
import { ProviderConfigError, loadConfig, resolveSigner, type ProviderConfig } from "./config.js";
import { createLogger, type LogLevel } from "./logger.js";
import { clientFor, createProviderNode, marketOf, type ProviderNodeStep } from "./provider.js";
import { setUpProvider } from "./setup.js";

const USAGE = `Usage: depinfer-provider --config provider.json [--rpc-url URL] [--chain-id N] [--market 0x…] [--data-dir DIR]
                         [--concurrency N] [--log-level debug|info|warn|error] [--pretty]
       depinfer-provider setup --config provider.json [--stake AMOUNT] [--metadata-uri URI] [--max-latency SECONDS] [--dry-run]

Runs a Depinfer provider node: watches for jobs, runs inference, submits attested results,
finalizes and claims. The signer key is read from the env var or keystore the config names.

setup registers the provider (with the config's signer), tops its stake up to AMOUNT stake tokens
(e.g. 1000 or 1000.5) and offers every configured model at its price, sending only what is
missing; --dry-run prints the plan. See docs/provider-node.md.`;

const LEVELS = ["debug", "info", "warn", "error"];

async function main(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const setup = argv[0] === "setup";
  // Flags of the CLI itself (their values are checked below); the rest are config flags.
  const own = new Set(setup ? ["--stake", "--metadata-uri", "--max-latency"] : ["--log-level"]);
  const values: Record<string, string | undefined> = {};
  let pretty = false;
  let dryRun = false;
  const rest: string[] = [];
  for (let i = setup ? 1 : 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const name = arg.includes("=") ? arg.slice(0, arg.indexOf("=")) : arg;
    if (arg === "--pretty" && !setup) pretty = true;
    else if (arg === "--dry-run" && setup) dryRun = true;
    else if (own.has(name)) values[name] = arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : (argv[++i] ?? "");
    else rest.push(arg);
  }
  const refuse = (flag: string, expected: string) => {
    process.stderr.write(`${flag} is ${JSON.stringify(values[flag] ?? null)}: expected ${expected}.\n`);
    return 2;
  };
  const level = (values["--log-level"] ?? "info") as LogLevel;
  if (!LEVELS.includes(level)) return refuse("--log-level", `one of ${LEVELS.join(", ")}`);
  const logger = createLogger({ level, pretty });

  let config;
  try {
    config = loadConfig({ argv: rest });
  } catch (error) {
    if (error instanceof ProviderConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    throw error;
  }

  if (setup) {
    const stakeText = values["--stake"];
    if (stakeText !== undefined && !/^\d+(\.\d+)?$/.test(stakeText)) return refuse("--stake", "an amount of stake tokens, e.g. 1000 or 1000.5");
    const maxLatency = values["--max-latency"] === undefined ? 60 : Number(values["--max-latency"]);
    if (!Number.isSafeInteger(maxLatency) || maxLatency < 1 || maxLatency > 2 ** 32 - 1) return refuse("--max-latency", "a whole number of seconds, at least 1");
    try {
      return await runSetup(config, { stakeText, maxLatency, metadataURI: values["--metadata-uri"], dryRun });
    } catch (error) {
      if (!(error instanceof ProviderConfigError)) throw error;
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
  }

  const crashAt = process.env.DEPINFER_NODE_CRASH_AT as ProviderNodeStep | undefined;
  let crashCount = Number(process.env.DEPINFER_NODE_CRASH_COUNT ?? "1");
  const afterStep = crashAt
    ? (step: ProviderNodeStep, jobId: string) => {
        if (step !== crashAt || --crashCount > 0) return;
        logger.warn("crash test: killing the node", { step, jobId });
        process.kill(process.pid, "SIGKILL");
      }
    : undefined;

  const node = await createProviderNode({ config, logger, progressStream: process.stderr, afterStep });
  try {
    await node.start();
  } catch (error) {
    if (error instanceof ProviderConfigError) {
      logger.error(error.shortMessage, { field: error.field });
      process.stderr.write(`${error.message}\n`);
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

/** `setup`: register, stake and offer as the config says. */
async function runSetup(
  config: ProviderConfig,
  options: { stakeText: string | undefined; maxLatency: number; metadataURI: string | undefined; dryRun: boolean },
): Promise<number> {
  const signer = await resolveSigner(config);
  const account = config.account ? await resolveSigner(config, process.env, "account") : signer;
  const client = clientFor(config, account);
  const chainId = await getChainId(client);
  if (chainId !== config.chainId) {
    throw new ProviderConfigError({ issues: [{ field: "chainId", value: String(config.chainId), expected: `the RPC's chain id ${chainId}` }] });
  }
  const market = config.market ?? marketOf(config.chainId);
  let stake: bigint | undefined;
  if (options.stakeText !== undefined) {
    const [stakeToken] = await readContract(client, { address: market, abi: jobMarketAbi, functionName: "settings" });
    const decimals = await readContract(client, { address: stakeToken, abi: erc20Abi, functionName: "decimals" });
    stake = parseUnits(options.stakeText, decimals);
  }
  const log = (line: string) => process.stdout.write(`${line}\n`);
  log(`provider ${account.address} on chain ${config.chainId}, market ${market}`);
  try {
    await setUpProvider(client, { market, signer: signer.address, models: config.models, stake, metadataURI: options.metadataURI, maxLatency: options.maxLatency, dryRun: options.dryRun, log });
  } catch (error) {
    process.stderr.write(`setup failed: ${(error as { shortMessage?: string }).shortMessage ?? (error as Error).message}\n`);
    return 1;
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`depinfer-provider: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exit(1);
  },
);
