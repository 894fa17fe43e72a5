/**
 * The node-as-its-own-process part of node.json alone (scripts/bench/nodeProcesses.ts), for
 * profiling: `npx hardhat run --no-compile scripts/bench/nodeProcesses-only.ts` with
 * NODE_OPTIONS="--conditions=depinfer-source --disable-warning=ExperimentalWarning";
 * DEPINFER_BENCH_NODE_CPU_PROF=DIR writes the node process's CPU profile there. Prints the table;
 * writes nothing.
 */
import { benchSeparateProcesses } from "./nodeProcesses.js";

const result = await benchSeparateProcesses({ levels: [1, 4, 16], jobs: 96, warmUp: 2, pollMs: 50 });
console.table(Object.fromEntries(result.levels.map((r) => [`N=${r.inFlight}`, { "jobs/s": r.jobsPerSecond, "÷ chain": r.ratioToChainLimit, "chain pairs/s": r.chainLimitPairsPerSecond, "p50 ms": r.latencyMs.p50, "p95 ms": r.latencyMs.p95, "node cores": r.nodeProcess?.cpuCores, "node ms/job": r.nodeProcess?.cpuMsPerJob, "chain ms/job": r.chainProcess?.cpuMsPerJob, "clients ms/job": r.clientsProcess.cpuMsPerJob }])));
