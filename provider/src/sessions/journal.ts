/**
 * The session journal: every voucher the node accepts and every attestation it signs, in a local
 * SQLite database (`dataDir/sessions.sqlite`, node:sqlite, WAL), on the disk (fsync'd) before the
 * answer is sent. A node killed at any point (even SIGKILL), or a power loss, therefore
 *  - never loses earned value: the highest voucher it accepted is on disk before any output leaves;
 *  - never settles an older voucher over a newer one: a session's voucher only moves forward (a
 *    compare-and-set on its request count), and settlement always reads the latest;
 *  - never signs two attestations for one request index (that would be equivocation, slashed):
 *    a request's attestation is recorded before it is sent, and an index that has one is never
 *    served again.
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";

import type { Hex } from "viem";

import { openPrivateDatabase, syncWal, type WalSync } from "../journal.js";

/** A session's latest accepted voucher and the node's accounting of it. */
export interface SessionRecord {
  sessionId: Hex;
  /** The highest voucher accepted: its cumulative amount, request count and signature. */
  amount: bigint;
  count: bigint;
  signature: Hex;
  /** What the node has charged for the answers given (cumulative; per-token sessions carry the rest as credit). */
  charged: bigint;
  /** The voucher amount last settled on-chain (0 before the first settlement). */
  settledAmount: bigint;
  /** A settlement sent but not yet confirmed: its amount and transaction hash (recorded before broadcast). */
  settling?: { amount: bigint; count: bigint; tx: Hex } | undefined;
  /** The session's expiry (unix seconds), as read when the voucher was accepted. */
  expiry: number;
  /** When the first voucher not yet settled was accepted (ms): the settlement schedule counts from then. */
  unsettledSince?: number | undefined;
}

/** One paid request: its voucher, and once answered, its attestation. */
export interface SessionRequestRecord {
  sessionId: Hex;
  requestIndex: bigint;
  voucherAmount: bigint;
  /** The credit reserved for it when accepted (per-token sessions: what it may use). */
  reserved: bigint;
  inputHash?: Hex | undefined;
  outputHash?: Hex | undefined;
  signature?: Hex | undefined;
  /** The answer sent (the delivered text and its finish reason), so a retry of the same voucher gets the same answer. */
  output?: string | undefined;
  finish?: "stop" | "length" | undefined;
}

interface SessionRow {
  session_id: string;
  amount: string;
  count: number;
  signature: string;
  charged: string;
  settled_amount: string;
  settling_amount: string | null;
  settling_count: number | null;
  settling_tx: string | null;
  expiry: number;
  unsettled_since: number | null;
}

interface RequestRow {
  session_id: string;
  request_index: number;
  voucher_amount: string;
  reserved: string;
  input_hash: string | null;
  output_hash: string | null;
  signature: string | null;
  output: string | null;
  finish: string | null;
}

function sessionOf(row: SessionRow): SessionRecord {
  return {
    sessionId: row.session_id as Hex,
    amount: BigInt(row.amount),
    count: BigInt(row.count),
    signature: row.signature as Hex,
    charged: BigInt(row.charged),
    settledAmount: BigInt(row.settled_amount),
    settling:
      row.settling_tx !== null && row.settling_amount !== null
        ? { amount: BigInt(row.settling_amount), count: BigInt(row.settling_count ?? 0), tx: row.settling_tx as Hex }
        : undefined,
    expiry: Number(row.expiry),
    unsettledSince: row.unsettled_since === null ? undefined : Number(row.unsettled_since),
  };
}

function requestOf(row: RequestRow): SessionRequestRecord {
  return {
    sessionId: row.session_id as Hex,
    requestIndex: BigInt(row.request_index),
    voucherAmount: BigInt(row.voucher_amount),
    reserved: BigInt(row.reserved),
    inputHash: (row.input_hash ?? undefined) as Hex | undefined,
    outputHash: (row.output_hash ?? undefined) as Hex | undefined,
    signature: (row.signature ?? undefined) as Hex | undefined,
    output: row.output ?? undefined,
    finish: (row.finish ?? undefined) as "stop" | "length" | undefined,
  };
}

