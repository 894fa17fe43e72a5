/**
 * The session path's throughput alone (the `sessions` part of node.json, scripts/bench/sessions.ts),
 * for profiling: `npx hardhat run --no-compile scripts/bench/sessions-only.ts` with
 * NODE_OPTIONS="--conditions=depinfer-source --disable-warning=ExperimentalWarning" (add --cpu-prof
 * to profile the bench's process; DEPINFER_BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR" profiles the
 * node's). Prints the table; writes nothing.
 */
import { network } from "hardhat";

import { benchSessions } from "./sessions.js";
import { deployProtocol, registerBuiltinModel, type Connection } from "../lib/harness.js";

const connection = (await network.create()) as Connection;
const [deployer, ...others] = await connection.viem.getWalletClients();
const p = await deployProtocol(connection);
const model = await registerBuiltinModel(connection, p);
const result = await benchSessions(connection, p, model, deployer!, others.slice(0, 16));
console.table(Object.fromEntries(result.levels.map((r) => [`sessions N=${r.streams}`, { requests: r.requests, "wall s": r.wallSeconds, "requests/s": r.requestsPerSecond, "p50 ms": r.latencyMs.p50, "p95 ms": r.latencyMs.p95, "node cores": r.nodeCpuCores, "node ms/req": r.nodeCpuMsPerRequest, "clients cores": r.clientsCpuCores, "clients ms/req": r.clientsCpuMsPerRequest, "chain cores": r.chainCpuCores, "pre-signed req/s": r.preSigned.requestsPerSecond, "pre-signed node cores": r.preSigned.nodeCpuCores, "pre-signed node ms/req": r.preSigned.nodeCpuMsPerRequest }])));
console.log(JSON.stringify({ levels: result.levels, clientAlone: result.clientAlone }));
