// Node-only. The verifier loop: the provider node as a verifier of sampled re-execution
// (docs/protocol.md 7.7, docs/provider-node.md "The verifier role").
//
//   enrol for the models it serves ─▶ scan JobCreated / ResultSubmitted (the market) and
//   VerifierAssigned / JobSampled / CheckResolved (the module) ─▶ `sample` others' results whose
//   draw hits (keeper tip) ─▶ reveal ended randomness epochs a check waits for ─▶ `assign` ─▶
//   for our seats: re-run the job's input with the same backend ─▶ keep output and salt ─▶ commit ─▶
//   reveal ─▶ `resolve` when due ─▶ claim rewards
//
// It shares the node's transaction sender (one nonce queue), backends, content stores and journal
// file; its own progress is in verifierJournal.ts, recorded before each effect (salt before the
// commit, transaction hashes before broadcast), so a node killed at any point resumes every seat
// from the chain's state and its journal: it never loses an assignment, never reveals with another
// salt, and resumes the reveal at once after a restart within the reveal phase.
import { rm } from "node:fs/promises";

import { type Abi, type Account, type Address, type Chain, type Client, type Hash, type Hex, type Transport } from "viem";
import { getBlock, getContractEvents, readContract } from "viem/actions";

import {
  contentHash,
  decodeSamplingError,
  DepinferContractError,
  type ContentStore,
  type Job,
  jobIdOf,
  jobMarketAbi,
  JobStatus,
  prevrandaoRandomnessAbi,
  randomSalt,
  resultSignature,
  sampledVerifierAbi,
  voteCommitment,
} from "depinfer";
import type { InferenceBackend } from "./backends/types.js";
import { redactCallData } from "./errors.js";
import { TickLoop } from "./tickLoop.js";
import type { Logger } from "./logger.js";
import { retry } from "./retry.js";
import type { TxSender } from "./txSender.js";
import { VerifierJournal, type VerifierEntry } from "./verifierJournal.js";

/** The `verifier` section of the node's config. */
export interface VerifierConfig {
  /** Serve as a verifier of sampled re-execution. */
  enabled: boolean;
  /** The models to verify (default: every model the node serves; each needs a backend here). */
  models?: Hex[] | undefined;
  /** The SampledVerifier module (default: the SDK's deployment for the chain). */
  address?: Address | undefined;
  /** Call `sample` on others' results whose draw hits (the caller earns the keeper tip). Default true. */
  sample?: boolean | undefined;
  /** Reveal ended epochs of a PrevrandaoRandomness source that a draw or a check waits for (L1 and local chains). Default true. */
  revealRandomness?: boolean | undefined;
  /** Seats the module may hold at once: the allowance given is `verifierStake` × this. Default 4. */
  maxSeats?: number | undefined;
}

/** The points right after a verifier step is durably recorded (the crash tests stop the node there). */
export type VerifierStep = "seat-recorded" | "vote-kept" | "commit-sent" | "committed" | "reveal-sent" | "revealed";

export interface VerifierLoopParameters {
  config: VerifierConfig;
  /** Chain id (for the SDK's deployment), market, the node's account and signer. */
  chainId: number;
  market: Address;
  account: Address;
  signer: Address;
  client: Client<Transport, Chain, Account>;
  sender: TxSender;
  /** The node's journal file: the loop keeps its tables there. */
  journalFile: string;
  /** Backends by model id (lower case). */
  backends: Map<string, InferenceBackend>;
  /** The models the node serves (lower case), and the tokens it is paid in. */
  served: Hex[];
  tokens: Address[];
  /** Inputs are looked up here by hash; a TOLERANT re-run's output is served from the first once revealed. */
  stores: (ContentStore | undefined)[];
  /**
   * Where a TOLERANT re-run's output is kept, unserved, from the re-run until our reveal: a mismatch goes
   * to the arbiter, who judges our output's bytes (and may slash a vote it finds to be junk, `rejectVote`),
   * so they must outlive a crash; served before the reveal they could be copied by another seat.
   */
  evidence?: ContentStore & { pathOf(hash: Hex): string };
  logger: Logger;
  pollingIntervalMs: number;
  claimIntervalMs: number;
  afterStep?: ((step: VerifierStep, jobId: Hex) => void) | undefined;
}

