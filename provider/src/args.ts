// The command line of `depinfer-provider`: each command's options for node's `parseArgs`, and the
// `--help` text printed from the same table, so the help cannot drift from what is parsed.
import { parseArgs } from "node:util";

export interface OptionSpec {
  type: "string" | "boolean";
  /** The value's placeholder in the help, e.g. `FILE`. */
  value?: string;
  description: string;
}

export interface CommandSpec {
  /** `""` for the default command (run the node). */
  name: string;
  usage: string;
  summary: string;
  options: Record<string, OptionSpec>;
}

/** Flags read by the config loader (they override the config file). */
const CONFIG_OPTIONS: Record<string, OptionSpec> = {
  config: { type: "string", value: "FILE", description: "the JSON config file (see examples/provider.example.json)" },
  "rpc-url": { type: "string", value: "URL", description: "overrides rpcUrl" },
  "chain-id": { type: "string", value: "N", description: "overrides chainId" },
  market: { type: "string", value: "0x…", description: "overrides market (and the one read with --network)" },
  "data-dir": { type: "string", value: "DIR", description: "overrides dataDir" },
  concurrency: { type: "string", value: "N", description: "overrides concurrency" },
  network: { type: "string", value: "NAME", description: "read the market from deployments/NAME/deployment.json (its chain id must match)" },
  deployments: { type: "string", value: "DIR", description: "where deployment records are (default $DEPINFER_DEPLOYMENTS_DIR or ./deployments)" },
};

const HELP: Record<string, OptionSpec> = { help: { type: "boolean", description: "print this help" } };

export const COMMANDS: Record<string, CommandSpec> = {
  run: {
    name: "",
    usage: "depinfer-provider --config FILE [options]",
    summary:
      "Runs a Depinfer provider node: watches for jobs, runs inference, submits attested results,\nfinalizes and claims. The signer key is read from the env var or keystore the config names.",
    options: {
      ...CONFIG_OPTIONS,
      "log-level": { type: "string", value: "LEVEL", description: "debug, info (default), warn or error" },
      pretty: { type: "boolean", description: "readable log lines instead of JSON" },
      redundancy: { type: "boolean", description: "serve redundancy (k of n) requests that name this node (as the config's redundancy.enabled; the module from --network's record or redundancy.address)" },
      ...HELP,
    },
  },
  setup: {
    name: "setup",
    usage: "depinfer-provider setup --config FILE [--stake AMOUNT] [--dry-run] [options]",
    summary:
      "Registers the provider (with the config's signer), tops its stake up to AMOUNT stake tokens and\noffers every configured model at its price, sending only what is missing. It first checks\neverything (stake-token balance, gas, approvals, minimum stake, that each model is registered and\nits token allowed) and sends nothing if anything is missing, listing every gap.",
    options: {
      ...CONFIG_OPTIONS,
      stake: { type: "string", value: "AMOUNT", description: "stake to hold at least, in stake tokens (e.g. 1000 or 1000.5)" },
      "metadata-uri": { type: "string", value: "URI", description: "the registration's metadata (e.g. the output server's public URL)" },
      "max-latency": { type: "string", value: "SECONDS", description: "the offers' maxLatency (default 60)" },
      "dry-run": { type: "boolean", description: "check and print the plan; send nothing (exit 2 if anything is missing)" },
      ...HELP,
    },
  },
  "register-model": {
    name: "register-model",
    usage: "depinfer-provider register-model --config FILE (--weights-hash 0x… --runtime-digest 0x… --determinism D --metadata-uri URI | --builtin) [--dry-run]",
    summary:
      "Registers a model with the market (anyone may; the id is derived from the commitment) and prints\nits id, to put in the config's models[].model. Registering an existing model sends nothing.",
    options: {
      ...CONFIG_OPTIONS,
      "weights-hash": { type: "string", value: "0x…", description: "bytes32 hash of the weights (e.g. their sha256)" },
      "runtime-digest": { type: "string", value: "0x…", description: "bytes32 hash of the runtime (e.g. the image digest)" },
      determinism: { type: "string", value: "D", description: "exact, tolerant or none (0, 1, 2): picks the dispute verifier" },
      "metadata-uri": { type: "string", value: "URI", description: "where the model is described" },
      builtin: { type: "boolean", description: "register the built-in model (depinfer-charlm-4, EXACT)" },
      "dry-run": { type: "boolean", description: "print the model id and whether it is registered; send nothing" },
      ...HELP,
    },
  },
};

/** The help text of a command. */
export function helpText(spec: CommandSpec): string {
  const rows = Object.entries(spec.options).map(([name, o]) => [`  --${name}${o.value ? ` ${o.value}` : ""}`, o.description] as const);
  const width = Math.max(...rows.map(([flag]) => flag.length)) + 2;
  const commands =
    spec.name === ""
      ? "\n\nCommands:\n  setup            register, stake and offer as the config says (setup --help)\n  register-model   register a model and print its id (register-model --help)"
      : "";
  return `Usage: ${spec.usage}\n\n${spec.summary}${commands}\n\nOptions:\n${rows.map(([flag, d]) => `${flag.padEnd(width)}${d}`).join("\n")}\n\nExit codes: 0 done (the node: stopped), 2 bad configuration or set-up, 1 anything else. See docs/provider-node.md.`;
}

export class UsageError extends Error {
  override name = "UsageError";
}

/** Parses a command's arguments. @throws UsageError with one line naming the bad argument. */
export function parseCommand(spec: CommandSpec, argv: string[]): Record<string, string | boolean | undefined> {
  const options = Object.fromEntries(Object.entries(spec.options).map(([name, o]) => [name, { type: o.type }]));
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values as Record<string, string | boolean | undefined>;
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    const command = spec.name ? `depinfer-provider ${spec.name}` : "depinfer-provider";
    const known = `(${command} --help lists the options)`;
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") throw new UsageError(`${message.match(/'([^']+)'/)?.[1] ?? "an option"} is not an option of ${command} ${known}.`);
    if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") throw new UsageError(`${message.split("\n")[0]} ${known}.`);
    if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") throw new UsageError(`${message.match(/'([^']+)'/)?.[1] ?? "an argument"} is not an option of ${command} ${known}.`);
    throw error;
  }
}

/** The config loader's flags among parsed values, as argv for `loadConfig`. */
export function configArgv(values: Record<string, string | boolean | undefined>): string[] {
  const argv: string[] = [];
  for (const name of ["config", "rpc-url", "chain-id", "market", "data-dir", "concurrency"]) {
    const v = values[name];
    if (typeof v === "string") argv.push(`--${name}=${v}`);
  }
  return argv;
}
