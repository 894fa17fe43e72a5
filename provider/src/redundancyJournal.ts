/**
 * The redundancy loop's journal (redundancy.ts): in the node's own SQLite file (journal.sqlite, its
 * own tables), every redundancy request that names this node, and its seat's progress. What it shares
 * with the verifier's journal (the file, compare-and-set moves, listing by state, marks) is in
 * roleJournal.ts. Recorded before acting, as for jobs (journal.ts) and verifier seats (verifierJournal.ts):
 *
 * - the seat is recorded when its `RedundancyRequested` event is read, before the scan mark moves
 *   past its block, so a restart never loses a request;
 * - the output hash and the salt are recorded (once: a second attempt keeps the first) before the
 *   commitment is signed, so the reveal always opens what was committed;
 * - the commit, the reveal and the appeal are recorded (their hash) before they are broadcast, so a
 *   restart never signs a second one while the first may still land.
 */
import type { Address, Hex } from "viem";

import { RoleJournal } from "./roleJournal.js";

/**
 * A seat's progress: named → computed (output and salt kept) → committing → committed → revealing →
 * revealed (→ appealing, when outvoted under EXACT) → paid | slashed | released. `refused` (the node
 * chose not to commit: nothing was locked, so nothing can be slashed), `absent` (the commit phase
 * ended before it committed) and `failed` (given up, with the error) are terminal too.
 */
export type RedundancySeatState =
  | "named"
  | "computed"
  | "committing"
  | "committed"
  | "revealing"
  | "revealed"
  | "appealing"
  | "paid"
  | "slashed"
  | "released"
  | "refused"
  | "absent"
  | "failed";
export const OPEN_REDUNDANCY_STATES: RedundancySeatState[] = ["named", "computed", "committing", "committed", "revealing", "revealed", "appealing"];
/** The states a seat ends in: its content's retention counts from when it got there. */
export const ENDED_REDUNDANCY_STATES: RedundancySeatState[] = ["paid", "slashed", "released", "refused", "absent", "failed"];

export interface RedundancyEntry {
  /** The request id. */
  id: bigint;
  /** Our seat: our position in the request's providers. */
  seat: number;
  /** The block of its RedundancyRequested event. */
  block: bigint;
  model: Hex;
  token: Address;
  /** Price per seat, token units. */
  price: bigint;
  inputHash: Hex;
  commitDeadline: number;
  state: RedundancySeatState;
  /** Our output's hash and the salt of our commitment. */
  output?: Hex | undefined;
  salt?: Hex | undefined;
  commitTx?: Hex | undefined;
  revealTx?: Hex | undefined;
  appealTx?: Hex | undefined;
  /** Why it was refused or failed, or the last error. */
  error?: string | undefined;
  /** When the seat ended (ms, the journal's clock), once it has. */
  endedAt?: number | undefined;
}

interface Row {
  request_id: string;
  seat: number;
  block: string;
  model: string;
  token: string;
  price: string;
  input_hash: string;
  commit_deadline: number;
  state: string;
  output: string | null;
  salt: string | null;
  commit_tx: string | null;
  reveal_tx: string | null;
  appeal_tx: string | null;
  error: string | null;
  ended_at: number | null;
}

function fromRow(r: Row): RedundancyEntry {
  const opt = <T>(v: T | null) => (v === null ? undefined : v);
  return {
    id: BigInt(r.request_id),
    seat: r.seat,
    block: BigInt(r.block),
    model: r.model as Hex,
    token: r.token as Address,
    price: BigInt(r.price),
    inputHash: r.input_hash as Hex,
    commitDeadline: r.commit_deadline,
    state: r.state as RedundancySeatState,
    output: opt(r.output) as Hex | undefined,
    salt: opt(r.salt) as Hex | undefined,
    commitTx: opt(r.commit_tx) as Hex | undefined,
    revealTx: opt(r.reveal_tx) as Hex | undefined,
    appealTx: opt(r.appeal_tx) as Hex | undefined,
    error: opt(r.error) ?? undefined,
    endedAt: r.ended_at === null || r.ended_at === undefined ? undefined : Number(r.ended_at),
  };
}

export class RedundancyJournal extends RoleJournal<RedundancyEntry, RedundancySeatState, Row> {
  readonly #now: () => number;

