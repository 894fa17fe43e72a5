import { mkdtempSync, readdirSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { afterEach, describe, expect, it } from "vitest";

import { openPrivateDatabase, syncWal } from "../src/journal.js";

/** This process's open descriptors on `file` (Linux: /proc/self/fd), as their link targets. */
function descriptorsOn(file: string): string[] {
  return readdirSync("/proc/self/fd")
    .map((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        return "";
      }
    })
    .filter((target) => target === file || target === `${file} (deleted)`);
}

describe("syncWal: the journals' one WAL sync", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const open = () => {
    const dir = mkdtempSync(path.join(tmpdir(), "depinfer-walsync-"));
    dirs.push(dir);
    const { file, db } = openPrivateDatabase(dir, "t.sqlite");
    db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; CREATE TABLE t (v INTEGER)");
    return { file, db, wal: `${file}-wal` };
  };

  it("opens the log once and keeps it: one descriptor across many syncs and a checkpoint, none after close", async () => {
    const { file, db, wal } = open();
    db.prepare("INSERT INTO t VALUES (?)").run(-1);
    const sqlites = descriptorsOn(wal).length; // SQLite's own descriptors on its log
    const sync = syncWal(file);
    for (let i = 0; i < 20; i++) {
      db.prepare("INSERT INTO t VALUES (?)").run(i);
      if (i % 2) await sync.sync();
      else sync.syncNow();
    }
    expect(descriptorsOn(wal).length).toBe(sqlites + 1);
    // A truncating checkpoint empties the log but keeps the file: the descriptor still names it.
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    db.prepare("INSERT INTO t VALUES (?)").run(99);
    await sync.sync();
    expect(descriptorsOn(wal)).toEqual(Array(sqlites + 1).fill(wal)); // the live file, not a deleted one
    sync.close();
    expect(descriptorsOn(wal).length).toBe(sqlites);
    await expect(sync.sync()).rejects.toThrow(/closed/);
    db.close();
  });

  it("before the first commit (no log yet) syncs the database file, and leaves nothing open", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "depinfer-walsync-"));
    dirs.push(dir);
    const { file, db } = openPrivateDatabase(dir, "empty.sqlite");
    const sync = syncWal(file);
    await sync.sync();
    sync.syncNow();
    expect(descriptorsOn(`${file}-wal`)).toEqual([]);
    expect(descriptorsOn(file).length).toBe(1); // SQLite's own: the one the sync opened is closed
    sync.close();
    db.close();
  });

  it("a close while a sync is in flight waits for it: the sync resolves, then the descriptor closes", async () => {
    const { file, db, wal } = open();
    const sync = syncWal(file);
    db.prepare("INSERT INTO t VALUES (1)").run();
    const sqlites = descriptorsOn(wal).length;
    const inFlight = sync.sync();
    sync.close();
    await expect(inFlight).resolves.toBeUndefined();
    expect(descriptorsOn(wal).length).toBe(sqlites);
    db.close();
  });
});
