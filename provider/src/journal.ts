/**
 * The provider node's journal: every job's progress in a local SQLite database (node:sqlite), so a
 * node killed at any point (even SIGKILL) resumes each job from its last recorded step and never
 * loses one or submits twice.
 *
 * Each step is a compare-and-set transition in one statement (`UPDATE … WHERE state IN (…)`), so
 * two workers can never both move a job forward. The journal records what it is *about* to do
 * before doing it: a signed submission's hash is stored before it is broadcast, so a restart
 * checks that hash (or the job's on-chain state) instead of signing a second submission.
 */
import { chmodSync, closeSync, fdatasync, fdatasyncSync, mkdirSync, openSync } from "node:fs";
import path from "node:path";
import { DatabaseSync, type StatementSync } from "node:sqlite";

import type { Hex } from "viem";

import type { Job } from "depinfer";

/**
 * A job's progress through the node.
 * seen → accepting → accepted → computed → submitting → submitted → finalizing → finalized.
 * A submitted job may be disputed, then finalized (dispute rejected) or slashed (upheld).
 * skipped (not ours to take, or taken by another provider), expired, cancelled, slashed and failed
 * (gave up, with the error) are terminal.
 */
export const JOURNAL_STATES = [
  "seen",
  "accepting",
  "accepted",
  "computed",
  "submitting",
  "submitted",
  "finalizing",
  "finalized",
  "disputed",
  "slashed",
  "expired",
  "cancelled",
  "skipped",
  "failed",
] as const;
export type JournalState = (typeof JOURNAL_STATES)[number];

/** States a job never leaves. */
export const TERMINAL_STATES: readonly JournalState[] = ["finalized", "slashed", "expired", "cancelled", "skipped", "failed"];

/**
 * States in which the job's result is on-chain (its submission was mined): only then may its output
 * be served. (`slashed` is not one: a job can be slashed while only accepted.)
 */
export const RESULT_ON_CHAIN_STATES: readonly JournalState[] = ["submitted", "finalizing", "finalized", "disputed"];

export interface JournalEntry {
  jobId: Hex;
  job: Job;
  state: JournalState;
  /** The block of the job's JobCreated event. */
  block: bigint;
  acceptTx?: Hex;
  outputHash?: Hex;
  signature?: Hex;
  /** The hash of the submission, recorded before it is broadcast. */
  submitTx?: Hex;
  /**
   * The signed submission itself, so a restart can rebroadcast exactly the same transaction. A
   * batched submission's bytes are kept once for the whole batch (see {@link Journal.recordBatch}).
   */
  submitRaw?: Hex;
  finalizeTx?: Hex;
  /** When a submitted job's challenge window ends (chain seconds): it may be finalized after. */
  dueAt?: number;
  /** The output was released: served, and put in the content store (only once the result is on-chain). */
  outputReleased?: true;
  /**
   * The block (number and hash) of the job's latest mined effect (accept, submission, finalize), as
   * its receipt said: after a reorg, jobs with an effect at or above the fork are re-checked.
   */
  effectBlock?: bigint;
  effectHash?: Hex;
  attempts: number;
  error?: string;
  updatedAt: number;
  /** When the job reached a terminal state (the journal's clock, ms): its content's retention counts from then. */
  endedAt?: number;
}

/** Optional columns a transition may set. */
export type JournalFields = Partial<Pick<JournalEntry, "acceptTx" | "outputHash" | "signature" | "submitTx" | "submitRaw" | "finalizeTx" | "error">>;

const COLUMNS: Record<keyof JournalFields, string> = {
  acceptTx: "accept_tx",
  outputHash: "output_hash",
  signature: "signature",
  submitTx: "submit_tx",
  submitRaw: "submit_raw",
  finalizeTx: "finalize_tx",
  error: "error",
};

interface Row {
  job_id: string;
  job_json: string;
  state: string;
  block: string;
  accept_tx: string | null;
  output_hash: string | null;
  signature: string | null;
  submit_tx: string | null;
  submit_raw: string | null;
  finalize_tx: string | null;
  due_at: number | null;
  output_released: number | null;
  effect_block: string | null;
  effect_hash: string | null;
  batch_raw?: string | null;
  attempts: number;
  error: string | null;
  updated_at: number;
  ended_at: number | null;
}

