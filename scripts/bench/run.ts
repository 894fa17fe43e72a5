/**
 * `npm run bench [-- --write]`: compiles, then measures gas (scripts/bench/gas.ts) and the provider
 * node's throughput (scripts/bench/node.ts), each in its own Hardhat process. With `--write` the
 * figures replace the committed ones in bench/results/; without it they go to bench/out/.
 */
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";

import { WRITE_ENV } from "./results.js";

const usage = `Usage: npm run bench [-- --write] [-- --only gas|node]

Measures gas per transaction and contract sizes (bench/…/gas.json), then the provider node's
throughput (bench/…/node.json), on Hardhat's in-process chain.

Options:
  --write        replace the committed figures in bench/results/ (default: bench/out/, ignored by git)
  --only <part>  run one part: gas or node
  -h, --help     this text

Example:
  npm run bench -- --write      # after a contract change, to update the gas snapshot`;

let values: { write?: boolean; only?: string; help?: boolean };
try {
  ({ values } = parseArgs({
    options: { write: { type: "boolean" }, only: { type: "string" }, help: { type: "boolean", short: "h" } },
    strict: true,
    allowPositionals: false,
  }));
} catch (error) {
  console.error(`bench: ${(error as Error).message}. Valid options: --write, --only gas|node, --help.`);
  process.exit(2);
}
if (values.help) {
  console.log(usage);
  process.exit(0);
}
if (values.only !== undefined && values.only !== "gas" && values.only !== "node") {
  console.error(`bench: --only takes gas or node, not ${JSON.stringify(values.only)}.`);
  process.exit(2);
}

const env = { ...process.env, [WRITE_ENV]: values.write ? "1" : "0" };
function hardhat(args: string[], extraEnv: Record<string, string> = {}) {
  const result = spawnSync("hardhat", args, { stdio: "inherit", env: { ...env, ...extraEnv } });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

hardhat(["build", "--no-tests"]);
if (values.only !== "node") hardhat(["run", "--no-compile", "scripts/bench/gas.ts"]);
if (values.only !== "gas")
  hardhat(["run", "--no-compile", "scripts/bench/node.ts"], {
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --disable-warning=ExperimentalWarning --conditions=depinfer-source`.trim(),
  });
