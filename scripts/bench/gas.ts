/**
 * `npm run bench`: gas of every lifecycle transaction on Hardhat's in-process chain, and the runtime
 * code size of every deployed contract against the project's limit, written to
 * bench/results/gas.json with `--write` (bench/out/ otherwise). Gas is deterministic, so these figures are comparable across machines;
 * no wall-clock time is measured here.
 *
 * Steady state: a first job runs end to end before measuring, so the balances that every job
 * touches (the provider's claimable balance, the fee counter, the stake slot) already exist, as
 * they do on a live market. Clients use an unlimited ERC-20 approval (the common dApp pattern).
 */
import { network } from "hardhat";
import { parseEventLogs, sha256, toHex, type Hex } from "viem";

import { saveResults, savedLine } from "./results.js";
import { redundancyPerExtraProvider } from "./redundancy.js";
import { measureSessionsGas } from "./sessionsGas.js";
import { measureVerificationOverhead } from "./verificationOverhead.js";
import { CONTRACT_SIZE_LIMIT, deployedSizes, EIP170_LIMIT } from "../lib/contractSizes.js";
import {
  deployProtocol,
  plainTokenModule,
  DPI,
  HOUR,
  jobCreatedIn,
  registerModel,
  setUpProvider,
  signAttestation,
  USDC,
  type Connection,
  type Job,
} from "../lib/harness.js";

const PRICE = 2n * USDC;

const connection = (await network.create()) as Connection;
const { viem, networkHelpers } = connection;
const publicClient = await viem.getPublicClient();
// Pin the clock: the in-process chain starts at wall-clock time, and job terms (deadlines), hence
// ids, signatures and their calldata zero bytes, would otherwise change a few gas between runs.
await networkHelpers.time.increaseTo(2_000_000_000);
const [deployer, provider, signer, client, challenger, other] = await viem.getWalletClients();
const p = await deployProtocol(connection, plainTokenModule);
const model = await registerModel(p, deployer, "bench-model");
await setUpProvider(p, deployer, provider, signer.account.address, model, PRICE, 1_000_000n * DPI);
for (const w of [client, challenger]) {
  await p.usdc.write.mint([w.account.address, 1_000_000n * USDC]);
  await p.usdc.write.approve([p.market.address, 2n ** 256n - 1n], { account: w.account });
}
const arbitratorAccount = deployer.account; // the module's default arbitrator

let nonce = 0n;
async function gasOf(hash: Hex): Promise<bigint> {
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`transaction ${hash} reverted`);
  return receipt.gasUsed;
}

async function request(providerAddress: `0x${string}` = provider.account.address) {
  const now = (await publicClient.getBlock()).timestamp;
  return {
    provider: providerAddress,
    token: p.usdc.address,
    price: PRICE,
    model,
    inputHash: sha256(toHex(`input-${++nonce}`)),
    deadline: Number(now + HOUR),
    nonce,
  };
}

async function create(): Promise<{ jobId: Hex; job: Job; gas: bigint }> {
  const hash = await p.market.write.createJob([await request(), "0x"], { account: client.account });
  const { jobId, job, receipt } = await jobCreatedIn(connection, p, hash);
  return { jobId, job, gas: receipt.gasUsed };
}

async function attest(jobId: Hex, job: Job, output = "out") {
  const outputHash = sha256(toHex(`${output}-${jobId}`));
  const signature = await signAttestation(p, signer, jobId, job, outputHash, provider.account.address);
  return { outputHash, signature };
}

/** A job accepted and submitted by the provider, with the gas of each step. */
async function submitted() {
  const c = await create();
  const accept = await gasOf(await p.market.write.acceptJob([c.job], { account: provider.account }));
  const { outputHash, signature } = await attest(c.jobId, c.job);
  const submit = await gasOf(await p.market.write.submitResult([c.job, outputHash, signature], { account: provider.account }));
  return { ...c, accept, submit };
}

// Warm-up: one full job so every per-account balance already exists.
{
  const w = await submitted();
  await p.market.write.finalizeJob([w.job], { account: client.account });
}

const steps: Record<string, bigint> = {};