  /** Opens the loop's tables in the node's journal file (`file`: journal.sqlite); `now`: its clock (ms, default `Date.now`). */
  constructor(file: string, { now = Date.now }: { now?: () => number } = {}) {
    super(
      file,
      { table: "redundancy_seats", key: "request_id", state: "state", order: "CAST(request_id AS INTEGER)", meta: "redundancy_meta" },
      `
      CREATE TABLE IF NOT EXISTS redundancy_seats (
        request_id TEXT PRIMARY KEY,
        seat INTEGER NOT NULL,
        block TEXT NOT NULL,
        model TEXT NOT NULL, token TEXT NOT NULL, price TEXT NOT NULL,
        input_hash TEXT NOT NULL, commit_deadline INTEGER NOT NULL,
        state TEXT NOT NULL,
        output TEXT, salt TEXT, commit_tx TEXT, reveal_tx TEXT, appeal_tx TEXT,
        error TEXT
      );
      CREATE INDEX IF NOT EXISTS redundancy_seats_state ON redundancy_seats(state);
    `,
    );
    this.#now = now;
    // Added with content retention (retention.ts): since when a seat has ended, and whether its content
    // (the request's input, our output) was swept.
    this.addEndedColumns(ENDED_REDUNDANCY_STATES, this.#now());
    this.db.exec(`
      CREATE INDEX IF NOT EXISTS redundancy_seats_input ON redundancy_seats(input_hash);
      CREATE INDEX IF NOT EXISTS redundancy_seats_output ON redundancy_seats(output);
      CREATE INDEX IF NOT EXISTS redundancy_seats_sweep ON redundancy_seats(ended_at) WHERE content_swept = 0;
    `);
  }

  protected fromRow(r: Row): RedundancyEntry {
    return fromRow(r);
  }

  /** Records a request that names us at `seat`; a request already recorded (a replayed event) is kept as it is. Returns whether it is new. */
  recordSeat(e: Pick<RedundancyEntry, "id" | "seat" | "block" | "model" | "token" | "price" | "inputHash" | "commitDeadline">): boolean {
    const r = this.db
      .prepare(
        "INSERT OR IGNORE INTO redundancy_seats (request_id, seat, block, model, token, price, input_hash, commit_deadline, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'named')",
      )
      .run(e.id.toString(), e.seat, e.block.toString(), e.model.toLowerCase(), e.token.toLowerCase(), e.price.toString(), e.inputHash.toLowerCase(), e.commitDeadline);
    return Number(r.changes) === 1;
  }

  /**
   * Keeps our output hash and salt: only the first call for a seat counts (a restart that ran the
   * input again keeps the first salt, so the reveal opens the commitment). Returns the entry as stored.
   */
  recordVote(id: bigint, output: Hex, salt: Hex): RedundancyEntry {
    this.db.prepare("UPDATE redundancy_seats SET output = ?, salt = ?, state = 'computed' WHERE request_id = ? AND state = 'named' AND salt IS NULL").run(output, salt, id.toString());
    return this.get(id)!;
  }

  /** Moves a seat from one of `from` to `to`, setting a transaction hash or an error; returns whether it moved. */
  move(id: bigint, from: RedundancySeatState[], to: RedundancySeatState, fields: { commitTx?: Hex; revealTx?: Hex; appealTx?: Hex; error?: string } = {}): boolean {
    // A seat that ends records when (its content's retention counts from then).
    return this.moveState(id.toString(), from, to, {
      ended_at: ENDED_REDUNDANCY_STATES.includes(to) ? this.#now() : null,
      commit_tx: fields.commitTx || undefined,
      reveal_tx: fields.revealTx || undefined,
      appeal_tx: fields.appealTx || undefined,
      error: fields.error || undefined,
    });
  }

  get(id: bigint): RedundancyEntry | undefined {
    return this.entry(id.toString());
  }

  /** Seats in `states` (default: every open one), oldest first. */
  seats(states: RedundancySeatState[] = OPEN_REDUNDANCY_STATES): RedundancyEntry[] {
    return this.inStates(states);
  }

  /**
   * Ended seats whose content (the request's input, our output) may be due for deletion at `now` (ms):
   * a seat that computed no output at once, one that did `retentionMs` after it ended (clients fetch
   * outputs by hash after the request settled); at most `limit`, earliest first. The content itself may
   * still be held by another seat or job (see `holdsContent`). The retention's view (retention.ts).
   */
  listContentDue(now: number, retentionMs: number, limit: number): { jobId: string; hashes: Hex[] }[] {
    const select = "SELECT request_id, input_hash, output FROM redundancy_seats WHERE content_swept = 0 AND ended_at IS NOT NULL";
    const rows = [
      ...this.db.prepare(`${select} AND output IS NULL AND ended_at <= ? ORDER BY ended_at LIMIT ?`).all(now, limit),
      ...this.db.prepare(`${select} AND output IS NOT NULL AND ended_at <= ? ORDER BY ended_at LIMIT ?`).all(now - retentionMs, limit),
    ] as unknown as { request_id: string; input_hash: string; output: string | null }[];
    return rows.slice(0, limit).map((r) => ({
      jobId: `redundancy:${r.request_id}`,
      hashes: [...new Set([r.input_hash, r.output].filter((h): h is string => h !== null).map((h) => h.toLowerCase() as Hex))],
    }));
  }

  /** Whether a seat still holds `hash` at `now` (ms): one not ended, or one that computed an output and ended less than `retentionMs` ago. */
  holdsContent(hash: Hex, now: number, retentionMs: number): boolean {
    const key = hash.toLowerCase();
    const row = this.db
      .prepare("SELECT 1 FROM redundancy_seats WHERE (input_hash = ? OR output = ?) AND (ended_at IS NULL OR (output IS NOT NULL AND ended_at > ?)) LIMIT 1")
      .get(key, key, now - retentionMs);
    return row !== undefined;
  }

  /** Records that a seat's content was deleted (or is held by another, which will delete it); `key` as `listContentDue` gives it. */
  setContentSwept(key: string) {
    this.db.prepare("UPDATE redundancy_seats SET content_swept = 1 WHERE request_id = ?").run(key.replace(/^redundancy:/, ""));
  }
}
