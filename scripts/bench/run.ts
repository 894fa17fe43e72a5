/**
 * `npm run bench [-- --write]`: compiles, then measures gas (scripts/bench/gas.ts) and the provider
 * node's throughput (scripts/bench/node.ts), each in its own Hardhat process. With `--write` the
 * figures replace the committed ones in bench/results/; without it they go to bench/out/.
 */
import { parseArgs } from "node:util";

import { runHardhat } from "../lib/hardhatProcess.js";
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

const env = { [WRITE_ENV]: values.write ? "1" : "0" };
runHardhat(["build", "--no-tests"]);
if (values.only !== "node") runHardhat(["run", "--no-compile", "scripts/bench/gas.ts"], { env, withSources: true });
if (values.only !== "gas") runHardhat(["run", "--no-compile", "scripts/bench/node.ts"], { env, withSources: true });
