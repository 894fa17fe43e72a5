/**
 * `npm run demo`: the whole marketplace in one command, on Hardhat's in-process chain.
 *
 * Deploys the protocol (token, Governor, Timelock, AccessManager, market, verifier) with the same
 * Ignition module real networks use and registers the built-in EXACT model. Three providers then run
 * as real provider nodes (`createProviderNode`, the code behind `depinfer-provider`) in this process,
 * against that chain, each with its own key, SQLite journal and output server:
 *   - honest: the built-in backend. It takes its direct jobs with acceptAndSubmit, serves the outputs,
 *     finalizes them in a batch once the challenge window has closed, and claims its earnings;
 *   - liar: the same node, but its backend returns wrong bytes. The client disputes (naming its
 *     evidence), the arbitrator upholds, and it is slashed; the arbitrator claims the verifier
 *     module's arbitration fees;
 *   - silent: `acceptFirst` (it accepts on-chain before inference) and a backend that never answers.
 *     Its jobs expire, it is slashed for liveness (shared by the client and the treasury), and the
 *     client is refunded.
 * A client submits 20 jobs through the SDK, reads each result from its provider's output server and
 * checks it by re-running the model, disputing every mismatch. Then the chain travels past the
 * challenge window (and so past the silent jobs' deadlines): the client expires the silent jobs, and
 * the honest node finalizes its jobs and claims. The demo prints what happened and exits 0 only if
 * every expected outcome did.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { network } from "hardhat";
import { custom, formatUnits, type Account, type Address, type Chain, type Hash, type Hex } from "viem";

import { runSamplingDemo } from "./demo/sampling.js";
import { runRedundancyDemo } from "./demo/redundancy.js";
import { createInProcessNode, deployProtocol, until, DPI, registerBuiltinModel, setUpNodeProvider, USDC, type Connection } from "./lib/harness.js";
import { createDepinferClient, HttpContentStore, JobStatus, jobStatusName, type Job } from "../sdk/src/index.js";
import { BUILTIN_MODEL, runBuiltinModel } from "../provider/src/models/charModel.js";
import { runSessionsDemo } from "./demo/sessions.js";
import {
  createLogger,
  type InferenceBackend,
  type JournalEntry,
  type ProviderNode,
} from "../provider/src/index.js";

type Role = "honest" | "liar" | "silent";
const ROLES: Role[] = ["honest", "liar", "silent"];
interface DemoJob {
  n: number;
  role: Role;
  input: string;
  jobId: Hex;
  job: Job;
  /** Wall-clock ms when the client called submitJob. */
  submittedAt: number;
  /** Gas of the client's own transactions, by step. */
  gas: Record<string, bigint>;
}

const PRICE = 2n * USDC;
const STAKE = 1_000n * DPI;
const TIMEOUT = 600; // seconds a provider has to deliver
const PROMPTS = ["The river", "In the morning", "A quiet town", "The old ship", "Under the stars"];
const PLAN: Role[] = [...Array(14).fill("honest"), ...Array(3).fill("liar"), ...Array(3).fill("silent")];

/** The liar: answers at once, without running the model. */
export const liarBackend: InferenceBackend = {
  name: "liar",
  infer: async () => new TextEncoder().encode("I did not run the model."),
};

/** The silent one: never answers, and gives up only when the node aborts the inference (on stop). */
export const silentBackend: InferenceBackend = {
  name: "silent",
  infer: (_input, { signal } = {}) =>
    new Promise<Uint8Array>((_resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
    }),
};

const NODES: Record<Role, { config?: Record<string, unknown>; backend?: InferenceBackend }> = {
  honest: {},
  liar: { backend: liarBackend },
  silent: { config: { acceptFirst: true }, backend: silentBackend },
};



/**
 * Runs the demo and reports each check. `commandStartedAt` (epoch ms) is when `npm run demo`
 * started: given, the last line also reports the command's total time, compile included.
 */
