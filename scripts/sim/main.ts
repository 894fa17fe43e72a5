/**
 * The body of `npm run sim` (run by scripts/sim/run.ts inside `hardhat run`): deploys the protocol
 * and a SampledVerifier on Hardhat's in-process chain, reads their parameters, evaluates every fault
 * class (scripts/sim/model.ts), prints a table, and writes bench/results/sim.json and
 * bench/results/sim-ev-vs-sampling-rate.svg. Deterministic: the Monte Carlo is seeded and nothing
 * depends on the clock, so a run with unchanged contracts rewrites the same files.
 */
import { network } from "hardhat";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

import { USDC, type Connection } from "../lib/harness.js";
import { readInputs, deploySimulation, DEPLOYED_ASSUMPTIONS, SAMPLED_VERIFIER_DEPLOY_PARAMS, SAMPLING_PLANTING } from "./chain.js";
import { evTable, renderChart, sweep } from "./report.js";
import { amounts, evaluate, events, region, type ModelInputs } from "./model.js";

const PRICE = 2n * USDC;
const started = performance.now();

const connection = (await network.create()) as Connection;
const sim = await deploySimulation(connection);
const inputs = await readInputs(sim, PRICE);
const model: ModelInputs = { market: inputs.market, sampling: inputs.sampling, terms: inputs.terms, assumptions: DEPLOYED_ASSUMPTIONS };
const results = evaluate(model);
const a = amounts(model.market, model.sampling, model.terms);
const ev = events(a);

console.log(
  `Parameters read from the deployed contracts: JobMarket params v${inputs.read.marketParamsVersion}, settings(), paymentToken(); SampledVerifier params()`,
);
console.table({ ...model.market, ...Object.fromEntries(Object.entries(model.sampling).map(([k, v]) => [k, String(v)])) });
console.log(`Job: P = ${PRICE} (T units), stakeRate = ${model.terms.stakeRate}, bondFloor = ${model.terms.bondFloor}`);
console.log(`Assumptions: ${JSON.stringify(DEPLOYED_ASSUMPTIONS)} (plantedRate: the deployment's planting commitment)\n`);
console.log(evTable(results));

const rates = sweep(model);
const root = process.cwd();
const outDir = path.join(root, "bench", "results");
mkdirSync(outDir, { recursive: true });
const svgPath = path.join(outDir, "sim-ev-vs-sampling-rate.svg");
writeFileSync(svgPath, renderChart(rates, model.sampling.samplingRateBps, model.sampling.newProviderRateBps));

const big = (x: unknown): unknown =>
  typeof x === "bigint" ? x.toString() : Array.isArray(x) ? x.map(big) : x && typeof x === "object" ? Object.fromEntries(Object.entries(x).map(([k, v]) => [k, big(v)])) : x;

const json = {
  description:
    "Expected value of every fault class of DESIGN.md, per unit (job, check or dispute), in units of the job's price P, relative to honest behaviour. Parameters read from the contracts deployed on Hardhat's in-process chain. Produced by `npm run sim` (scripts/sim/); tied to the contracts' money flows by test/integration/sim.test.ts.",
  parametersRead: big({
    market: model.market,
    settings: inputs.read.settings,
    paymentToken: inputs.read.paymentToken,
    sampledVerifier: model.sampling,
    sampledVerifierDeployedWith: SAMPLED_VERIFIER_DEPLOY_PARAMS,
    planting: SAMPLING_PLANTING,
  }),
  job: big(model.terms),
  assumptions: DEPLOYED_ASSUMPTIONS,
  eventAmounts: big({
    collateral: a.C,
    protocolFee: a.fee,
    payout: a.payout,
    livenessSlash: a.L,
    bond: a.B,
    bondFee: a.bondFee,
    winnerShare: a.shareOf(a.C),
    upheldFee: a.upheldFee(1),
    verifierReward: a.reward,
    keeperTip: a.tip,
    verifierStake: a.verifierStake,
  }),
  events: big({ ...ev, sampledCaught: { ...ev.sampledCaught, fund: ev.sampledCaught.fund(1 + model.sampling.escalationVerifiers) } }),
  classes: results.map((r) => ({ ...r, region: region(r) })),
  positiveAtDefaults: results.filter((r) => r.ev > 0).map((r) => r.id),
  sweep: { samplingRateBps: rates.rates, ev: rates.series },
  chart: path.relative(root, svgPath),
};
const jsonPath = path.join(outDir, "sim.json");
writeFileSync(jsonPath, JSON.stringify(json, null, 2) + "\n");
console.log(`\npositive at the defaults: ${json.positiveAtDefaults.join(", ") || "none"}`);
console.log(`written to ${path.relative(root, jsonPath)} and ${path.relative(root, svgPath)} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
