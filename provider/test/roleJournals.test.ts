// The role journals (redundancyJournal.ts, verifierJournal.ts) over journal files written by earlier
// versions of the node: they open, keep every row, and the redundancy seats get the retention's
// columns (a seat that had already ended counts its retention from the upgrade).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";

import { afterEach, describe, expect, it } from "vitest";

import { RedundancyJournal } from "../src/redundancyJournal.js";
import { VerifierJournal } from "../src/verifierJournal.js";

const H = (b: string) => `0x${b.repeat(32)}` as const;

/** The redundancy tables as the node wrote them before content retention covered them. */
const REDUNDANCY_V1 = `
  CREATE TABLE redundancy_seats (
    request_id TEXT PRIMARY KEY,
    seat INTEGER NOT NULL,
    block TEXT NOT NULL,
    model TEXT NOT NULL, token TEXT NOT NULL, price TEXT NOT NULL,
    input_hash TEXT NOT NULL, commit_deadline INTEGER NOT NULL,
    state TEXT NOT NULL,
    output TEXT, salt TEXT, commit_tx TEXT, reveal_tx TEXT, appeal_tx TEXT,
    error TEXT
  );
  CREATE INDEX redundancy_seats_state ON redundancy_seats(state);
  CREATE TABLE redundancy_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  INSERT INTO redundancy_seats VALUES ('7', 1, '12', '${H("11")}', '0x0000000000000000000000000000000000000003', '2000000', '${H("22")}', 1000, 'paid', '${H("33")}', '${H("44")}', '${H("55")}', '${H("66")}', NULL, NULL);
  INSERT INTO redundancy_seats VALUES ('8', 0, '13', '${H("11")}', '0x0000000000000000000000000000000000000003', '2000000', '${H("77")}', 1000, 'committed', '${H("88")}', '${H("99")}', '${H("aa")}', NULL, NULL, NULL);
  INSERT INTO redundancy_meta VALUES ('scan_block', '40');
`;

/** The verifier's tables as the node wrote them before the role journals shared a base. */
const VERIFIER_V1 = `
  CREATE TABLE verifier_jobs (
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
  CREATE INDEX verifier_jobs_sample ON verifier_jobs(sample);
  CREATE INDEX verifier_jobs_seat ON verifier_jobs(seat);
  CREATE INDEX verifier_jobs_check ON verifier_jobs(check_open);
  CREATE TABLE verifier_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  INSERT INTO verifier_jobs VALUES ('${H("bb")}', '{"client":"0x0000000000000000000000000000000000000001","provider":"0x0000000000000000000000000000000000000002","token":"0x0000000000000000000000000000000000000003","price":"5n","collateral":"6n","model":"${H("11")}","inputHash":"${H("22")}","deadline":7,"paramsVersion":1,"nonce":"8n"}', '12', NULL, NULL, 'done', 1, 'revealed', 0, 1, '${H("cc")}', '${H("55")}', '${H("66")}', '${H("77")}', NULL);
  INSERT INTO verifier_meta VALUES ('scan_block', '41');
`;

/** The schema of `file` (its tables' and indexes' SQL, by name). */
function schemaOf(file: string) {
  const db = new DatabaseSync(file);
  const rows = db.prepare("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name").all() as { name: string; sql: string }[];
  db.close();
  return Object.fromEntries(rows.map((r) => [r.name, r.sql.replace(/\s+/g, " ").replace("IF NOT EXISTS ", "")]));
}

