// Node-only. What the role journals share (verifierJournal.ts, redundancyJournal.ts): a table of
// entries keyed by id in the node's own journal file, each with a state that only moves forward by
// compare-and-set, a table of marks (how far the loop scanned), and the file's durability. Each role
// keeps its own columns, rows and steps; the record-before-effect discipline is the loops' (the step
// is recorded here, then the effect happens).
import { DatabaseSync } from "node:sqlite";

/** Where a role keeps its entries: its table, the key and state columns, the order it lists them in, and its marks' table. */
export interface RoleTable {
  table: string;
  key: string;
  state: string;
  /** An SQL expression over the table's columns: `seats()` lists oldest first by it. */
  order: string;
  meta: string;
}

/** A column's value as SQLite binds it. */
export type SqlValue = string | number | bigint | null;

export abstract class RoleJournal<Entry, State extends string, Row> {
  /** The connection (the subclass's own statements use it). */
  protected readonly db: DatabaseSync;
  readonly #t: RoleTable;

  /**
   * Opens `file` (the node's journal.sqlite; the job journal created it private) and the role's tables:
   * WAL, every commit synced (`synchronous = FULL`: a recorded step survives a power loss before its
   * effect), a busy timeout (the job journal writes the same file); then `schema` (CREATE … IF NOT
   * EXISTS) and the marks' table.
   */
  protected constructor(file: string, table: RoleTable, schema: string) {
    this.#t = table;
    this.db = new DatabaseSync(file);
    this.db.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = FULL;
      PRAGMA busy_timeout = 5000;
      ${schema}
      CREATE TABLE IF NOT EXISTS ${table.meta} (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    `);
  }

  /**
   * Adds what the content retention (retention.ts) reads, to a table written before it: since when an
   * entry has ended (`ended_at`, ms) and whether its content was swept (`content_swept`). Entries
   * already in one of `ended` count from `now` (a full window from the upgrade).
   */
  protected addEndedColumns(ended: readonly State[], now: number) {
    const { table, state } = this.#t;
    const columns = this.db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[];
    if (columns.some((c) => c.name === "ended_at")) return;
    this.db.exec(`
      ALTER TABLE ${table} ADD COLUMN ended_at INTEGER;
      ALTER TABLE ${table} ADD COLUMN content_swept INTEGER NOT NULL DEFAULT 0;
    `);
    this.db.prepare(`UPDATE ${table} SET ended_at = ? WHERE ${state} IN (${ended.map(() => "?").join(", ")})`).run(now, ...ended);
  }

  /** An entry as the role reads it from its row. */
  protected abstract fromRow(row: Row): Entry;

  close() {
    this.db.close();
  }

  /**
   * Moves the entry `key` from one of `from` to `to` (compare-and-set: of two concurrent callers, one
   * wins), also setting `sets` (a column's new value; `undefined` leaves it); returns whether it moved.
   */
  protected moveState(key: string, from: readonly State[], to: State, sets: Record<string, SqlValue | undefined> = {}): boolean {
    const { table, state, key: keyColumn } = this.#t;
    const columns = [state];
    const values: SqlValue[] = [to];
    for (const [column, value] of Object.entries(sets)) {
      if (value === undefined) continue;
      columns.push(column);
      values.push(value);
    }
    const r = this.db
      .prepare(`UPDATE ${table} SET ${columns.map((c) => `${c} = ?`).join(", ")} WHERE ${keyColumn} = ? AND ${state} IN (${from.map(() => "?").join(", ")})`)
      .run(...values, key, ...from);
    return Number(r.changes) === 1;
  }

  /** The entry `key`, if recorded. */
  protected entry(key: string): Entry | undefined {
    const row = this.db.prepare(`SELECT * FROM ${this.#t.table} WHERE ${this.#t.key} = ?`).get(key) as Row | undefined;
    return row ? this.fromRow(row) : undefined;
  }

  /** Entries whose state is one of `states`, in the role's order. */
  protected inStates(states: readonly State[]): Entry[] {
    const { table, state, order } = this.#t;
    return (this.db.prepare(`SELECT * FROM ${table} WHERE ${state} IN (${states.map(() => "?").join(", ")}) ORDER BY ${order}`).all(...states) as unknown as Row[]).map((r) =>
      this.fromRow(r),
    );
  }

  /** A mark (the last block scanned, …), if set. */
  mark(key: string): bigint | undefined {
    const row = this.db.prepare(`SELECT value FROM ${this.#t.meta} WHERE key = ?`).get(key) as { value: string } | undefined;
    return row ? BigInt(row.value) : undefined;
  }

  setMark(key: string, value: bigint) {
    this.db.prepare(`INSERT INTO ${this.#t.meta} (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`).run(key, value.toString());
  }
}
