/**
 * The verifier loop's journal: in the node's own SQLite file (journal.sqlite, its own tables), every
 * submitted job of a verified model the loop saw, whether it tried to sample it, and every seat the
 * module assigned to this node with its progress. What it shares with the redundancy journal (the file,
 * compare-and-set moves, listing by state, marks) is in roleJournal.ts. Recorded before acting, as for
 * jobs (journal.ts):
 *
 * - the seat is recorded when its `VerifierAssigned` event is read, before the scan mark moves past
 *   its block, so a restart never loses an assignment;
 * - the salt and the output hash are recorded (once: a second attempt keeps the first) before the
 *   commitment is signed, so the reveal always opens what was committed;
 * - the commit and the reveal are recorded (their hash) before they are broadcast.
 */
import type { Hex } from "viem";

import type { Job } from "depinfer";

import { RoleJournal } from "./roleJournal.js";

/**
 * A seat's progress: assigned → computed (output and salt kept) → committing → committed →
 * revealing → revealed → closed. `slashed` (it missed a phase, or was on the losing side) and
 * `failed` (given up, with the error) are terminal too.
 */
export type SeatState = "assigned" | "computed" | "committing" | "committed" | "revealing" | "revealed" | "closed" | "slashed" | "failed";
export const OPEN_SEAT_STATES: SeatState[] = ["assigned", "computed", "committing", "committed", "revealing", "revealed"];
/** The states a seat ends in: the retention of its output (a TOLERANT check's evidence) counts from when it got there. */
export const ENDED_SEAT_STATES: SeatState[] = ["closed", "slashed", "failed"];

export interface VerifierEntry {
  jobId: Hex;
  job: Job;
  /** The block of the job's JobCreated event (its inline input is there). */
  block: bigint;
  /** The provider's attested output and signature (ResultSubmitted), when seen. */
  providerOutput?: Hex;
  signature?: Hex;
  /** `pending` (to be drawn), `done` (sampled by us, not drawn, or no longer drawable), `own` (never: ours). */
  sample?: "pending" | "done" | "own";
  /** Whether the job has a check the loop follows (to crank assign and resolve). */
  check: boolean;
  seat?: SeatState;
  /** Our vote's index and round. */
  voteIndex?: number;
  round?: number;
  /** Our re-execution's output hash, and the salt of its commitment. */
  output?: Hex;
  salt?: Hex;
  commitTx?: Hex;
  revealTx?: Hex;
  error?: string;
  /** When the seat ended (ms, the journal's clock), once it has. */
  endedAt?: number;
}

interface Row {
  job_id: string;
  job_json: string;
  block: string;
  provider_output: string | null;
  signature: string | null;
  sample: string | null;
  check_open: number;
  seat: string | null;
  vote_index: number | null;
  round: number | null;
  output: string | null;
  salt: string | null;
  commit_tx: string | null;
  reveal_tx: string | null;
  error: string | null;
  ended_at?: number | null;
}

const jobToJson = (job: Job) => JSON.stringify(job, (_k, v) => (typeof v === "bigint" ? `${v}n` : v));
const jobFromJson = (text: string) => JSON.parse(text, (_k, v) => (typeof v === "string" && /^\d+n$/.test(v) ? BigInt(v.slice(0, -1)) : v)) as Job;

function fromRow(r: Row): VerifierEntry {
  const opt = <T>(v: T | null) => (v === null ? undefined : v);
  return {
    jobId: r.job_id as Hex,
    job: jobFromJson(r.job_json),
    block: BigInt(r.block),
    providerOutput: opt(r.provider_output) as Hex | undefined,
    signature: opt(r.signature) as Hex | undefined,
    sample: opt(r.sample) as VerifierEntry["sample"],
    check: r.check_open === 1,
    seat: opt(r.seat) as SeatState | undefined,
    voteIndex: opt(r.vote_index) ?? undefined,
    round: opt(r.round) ?? undefined,
    output: opt(r.output) as Hex | undefined,
    salt: opt(r.salt) as Hex | undefined,
    commitTx: opt(r.commit_tx) as Hex | undefined,
    revealTx: opt(r.reveal_tx) as Hex | undefined,
    error: opt(r.error) ?? undefined,
    ...(r.ended_at !== null && r.ended_at !== undefined && { endedAt: Number(r.ended_at) }),
  };
}