const jobToJson = (job: Job) => JSON.stringify(job, (_k, v) => (typeof v === "bigint" ? `${v}n` : v));
const jobFromJson = (text: string) =>
  JSON.parse(text, (_k, v) => (typeof v === "string" && /^\d+n$/.test(v) ? BigInt(v.slice(0, -1)) : v)) as Job;

/**
 * Parsed job terms by their JSON (a job's terms never change): reading a job back costs no parse
 * with a reviver on the hot path. Frozen, since every reader of that job shares the object.
 */
const parsedJobs = new Map<string, Job>();
function jobOf(text: string): Job {
  let job = parsedJobs.get(text);
  if (!job) {
    job = Object.freeze(jobFromJson(text));
    parsedJobs.set(text, job);
    if (parsedJobs.size > 10_000) parsedJobs.delete(parsedJobs.keys().next().value!);
  }
  return job;
}

/** Every column of a job, and the signed bytes of the batch its submission is in (if any). */
const SELECT_JOBS = "SELECT jobs.*, txs.raw AS batch_raw FROM jobs LEFT JOIN txs ON txs.hash = jobs.submit_tx";

/**
 * Opens (or creates) the SQLite file `name` in `dataDir`, readable by the operator only: a journal
 * holds signed attestations, vouchers and raw transactions. SQLite gives its -wal and -shm files the
 * database file's permissions.
 */
export function openPrivateDatabase(dataDir: string, name: string): { file: string; db: DatabaseSync } {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, name);
  closeSync(openSync(file, "a", 0o600));
  chmodSync(file, 0o600);
  return { file, db: new DatabaseSync(file) };
}

/** Syncs what a WAL-mode SQLite file has committed to the disk: see {@link syncWal}. */
export interface WalSync {
  /** An fdatasync on libuv's pool (the event loop goes on): resolves once every commit so far is on the disk. */
  sync(): Promise<void>;
  /** The same, blocking (for a close). */
  syncNow(): void;
  /** Closes the log's descriptor, after the syncs in flight (call it when the database closes). */
  close(): void;
}

/**
 * The one way the journals sync their commits to the disk: an fdatasync of the write-ahead log,
 * where WAL mode appends every commit (a checkpoint syncs the log before it copies it into the
 * database, and the database after). That is what `synchronous = FULL` does at each commit, but
 * off the main thread. The log's descriptor is opened once and kept while the database is open
 * (SQLite keeps the -wal file, and rewinds it, as long as a connection is open); with no log file
 * yet (nothing committed), the database file itself is synced.
 */
export function syncWal(file: string): WalSync {
  let fd: number | undefined;
  let inFlight = 0;
  let closing = false;
  const release = () => {
    if (closing && inFlight === 0 && fd !== undefined) {
      closeSync(fd);
      fd = undefined;
    }
  };
  /** The log's descriptor, or undefined when SQLite has not created the log yet. */
  const wal = (): number | undefined => {
    if (fd !== undefined) return fd;
    try {
      return (fd = openSync(`${file}-wal`, "r+"));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      return undefined;
    }
  };
  const syncDatabaseFile = (done: (error: Error | null) => void) => {
    const db = openSync(file, "r+");
    fdatasync(db, (error) => {
      closeSync(db);
      done(error);
    });
  };
  return {
    sync: () =>
      new Promise<void>((resolve, reject) => {
        if (closing) return reject(new Error(`${file} is closed`));
        const target = wal();
        const done = (error: Error | null) => {
          inFlight--;
          release();
          if (error) reject(error);
          else resolve();
        };
        inFlight++;
        if (target === undefined) syncDatabaseFile(done);
        else fdatasync(target, done);
      }),
    syncNow: () => {
      const target = wal();
      if (target !== undefined) return fdatasyncSync(target);
      const db = openSync(file, "r+");
      try {
        fdatasyncSync(db);
      } finally {
        closeSync(db);
      }
    },
    close: () => {
      closing = true;
      // What a sync in flight covers is on the disk when close returns, as after a blocking sync.
      if (inFlight > 0 && fd !== undefined) fdatasyncSync(fd);
      release();
    },
  };
}

export class Journal {
  readonly file: string;
  readonly #db: DatabaseSync;
  readonly #wal: WalSync;