// The separate path: create, accept, submit, finalize (client finalizes early).
const a = await submitted();
steps.createJob = a.gas;
steps.acceptJob = a.accept;
steps.submitResult = a.submit;
steps.finalizeJob = await gasOf(await p.market.write.finalizeJob([a.job], { account: client.account }));

// The one-call path for direct jobs: acceptAndSubmit, relayed by the client.
const b = await create();
{
  const { outputHash, signature } = await attest(b.jobId, b.job);
  steps.acceptAndSubmit = await gasOf(
    await p.market.write.acceptAndSubmit([b.job, outputHash, signature], { account: client.account }),
  );
}
// Anyone finalizes after the window.
await networkHelpers.time.increase(4 * 3600 + 1);
steps.finalizeJobAfterWindow = await gasOf(await p.market.write.finalizeJob([b.job], { account: other.account }));

// Other ways to pay: prepaid balance.
steps.deposit = await gasOf(await p.market.write.deposit([p.usdc.address, 100n * USDC], { account: client.account }));
steps.createJobFromBalance = await gasOf(
  await p.market.write.createJobFromBalance([await request(), "0x"], { account: client.account }),
);

// Expiry of an accepted job (liveness slash).
{
  const c = await create();
  await p.market.write.acceptJob([c.job], { account: provider.account });
  await networkHelpers.time.increase(3601);
  steps.expireJob = await gasOf(await p.market.write.expireJob([c.job], { account: other.account }));
}

// Claims and staking.
steps.claim = await gasOf(await p.market.write.claim([p.usdc.address, provider.account.address], { account: provider.account }));
await p.token.write.transfer([provider.account.address, 1_000n * DPI]);
await p.token.write.approve([p.market.address, 1_000n * DPI], { account: provider.account });
steps.stake = await gasOf(await p.market.write.stake([1_000n * DPI], { account: provider.account }));
steps.requestUnstake = await gasOf(await p.market.write.requestUnstake([1_000n * DPI], { account: provider.account }));
await networkHelpers.time.increase(14 * 24 * 3600 + 1);
steps.withdrawStake = await gasOf(await p.market.write.withdrawStake({ account: provider.account }));

// Batch finalization: a provider settles 100 jobs in one call.
const BATCH = 100;
const batch: Job[] = [];
for (let i = 0; i < BATCH; i++) {
  const c = await create();
  const { outputHash, signature } = await attest(c.jobId, c.job);
  await p.market.write.acceptAndSubmit([c.job, outputHash, signature], { account: provider.account });
  batch.push(c.job);
}
await networkHelpers.time.increase(4 * 3600 + 1);
const batchGas = await gasOf(await p.market.write.finalizeJobs([batch], { account: provider.account }));
const finalized = parseEventLogs({
  abi: p.market.abi,
  eventName: "JobsFinalized",
  logs: (await publicClient.getTransactionReceipt({ hash: (await publicClient.getBlock({ includeTransactions: true })).transactions[0].hash })).logs,
}).flatMap((e) => e.args.jobIds);
if (finalized.length !== BATCH) throw new Error(`batch finalized ${finalized.length} jobs, expected ${BATCH}`);

// Disputes (an upheld dispute jails the provider): open, then the arbitrator rejects (the result
// stands); another is upheld. One challenger each, as in earlier runs.
{
  const r = await submitted();
  steps.openDispute = await gasOf(await p.market.write.openDispute([r.job, ""], { account: challenger.account }));
  steps.resolveDisputeRejected = await gasOf(await p.verifier.write.rule([r.job, 1, 0n, "ok"], { account: arbitratorAccount }));
  const u = await submitted();
  await p.market.write.openDispute([u.job, ""], { account: challenger.account });
  steps.resolveDisputeUpheld = await gasOf(await p.verifier.write.rule([u.job, 0, 0n, "wrong"], { account: arbitratorAccount }));
}

