/**
 * `npm run sim`: compiles, then runs the economic simulation (scripts/sim/main.ts) on Hardhat's
 * in-process chain. It prints every fault class's expected value at the parameters read from the
 * deployed contracts and writes bench/results/sim.json and bench/results/sim-ev-vs-sampling-rate.svg.
 */
import { runHardhat } from "../lib/hardhatProcess.js";

if (process.argv.includes("--help") || process.argv.includes("-h")) {
  console.log(`Usage: npm run sim

Deploys the protocol and a SampledVerifier on Hardhat's in-process chain, reads their parameters,
prints the attacker's expected value for every fault class of DESIGN.md, and writes
bench/results/sim.json and bench/results/sim-ev-vs-sampling-rate.svg (deterministic: seeded).
The model is scripts/sim/model.ts; docs/economics.md section 6 explains it.`);
  process.exit(0);
}
runHardhat(["build", "--no-tests"]);
// The harness imports the SDK and the provider package from source.
runHardhat(["run", "--no-compile", "scripts/sim/main.ts"], { withSources: true });
