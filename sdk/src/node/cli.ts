#!/usr/bin/env -S node --disable-warning=ExperimentalWarning
// `depinfer-provider`: runs the provider node.
//
//   depinfer-provider --config provider.json [--rpc-url URL] [--chain-id N] [--market 0x…]
//                     [--data-dir DIR] [--concurrency N] [--log-level debug|info|warn|error] [--pretty]
//
// Logs are JSON lines on stdout (one object per line); on a terminal a progress line is kept at the
// bottom of stderr. SIGINT/SIGTERM stop it cleanly; SIGKILL is safe too (the journal resumes).
// Exit codes: 0 stopped, 2 bad configuration or set-up, 1 anything else.
//
// For crash tests only: DEPINFER_NODE_CRASH_AT=accepted|computed|submit-sent makes the process
// SIGKILL itself right after that step is recorded (DEPINFER_NODE_CRASH_COUNT=N: the Nth time).
import { ProviderConfigError, loadConfig } from "./config.js";
import { createLogger, type LogLevel } from "./logger.js";
import { createProviderNode, type ProviderNodeStep } from "./provider.js";

const USAGE = `Usage: depinfer-provider --config provider.json [--rpc-url URL] [--chain-id N] [--market 0x…] [--data-dir DIR]
                         [--concurrency N] [--log-level debug|info|warn|error] [--pretty]

Runs a Depinfer provider node: watches for jobs, runs inference, submits attested results,
finalizes and claims. The signer key is read from the env var or keystore the config names.
See docs/provider-node.md.`;

const LEVELS = ["debug", "info", "warn", "error"];

async function main(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  // Flags of the CLI itself; the rest are config flags.
  let level: LogLevel = "info";
  let pretty = false;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--pretty") pretty = true;
    else if (arg === "--log-level" || arg.startsWith("--log-level=")) {
      const value = arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : argv[++i];
      if (!value || !LEVELS.includes(value)) {
        process.stderr.write(`--log-level is ${JSON.stringify(value ?? null)}: expected one of ${LEVELS.join(", ")}.\n`);
        return 2;
      }
      level = value as LogLevel;
    } else rest.push(arg);
  }
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

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`depinfer-provider: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exit(1);
  },
);