  /** Opens (or creates) the journal in `dataDir`/journal.sqlite. */
  constructor(dataDir: string, { now = () => Date.now() }: { now?: () => number } = {}) {
    ({ file: this.file, db: this.#db } = openPrivateDatabase(dataDir, "journal.sqlite"));
    this.#wal = syncWal(this.file);
    this.#now = now;
    // WAL + synchronous=NORMAL: a committed transition survives a kill of the process (it is in the
    // file, if not yet on the disk). What precedes an effect outside the process (a transaction's
    // broadcast) is committed with `atomically(fn, { durable: true })`: synced to the disk, with every
    // commit before it, so it survives a power loss too. One sync per effect, not one per write.
    this.#db.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = NORMAL;
      CREATE TABLE IF NOT EXISTS jobs (
        job_id TEXT PRIMARY KEY,
        job_json TEXT NOT NULL,
        state TEXT NOT NULL,
        block TEXT NOT NULL,
        accept_tx TEXT, output_hash TEXT, signature TEXT, submit_tx TEXT, submit_raw TEXT, finalize_tx TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        error TEXT,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS jobs_state ON jobs(state);
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS txs (hash TEXT PRIMARY KEY, raw TEXT NOT NULL);
    `);
    // Added after the first release: journals created before it gain the column.
    const columns = this.#db.prepare("PRAGMA table_info(jobs)").all() as { name: string }[];
    if (!columns.some((c) => c.name === "due_at")) this.#db.exec("ALTER TABLE jobs ADD COLUMN due_at INTEGER");
    this.#db.exec("CREATE INDEX IF NOT EXISTS jobs_due ON jobs(state, due_at)");
    if (!columns.some((c) => c.name === "output_released")) {
      // Nodes before this column served an output as soon as it was computed: those are out already.
      this.#db.exec(`
        ALTER TABLE jobs ADD COLUMN output_released INTEGER NOT NULL DEFAULT 0;
        UPDATE jobs SET output_released = 1 WHERE output_hash IS NOT NULL;
      `);
    }
    // Added with reorg recovery: where each job's latest effect was mined.
    if (!columns.some((c) => c.name === "effect_block")) this.#db.exec("ALTER TABLE jobs ADD COLUMN effect_block INTEGER; ALTER TABLE jobs ADD COLUMN effect_hash TEXT");
    this.#db.exec("CREATE INDEX IF NOT EXISTS jobs_effect ON jobs(effect_block) WHERE effect_block IS NOT NULL");
    // Only the outputs waiting to be released: the index stays small however many jobs are done.
    this.#db.exec("CREATE INDEX IF NOT EXISTS jobs_unreleased ON jobs(state) WHERE output_released = 0 AND output_hash IS NOT NULL");
    // Added with content retention: which content each job holds (its input, its output), and since
    // when a job has ended, so that a restarted node deletes what its predecessor left.
    if (!columns.some((c) => c.name === "input_hash")) {
      this.#db.exec(`
        ALTER TABLE jobs ADD COLUMN input_hash TEXT;
        UPDATE jobs SET input_hash = lower(json_extract(job_json, '$.inputHash'));
      `);
    }
    if (!columns.some((c) => c.name === "ended_at")) {
      // Jobs that ended before this column: their last update is when they ended.
      this.#db.exec(`
        ALTER TABLE jobs ADD COLUMN ended_at INTEGER;
        ALTER TABLE jobs ADD COLUMN content_swept INTEGER NOT NULL DEFAULT 0;
        UPDATE jobs SET ended_at = updated_at WHERE state IN (${TERMINAL_STATES.map((s) => `'${s}'`).join(", ")});
      `);
    }
    this.#db.exec(`
      CREATE INDEX IF NOT EXISTS jobs_input_hash ON jobs(input_hash);
      CREATE INDEX IF NOT EXISTS jobs_output_hash ON jobs(output_hash);
      CREATE INDEX IF NOT EXISTS jobs_sweep_untaken ON jobs(ended_at) WHERE content_swept = 0 AND output_hash IS NULL;
      CREATE INDEX IF NOT EXISTS jobs_sweep_outputs ON jobs(ended_at) WHERE content_swept = 0 AND output_hash IS NOT NULL;
    `);
  }

  readonly #now: () => number;
  /** Prepared statements by their SQL: each is compiled once, not at every call (the hot path runs a few per job). */
  readonly #statements = new Map<string, StatementSync>();

  #prepare(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  /** Records a newly seen job; returns false if it was already known (a replayed event). */
  recordSeen(jobId: Hex, job: Job, block: bigint): boolean {
    const result = this.#prepare("INSERT OR IGNORE INTO jobs (job_id, job_json, state, block, input_hash, updated_at) VALUES (?, ?, 'seen', ?, ?, ?)")
      .run(jobId, jobToJson(job), block.toString(), job.inputHash.toLowerCase(), this.#now());
    return Number(result.changes) === 1;
  }

  /**
   * Moves `jobId` to `to` if it is in one of `from`, setting `fields` and zeroing its attempt count;
   * returns whether it moved.
   * Exactly one of several concurrent callers wins.
   */
  transition(jobId: Hex, from: JournalState[], to: JournalState, fields: JournalFields = {}): boolean {
    // A new step starts with no failed attempts.
    // A job that ends records when (its content's retention counts from then); one that does not, has not.
    const now = this.#now();
    const sets = ["state = ?", "updated_at = ?", "attempts = 0", "ended_at = ?", "content_swept = 0"];
    const values: (string | number | null)[] = [to, now, TERMINAL_STATES.includes(to) ? now : null];
    for (const [key, value] of Object.entries(fields) as [keyof JournalFields, string | undefined][]) {
      sets.push(`${COLUMNS[key]} = ?`);
      values.push(value ?? null);
    }
    const placeholders = from.map(() => "?").join(", ");
    const result = this.#prepare(`UPDATE jobs SET ${sets.join(", ")} WHERE job_id = ? AND state IN (${placeholders})`)
      .run(...values, jobId, ...from);
    return Number(result.changes) === 1;
  }

  /**
   * Runs `fn` as one SQLite transaction: every transition in it is recorded, or none is (a throw, or
   * a kill, rolls it all back). `durable`: its commit is synced to the disk (with every earlier
   * one) before this returns, so it survives a power loss: for what is recorded before an effect
   * outside the process (a transaction about to be broadcast).
   */
  atomically<T>(fn: () => T, { durable = false }: { durable?: boolean } = {}): T {
    if (durable) this.#db.exec("PRAGMA synchronous = FULL");
    try {
      this.#db.exec("BEGIN IMMEDIATE");
      try {
        const result = fn();
        this.#db.exec("COMMIT");
        return result;
      } catch (error) {
        this.#db.exec("ROLLBACK");
        throw error;
      }
    } finally {
      if (durable) this.#db.exec("PRAGMA synchronous = NORMAL");
    }
  }

  /**
   * Runs `fn` as one SQLite transaction (see {@link atomically}), then syncs the write-ahead log to
   * the disk off the event loop (an fdatasync on libuv's pool): once the promise resolves, the commit
   * (with every earlier one) survives a power loss, as with `{ durable: true }`, which is the same
   * sync made by SQLite inside the commit, blocking the process for its length (milliseconds on a
   * busy disk, while every other job waits). For what is recorded before an effect outside the
   * process (a transaction about to be broadcast): act only after it resolves.
   */
  async atomicallyDurable<T>(fn: () => T): Promise<T> {
    const result = this.atomically(fn);
    await this.#wal.sync();
    return result;
  }

  /**
   * Records a signed batch transaction (its hash and bytes), once for all its jobs: each job names it
   * by `submitTx`, and reads its bytes back as `submitRaw`. Call it in the same
   * {@link atomically} as the jobs' transitions.
   */
  recordBatch(hash: Hex, raw: Hex) {
    this.#prepare("INSERT OR IGNORE INTO txs (hash, raw) VALUES (?, ?)").run(hash, raw);
  }

  /** Counts a failed attempt at the job's current step and keeps the error; returns the attempt count. */
  recordAttempt(jobId: Hex, error: string): number {
    this.#prepare("UPDATE jobs SET attempts = attempts + 1, error = ?, updated_at = ? WHERE job_id = ?").run(error, this.#now(), jobId);
    return this.get(jobId)?.attempts ?? 0;
  }

  get(jobId: Hex): JournalEntry | undefined {
    const row = this.#prepare(`${SELECT_JOBS} WHERE job_id = ?`).get(jobId) as Row | undefined;
    return row ? fromRow(row) : undefined;
  }

  /** Jobs in any of `states`, oldest first (by creation block, then id). */
  list(states: JournalState[]): JournalEntry[] {
    const placeholders = states.map(() => "?").join(", ");
    const rows = this.#prepare(`${SELECT_JOBS} WHERE state IN (${placeholders}) ORDER BY CAST(block AS INTEGER), job_id`)
      .all(...states) as unknown as Row[];
    return rows.map(fromRow);
  }

  /** The ids of the jobs in any of `states`, in the order of {@link list} (no row read beyond the id). */
  ids(states: JournalState[]): Hex[] {
    const placeholders = states.map(() => "?").join(", ");
    const rows = this.#prepare(`SELECT job_id FROM jobs WHERE state IN (${placeholders}) ORDER BY CAST(block AS INTEGER), job_id`).all(...states) as unknown as { job_id: Hex }[];
    return rows.map((r) => r.job_id);
  }

  /** Records when a job's challenge window ends (only while the job is in `state`, when given). */
  setDueAt(jobId: Hex, dueAt: number | null, state?: JournalState) {
    if (state === undefined) this.#prepare("UPDATE jobs SET due_at = ? WHERE job_id = ?").run(dueAt, jobId);
    else this.#prepare("UPDATE jobs SET due_at = ? WHERE job_id = ? AND state = ?").run(dueAt, jobId, state);
  }

  /**
   * Submitted jobs whose window ended before `now` (chain seconds), earliest first, at most `limit`;
   * with `now` undefined, submitted jobs whose window end is not recorded yet. Indexed: the cost
   * does not grow with the number of jobs waiting in their window.
   */
  listSubmitted(now: number | undefined, limit: number): JournalEntry[] {
    const rows = (
      now === undefined
        ? this.#prepare(`${SELECT_JOBS} WHERE state = 'submitted' AND due_at IS NULL LIMIT ?`).all(limit)
        : this.#prepare(`${SELECT_JOBS} WHERE state = 'submitted' AND due_at < ? ORDER BY due_at LIMIT ?`).all(now, limit)
    ) as unknown as Row[];
    return rows.map(fromRow);
  }

  /** Jobs whose result is on-chain (see `RESULT_ON_CHAIN_STATES`) and whose output is not released yet. */
  listUnreleased(): JournalEntry[] {
    const placeholders = RESULT_ON_CHAIN_STATES.map(() => "?").join(", ");
    const rows = this.#prepare(`${SELECT_JOBS} WHERE output_released = 0 AND output_hash IS NOT NULL AND state IN (${placeholders}) ORDER BY CAST(block AS INTEGER), job_id`)
      .all(...RESULT_ON_CHAIN_STATES) as unknown as Row[];
    return rows.map(fromRow);
  }

  /** Records that a job's output was released (served and put in the content store). */
  setOutputReleased(jobId: Hex) {
    this.#prepare("UPDATE jobs SET output_released = 1 WHERE job_id = ?").run(jobId);
  }

  /**
   * Ended jobs whose content may be due for deletion at `now` (ms): those that never computed an
   * output at once, those that did `retentionMs` after they ended; at most `limit`, earliest first.
   * The content itself may still be held by another job (see `holdsContent`).
   */
  listContentDue(now: number, retentionMs: number, limit: number): { jobId: Hex; hashes: Hex[] }[] {
    const select = "SELECT job_id, input_hash, output_hash FROM jobs WHERE content_swept = 0";
    const rows = [
      ...this.#prepare(`${select} AND output_hash IS NULL AND ended_at <= ? ORDER BY ended_at LIMIT ?`).all(now, limit),
      ...this.#prepare(`${select} AND output_hash IS NOT NULL AND ended_at <= ? ORDER BY ended_at LIMIT ?`).all(now - retentionMs, limit),
    ] as unknown as { job_id: string; input_hash: string | null; output_hash: string | null }[];
    return rows.slice(0, limit).map((r) => ({
      jobId: r.job_id as Hex,
      hashes: [...new Set([r.input_hash, r.output_hash].filter((h): h is string => h !== null).map((h) => h.toLowerCase() as Hex))],
    }));
  }

  /**
   * Whether some job still holds the content `hash` (as its input or its output) at `now` (ms): a job
   * not ended, or one that computed an output and ended less than `retentionMs` ago.
   */
  holdsContent(hash: Hex, now: number, retentionMs: number): boolean {
    const key = hash.toLowerCase();
    const row = this.#prepare(
        `SELECT 1 FROM jobs WHERE (input_hash = ? OR output_hash = ?)
           AND (ended_at IS NULL OR (output_hash IS NOT NULL AND ended_at > ?)) LIMIT 1`,
      )
      .get(key, key, now - retentionMs);
    return row !== undefined;
  }

  /** Records that a job's content was deleted (or is held by another job, which will delete it). */
  setContentSwept(jobId: Hex) {
    this.#prepare("UPDATE jobs SET content_swept = 1 WHERE job_id = ?").run(jobId);
  }

  /** Records the block (number and hash) where a job's latest effect was mined. */
  setEffect(jobId: Hex, block: bigint, hash: Hex) {
    this.#prepare("UPDATE jobs SET effect_block = ?, effect_hash = ? WHERE job_id = ?").run(Number(block), hash, jobId);
  }

  /** Jobs (in any state) whose latest effect was mined at or after `block`, oldest first: what a reorg from there may have undone. */
  listEffectsSince(block: bigint): JournalEntry[] {
    const rows = this.#prepare(`${SELECT_JOBS} WHERE effect_block >= ? ORDER BY effect_block, job_id`).all(Number(block)) as unknown as Row[];
    return rows.map(fromRow);
  }

  /**
   * A job delivered again by the watcher (after a reorg its JobCreated may be in another block):
   * records the block it is in now, and takes it up again if it was skipped because the chain did
   * not know it (its creation had been reorged away). Returns whether it was taken up again.
   */
  redelivered(jobId: Hex, block: bigint): boolean {
    this.#prepare("UPDATE jobs SET block = ? WHERE job_id = ? AND block <> ?").run(block.toString(), jobId, block.toString());
    const result = this.#prepare("UPDATE jobs SET state = 'seen', attempts = 0, error = NULL, ended_at = NULL, content_swept = 0, updated_at = ? WHERE job_id = ? AND state = 'skipped' AND error = 'JobUnknown'")
      .run(this.#now(), jobId);
    return Number(result.changes) === 1;
  }

  /** The newest block (number and hash) the node has seen: a reorg shows as this hash no longer at this number. */
  checkpoint(): { block: bigint; hash: Hex } | undefined {
    const row = this.#prepare("SELECT value FROM meta WHERE key = 'checkpoint'").get() as { value: string } | undefined;
    if (!row) return undefined;
    const [block, hash] = row.value.split(":");
    return { block: BigInt(block!), hash: hash as Hex };
  }

  setCheckpoint(block: bigint, hash: Hex) {
    this.#prepare("INSERT INTO meta (key, value) VALUES ('checkpoint', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(`${block}:${hash}`);
  }

  /** How many jobs are in each state. */
  counts(): Partial<Record<JournalState, number>> {
    const rows = this.#prepare("SELECT state, COUNT(*) AS n FROM jobs GROUP BY state").all() as unknown as { state: JournalState; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
  }

  /** The last block whose events were fully processed (the watcher resumes after it). */
  lastBlock(): bigint | undefined {
    return this.blockMark("last_block");
  }

  setLastBlock(block: bigint) {
    this.setBlockMark("last_block", block);
  }

  /** A named block cursor (e.g. of another event scanner), or undefined when never set. */
  blockMark(name: string): bigint | undefined {
    const row = this.#prepare("SELECT value FROM meta WHERE key = ?").get(name) as { value: string } | undefined;
    return row ? BigInt(row.value) : undefined;
  }

  setBlockMark(name: string, block: bigint) {
    this.#prepare("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(name, block.toString());
  }

  close() {
    this.#wal.close();
    this.#db.close();
  }
}

function fromRow(row: Row): JournalEntry {
  const entry: JournalEntry = {
    jobId: row.job_id as Hex,
    job: jobOf(row.job_json),
    state: row.state as JournalState,
    block: BigInt(row.block),
    attempts: Number(row.attempts),
    updatedAt: Number(row.updated_at),
  };
  if (row.accept_tx) entry.acceptTx = row.accept_tx as Hex;
  if (row.output_hash) entry.outputHash = row.output_hash as Hex;
  if (row.signature) entry.signature = row.signature as Hex;
  if (row.submit_tx) entry.submitTx = row.submit_tx as Hex;
  if (row.submit_raw) entry.submitRaw = row.submit_raw as Hex;
  else if (row.batch_raw) entry.submitRaw = row.batch_raw as Hex;
  if (row.finalize_tx) entry.finalizeTx = row.finalize_tx as Hex;
  if (row.due_at !== null && row.due_at !== undefined) entry.dueAt = Number(row.due_at);
  if (row.output_released) entry.outputReleased = true;
  if (row.effect_block !== null && row.effect_block !== undefined) entry.effectBlock = BigInt(row.effect_block);
  if (row.effect_hash) entry.effectHash = row.effect_hash as Hex;
  if (row.error) entry.error = row.error;
  if (row.ended_at !== null && row.ended_at !== undefined) entry.endedAt = Number(row.ended_at);
  return entry;
}
