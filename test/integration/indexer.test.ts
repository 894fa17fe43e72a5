// The indexer (indexer/, Ponder on PGlite) as a real process against an anvil node process (issue 13):
// the protocol is deployed with `npm run deploy`'s code into a temporary deployments folder, activity
// covers every job state, disputes both ways, a liveness and a fraud slash, jail, thaw and withdrawal,
// claims and a pause. The indexer is stopped with SIGTERM and killed with SIGKILL while it syncs,
// with more activity in between, and restarted each time on the same database. Then every log of
// every indexed contract on the chain must be in `events` exactly once, and the typed tables and the
// derived views must agree with the chain (statuses, counters, stake, money). A reorg (anvil_reorg)
// then drops blocks the indexer already holds: their rows must go, and what the new branch has must come.
// Where Debian's postgresql is installed, a second indexer writes the same chain into a PostgreSQL
// server the suite starts (DATABASE_URL), through the reorg, and must agree with the chain just as well.
import { spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { network } from "hardhat";
import { compactSignatureToSignature, createTestClient, http, serializeSignature, keccak256, maxUint256, parseEventLogs, sha256, toHex, zeroAddress, type Address, type Hex, type Log, type PublicClient } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { deploy } from "../../scripts/deploy.js";
import { DPI, HOUR, USDC, type Connection, type Wallet } from "../../scripts/lib/harness.js";
import { arbitratedVerifierAbi, depinferGovernorAbi, depinferTimelockAbi, jobMarketAbi, paymentSessionsAbi, redundancyModuleAbi, sampledVerifierAbi, sessionOpenedFromLogs, type Job, type SessionTerms } from "../../sdk/src/index.js";
import { signAttestation } from "../../sdk/src/index.js";
import { startAnvil, type AnvilHandle } from "../utils/anvil.js";
import { allRows, api, gql, indexedCount, startIndexer, stopIndexer, type IndexerProcess } from "../utils/indexerProcess.js";

const ANVIL_PORT = 18960;
const INDEXER_PORT = 18962;
const NETWORK = "anvilIndexer";
const PRICE = 2n * USDC;
const STATUS = ["None", "Created", "Accepted", "Submitted", "Disputed", "Finalized", "Expired", "Cancelled", "Slashed"];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PG_PORT = 18965;
/** Debian's PostgreSQL server binaries, if installed (`apt-get install postgresql`). */
const pgBin = existsSync("/usr/lib/postgresql") ? readdirSync("/usr/lib/postgresql").map((v) => `/usr/lib/postgresql/${v}/bin`).find((d) => existsSync(`${d}/pg_ctl`)) : undefined;

interface Row {
  id: string;
}

describe("indexer process: restarts and a reorg leave no missing or duplicate rows", () => {
  let anvil: AnvilHandle;
  let connection: Connection;
  let publicClient: PublicClient;
  let dir: string;
  let deployment: Awaited<ReturnType<typeof deploy>> & {};
  let deployer: Wallet, provider1: Wallet, signer1: Wallet, provider2: Wallet, signer2: Wallet, client: Wallet, challenger: Wallet;
  let market: Address, usdc: Address, token: Address, verifier: Address;
  let sessionTerms: SessionTerms;
  let model: Hex;
  let indexer: IndexerProcess | undefined;
  const testClient = () => createTestClient({ mode: "anvil", transport: http(anvil.url) });
  let nonce = 0n;
  /** Jobs submitted and waiting for their challenge window to pass, for a batch finalize. */
  const toFinalize: Job[] = [];
  /** Accepted jobs left to miss their deadline. */
  const toExpire: Job[] = [];
  const log: string[] = [];

  // --------------------------------------------------------------- chain helpers

  async function send(wallet: Wallet, address: Address, abi: readonly unknown[], functionName: string, args: readonly unknown[]) {
    const hash = await wallet.writeContract({ address, abi: abi as never, functionName: functionName as never, args: args as never, chain: wallet.chain, account: wallet.account });
    const receipt = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 20 });
    if (receipt.status !== "success") throw new Error(`${functionName} reverted`);
    return receipt;
  }
  const erc20 = [
    { type: "function", name: "approve", stateMutability: "nonpayable", inputs: [{ name: "s", type: "address" }, { name: "a", type: "uint256" }], outputs: [{ type: "bool" }] },
    { type: "function", name: "transfer", stateMutability: "nonpayable", inputs: [{ name: "to", type: "address" }, { name: "a", type: "uint256" }], outputs: [{ type: "bool" }] },
    { type: "function", name: "mint", stateMutability: "nonpayable", inputs: [{ name: "to", type: "address" }, { name: "a", type: "uint256" }], outputs: [] },
  ] as const;

  async function now() {
    return (await publicClient.getBlock()).timestamp;
  }
  async function advance(seconds: bigint) {
    await testClient().increaseTime({ seconds: Number(seconds) });
    await testClient().mine({ blocks: 1 });
  }

  async function createJob(provider: Wallet | null, deadlineIn = HOUR): Promise<{ jobId: Hex; job: Job }> {
    const input = `input ${++nonce}`;
    const request = {
      provider: provider?.account.address ?? "0x0000000000000000000000000000000000000000",
      token: usdc,
      price: PRICE,
      model,
      inputHash: sha256(toHex(input)),
      deadline: Number((await now()) + deadlineIn),
      nonce,
    };
    const receipt = await send(client, market, jobMarketAbi, "createJob", [request, toHex(input)]);
    const [created] = parseEventLogs({ abi: jobMarketAbi, eventName: "JobCreated", logs: receipt.logs });
    return { jobId: created.args.jobId, job: created.args.job as Job };
  }
  async function attest(signer: Wallet, provider: Wallet, jobId: Hex, job: Job) {
    const outputHash = keccak256(toHex(`output of ${jobId}`));
    const signature = await signAttestation(signer, { market, jobId, job, outputHash, provider: provider.account.address });
    return { outputHash, signature };
  }
  /** acceptAndSubmit, relayed by the provider. */
  async function submitDirect(provider: Wallet, signer: Wallet, c: { jobId: Hex; job: Job }) {
    const { outputHash, signature } = await attest(signer, provider, c.jobId, c.job);
    await send(provider, market, jobMarketAbi, "acceptAndSubmit", [c.job, outputHash, signature]);
  }
  /** acceptJob, then submitResult in a later block. */
  async function acceptThenSubmit(provider: Wallet, signer: Wallet, c: { jobId: Hex; job: Job }) {
    await send(provider, market, jobMarketAbi, "acceptJob", [c.job]);
    const { outputHash, signature } = await attest(signer, provider, c.jobId, c.job);
    await send(provider, market, jobMarketAbi, "submitResult", [c.job, outputHash, signature]);
  }

  /** One round of everyday activity on provider 1: finalized, batched, cancelled, disputed-and-rejected, to expire. */
  async function round() {
    await send(client, deployment.contracts.sessions!, paymentSessionsAbi, "topUp", [sessionTerms, USDC, 0]);
    const a = await createJob(provider1);
    await submitDirect(provider1, signer1, a);
    await send(client, market, jobMarketAbi, "finalizeJob", [a.job]);
    const b = await createJob(provider1);
    await acceptThenSubmit(provider1, signer1, b);
    toFinalize.push(b.job);
    const c = await createJob(null);
    await send(client, market, jobMarketAbi, "cancelJob", [c.job]);
    const d = await createJob(provider1);
    await submitDirect(provider1, signer1, d);
    await send(challenger, market, jobMarketAbi, "openDispute", [d.job, "ipfs://evidence"]);
    await send(deployer, verifier, arbitratedVerifierAbi, "rule", [d.job, 1, 0n, "the output is right"]); // Rejected
  }

  /** Every log of the indexed contracts from the deployment block, by `<txHash>-<logIndex>`. */
  async function chainLogs(): Promise<Log[]> {
    const { contracts, block } = deployment;
    // The sampled verifier is deployed (not registered) on local chains: its constructor's log counts too.
    const modules = [contracts.sessions, contracts.sampledVerifier, contracts.redundancyModule].filter((a): a is Address => a !== undefined);
    return publicClient.getLogs({ address: [contracts.market, contracts.verifier, ...modules, contracts.timelock, contracts.governor], fromBlock: BigInt(block), toBlock: "latest" });
  }
  const idOf = (l: Log) => `${l.transactionHash}-${l.logIndex}`;
  const decode = (logs: Log[]) => parseEventLogs({ abi: [...jobMarketAbi, ...arbitratedVerifierAbi, ...paymentSessionsAbi, ...sampledVerifierAbi, ...redundancyModuleAbi, ...depinferTimelockAbi, ...depinferGovernorAbi], logs });

  async function untilIndexed(p: IndexerProcess, timeoutMs = 120_000) {
    const want = (await chainLogs()).length;
    const end = Date.now() + timeoutMs;
    let have: number | undefined;
    while (Date.now() < end) {
      have = await indexedCount(p);
      if (have === want) return;
      if (p.child.exitCode !== null) throw new Error(`indexer exited (${p.child.exitCode}):\n${p.output().slice(-3000)}`);
      await sleep(250);
    }
    const logs = await chainLogs();
    const held = new Set((await allRows<{ id: string }>(p, "eventss", "id")).map((r) => r.id));
    const missing = decode(logs.filter((l) => !held.has(idOf(l)))).map((e) => `${e.eventName} block ${e.blockNumber} ${e.transactionHash}-${e.logIndex}`);
    throw new Error(`indexer holds ${have} logs, the chain ${want}, after ${timeoutMs} ms; missing: ${missing.join(", ")}\n${p.output().slice(-3000)}`);
  }

  /** Waits until the indexer answers with some but (if it can be caught) not all of the chain's logs. */
  async function untilMidSync(p: IndexerProcess) {
    const want = (await chainLogs()).length;
    const end = Date.now() + 120_000;
    while (Date.now() < end) {
      const have = await indexedCount(p);
      if (have !== undefined && have > 0) return { have, want };
      if (p.child.exitCode !== null) throw new Error(`indexer exited (${p.child.exitCode}):\n${p.output().slice(-3000)}`);
      await sleep(20);
    }
    throw new Error(`the indexer indexed nothing in 120 s:\n${p.output().slice(-3000)}`);
  }

  let postgres: { indexer: IndexerProcess; stop: () => Promise<void> } | undefined;

  /** Starts Debian's PostgreSQL in a temporary folder on PG_PORT, and an indexer writing to it. */
  function startPostgresIndexer() {
    // Its own folder: the suite's is private to this user, and the server runs as another.
    const data = mkdtempSync(path.join(tmpdir(), "depinfer-indexer-pg-"));
    chmodSync(data, 0o755);
    const root = process.getuid?.() === 0;
    // The server refuses to run as root: as root, run it as the postgres user.
    if (root) chownSync(data, Number(spawnSync("id", ["-u", "postgres"], { encoding: "utf8" }).stdout.trim()), Number(spawnSync("id", ["-g", "postgres"], { encoding: "utf8" }).stdout.trim()));
    const asPg = (args: string[]) => {
      const run = root ? spawnSync("runuser", ["-u", "postgres", "--", ...args], { encoding: "utf8" }) : spawnSync(args[0], args.slice(1), { encoding: "utf8" });
      if (run.status !== 0) throw new Error(`${args.join(" ")}: ${run.stdout}${run.stderr}`);
    };
    asPg([`${pgBin}/initdb`, "-D", path.join(data, "db"), "-A", "trust", "-U", "postgres"]);
    asPg([`${pgBin}/pg_ctl`, "-D", path.join(data, "db"), "-o", `-p ${PG_PORT} -k ${data} -c listen_addresses=127.0.0.1`, "-l", path.join(data, "log"), "-w", "start"]);
    const p = startIndexer({
      port: INDEXER_PORT + 1,
      rpcUrl: anvil.url,
      network: NETWORK,
      deploymentsDir: dir,
      pgliteDir: path.join(dir, "unused"),
      databaseUrl: `postgres://postgres@127.0.0.1:${PG_PORT}/postgres`,
    });
    postgres = {
      indexer: p,
      stop: async () => {
        await stopIndexer(p, "SIGTERM");
        asPg([`${pgBin}/pg_ctl`, "-D", path.join(data, "db"), "-m", "immediate", "stop"]);
        rmSync(data, { recursive: true, force: true });
      },
    };
  }

  function start() {
    indexer = startIndexer({ port: INDEXER_PORT, rpcUrl: anvil.url, network: NETWORK, deploymentsDir: dir, pgliteDir: path.join(dir, "pglite") });
    return indexer;
  }

  // --------------------------------------------------------------- the comparison

  /** Asserts that the indexer's tables and views agree with the chain's logs and state. */
  async function expectAgreement(p: IndexerProcess) {
    const logs = await chainLogs();
    const decoded = decode(logs);
    const named = (name: string) => decoded.filter((e) => e.eventName === name) as unknown as { args: Record<string, unknown>; transactionHash: Hex; logIndex: number }[];

    // Every log exactly once.
    const indexed = await allRows<{ id: string; name: string }>(p, "eventss", "id name");
    const ids = indexed.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(logs.map(idOf).sort());

    // Jobs: one row per JobCreated, each in the chain's status now.
    const jobRows = await allRows<{ id: Hex; status: string; provider: string | null; payout: string | null; fee: string | null; verificationFee: string | null; signature: Hex | null }>(
      p,
      "jobss",
      "id status provider payout fee signature",
    );
    const created = named("JobCreated");
    expect(jobRows.length).toBe(created.length);
    for (const row of jobRows) {
      const st = await publicClient.readContract({ address: market, abi: jobMarketAbi, functionName: "jobState", args: [row.id] });
      expect(`${row.id} ${row.status}`).toBe(`${row.id} ${STATUS[st.status]}`);
    }

    // Each submitted job keeps the attestation its ResultSubmitted carried (65 bytes, or rebuilt from r, vs).
    for (const e of named("ResultSubmitted")) {
      const a = e.args as { jobId: Hex; signature?: Hex; r?: Hex; vs?: Hex };
      const signature = a.signature ?? serializeSignature(compactSignatureToSignature({ r: a.r!, yParityAndS: a.vs! }));
      expect(jobRows.find((j) => j.id === a.jobId)?.signature).toBe(signature);
    }

    // One timeline row per transition the chain logged.
    const finalizedInBatches = named("JobsFinalized").reduce((n, e) => n + (e.args.jobIds as Hex[]).length, 0);
    const upheld = named("DisputeResolved").filter((e) => Number(e.args.outcome) === 0).length;
    const transitionsExpected =
      created.length +
      named("JobAccepted").length +
      named("ResultSubmitted").length +
      named("DisputeOpened").length +
      named("JobFinalized").length +
      finalizedInBatches +
      named("JobExpired").length +
      named("JobCancelled").length +
      upheld +
      named("EquivocationProven").length;
    const transitions = await allRows<Row>(p, "jobTransitionss", "id");
    expect(transitions.length).toBe(transitionsExpected);

    // Provider counters and stake: as the chain says, so no handler ran twice for one log.
    const providerRows = await allRows<{ id: Address; jobsFinalized: number; jobsSubmitted: number; jobsExpired: number; jobsSlashed: number; slashCount: number; slashedTotal: string; staked: string; locked: string; thawing: string; jailedUntil: string }>(
      p,
      "providerss",
      "id jobsFinalized jobsSubmitted jobsExpired jobsSlashed slashCount slashedTotal staked locked thawing jailedUntil",
    );
    expect(providerRows.map((r) => r.id).sort()).toEqual(named("ProviderRegistered").map((e) => String(e.args.provider).toLowerCase()).sort());
    for (const r of providerRows) {
      const mine = (e: { args: Record<string, unknown> }) => String(e.args.provider).toLowerCase() === r.id;
      const info = await publicClient.readContract({ address: market, abi: jobMarketAbi, functionName: "provider", args: [r.id] });
      const slashLogs = named("ProviderSlashed").filter(mine);
      expect({
        submitted: r.jobsSubmitted,
        finalized: r.jobsFinalized,
        slashCount: r.slashCount,
        slashedTotal: r.slashedTotal,
        staked: r.staked,
        locked: r.locked,
        thawing: r.thawing,
        jailedUntil: r.jailedUntil,
      }).toEqual({
        submitted: named("ResultSubmitted").filter(mine).length,
        finalized: jobRows.filter((j) => j.provider === r.id && j.payout !== null).length,
        slashCount: slashLogs.length,
        slashedTotal: String(slashLogs.reduce((s, e) => s + (e.args.amount as bigint), 0n)),
        staked: String(info.staked),
        locked: String(info.locked),
        thawing: String(info.thawing),
        jailedUntil: String(info.jailedUntil),
      });
    }

    // Slashes, thaws, disputes, claims, parameters, pauses: one row per log.
    expect((await allRows<Row>(p, "slashess", "id")).length).toBe(named("ProviderSlashed").length + named("ModuleStakeSlashed").length);
    expect((await allRows<Row>(p, "thawss", "id")).length).toBe(named("UnstakeRequested").length);
    expect((await allRows<Row>(p, "disputess", "id")).length).toBe(named("DisputeOpened").length);
    expect((await allRows<Row>(p, "claimss", "id")).length).toBe(
      ["Claimed", "Deposited", "FeesCollected", "TreasurySwept", "ArbitrationFeesClaimed"].reduce((n, name) => n + named(name).length, 0),
    );
    expect((await allRows<Row>(p, "rulingss", "id")).length).toBe(named("ArbitrationRequested").length + named("ArbitrationRuled").length);
    expect((await allRows<{ version: number }>(p, "paramVersionss", "version")).length).toBe(named("ParamsUpdated").length);
    expect((await allRows<Row>(p, "pausess", "id")).length).toBe(named("Paused").length + named("Unpaused").length);

    // Money: each paid job's payout and fees as the chain paid them (price − fee − verification fee).
    const paid = new Map<string, bigint>();
    for (const e of named("JobFinalized")) if (e.args.payout !== undefined) paid.set(String(e.args.jobId), e.args.payout as bigint);
    for (const j of jobRows.filter((x) => x.payout !== null)) {
      if (paid.has(j.id)) expect(BigInt(j.payout!)).toBe(paid.get(j.id));
      expect(BigInt(j.payout!) + BigInt(j.fee!) + BigInt(j.verificationFee ?? 0)).toBe(PRICE);
    }
    return { logs: logs.length, jobs: jobRows.length };
  }

  // --------------------------------------------------------------- set-up

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "depinfer-indexer-"));
    anvil = await startAnvil(ANVIL_PORT);
    const previous = process.env.DEPINFER_DEPLOYMENTS_DIR;
    process.env.DEPINFER_DEPLOYMENTS_DIR = dir;
    try {
      // Its EXACT disputes are ruled by the arbitrator: the sampled verifier is deployed but not registered (an explicit opt-out).
      deployment = (await deploy(["--network", NETWORK, "--yes", "--reset", "--sampled-verifier", "deploy"], () => {}))!;
    } finally {
      if (previous === undefined) delete process.env.DEPINFER_DEPLOYMENTS_DIR;
      else process.env.DEPINFER_DEPLOYMENTS_DIR = previous;
    }
    ({ market, token, verifier } = deployment.contracts);
    usdc = deployment.contracts.paymentTokens[0];
    connection = (await network.create({ network: NETWORK })) as Connection;
    publicClient = (await connection.viem.getPublicClient()) as unknown as PublicClient;
    [deployer, provider1, signer1, provider2, signer2, client, challenger] = await connection.viem.getWalletClients();

    // A model, two providers, a funded client and challenger.
    const weights = sha256(toHex("indexer-model:weights"));
    const runtime = sha256(toHex("indexer-model:runtime"));
    const registered = await send(deployer, market, jobMarketAbi, "registerModel", [weights, runtime, 0, "ipfs://indexer-model"]);
    model = parseEventLogs({ abi: jobMarketAbi, eventName: "ModelRegistered", logs: registered.logs })[0].args.model;
    for (const [provider, signer, price] of [
      [provider1, signer1, PRICE],
      [provider2, signer2, 3n * USDC],
    ] as const) {
      await send(deployer, token, erc20, "transfer", [provider.account.address, 1_000n * DPI]);
      await send(provider, token, erc20, "approve", [market, maxUint256]);
      await send(provider, market, jobMarketAbi, "registerProvider", [signer.account.address, "https://provider.example"]);
      await send(provider, market, jobMarketAbi, "stake", [1_000n * DPI]);
      await send(provider, market, jobMarketAbi, "setOffer", [model, usdc, price, 60, true]);
    }
    for (const who of [client, challenger]) {
      await send(deployer, usdc, erc20, "mint", [who.account.address, 10_000n * USDC]);
      await send(who, usdc, erc20, "approve", [market, maxUint256]);
    }
    // A payment session with provider 1 (its events are indexed too; every round tops it up).
    const sessions = deployment.contracts.sessions!;
    await send(provider1, market, jobMarketAbi, "setModuleAllowance", [sessions, 100n * DPI]);
    await send(client, usdc, erc20, "approve", [sessions, maxUint256]);
    const opened = await send(client, sessions, paymentSessionsAbi, "open", [
      { provider: provider1.account.address, token: usdc, model, pricing: 0, maxPrice: PRICE, amount: 10n * USDC, expiry: Number((await now()) + 30n * 86_400n), signer: zeroAddress, nonce: 1n },
    ]);
    // The contract keeps a hash of the terms; every later call passes them back.
    sessionTerms = sessionOpenedFromLogs(opened.logs)[0]!.terms;
    // Activity before the indexer first starts: enough blocks that it has to sync them.
    for (let i = 0; i < 2; i++) await round();
    const late = await createJob(provider1);
    await send(provider1, market, jobMarketAbi, "acceptJob", [late.job]);
    toExpire.push(late.job);
    await send(provider1, market, jobMarketAbi, "requestUnstake", [10n * DPI]);
  }, 300_000);

  afterAll(async () => {
    if (indexer) await stopIndexer(indexer, "SIGKILL");
    await postgres?.stop();
    await connection?.close?.();
    await anvil?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    // Ignition's journal of this deployment (the deploy script keeps it beside the repo's).
    rmSync(path.resolve(import.meta.dirname, "../../ignition/deployments", `depinfer-${NETWORK}`), { recursive: true, force: true });
    if (log.length) console.log(log.join("\n"));
  });

  it("resumes after SIGTERM and SIGKILL mid-sync with every log once, and its tables and views match the chain", async () => {
    const started = Date.now();
    // 1. Start, stop gracefully while it syncs; more activity while it is down.
    let p = start();
    const first = await untilMidSync(p);
    await stopIndexer(p, "SIGTERM");
    log.push(`SIGTERM at ${first.have}/${first.want} logs (exit ${p.child.exitCode ?? p.child.signalCode}) after ${Math.round((Date.now() - started) / 1000)} s`);
    await round();

    // 2. Restart, then kill it outright while it syncs (and activity goes on meanwhile).
    p = start();
    const activity = round();
    const second = await untilMidSync(p);
    await activity;
    await stopIndexer(p, "SIGKILL");
    // Both stops hit it before it held every log (else this suite would test nothing about resuming).
    expect(first.have).toBeLessThan(first.want);
    expect(second.have).toBeLessThan(second.want);
    log.push(`SIGKILL at ${second.have}/${second.want} logs after ${Math.round((Date.now() - started) / 1000)} s`);

    // 3. While it is dead: the window passes (a batch finalize), a deadline passes (an expiry and its
    //    liveness slash), a fraud slash and jail on provider 2, the thaw matures and is withdrawn,
    //    claims, and the guardian pauses the market.
    await advance(5n * HOUR);
    await send(client, market, jobMarketAbi, "finalizeJobs", [toFinalize.splice(0)]);
    for (const job of toExpire.splice(0)) await send(client, market, jobMarketAbi, "expireJob", [job]);
    const fraud = await createJob(provider2);
    await submitDirect(provider2, signer2, fraud);
    await send(challenger, market, jobMarketAbi, "openDispute", [fraud.job, "ipfs://the-output-is-wrong"]);
    await send(deployer, verifier, arbitratedVerifierAbi, "rule", [fraud.job, 0, 0n, "upheld"]); // Upheld: slash and jail
    await advance(15n * 24n * HOUR);
    await send(provider1, market, jobMarketAbi, "withdrawStake", []);
    await send(provider1, market, jobMarketAbi, "claim", [usdc, provider1.account.address]);
    await send(challenger, market, jobMarketAbi, "claim", [token, challenger.account.address]);
    await send(deployer, market, jobMarketAbi, "pause", []);

    // 4. Restart on the same database (after a kill it waits for the dead process's lock to expire);
    //    beside it, a fresh indexer into Postgres where the server is installed (the last test).
    p = start();
    if (pgBin) startPostgresIndexer();
    await untilIndexed(p, 180_000);
    log.push(`synced after ${Math.round((Date.now() - started) / 1000)} s`);
    const counts = await expectAgreement(p);
    log.push(`restart suite: ${counts.logs} logs, ${counts.jobs} jobs, ${Math.round((Date.now() - started) / 1000)} s`);
    expect(counts.jobs).toBe(4 * 4 + 2);

    // The derived views agree with the chain too.
    const { body: providersView } = await api<{ id: string; stats: { jobsDone: number; jobsExpired: number; jobsSlashed: number; successRate: number | null; slashCount: number; earnings: { payout: string }[] } }[]>(p, "/api/providers");
    const p1 = providersView.find((x) => x.id === provider1.account.address.toLowerCase())!;
    const p2 = providersView.find((x) => x.id === provider2.account.address.toLowerCase())!;
    expect(p1.stats.jobsExpired).toBe(1);
    expect(p1.stats.successRate).toBeCloseTo(p1.stats.jobsDone / (p1.stats.jobsDone + 1), 10);
    expect(p1.stats.jobsDone).toBe(12); // 4 rounds × (finalized + batched + rejected dispute)
    expect(BigInt(p1.stats.earnings[0].payout)).toBe(12n * (PRICE - PRICE / 100n));
    expect(p2.stats).toMatchObject({ jobsDone: 0, jobsSlashed: 1, successRate: 0, slashCount: 1 });
    const { body: modelsView } = await api<{ id: string; stats: { activeOffers: number; priceRange: { min: string; max: string }[] } }[]>(p, "/api/models");
    expect(modelsView[0].stats).toMatchObject({ activeOffers: 2, priceRange: [{ min: String(PRICE), max: String(3n * PRICE / 2n) }] });
    const { body: totals } = await api<{ jobsTotal: number; paused: boolean; slashes: { count: number } }>(p, "/api/stats");
    expect(totals).toMatchObject({ jobsTotal: 4 * 4 + 2, paused: true, slashes: { count: 2 } });
    const { body: daily } = await api<{ jobs: Record<string, number> }[]>(p, "/api/stats/daily");
    expect(daily.reduce((n, d) => n + (d.jobs.Created ?? 0), 0)).toBe(4 * 4 + 2);
    expect((await api(p, "/api/jobs/0x1234")).status).toBe(400);
    expect((await api(p, `/api/jobs/${"0x" + "ab".repeat(32)}`)).status).toBe(404);
    expect((await api(p, "/api/providers/not-an-address")).status).toBe(400);
    indexer = p;
  }, 600_000);

  it("follows a reorg: rows of dropped blocks go, the new branch's come", async () => {
    if (!indexer || indexer.child.exitCode !== null) throw new Error("the restart test left no indexer running");
    const p = indexer;
    // The market is paused (only the Timelock may unpause): no new jobs, but offers can change.
    const fork = await publicClient.getBlockNumber();
    await send(provider1, market, jobMarketAbi, "setOffer", [model, usdc, 5n * USDC, 60, true]);
    await send(provider2, market, jobMarketAbi, "setOffersPaused", [true]);
    await untilIndexed(p);
    const before = await api<{ offers: { price: string }[]; offersPaused: boolean }>(p, `/api/providers/${provider1.account.address}`);
    expect(before.body.offers[0].price).toBe(String(5n * USDC));

    // Drop the two blocks; the new branch has another offer change instead.
    const head = await publicClient.getBlockNumber();
    await testClient().request({ method: "anvil_reorg" as never, params: [Number(head - fork), []] as never });
    await send(provider1, market, jobMarketAbi, "setOffer", [model, usdc, 4n * USDC, 60, true]);
    await untilIndexed(p);
    // Poll until the dropped rows are gone (the count can match before the rewind lands).
    const end = Date.now() + 60_000;
    for (;;) {
      const now = await api<{ offers: { price: string }[] }>(p, `/api/providers/${provider1.account.address}`);
      if (now.body.offers[0].price === String(4n * USDC)) break;
      if (Date.now() > end) throw new Error(`offer still ${now.body.offers[0].price} after the reorg:\n${p.output().slice(-3000)}`);
      await sleep(250);
    }
    const p2 = await api<{ offersPaused: boolean }>(p, `/api/providers/${provider2.account.address}`);
    expect(p2.body.offersPaused).toBe(false);
    await expectAgreement(p);
    const data = await gql<{ eventss: { totalCount: number } }>(p, `{ eventss(where: { name: "OffersPaused" }) { totalCount } }`);
    expect(data.eventss.totalCount).toBe(0);
  }, 300_000);
  // The production path: Postgres (DATABASE_URL) instead of PGlite. Its indexer was started beside
  // the last restart (to share the start-up time) and has followed the reorg too.
  it.skipIf(!pgBin)("indexes the same chain into Postgres when DATABASE_URL is set, through the reorg", async () => {
    if (!postgres) throw new Error("the restart test started no Postgres indexer");
    const p = postgres.indexer;
    await untilIndexed(p, 180_000);
    expect(p.output()).toMatch(/type=postgres/);
    expect(existsSync(path.join(dir, "unused"))).toBe(false);
    await expectAgreement(p);
    const data = await gql<{ eventss: { totalCount: number } }>(p, `{ eventss(where: { name: "OffersPaused" }) { totalCount } }`);
    expect(data.eventss.totalCount).toBe(0);
  }, 300_000);
});