// A second challenger joins a dispute: measured last (after the provider's jail), so that the steps
// above keep the block times, hence the job ids and calldata, of earlier runs.
{
  await networkHelpers.time.increase(30 * 24 * 3600 + 1);
  await p.usdc.write.mint([other.account.address, 1_000_000n * USDC]);
  await p.usdc.write.approve([p.market.address, 2n ** 256n - 1n], { account: other.account });
  const j = await submitted();
  await p.market.write.openDispute([j.job, ""], { account: challenger.account });
  steps.joinDispute = await gasOf(await p.market.write.joinDispute([j.job, ""], { account: other.account }));
}

// Batched submission (issue 15): one provider's direct jobs accepted and submitted in one call, each
// with its own attestation, at 1, 16 and 64 jobs; then the 16 settled by one finalizeJobs. Measured
// last, so that every step above keeps the block times, job ids and calldata of earlier runs.
const batchSubmitPerJob: Record<string, number> = {};
let batchFinalizePerJobAt16 = 0;
for (const size of [1, 16, 64]) {
  const jobs: Job[] = [];
  const outputHashes: Hex[] = [];
  const signatures: Hex[] = [];
  for (let i = 0; i < size; i++) {
    const c = await create();
    const { outputHash, signature } = await attest(c.jobId, c.job);
    jobs.push(c.job);
    outputHashes.push(outputHash);
    signatures.push(signature);
  }
  const hash = await p.market.write.acceptAndSubmitBatch(
    [provider.account.address, jobs, outputHashes, signatures],
    { account: provider.account },
  );
  const gas = await gasOf(hash);
  const receipt = await publicClient.getTransactionReceipt({ hash });
  const done = parseEventLogs({ abi: p.market.abi, eventName: "ResultSubmitted", logs: receipt.logs }).length;
  if (done !== size) throw new Error(`batch submitted ${done} jobs, expected ${size}`);
  batchSubmitPerJob[String(size)] = Math.round(Number(gas) / size);
  if (size === 16) {
    await networkHelpers.time.increase(4 * 3600 + 1);
    const fin = await gasOf(await p.market.write.finalizeJobs([jobs], { account: provider.account }));
    batchFinalizePerJobAt16 = Math.round(Number(fin) / size);
  }
}

// Redundancy module (issue 11): its own contract beside the market, measured last so that every
// step above keeps its block times, job ids and calldata.
const redundancy = await redundancyPerExtraProvider(connection, p, model, PRICE, deployer, (await viem.getWalletClients()).slice(6, 12), client);
// Payment sessions (issue 12): measured after everything above, so that every earlier figure keeps its block times.
const sessions = await measureSessionsGas(connection, p, { provider, client, model });
// Sampled re-execution's overhead (issue 11): on a chain of its own, so that nothing above moves.
const overheadConnection = (await network.create()) as Connection;
const overhead = await measureVerificationOverhead(overheadConnection, await overheadConnection.viem.getWalletClients());

// The runtime code of every contract the deployment put on chain.
const contractSizes = await deployedSizes((address) => publicClient.getCode({ address }), p.deployed);
const oversized = Object.entries(contractSizes).filter(([, bytes]) => bytes > CONTRACT_SIZE_LIMIT);

const cycle = steps.createJob + steps.acceptAndSubmit + steps.finalizeJob;
const cycleSeparate = steps.createJob + steps.acceptJob + steps.submitResult + steps.finalizeJob;
const cycleBatched = Number(steps.createJob) + batchSubmitPerJob["16"] + batchFinalizePerJobAt16;
const peers = {
  ritualInfernet: 394_502,
  chainlinkFunctions: 391_762,
  olasMech: 480_875,
  bareErc20Escrow: 122_924,
};