export async function runDemo(
  log: (line: string) => void = console.log,
  { commandStartedAt }: { commandStartedAt?: number } = {},
): Promise<boolean> {
  const started = Date.now();
  const connection = (await network.create()) as Connection;
  const { viem, networkHelpers } = connection;
  const publicClient = await viem.getPublicClient();
  const [deployer, clientW] = await viem.getWalletClients();
  log("Deploying Depinfer (token, Governor, Timelock, AccessManager, immutable market with its extension, verifier)…");
  const p = await deployProtocol(connection);
  const chain = publicClient.chain as Chain;
  // Hardhat's in-process reverts look retryable to viem (3 retries, ~1 s per revert): nothing here is transient.
  const transport = custom(connection.provider, { retryCount: 0 });
  const market = p.market.address;
  const make = (account: Account) => createDepinferClient({ chain, transport, account, deployment: { market } });

  const model = await registerBuiltinModel(connection, p);
  // Each provider: a fresh key, funded, registered as its own signer, staked, offering the model.
  const keys = {} as Record<Role, { privateKey: Hex; address: Address }>;
  for (const role of ROLES) keys[role] = await setUpNodeProvider(connection, p, deployer, { model, price: PRICE, stake: STAKE });
  const address = (role: Role) => keys[role].address;
  await p.usdc.write.mint([clientW.account.address, 100n * USDC]);
  const client = make(clientW.account);
  const arbitrator = make(deployer.account); // the deployment module appoints the deployer as arbitrator

  const snapshot = async () => {
    const out: Record<string, bigint> = {};
    for (const role of ROLES) {
      const info = await p.market.read.provider([address(role)]);
      out[`${role} stake (DPI)`] = info.staked + info.thawing;
      out[`${role} claimable (USDC)`] = await p.market.read.claimable([address(role), p.usdc.address]);
      if (role === "honest") out["honest wallet (USDC)"] = (await p.usdc.read.balanceOf([address(role)])) as bigint;
    }
    out["client USDC (wallet)"] = (await p.usdc.read.balanceOf([clientW.account.address])) as bigint;
    out["client refunds+bonds (USDC)"] = await p.market.read.claimable([clientW.account.address, p.usdc.address]);
    out["client slash income (DPI)"] = await p.market.read.claimable([clientW.account.address, p.token.address]);
    return out;
  };
  const before = await snapshot();
  const params = (await p.market.read.params())[0];
  const gasOf = async (hash: Hash) => (await publicClient.waitForTransactionReceipt({ hash })).gasUsed;

  // --- the three provider nodes, each logging its warnings and errors to a buffer.
  const nodes = {} as Record<Role, ProviderNode>;
  const dataDirs: string[] = [];
  const nodeLogs: { role: Role; line: string }[] = [];
  const resultSentAt = new Map<Hex, number>();
  const jobs = new Map<Hex, DemoJob>();
  const entries = new Map<Hex, JournalEntry>();
  let arbitrationFees = 0n;
  try {
    for (const role of ROLES) {
      const dataDir = mkdtempSync(path.join(tmpdir(), `depinfer-demo-${role}-`));
      dataDirs.push(dataDir);
      const backend = NODES[role].backend;
      nodes[role] = await createInProcessNode(connection, market, {
        privateKey: keys[role].privateKey,
        model,
        token: p.usdc.address,
        price: PRICE,
        dataDir,
        config: { claimIntervalMs: 1000, ...NODES[role].config },
        ...(backend && { backend }),
        logger: createLogger({ level: "warn", stream: { write: (line: string) => void nodeLogs.push({ role, line }) } }),
        afterStep: (step, jobId) => void (step === "submit-sent" && resultSentAt.set(jobId, Date.now())),
      });
    }
    for (const role of ROLES) await nodes[role].start();
    const stores = Object.fromEntries(ROLES.map((role) => [role, new HttpContentStore({ baseUrl: nodes[role].outputUrl! })])) as Record<Role, HttpContentStore>;
    log(`Started 3 provider nodes: ${ROLES.map((role) => `${role} ${nodes[role].outputUrl}`).join(", ")}.`);

    // --- the client: 20 direct jobs through the SDK.
    log(`Submitting ${PLAN.length} jobs for model ${BUILTIN_MODEL.name} (EXACT)…`);
    for (const [i, role] of PLAN.entries()) {
      const input = `${PROMPTS[i % PROMPTS.length]} (${i + 1})`;
      const submittedAt = Date.now();
      const r = await client.submitJobSync({ model, input, price: PRICE, token: p.usdc.address, provider: address(role), timeout: TIMEOUT, authorization: "approve" });
      jobs.set(r.jobId, { n: i + 1, role, input, jobId: r.jobId, job: r.job, submittedAt, gas: { create: r.receipt.gasUsed } });
    }

    // --- the client reads each result from its provider's output server and re-runs the model
    // (EXACT: the bytes must match). A mismatch is disputed, and the arbitrator, who re-runs the
    // model too, upholds. Disputes must be opened within the challenge window, so before time travels.
    for (const j of jobs.values()) {
      if (j.role === "silent") continue;
      const { output } = await client.waitForResult({ jobId: j.jobId, store: stores[j.role], timeoutMs: 30_000 });
      if (Buffer.from(output).equals(Buffer.from(runBuiltinModel(new TextEncoder().encode(j.input))))) continue;
      const evidence = `re-ran ${BUILTIN_MODEL.name} on the input: the output differs from the one served`;
      const { hash } = await client.disputeJob({ job: j.job, evidence });
      j.gas.dispute = await gasOf(hash);
      // Upheld, and the winner is challenger 0: the client, the only one.
      j.gas.rule = await gasOf(
        await arbitrator.writeContract({ address: p.verifier.address, abi: p.verifier.abi, functionName: "rule", args: [j.job, 0, 0n, "output does not match the EXACT model"] }),
      );
    }
    const ofRole = (role: Role) => [...jobs.values()].filter((j) => j.role === role);
    const statusOf = async (j: DemoJob) => (await p.market.read.jobState([j.jobId])).status;
    await until("the silent node accepted its jobs on-chain", async () => (await Promise.all(ofRole("silent").map(statusOf))).every((s) => s === JobStatus.Accepted));

    // --- time travels past the challenge window, and so past the silent jobs' deadlines too.
    await networkHelpers.time.increase(Math.max(params.challengeWindow, TIMEOUT) + 1);
    await networkHelpers.mine();
    for (const j of ofRole("silent")) j.gas.expire = await gasOf(await client.expireJob({ job: j.job }));
    // The losers paid the verifier module for its rulings: the arbitrator withdraws the fees.
    arbitrationFees = await p.market.read.claimable([p.verifier.address, p.token.address]);
    await gasOf(await arbitrator.writeContract({ address: p.verifier.address, abi: p.verifier.abi, functionName: "claimFees", args: [p.token.address, deployer.account.address] }));
    // The honest node finalizes its jobs in a batch, then claims its earnings on its next claim tick.
    const honest = nodes.honest;
    await until("the honest node finalized its jobs", () => ofRole("honest").every((j) => honest.journal.get(j.jobId)?.state === "finalized"));
    await until(
      "the honest node claimed its earnings",
      async () => honest.stats().claimed.length > 0 && (await p.market.read.claimable([address("honest"), p.usdc.address])) === 0n,
      { timeoutMs: 10_000 },
    );
    // The journals close when the nodes stop: read what each node sent first.
    for (const j of jobs.values()) {
      const entry = nodes[j.role].journal.get(j.jobId);
      if (entry) entries.set(j.jobId, entry);
    }
  } finally {
    await Promise.allSettled(ROLES.filter((role) => nodes[role]).map((role) => nodes[role].stop()));
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  }
  const after = await snapshot();

  // --- gas per step: the node's transactions from its journal, the client's from its receipts.
  const jobsIn = new Map<Hash, number>(); // jobs per finalizeJobs batch
  for (const e of entries.values()) if (e.finalizeTx) jobsIn.set(e.finalizeTx, (jobsIn.get(e.finalizeTx) ?? 0) + 1);
  const batches: string[] = [];
  for (const [hash, n] of jobsIn) batches.push(`${n} jobs, ${await gasOf(hash)} gas`);
  const steps = async (j: DemoJob) => {
    const e = entries.get(j.jobId);
    const out = [`create ${j.gas.create}`];
    if (e?.acceptTx) out.push(`accept ${await gasOf(e.acceptTx)}`);
    if (e?.submitTx) out.push(`${e.acceptTx ? "submit" : "acceptAndSubmit"} ${await gasOf(e.submitTx)}`);
    if (e?.finalizeTx) {
      const n = jobsIn.get(e.finalizeTx)!;
      out.push(`finalize ${(await gasOf(e.finalizeTx)) / BigInt(n)} (1/${n} of a batch)`);
    }
    for (const step of ["dispute", "rule", "expire"]) if (j.gas[step] !== undefined) out.push(`${step} ${j.gas[step]}`);
    return out.join(", ");
  };

  // --- report.
  log("");
  log(" #  provider  state      latency  gas per step   (latency: ms from the client's submitJob call until the node sent the result)");
  for (const j of [...jobs.values()].sort((a, b) => a.n - b.n)) {
    const status = jobStatusName((await p.market.read.jobState([j.jobId])).status);
    const sent = resultSentAt.get(j.jobId);
    const latency = sent !== undefined ? `${sent - j.submittedAt} ms` : "-";
    log(`${String(j.n).padStart(2)}  ${j.role.padEnd(8)}  ${status.padEnd(9)}  ${latency.padStart(7)}  ${await steps(j)}`);
  }
  log(`finalize: the honest node's finalizeJobs transaction (${batches.join("; ") || "none"}), its gas divided by the jobs in it.`);
  log("");
  log("Stakes and balances            before            after");
  for (const key of Object.keys(before)) {
    const fmt = (v: bigint) => (key.includes("DPI") ? formatUnits(v, 18) : formatUnits(v, 6));
    log(`${key.padEnd(28)} ${fmt(before[key]).padStart(12)} ${fmt(after[key]).padStart(16)}`);
  }
  const treasuryDpi = await p.market.read.treasuryAccrued([p.token.address]);
  const collateral = [...jobs.values()][0].job.collateral;
  const delta = (key: string) => after[key] - before[key];
  const honestPaid = delta("honest claimable (USDC)") + delta("honest wallet (USDC)");
  log("");
  log(
    `Slashed: liar ${formatUnits(before["liar stake (DPI)"] - after["liar stake (DPI)"], 18)} DPI (3 x ${formatUnits(collateral, 18)} DPI collateral): ` +
      `${params.challengerShareBps / 100}% to the challenger (the client), the arbitration fee (${params.disputeFeeBps / 100}% of each bond, ` +
      `in DPI) to the verifier module (${formatUnits(arbitrationFees, 18)} DPI, claimed by the arbitrator), the rest to the treasury;`,
  );
  log(
    `         silent ${formatUnits(before["silent stake (DPI)"] - after["silent stake (DPI)"], 18)} DPI (liveness: 1x price in DPI per missed job, ` +
      `${params.challengerShareBps / 100}% to the client, the rest to the treasury). Treasury: ${formatUnits(treasuryDpi, 18)} DPI in all.`,
  );
  log(`Paid:    honest provider ${formatUnits(honestPaid, 6)} USDC (price - 1% fee per job), ${formatUnits(delta("honest wallet (USDC)"), 6)} of it claimed by its node to its wallet; client refunded for 6 jobs and its 3 bonds.`);

  // --- what the nodes logged at warn and error (their logger is otherwise quiet).
  const logged = new Map<string, number>();
  for (const { role, line } of nodeLogs) {
    const { level, msg } = JSON.parse(line) as { level: string; msg: string };
    const key = `${role.padEnd(8)}  ${level.padEnd(5)}  ${msg}`;
    logged.set(key, (logged.get(key) ?? 0) + 1);
  }
  log("");
  log("The nodes logged (warn and error):");
  for (const [key, n] of logged) log(`  ${key}${n > 1 ? ` (x${n})` : ""}`);
  if (logged.size === 0) log("  nothing");

  // --- exit 0 only if every expected outcome happened.
  const count = (role: Role) => PLAN.filter((r) => r === role).length;
  const statuses = await Promise.all([...jobs.values()].map(async (j) => ({ role: j.role, status: (await p.market.read.jobState([j.jobId])).status })));
  const fee = PRICE / 100n;
  const livenessSlash = (collateral * BigInt(params.livenessSlashBps)) / BigInt(params.collateralRatioBps);
  // The client challenged the lies itself: it gets each bond back and the challenger's share of each slash.
  const bond = (PRICE * BigInt(params.bondRatioBps)) / 10_000n;
  const challengerReward = (collateral * BigInt(params.challengerShareBps)) / 10_000n;
  // The loser pays the arbitration: what a failed challenge would have paid (disputeFeeBps of the
  // bond), in stake at the job's rate (collateral per unit of price, over the collateral ratio).
  const arbitrationFee =
    (((bond * BigInt(params.disputeFeeBps)) / 10_000n) * collateral * 10_000n) / (PRICE * BigInt(params.collateralRatioBps));
  // A missed deadline's slash is shared too: the client (whoever may have induced the miss) gets the challenger's share.
  const livenessShare = (livenessSlash * BigInt(params.challengerShareBps)) / 10_000n;
  const honestEarned = BigInt(count("honest")) * (PRICE - fee);
  const checks: [string, boolean][] = [
    ["every honest job finalized", statuses.filter((s) => s.role === "honest").every((s) => s.status === JobStatus.Finalized)],
    ["every lying job slashed", statuses.filter((s) => s.role === "liar").every((s) => s.status === JobStatus.Slashed)],
    ["every silent job expired", statuses.filter((s) => s.role === "silent").every((s) => s.status === JobStatus.Expired)],
    ["honest provider paid price - fee per job (claimed + claimable)", honestPaid === honestEarned],
    ["honest node claimed all its earnings to its wallet", delta("honest wallet (USDC)") === honestEarned && after["honest claimable (USDC)"] === 0n],
    ["liar lost its collateral for each lie", before["liar stake (DPI)"] - after["liar stake (DPI)"] === BigInt(count("liar")) * collateral],
    ["silent provider slashed for liveness", before["silent stake (DPI)"] - after["silent stake (DPI)"] === BigInt(count("silent")) * livenessSlash],
    [
      "client refunded for every lying and silent job, and its bonds returned",
      after["client refunds+bonds (USDC)"] === BigInt(count("liar") + count("silent")) * PRICE + BigInt(count("liar")) * bond,
    ],
    [
      "client paid the challenger's share of each liveness slash and of each lie's slash",
      after["client slash income (DPI)"] === BigInt(count("silent")) * livenessShare + BigInt(count("liar")) * challengerReward,
    ],
    ["verifier module earned the arbitration fee of each upheld dispute", arbitrationFees === BigInt(count("liar")) * arbitrationFee],
    [
      "treasury got the rest of every slash",
      treasuryDpi === BigInt(count("liar")) * (collateral - challengerReward - arbitrationFee) + BigInt(count("silent")) * (livenessSlash - livenessShare),
    ],
  ];
  checks.push(...(await runSessionsDemo(connection, p, deployer, clientW, model, log)));
  checks.push(...(await runRedundancyDemo({ connection, p, model, deployer, client: clientW, log })));
  checks.push(...(await runSamplingDemo({ connection, p, model, deployer, client: clientW, log })));
  log("");
  for (const [name, ok] of checks) log(`${ok ? "ok  " : "FAIL"} ${name}`);
  const allOk = checks.every(([, ok]) => ok);
  const seconds = (since: number) => ((Date.now() - since) / 1000).toFixed(1);
  const total = commandStartedAt === undefined ? "" : ` (${seconds(commandStartedAt)} s in all since the command started, compile and start-up included)`;
  log(`\n${allOk ? "Demo passed" : "Demo FAILED"} in ${seconds(started)} s${total}.`);
  return allOk;
}