const moduleAbi = [
  ...sampledVerifierAbi,
  { type: "function", name: "randomness", stateMutability: "view", inputs: [], outputs: [{ type: "address", name: "" }] },
  { type: "function", name: "epochLength", stateMutability: "view", inputs: [], outputs: [{ type: "uint256", name: "" }] },
] as const;

const CHECK = { None: 0, AwaitingAttestation: 1, AwaitingSeed: 2, Running: 3, AwaitingArbitration: 4, Closed: 5 } as const;
const VOTE = { None: 0, Assigned: 1, Committed: 2, Revealed: 3, Slashed: 4 } as const;
/** Reverts that mean a draw is over for this job: not drawn, or no longer drawable. */
const SAMPLE_DONE = new Set(["SamplingJobNotSampled", "SamplingJobWrongStatus", "SamplingWindowClosed", "SamplingNotVerifierOf", "SamplingClassNotSupported", "SamplingBadAttestation", "DisputeByProvider", "JobWrongStatus", "JobChallengeWindowClosed"]);

const nameOf = (e: unknown) => (e instanceof DepinferContractError ? e.errorName : (decodeSamplingError(e)?.errorName ?? undefined));
const short = (e: unknown) => redactCallData((e as { shortMessage?: string })?.shortMessage ?? (e as Error)?.message ?? String(e));
const lower = (a: string) => a.toLowerCase();

export class VerifierLoop {
  readonly journal: VerifierJournal;
  readonly #p: VerifierLoopParameters;
  readonly #log: Logger;
  #address!: Address;
  #randomness!: Address;
  #epochLength = 0n;
  #canReveal = true;
  #models: Hex[] = [];
  readonly #loop: TickLoop;
  #lastClaimAt = 0;
  #lastEnrolAt = 0;
  /** Jobs whose re-execution is running (a seat is worked on by one task at a time). */
  #busy = new Set<Hex>();
  #tasks = new Set<Promise<void>>();
  /** Seats, draws and checks that wait before their next attempt (in-memory back-off). */
  #retryAt = new Map<string, number>();
  /** Our signer keys' owners are never verified: the node's signer, and the account itself. */
  readonly #own: Set<string>;
  #revealed = new Set<bigint>();
  /** What the loop did since start (stats and tests). */
  readonly counts = { sampled: 0, committed: 0, revealed: 0, resolved: 0, claimed: 0n, seedsRevealed: 0 };

  constructor(p: VerifierLoopParameters) {
    this.#p = p;
    this.#log = p.logger.child({ loop: "verifier" });
    this.#loop = new TickLoop({ tick: () => this.tick(), intervalMs: p.pollingIntervalMs, onError: (error) => this.#log.warn("verifier tick failed, retrying", { err: short(error) }) });
    this.journal = new VerifierJournal(p.journalFile);
    this.#own = new Set([lower(p.account), lower(p.signer)]);
  }

  /** The module's address (after start). */
  get address(): Address {
    return this.#address;
  }