describe("role journals over an existing journal file", () => {
  const dirs: string[] = [];
  const file = () => {
    const d = mkdtempSync(path.join(tmpdir(), "depinfer-role-journal-"));
    dirs.push(d);
    return path.join(d, "journal.sqlite");
  };
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  it("test_redundancyJournal_openV1: every seat and mark kept; an ended seat's retention counts from the upgrade, an open one's from its end", () => {
    const f = file();
    const old = new DatabaseSync(f);
    old.exec(REDUNDANCY_V1);
    old.close();
    let clock = 5_000;
    const j = new RedundancyJournal(f, { now: () => clock });
    expect(j.mark("scan_block")).toBe(40n);
    const paid = j.get(7n)!;
    expect(paid).toMatchObject({ seat: 1, block: 12n, price: 2_000_000n, inputHash: H("22"), state: "paid", output: H("33"), salt: H("44"), commitTx: H("55"), revealTx: H("66"), endedAt: 5_000 });
    expect(j.seats().map((e) => e.id)).toEqual([8n]);
    // Within the retention (10 s), the paid seat holds its input and output; the open seat holds its own.
    expect(j.holdsContent(H("22"), 14_999, 10_000)).toBe(true);
    expect(j.holdsContent(H("33"), 14_999, 10_000)).toBe(true);
    expect(j.listContentDue(14_999, 10_000, 10)).toEqual([]);
    // At the exact end of it: due, and held no more.
    expect(j.holdsContent(H("33"), 15_000, 10_000)).toBe(false);
    expect(j.listContentDue(15_000, 10_000, 10)).toEqual([{ jobId: "redundancy:7", hashes: [H("22"), H("33")] }]);
    j.setContentSwept("redundancy:7");
    expect(j.listContentDue(15_000, 10_000, 10)).toEqual([]);
    expect(j.holdsContent(H("77"), 1e12, 10_000)).toBe(true);
    // A seat that ends without an output (refused before it ran): due at once.
    j.recordSeat({ id: 9n, seat: 0, block: 14n, model: H("11"), token: "0x0000000000000000000000000000000000000003", price: 1n, inputHash: H("bb"), commitDeadline: 1000 });
    clock = 6_000;
    expect(j.move(9n, ["named"], "refused", { error: "no" })).toBe(true);
    expect(j.get(9n)!.endedAt).toBe(6_000);
    expect(j.holdsContent(H("bb"), 6_000, 10_000)).toBe(false);
    expect(j.listContentDue(6_000, 10_000, 10)).toEqual([{ jobId: "redundancy:9", hashes: [H("bb")] }]);
    j.close();
    // Opened again (the columns exist now): nothing back-filled twice.
    clock = 99_000;
    const again = new RedundancyJournal(f, { now: () => clock });
    expect(again.get(7n)!.endedAt).toBe(5_000);
    expect(again.get(8n)!.endedAt).toBeUndefined();
    again.close();
  });

  it("test_verifierJournal_openV1: an earlier file opens with its rows and marks; moves, lists, marks and the output's retention hold across a reopen", () => {
    const f = file();
    const job = {
      client: "0x0000000000000000000000000000000000000001",
      provider: "0x0000000000000000000000000000000000000002",
      token: "0x0000000000000000000000000000000000000003",
      price: 2_000_000n,
      collateral: 123456789012345678901234n,
      model: H("11"),
      inputHash: H("22"),
      deadline: 2_000_000_000,
      paramsVersion: 3,
      nonce: 18446744073709551615n,
    } as const;
    const old = new DatabaseSync(f);
    old.exec(VERIFIER_V1);
    old.close();
    const before = schemaOf(f);
    let clock = 1_000;
    const j = new VerifierJournal(f, { now: () => clock });
    // The earlier version's row and mark, as it wrote them; its tables and indexes kept, the retention's columns added.
    const after = schemaOf(f);
    for (const [name, sql] of Object.entries(before)) expect(name === "verifier_jobs" ? after[name].replace(", ended_at INTEGER, content_swept INTEGER NOT NULL DEFAULT 0", "") : after[name]).toBe(sql);
    expect(Object.keys(after).filter((n) => !(n in before))).toEqual(["verifier_jobs_output", "verifier_jobs_sweep"]);
    expect(j.get(H("bb"))).toMatchObject({ job: { price: 5n, collateral: 6n, nonce: 8n }, block: 12n, sample: "done", check: true, seat: "revealed", voteIndex: 0, round: 1, output: H("cc"), salt: H("55") });
    expect(j.mark("scan_block")).toBe(41n);
    j.recordJob(H("aa"), job, 42n);
    j.recordSubmission(H("aa"), H("33"), "0x1234", "pending");
    expect(j.recordSeat(H("aa"), 2, 1)).toBe(true);
    expect(j.recordSeat(H("aa"), 2, 1)).toBe(false);
    j.recordVote(H("aa"), H("44"), H("55"));
    expect(j.moveSeat(H("aa"), ["computed"], "committing", { commitTx: H("66") })).toBe(true);
    expect(j.moveSeat(H("aa"), ["computed"], "committed")).toBe(false);
    j.setMark("scan_block", 99n);
    j.close();
    const again = new VerifierJournal(f);
    expect(again.get(H("aa"))).toMatchObject({ job, block: 42n, providerOutput: H("33"), signature: "0x1234", sample: "pending", check: true, seat: "committing", voteIndex: 2, round: 1, output: H("44"), salt: H("55"), commitTx: H("66") });
    expect(again.seats().map((e) => e.jobId)).toEqual([H("bb"), H("aa")]); // open ones, by block
    expect(again.seats(["committing"]).map((e) => e.jobId)).toEqual([H("aa")]);
    expect(again.toSample().map((e) => e.jobId)).toEqual([H("aa")]);
    expect(again.openChecks().map((e) => e.jobId)).toEqual([H("bb"), H("aa")]);
    expect(again.mark("scan_block")).toBe(99n);
    expect(again.mark("other")).toBeUndefined();
    again.close();

    // Retention: a seat's output (a TOLERANT re-run's evidence) is held while the seat is open, and for `retentionMs` after it ends.
    const r = new VerifierJournal(f, { now: () => clock });
    expect(r.holdsContent(H("cc"), 1e12, 10_000)).toBe(true); // bb: revealed, open
    clock = 2_000;
    expect(r.moveSeat(H("bb"), ["revealed"], "closed")).toBe(true);
    expect(r.get(H("bb"))!.endedAt).toBe(2_000);
    expect(r.holdsContent(H("cc"), 11_999, 10_000)).toBe(true);
    expect(r.listContentDue(11_999, 10_000, 10)).toEqual([]);
    expect(r.holdsContent(H("cc"), 12_000, 10_000)).toBe(false);
    expect(r.listContentDue(12_000, 10_000, 10)).toEqual([{ jobId: `verifier:${H("bb")}`, hashes: [H("cc")] }]);
    r.setContentSwept(`verifier:${H("bb")}`);
    expect(r.listContentDue(12_000, 10_000, 10)).toEqual([]);
    expect(r.holdsContent(H("44"), 1e12, 10_000)).toBe(true); // aa: its own output, still open
    r.close();
  });
});