const result = {
  description:
    "Gas per transaction on Hardhat's in-process chain (EDR, prague), steady state (second job onwards), paid in a plain OpenZeppelin ERC-20 (6 decimals) with an unlimited approval. Deterministic: no wall-clock times.",
  compiler: { solc: "0.8.37", optimizer: { enabled: true, runs: 200 }, evmVersion: "prague" },
  steps: Object.fromEntries(Object.entries(steps).map(([k, v]) => [k, Number(v)])),
  cycle: Number(cycle),
  cycleNote: "createJob + acceptAndSubmit + finalizeJob: the one-call path for a job aimed at one provider",
  cycleSeparate: Number(cycleSeparate),
  cycleSeparateNote: "createJob + acceptJob + submitResult + finalizeJob: the path every job (including open jobs) can take",
  batchFinalizePerJob: Math.round(Number(batchGas) / BATCH),
  batchFinalizeJobs: BATCH,
  acceptAndSubmitBatchPerJob: batchSubmitPerJob,
  acceptAndSubmitBatchNote:
    "acceptAndSubmitBatch gas / jobs, by batch size: one provider's direct jobs, all submitted, sent by the provider",
  batchFinalizePerJobAt16: batchFinalizePerJobAt16,
  cycleBatched,
  cycleBatchedNote:
    "createJob + a job's share of acceptAndSubmitBatch at 16 + its share of finalizeJobs of the same 16 jobs",
  claim: Number(steps.claim),
  redundancyPerExtraProvider: redundancy.perExtraProvider,
  redundancy,
  redundancyNote:
    "RedundancyModule, one request end to end (request + k commits + k reveals + settle, all agreeing), at k = 2 and 3; redundancyPerExtraProvider = cost(k = 3) - cost(k = 2)",
  ...sessions,
  verificationOverheadPct: overhead.verificationOverheadPct,
  verificationOverhead: overhead,
  verificationOverheadNote: `sampled re-execution per job at the defaults, in % of the price: the verification fee (verificationFeeBps, read from the market) + samplingRateBps × the gas of one passed check (sample + assign + commit + reveal + resolve, measured) at ${overhead.assumptions.gasPriceGwei} gwei and a native token at ${overhead.assumptions.nativeTokenPriceUsd} USD, for a 2 USDC job; goal <= 3`,
  target: { cycle: 200_000, cycleBatched: 130_000 },
  contractSizes,
  contractSizeLimit: CONTRACT_SIZE_LIMIT,
  contractSizeNote: `Runtime code bytes of each deployed contract, read from the chain. contractSizeLimit is the project's limit, ${EIP170_LIMIT - CONTRACT_SIZE_LIMIT} bytes under EIP-170's ${EIP170_LIMIT}, checked by test/integration/contractSizes.test.ts.`,
  peers,
  ratios: Object.fromEntries(Object.entries(peers).map(([k, v]) => [k, +(Number(cycleSeparate) / v).toFixed(3)])),
  ratiosNote: "cycleSeparate / peer cycle",
};

const out = saveResults("gas.json", result);
console.table(result.steps);
console.log(`cycle (one-call path): ${result.cycle}  cycle (separate steps): ${result.cycleSeparate}  batch finalize per job: ${result.batchFinalizePerJob}`);
console.log(`acceptAndSubmitBatch per job: ${JSON.stringify(batchSubmitPerJob)}  cycle (batched, 16): ${cycleBatched}`);
console.log(
  `verificationOverheadPct: ${overhead.verificationOverheadPct} (fee ${overhead.feePct} % + checks' gas ${overhead.checkGasPct} %: ${overhead.checkGas.total} gas a check at ${overhead.samplingRateBps} bps, ${overhead.assumptions.gasPriceGwei} gwei, ${overhead.assumptions.nativeTokenPriceUsd} USD)`,
);
console.log(`redundancy: per extra provider ${redundancy.perExtraProvider} gas  ${JSON.stringify(redundancy.byK)}`);
console.log(`sessions: open ${sessions.sessionOpen} (from balance ${sessions.sessionOpenFromBalance})  settle ${sessions.sessionSettle}  settleAndClose ${sessions.sessionSettleAndClose}  close ${sessions.sessionClose}  release ${sessions.sessionRelease}  per request ${JSON.stringify(sessions.sessionPerRequest)} (with reclaim ${JSON.stringify(sessions.sessionPerRequestReclaim)})`);
console.table(contractSizes);
if (oversized.length) console.warn(`over the ${CONTRACT_SIZE_LIMIT}-byte limit: ${oversized.map(([name, bytes]) => `${name} ${bytes}`).join(", ")}`);
console.log(savedLine(out));