  async start(address: Address) {
    this.#address = address;
    this.#randomness = (await this.#read(() => readContract(this.#p.client, { address, abi: moduleAbi, functionName: "randomness" }))) as Address;
    this.#epochLength = (await this.#read(() => readContract(this.#p.client, { address, abi: moduleAbi, functionName: "epochLength" }))) as bigint;
    const wanted = (this.#p.config.models ?? this.#p.served).map(lower) as Hex[];
    this.#models = wanted.filter((m) => this.#p.served.includes(m) && this.#p.backends.has(m));
    for (const m of wanted) if (!this.#models.includes(m)) this.#log.warn("verifier: not verifying a model the node does not serve (no backend)", { model: m });
    if (this.journal.mark("scan_block") === undefined) {
      const head = (await this.#read(() => getBlock(this.#p.client, { blockTag: "latest" }))).number;
      this.journal.setMark("scan_block", head > 1000n ? head - 1000n : 0n);
    }
    this.#log.info("verifier loop started", { module: address, randomness: this.#randomness, epochLength: this.#epochLength, models: this.#models, openSeats: this.journal.seats().length });
    this.#loop.start();
  }

  async stop() {
    await this.#loop.stop();
    await Promise.allSettled([...this.#tasks]);
    this.journal.close();
  }

  /** One round of the loop (exposed for tests). */
  async tick() {
    if (!this.#loop.active) return;
    if (Date.now() - this.#lastEnrolAt > 60_000) {
      this.#lastEnrolAt = Date.now();
      await this.#enrol().catch((error) => this.#log.warn("verifier: enrolment failed, will retry", { err: short(error) }));
    }
    await this.#scan();
    const now = await this.#now();
    for (const e of this.journal.seats()) this.#work(e.jobId);
    if (this.#p.config.sample !== false) for (const e of this.journal.toSample()) if (this.#due(`s${e.jobId}`)) await this.#sample(e, now);
    for (const e of this.journal.openChecks()) if (this.#due(`c${e.jobId}`)) await this.#crank(e, now);
    if (Date.now() - this.#lastClaimAt >= this.#p.claimIntervalMs) {
      this.#lastClaimAt = Date.now();
      await this.#claim();
    }
  }

  #due(key: string) {
    return (this.#retryAt.get(key) ?? 0) <= Date.now();
  }

  #later(key: string, ms = 5 * this.#p.pollingIntervalMs) {
    this.#retryAt.set(key, Date.now() + ms);
  }

  #read<T>(fn: () => Promise<T>): Promise<T> {
    return retry(fn, { retries: 6, baseDelayMs: 250, maxDelayMs: 10_000 });
  }

  async #now(): Promise<number> {
    return Number((await this.#read(() => getBlock(this.#p.client, { blockTag: "latest" }))).timestamp);
  }

  #send(functionName: string, args: readonly unknown[], beforeBroadcast?: (hash: Hash) => void, to: Address = this.#address, abi: Abi = moduleAbi as Abi) {
    return this.#p.sender.send({ to, abi, functionName, args, beforeBroadcast: beforeBroadcast && (({ hash }) => beforeBroadcast(hash)), logger: this.#log });
  }

  async #mined(hash: Hash) {
    const receipt = await this.#p.sender.wait(hash);
    if (receipt.status !== "success") throw new Error(`transaction ${hash} reverted`);
    return receipt;
  }

  // ------------------------------------------------------------------------------- enrolment

  async #enrol() {
    const { client, market, account } = this.#p;
    const params = await this.#read(() => readContract(client, { address: this.#address, abi: moduleAbi, functionName: "params" }));
    const want = params.verifierStake * BigInt(this.#p.config.maxSeats ?? 4);
    const { allowance, locked } = await this.#read(() => readContract(client, { address: market, abi: jobMarketAbi, functionName: "moduleStake", args: [this.#address, account] }));
    if (allowance - locked < params.verifierStake) {
      await this.#mined(await this.#p.sender.send({ to: market, abi: jobMarketAbi, functionName: "setModuleAllowance", args: [this.#address, locked + want], logger: this.#log }));
      this.#log.info("verifier: let the module lock stake for its seats", { allowance: want, seats: this.#p.config.maxSeats ?? 4 });
    }
    for (const model of this.#models) {
      const e = await this.#read(() => readContract(client, { address: this.#address, abi: moduleAbi, functionName: "enrolment", args: [model, account] }));
      if (e.index !== 0) continue;
      try {
        await this.#mined(await this.#send("enrol", [model]));
        this.#log.info("verifier: enrolled", { model });
      } catch (error) {
        if (nameOf(error) !== "SamplingAlreadyEnrolled") throw decodeSamplingError(error) ?? error;
      }
    }
  }

  // ------------------------------------------------------------------------------- scanning

  /** Records jobs, results, assignments and check events from the last scanned block to the head. */
  async #scan() {
    const { client, market } = this.#p;
    const last = this.journal.mark("scan_block")!;
    const head = (await this.#read(() => getBlock(client, { blockTag: "latest" }))).number;
    if (head <= last) return;
    const toBlock = head - last > 1000n ? last + 1000n : head;
    const range = { fromBlock: last + 1n, toBlock, strict: true } as const;
    const models = new Set(this.#models);
    const [created, submitted, assigned, module] = await Promise.all([
      this.#read(() => getContractEvents(client, { address: market, abi: jobMarketAbi, eventName: "JobCreated", ...range })),
      this.#read(() => getContractEvents(client, { address: market, abi: jobMarketAbi, eventName: "ResultSubmitted", ...range })),
      this.#read(() => getContractEvents(client, { address: this.#address, abi: moduleAbi, eventName: "VerifierAssigned", args: { verifier: this.#p.account }, ...range })),
      this.#read(() => getContractEvents(client, { address: this.#address, abi: moduleAbi, ...range })),
    ]);
    for (const ev of created) {
      const job = ev.args.job as Job;
      if (!models.has(lower(job.model) as Hex)) continue;
      if (jobIdOf(job) !== lower(ev.args.jobId)) continue; // a forged log
      this.journal.recordJob(ev.args.jobId, job, ev.blockNumber);
    }
    for (const ev of submitted) {
      const entry = this.journal.get(ev.args.jobId);
      if (!entry) continue;
      // Never our own results (or our signer's): the module refuses to seat us, and sampling them is no check.
      const own = this.#own.has(lower(ev.args.provider)) || this.#own.has(lower(entry.job.provider));
      this.journal.recordSubmission(ev.args.jobId, ev.args.outputHash, resultSignature(ev.args), own ? "own" : "pending");
    }
    for (const ev of module) {
      const jobId = (ev.args as { jobId?: Hex }).jobId;
      if (!jobId || !this.journal.get(jobId)) continue;
      if (ev.eventName === "JobSampled" || ev.eventName === "AssignmentRequested" || ev.eventName === "DisputeCheckOpened") this.journal.setCheck(jobId, true);
      if (ev.eventName === "CheckResolved") this.journal.setCheck(jobId, false);
    }
    for (const ev of assigned) {
      if (!this.journal.get(ev.args.jobId)) {
        // A job whose creation we did not see (older than the scan): its terms from its JobCreated.
        const [c] = await this.#read(() => getContractEvents(client, { address: market, abi: jobMarketAbi, eventName: "JobCreated", args: { jobId: ev.args.jobId }, fromBlock: 0n, strict: true }));
        if (!c) continue;
        this.journal.recordJob(ev.args.jobId, c.args.job as Job, c.blockNumber);
      }
      if (this.journal.recordSeat(ev.args.jobId, Number(ev.args.index), Number(ev.args.round))) {
        this.#p.afterStep?.("seat-recorded", ev.args.jobId);
        this.#log.info("verifier: assigned to re-run a sampled job", { jobId: ev.args.jobId, round: ev.args.round, commitDeadline: ev.args.commitDeadline });
      }
    }
    // Only once every event of the range is recorded: a restart scans the range again.
    this.journal.setMark("scan_block", toBlock);
  }

  // ------------------------------------------------------------------------------- randomness

  /** Reveals the seed of an ended `epoch` if the source is PrevrandaoRandomness; false if it cannot (yet). */
  async #revealEpoch(epoch: bigint, now: number): Promise<boolean> {
    if (this.#p.config.revealRandomness === false || !this.#canReveal || this.#revealed.has(epoch)) return false;
    if (BigInt(now) < (epoch + 1n) * this.#epochLength) return false;
    try {
      await this.#mined(await this.#send("reveal", [epoch], undefined, this.#randomness, prevrandaoRandomnessAbi as Abi));
      this.#revealed.add(epoch);
      this.counts.seedsRevealed++;
      this.#log.info("verifier: revealed a randomness epoch", { epoch });
      return true;
    } catch (error) {
      const name = nameOf(error);
      if (name === "RandomnessSeedAlreadyRevealed") return this.#revealed.add(epoch), true;
      if (name === "RandomnessEpochNotEnded") return false;
      // Not a PrevrandaoRandomness (a VRF adapter, or a test source): someone else provides seeds.
      this.#canReveal = false;
      this.#log.warn("verifier: the randomness source cannot be revealed by this node; waiting for its seeds", { randomness: this.#randomness, err: short(error) });
      return false;
    }
  }

  async #seedReady(epoch: bigint) {
    return this.#read(() => readContract(this.#p.client, { address: this.#randomness, abi: prevrandaoRandomnessAbi, functionName: "isSeedReady", args: [epoch] }));
  }

  // ------------------------------------------------------------------------------- the draw

  async #sample(e: VerifierEntry, now: number) {
    const key = `s${e.jobId}`;
    const state = await this.#read(() => readContract(this.#p.client, { address: this.#p.market, abi: jobMarketAbi, functionName: "jobState", args: [e.jobId] }));
    if (state.status !== JobStatus.Submitted || now > Number(state.timestamp) + Number(state.challengeWindow)) return this.journal.setSample(e.jobId, "done");
    const epoch = BigInt(state.timestamp) / this.#epochLength;
    if (!(await this.#seedReady(epoch))) {
      if (!(await this.#revealEpoch(epoch, now))) return this.#later(key);
    }
    try {
      const [drawn] = await this.#read(() => readContract(this.#p.client, { address: this.#address, abi: moduleAbi, functionName: "isSampled", args: [e.job] }));
      if (!drawn) return this.journal.setSample(e.jobId, "done");
      await this.#mined(await this.#send("sample", [e.job, e.providerOutput!, e.signature!]));
      this.journal.setSample(e.jobId, "done");
      this.journal.setCheck(e.jobId, true);
      this.counts.sampled++;
      this.#log.info("verifier: sampled a result (keeper tip owed)", { jobId: e.jobId, provider: e.job.provider });
    } catch (error) {
      const name = nameOf(error);
      if (name && SAMPLE_DONE.has(name)) return this.journal.setSample(e.jobId, "done", name);
      // Someone else sampled it first: the dispute is open. Follow its check.
      if (name === "JobWrongStatus" || name === "DisputeAlreadyJoined") return this.journal.setSample(e.jobId, "done", name);
      this.#log.warn("verifier: sample failed, will retry", { jobId: e.jobId, err: short(decodeSamplingError(error) ?? error) });
      this.#later(key);
    }
  }

  // ------------------------------------------------------------------------------- cranking

  /** Moves a check on that waits for anyone: assign once its seed exists (revealing it if needed), resolve once due. */
  async #crank(e: VerifierEntry, now: number) {
    const key = `c${e.jobId}`;
    const c = await this.#read(() => readContract(this.#p.client, { address: this.#address, abi: moduleAbi, functionName: "checkOf", args: [e.jobId] }));
    if (c.status === CHECK.Closed || c.status === CHECK.None) return this.journal.setCheck(e.jobId, false);
    try {
      if (c.status === CHECK.AwaitingSeed) {
        const epoch = BigInt(c.seedEpoch);
        if (!(await this.#seedReady(epoch)) && !(await this.#revealEpoch(epoch, now))) return this.#later(key, this.#p.pollingIntervalMs);
        await this.#mined(await this.#send("assign", [e.job]));
        this.#log.info("verifier: assigned a check's verifiers", { jobId: e.jobId, round: c.round });
      } else if (c.status === CHECK.Running) {
        if (!(await this.#resolveDue(e.jobId, c, now))) return this.#later(key, this.#p.pollingIntervalMs);
        await this.#mined(await this.#send("resolve", [e.job]));
        this.counts.resolved++;
        this.#log.info("verifier: resolved a check", { jobId: e.jobId });
      }
    } catch (error) {
      const name = nameOf(error);
      if (name !== "SamplingRoundOpen" && name !== "SamplingCheckWrongStatus" && name !== "RandomnessSeedNotReady") {
        this.#log.warn("verifier: moving a check on failed, will retry", { jobId: e.jobId, err: short(decodeSamplingError(error) ?? error) });
      }
      this.#later(key);
    }
  }

  /** Whether `resolve` would act now: every live seat revealed, or a deadline passed with a seat silent. */
  async #resolveDue(jobId: Hex, c: { assigned: number; roundFirst: number; commitDeadline: number; revealDeadline: number }, now: number) {
    let live = 0, committed = 0, revealed = 0;
    for (let i = c.roundFirst; i < c.assigned; i++) {
      const v = await this.#read(() => readContract(this.#p.client, { address: this.#address, abi: moduleAbi, functionName: "voteOf", args: [jobId, BigInt(i)] }));
      if (v.status === VOTE.Slashed || v.status === VOTE.None) continue;
      live++;
      if (v.status >= VOTE.Committed) committed++;
      if (v.status === VOTE.Revealed) revealed++;
    }
    if (revealed === live) return true;
    if (committed < live) return now > c.commitDeadline;
    return now > c.revealDeadline;
  }

  // ------------------------------------------------------------------------------- our seats

  #work(jobId: Hex) {
    if (this.#busy.has(jobId) || !this.#due(`v${jobId}`)) return;
    this.#busy.add(jobId);
    const task = this.#advance(jobId)
      .catch((error) => {
        this.#log.warn("verifier: a seat's step failed, will retry", { jobId, err: short(decodeSamplingError(error) ?? error) });
        this.#later(`v${jobId}`);
      })
      .finally(() => {
        this.#busy.delete(jobId);
        this.#tasks.delete(task);
      });
    this.#tasks.add(task);
  }

  /** One step of a seat, chosen by the chain's state of our vote and the journal. */
  async #advance(jobId: Hex) {
    const e = this.journal.get(jobId)!;
    const { client } = this.#p;
    const c = await this.#read(() => readContract(client, { address: this.#address, abi: moduleAbi, functionName: "checkOf", args: [jobId] }));
    const v = await this.#read(() => readContract(client, { address: this.#address, abi: moduleAbi, functionName: "voteOf", args: [jobId, BigInt(e.voteIndex!)] }));
    const now = await this.#now();
    if (lower(v.verifier) !== lower(this.#p.account)) {
      // Not our seat (a reorg dropped the assignment): nothing to do.
      this.journal.moveSeat(jobId, [e.seat!], "failed", { error: "the seat is not ours on-chain" });
      return;
    }
    if (v.status === VOTE.Slashed) {
      this.journal.moveSeat(jobId, [e.seat!], "slashed");
      this.#log.error("verifier: slashed on a check (missed a phase, or outvoted)", { jobId });
      return;
    }
    if (v.status === VOTE.Revealed) {
      if (e.seat !== "revealed" && e.seat !== "closed") await this.#serveEvidence(c, e);
      if (this.journal.moveSeat(jobId, ["committed", "revealing", "computed", "committing", "assigned"], "revealed")) this.#p.afterStep?.("revealed", jobId);
      if (c.status === CHECK.Closed) this.journal.moveSeat(jobId, ["revealed"], "closed");
      else this.#later(`v${jobId}`);
      return;
    }
    if (v.status === VOTE.Assigned) {
      if (c.status !== CHECK.Running || now > c.commitDeadline) return this.#later(`v${jobId}`); // resolve will slash it; nothing we can do
      // Our output and salt, kept before anything is signed (a restart reuses them).
      let entry = e;
      if (!entry.salt) {
        const run = await this.#reexecute(entry);
        if (!run) return this.#later(`v${jobId}`, 2_000);
        // TOLERANT: kept before the vote is, so that the bytes behind the hash we commit to survive a crash.
        if (c.tolerant) await this.#p.evidence?.put(run.output);
        entry = this.journal.recordVote(jobId, run.hash, randomSalt());
        this.#p.afterStep?.("vote-kept", jobId);
        this.#log.info("verifier: re-ran the job", { jobId, output: entry.output, agreesWithProvider: entry.output === c.output });
      }
      // A commit signed before a crash: wait for it if the node still knows it, else commit again
      // (the same output and salt give the same commitment).
      if (entry.commitTx && (await this.#pending(entry.commitTx))) return this.#later(`v${jobId}`, this.#p.pollingIntervalMs);
      const commitment = voteCommitment({ jobId, round: v.round, verifier: this.#p.account, outputHash: entry.output!, salt: entry.salt! });
      const hash = await this.#send("commit", [entry.job, commitment], (h) => {
        this.journal.moveSeat(jobId, ["computed", "committing"], "committing", { commitTx: h });
      });
      this.#p.afterStep?.("commit-sent", jobId);
      await this.#mined(hash);
      this.journal.moveSeat(jobId, ["committing"], "committed");
      this.counts.committed++;
      this.#p.afterStep?.("committed", jobId);
      return;
    }
    // Committed on-chain: reveal once every seat of the round committed, before the reveal deadline.
    this.journal.moveSeat(jobId, ["committing", "computed", "assigned"], "committed");
    if (now > c.revealDeadline) return this.#later(`v${jobId}`);
    if (!e.salt || !e.output) throw new Error(`committed on-chain but no salt in the journal for ${jobId}: cannot reveal`);
    // A reveal signed before a crash: never a second one while the node still knows the first.
    if (e.revealTx && (await this.#pending(e.revealTx))) return this.#later(`v${jobId}`, this.#p.pollingIntervalMs);
    try {
      const hash = await this.#send("reveal", [e.job, e.output, e.salt], (h) => {
        this.journal.moveSeat(jobId, ["committed", "revealing"], "revealing", { revealTx: h });
      });
      this.#p.afterStep?.("reveal-sent", jobId);
      await this.#mined(hash);
      await this.#serveEvidence(c, e);
      this.journal.moveSeat(jobId, ["revealing"], "revealed");
      this.counts.revealed++;
      this.#p.afterStep?.("revealed", jobId);
      this.#log.info("verifier: revealed", { jobId });
    } catch (error) {
      if (nameOf(error) === "SamplingRevealNotOpen") return this.#later(`v${jobId}`, this.#p.pollingIntervalMs);
      throw error;
    }
  }

  /** Whether a transaction we signed is mined successfully or still pending (then nothing new is signed for its step). */
  async #pending(hash: Hash): Promise<boolean> {
    const receipt = await this.#p.sender.receiptOf(hash);
    if (receipt) return receipt.status === "success";
    return this.#p.sender.isKnown(hash);
  }

  /**
   * A TOLERANT check, once our vote is revealed: our output's bytes move from the evidence store to the
   * served one (the output server's), where the arbiter fetches them by the hash we revealed. Runs again
   * after a restart until the journal records the reveal, so a crash in between loses nothing.
   */
  async #serveEvidence(c: { tolerant: boolean }, e: VerifierEntry) {
    const { evidence, stores } = this.#p;
    if (!c.tolerant || !e.output || !evidence || !stores[0]) return;
    const bytes = await evidence.get(e.output);
    if (!bytes) {
      // Already moved before a restart: nothing to write again.
      if (await stores[0].get(e.output)) return;
      this.#log.error("verifier: our TOLERANT output is not in the data directory, so the arbiter cannot see it", { jobId: e.jobId, output: e.output });
      return;
    }
    await stores[0].put(bytes);
    await rm(evidence.pathOf(e.output), { force: true });
    this.#log.info("verifier: our output is served as evidence for the arbiter", { jobId: e.jobId, output: e.output });
  }

  /** The job's input (inline on-chain, or from a content store by its hash), run by the model's backend; its output and hash. */
  async #reexecute(e: VerifierEntry): Promise<{ output: Uint8Array; hash: Hex } | undefined> {
    const { client, market } = this.#p;
    if (this.#own.has(lower(e.job.provider)) || this.#own.has(lower(e.job.client))) throw new Error("refusing to verify our own job");
    const backend = this.#p.backends.get(lower(e.job.model));
    if (!backend) throw new Error(`no backend for model ${e.job.model}`);
    let input: Uint8Array | undefined;
    const [event] = await this.#read(() =>
      getContractEvents(client, { address: market, abi: jobMarketAbi, eventName: "JobInput", args: { jobId: e.jobId }, fromBlock: e.block, toBlock: e.block, strict: true }),
    );
    if (event) {
      const bytes = Uint8Array.from(Buffer.from(event.args.input.slice(2), "hex"));
      if (contentHash(bytes) === lower(e.job.inputHash)) input = bytes;
    }
    for (const store of this.#p.stores) input ??= (await store?.get(e.job.inputHash)) ?? undefined;
    if (!input) {
      this.#log.warn("verifier: the job's input is not available yet", { jobId: e.jobId, inputHash: e.job.inputHash });
      return undefined;
    }
    const output = await backend.infer(input);
    return { output, hash: contentHash(output) };
  }

  // ------------------------------------------------------------------------------- rewards

  async #claim() {
    for (const token of this.#p.tokens) {
      try {
        const owed = await this.#read(() => readContract(this.#p.client, { address: this.#address, abi: moduleAbi, functionName: "owed", args: [this.#p.account, token] }));
        if (owed === 0n) continue;
        await this.#mined(await this.#send("claimRewards", [token, this.#p.account]));
        this.counts.claimed += owed;
        this.#log.info("verifier: rewards claimed", { token, amount: owed });
      } catch (error) {
        this.#log.warn("verifier: claiming rewards failed, will retry", { token, err: short(decodeSamplingError(error) ?? error) });
      }
    }
  }

  /** Seats not yet closed (tests and tools). */
  openSeats(): VerifierEntry[] {
    return this.journal.seats();
  }
}