export class SessionJournal {
  readonly file: string;
  readonly #db: DatabaseSync;
  readonly #now: () => number;
  readonly #stmts: Record<"getSession" | "getRequest" | "insertSession" | "advance" | "insertRequest" | "answer" | "setCharged", StatementSync>;

  /** Opens (or creates) the journal in `dataDir`/sessions.sqlite (readable by the operator only). */
  constructor(dataDir: string, { now = () => Date.now() }: { now?: () => number } = {}) {
    ({ file: this.file, db: this.#db } = openPrivateDatabase(dataDir, "sessions.sqlite"));
    this.#wal = syncWal(this.file);
    this.#now = now;
    this.#db.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = FULL;
      CREATE TABLE IF NOT EXISTS sessions (
        session_id TEXT PRIMARY KEY,
        amount TEXT NOT NULL,
        count INTEGER NOT NULL,
        signature TEXT NOT NULL,
        charged TEXT NOT NULL,
        settled_amount TEXT NOT NULL DEFAULT '0',
        settling_amount TEXT, settling_count INTEGER, settling_tx TEXT,
        expiry INTEGER NOT NULL,
        unsettled_since INTEGER,
        updated_at INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS session_requests (
        session_id TEXT NOT NULL,
        request_index INTEGER NOT NULL,
        voucher_amount TEXT NOT NULL,
        reserved TEXT NOT NULL,
        input_hash TEXT, output_hash TEXT, signature TEXT, output TEXT, finish TEXT,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (session_id, request_index)
      );
    `);
    const db = this.#db;
    this.#stmts = {
      getSession: db.prepare("SELECT * FROM sessions WHERE session_id = ?"),
      getRequest: db.prepare("SELECT * FROM session_requests WHERE session_id = ? AND request_index = ?"),
      insertSession: db.prepare(
        "INSERT OR IGNORE INTO sessions (session_id, amount, count, signature, charged, expiry, unsettled_since, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      ),
      // Compare-and-set: a voucher replaces the recorded one only if its request count is higher.
      advance: db.prepare(
        "UPDATE sessions SET amount = ?, count = ?, signature = ?, charged = ?, expiry = ?, unsettled_since = COALESCE(unsettled_since, ?), updated_at = ? WHERE session_id = ? AND count < ?",
      ),
      insertRequest: db.prepare("INSERT INTO session_requests (session_id, request_index, voucher_amount, reserved, updated_at) VALUES (?, ?, ?, ?, ?)"),
      answer: db.prepare("UPDATE session_requests SET input_hash = ?, output_hash = ?, signature = ?, output = ?, finish = ?, updated_at = ? WHERE session_id = ? AND request_index = ? AND signature IS NULL"),
      setCharged: db.prepare("UPDATE sessions SET charged = ?, updated_at = ? WHERE session_id = ?"),
    };
  }

  session(sessionId: Hex): SessionRecord | undefined {
    const row = this.#stmts.getSession.get(sessionId.toLowerCase()) as SessionRow | undefined;
    return row ? sessionOf(row) : undefined;
  }

  request(sessionId: Hex, requestIndex: bigint): SessionRequestRecord | undefined {
    const row = this.#stmts.getRequest.get(sessionId.toLowerCase(), Number(requestIndex)) as RequestRow | undefined;
    return row ? requestOf(row) : undefined;
  }

  /**
   * Records an accepted voucher and its request (index `count − 1`), if the voucher's count is above
   * the recorded one; resolves once it is on disk, with whether it was recorded (false: another
   * voucher with this count or a higher one won, and the request must be refused).
   *
   * Group commit: the writes queued in one turn of the event loop (each request's `accept` and
   * `answer`) go to disk in one transaction, with one fsync, and each resolves only after it. Each
   * keeps its own compare-and-set (a savepoint each), applied in the order they were queued.
   */
  accept(sessionId: Hex, voucher: { amount: bigint; count: bigint; signature: Hex }, charged: bigint, reserved: bigint, expiry: number): Promise<boolean> {
    return this.#enqueue(() => this.#accept(sessionId, voucher, charged, reserved, expiry));
  }

  /**
   * Records the attestation of a request and the session's charged total after it; resolves once it
   * is on disk (before the answer may be sent), with false if the request already has one (it is
   * never signed twice). Group-committed like `accept`.
   */
  answer(sessionId: Hex, requestIndex: bigint, attestation: { inputHash: Hex; outputHash: Hex; signature: Hex }, answer: { output: string; finish: "stop" | "length" }, charged: bigint): Promise<boolean> {
    return this.#enqueue(() => this.#answer(sessionId, requestIndex, attestation, answer, charged));
  }

  /** Transactions (one fsync each) written so far by the group commit, and the writes they carried: a measure of the batching. */
  get commits(): { transactions: number; writes: number } {
    return { ...this.#commits };
  }

  readonly #commits = { transactions: 0, writes: 0 };
  #queue: { write: () => boolean; resolve: (ok: boolean) => void; reject: (error: unknown) => void }[] = [];

  #enqueue(write: () => boolean): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ write, resolve, reject });
      if (this.#queue.length === 1) setImmediate(() => this.#flush());
    });
  }

  /**
   * Writes every queued write in one transaction, then syncs it to the disk and settles their
   * promises. The commit itself does not sync (synchronous = NORMAL for it): the WAL file, where a
   * WAL-mode commit is appended, is synced with `fdatasync` on libuv's thread pool, so the event
   * loop goes on (the next batch is being written) while the disk works. That is what
   * synchronous = FULL does at each commit, off the main thread: nothing resolves before its
   * commit is on the disk. `sync: true` (close) syncs before returning.
   */
  #flush({ sync = false }: { sync?: boolean } = {}) {
    const batch = this.#queue;
    this.#queue = [];
    if (batch.length === 0) return;
    if (this.#closed) {
      for (const item of batch) item.reject(new Error("the session journal is closed"));
      return;
    }
    const results: ({ ok: boolean } | { error: unknown })[] = [];
    let open = false;
    this.#db.exec("PRAGMA synchronous = NORMAL");
    try {
      this.#db.exec("BEGIN IMMEDIATE");
      open = true;
      for (const item of batch) {
        this.#db.exec("SAVEPOINT w");
        try {
          const ok = item.write();
          if (!ok) this.#db.exec("ROLLBACK TO w");
          this.#db.exec("RELEASE w");
          results.push({ ok });
        } catch (error) {
          this.#db.exec("ROLLBACK TO w");
          this.#db.exec("RELEASE w");
          results.push({ error });
        }
      }
      this.#db.exec("COMMIT");
      open = false;
      this.#commits.transactions++;
      this.#commits.writes += batch.length;
    } catch (error) {
      if (open) this.#db.exec("ROLLBACK");
      for (const item of batch) item.reject(error);
      return;
    } finally {
      this.#db.exec("PRAGMA synchronous = FULL");
    }
    const settle = (error: unknown) =>
      batch.forEach((item, i) => {
        const result = results[i]!;
        if (error) item.reject(error);
        else if ("ok" in result) item.resolve(result.ok);
        else item.reject(result.error);
      });
    if (sync) {
      try {
        this.#wal.syncNow();
      } catch (error) {
        return settle(error);
      }
      return settle(undefined);
    }
    this.#wal.sync().then(
      () => settle(undefined),
      (error: unknown) => settle(error),
    );
  }

  readonly #wal: WalSync;
  #closed = false;

  #accept(sessionId: Hex, voucher: { amount: bigint; count: bigint; signature: Hex }, charged: bigint, reserved: bigint, expiry: number): boolean {
    const id = sessionId.toLowerCase();
    const now = this.#now();
    const inserted = Number(this.#stmts.insertSession.run(id, voucher.amount.toString(), Number(voucher.count), voucher.signature, charged.toString(), expiry, now, now).changes) === 1;
    const moved =
      inserted ||
      Number(this.#stmts.advance.run(voucher.amount.toString(), Number(voucher.count), voucher.signature, charged.toString(), expiry, now, now, id, Number(voucher.count)).changes) === 1;
    if (!moved) return false;
    this.#stmts.insertRequest.run(id, Number(voucher.count - 1n), voucher.amount.toString(), reserved.toString(), now);
    return true;
  }

  #answer(sessionId: Hex, requestIndex: bigint, attestation: { inputHash: Hex; outputHash: Hex; signature: Hex }, answer: { output: string; finish: "stop" | "length" }, charged: bigint): boolean {
    const id = sessionId.toLowerCase();
    const now = this.#now();
    const ok = Number(this.#stmts.answer.run(attestation.inputHash, attestation.outputHash, attestation.signature, answer.output, answer.finish, now, id, Number(requestIndex)).changes) === 1;
    if (ok) this.#stmts.setCharged.run(charged.toString(), now, id);
    return ok;
  }

  /** Records a settlement about to be broadcast (its amount, request count and transaction hash). */
  setSettling(sessionId: Hex, settling: { amount: bigint; count: bigint; tx: Hex } | undefined) {
    this.#db
      .prepare("UPDATE sessions SET settling_amount = ?, settling_count = ?, settling_tx = ?, updated_at = ? WHERE session_id = ?")
      .run(settling?.amount.toString() ?? null, settling === undefined ? null : Number(settling.count), settling?.tx ?? null, this.#now(), sessionId.toLowerCase());
  }

  /**
   * Records that the chain holds `amount` as the session's settled voucher: the settlement in flight
   * (if it is covered) is done, and the schedule restarts if a newer voucher is still unsettled.
   */
  setSettled(sessionId: Hex, amount: bigint) {
    const id = sessionId.toLowerCase();
    const current = this.session(sessionId);
    if (!current) return;
    const settled = current.settledAmount > amount ? current.settledAmount : amount;
    const done = current.settling !== undefined && current.settling.amount <= settled;
    const pending = current.amount > settled;
    this.#db
      .prepare(
        `UPDATE sessions SET settled_amount = ?, unsettled_since = ?, updated_at = ?${done ? ", settling_amount = NULL, settling_count = NULL, settling_tx = NULL" : ""} WHERE session_id = ?`,
      )
      .run(settled.toString(), pending ? this.#now() : null, this.#now(), id);
  }

  /** Sessions holding a voucher above what is settled, or a settlement in flight. */
  unsettled(): SessionRecord[] {
    const rows = this.#db
      .prepare("SELECT * FROM sessions WHERE settling_tx IS NOT NULL OR CAST(amount AS NUMERIC) > CAST(settled_amount AS NUMERIC) OR unsettled_since IS NOT NULL")
      .all() as unknown as SessionRow[];
    return rows.map(sessionOf).filter((s) => s.settling !== undefined || s.amount > s.settledAmount);
  }

  /** Every attestation signed for a session, by request index. */
  attestations(sessionId: Hex): SessionRequestRecord[] {
    const rows = this.#db.prepare("SELECT * FROM session_requests WHERE session_id = ? AND signature IS NOT NULL ORDER BY request_index").all(sessionId.toLowerCase()) as unknown as RequestRow[];
    return rows.map(requestOf);
  }

  /** Writes what is queued (synced), then closes the database. */
  close() {
    this.#flush({ sync: true });
    this.#closed = true;
    this.#wal.close();
    this.#db.close();
  }
}