export class VerifierJournal extends RoleJournal<VerifierEntry, SeatState, Row> {
  readonly #now: () => number;

  /** Opens the verifier's tables in the node's journal file (`file`: journal.sqlite); `now`: its clock (ms, default `Date.now`). */
  constructor(file: string, { now = Date.now }: { now?: () => number } = {}) {
    super(
      file,
      { table: "verifier_jobs", key: "job_id", state: "seat", order: "CAST(block AS INTEGER)", meta: "verifier_meta" },
      `
      CREATE TABLE IF NOT EXISTS verifier_jobs (
        job_id TEXT PRIMARY KEY,
        job_json TEXT NOT NULL,
        block TEXT NOT NULL,
        provider_output TEXT, signature TEXT,
        sample TEXT,
        check_open INTEGER NOT NULL DEFAULT 0,
        seat TEXT, vote_index INTEGER, round INTEGER,
        output TEXT, salt TEXT, commit_tx TEXT, reveal_tx TEXT,
        error TEXT
      );
      CREATE INDEX IF NOT EXISTS verifier_jobs_sample ON verifier_jobs(sample);
      CREATE INDEX IF NOT EXISTS verifier_jobs_seat ON verifier_jobs(seat);
      CREATE INDEX IF NOT EXISTS verifier_jobs_check ON verifier_jobs(check_open);
    `,
    );
    this.#now = now;
    // Added with content retention (retention.ts): since when a seat has ended, and whether its output
    // (a TOLERANT re-run's, kept as the arbiter's evidence) was swept.
    this.addEndedColumns(ENDED_SEAT_STATES, this.#now());
    this.db.exec(`
      CREATE INDEX IF NOT EXISTS verifier_jobs_output ON verifier_jobs(output) WHERE output IS NOT NULL;
      CREATE INDEX IF NOT EXISTS verifier_jobs_sweep ON verifier_jobs(ended_at) WHERE content_swept = 0 AND output IS NOT NULL;
    `);
  }

  protected fromRow(r: Row): VerifierEntry {
    return fromRow(r);
  }

  /** Records a job's terms (from JobCreated); no change if known. */
  recordJob(jobId: Hex, job: Job, block: bigint) {
    this.db.prepare("INSERT OR IGNORE INTO verifier_jobs (job_id, job_json, block) VALUES (?, ?, ?)").run(jobId, jobToJson(job), block.toString());
  }

  /** Records the provider's attested result, and whether the loop should try to sample it. */
  recordSubmission(jobId: Hex, providerOutput: Hex, signature: Hex, sample: "pending" | "own" | "done") {
    this.db
      .prepare("UPDATE verifier_jobs SET provider_output = ?, signature = ?, sample = COALESCE(sample, ?) WHERE job_id = ?")
      .run(providerOutput, signature, sample, jobId);
  }

  setSample(jobId: Hex, sample: "done", error?: string) {
    this.db.prepare("UPDATE verifier_jobs SET sample = ?, error = COALESCE(?, error) WHERE job_id = ?").run(sample, error ?? null, jobId);
  }

  setCheck(jobId: Hex, open: boolean) {
    this.db.prepare("UPDATE verifier_jobs SET check_open = ? WHERE job_id = ?").run(open ? 1 : 0, jobId);
  }

  /** Records a seat assigned to us; a seat already recorded (a replayed event) is kept as it is. Returns whether it is new. */
  recordSeat(jobId: Hex, voteIndex: number, round: number): boolean {
    const r = this.db
      .prepare("UPDATE verifier_jobs SET seat = 'assigned', vote_index = ?, round = ?, check_open = 1 WHERE job_id = ? AND seat IS NULL")
      .run(voteIndex, round, jobId);
    return Number(r.changes) === 1;
  }

  /**
   * Keeps our output and salt: only the first call for a seat counts (a restart that re-ran the job
   * keeps the first salt, so the reveal opens the commitment). Returns the entry as stored.
   */
  recordVote(jobId: Hex, output: Hex, salt: Hex): VerifierEntry {
    this.db
      .prepare("UPDATE verifier_jobs SET output = ?, salt = ?, seat = 'computed' WHERE job_id = ? AND seat = 'assigned' AND salt IS NULL")
      .run(output, salt, jobId);
    return this.get(jobId)!;
  }

  /** Moves a seat from one of `from` to `to`, setting a transaction hash; returns whether it moved. */
  moveSeat(jobId: Hex, from: SeatState[], to: SeatState, fields: { commitTx?: Hex; revealTx?: Hex; error?: string } = {}): boolean {
    // A seat that ends records when (its output's retention counts from then).
    return this.moveState(jobId, from, to, {
      ended_at: ENDED_SEAT_STATES.includes(to) ? this.#now() : null,
      commit_tx: fields.commitTx || undefined,
      reveal_tx: fields.revealTx || undefined,
      error: fields.error || undefined,
    });
  }

  /**
   * Ended seats whose output (a TOLERANT re-run's bytes, kept for the arbiter; nothing on disk for the
   * other checks) may be due for deletion at `now` (ms): `retentionMs` after the seat ended (the check
   * closed, or the seat was slashed); at most `limit`, earliest first. The retention's view (retention.ts).
   */
  listContentDue(now: number, retentionMs: number, limit: number): { jobId: string; hashes: Hex[] }[] {
    const rows = this.db
      .prepare("SELECT job_id, output FROM verifier_jobs WHERE content_swept = 0 AND output IS NOT NULL AND ended_at <= ? ORDER BY ended_at LIMIT ?")
      .all(now - retentionMs, limit) as unknown as { job_id: string; output: string }[];
    return rows.map((r) => ({ jobId: `verifier:${r.job_id}`, hashes: [r.output.toLowerCase() as Hex] }));
  }

  /** Whether a seat still holds `hash` as its output at `now` (ms): one not ended, or one ended less than `retentionMs` ago. */
  holdsContent(hash: Hex, now: number, retentionMs: number): boolean {
    const row = this.db
      .prepare("SELECT 1 FROM verifier_jobs WHERE output = ? AND (ended_at IS NULL OR ended_at > ?) LIMIT 1")
      .get(hash.toLowerCase(), now - retentionMs);
    return row !== undefined;
  }

  /** Records that a seat's output was deleted (or is held by another, which will delete it); `key` as `listContentDue` gives it. */
  setContentSwept(key: string) {
    this.db.prepare("UPDATE verifier_jobs SET content_swept = 1 WHERE job_id = ?").run(key.replace(/^verifier:/, ""));
  }

  get(jobId: Hex): VerifierEntry | undefined {
    return this.entry(jobId);
  }

  toSample(): VerifierEntry[] {
    return (this.db.prepare("SELECT * FROM verifier_jobs WHERE sample = 'pending' ORDER BY CAST(block AS INTEGER)").all() as unknown as Row[]).map(fromRow);
  }

  openChecks(): VerifierEntry[] {
    return (this.db.prepare("SELECT * FROM verifier_jobs WHERE check_open = 1 ORDER BY CAST(block AS INTEGER)").all() as unknown as Row[]).map(fromRow);
  }

  seats(states: SeatState[] = OPEN_SEAT_STATES): VerifierEntry[] {
    return this.inStates(states);
  }
}
