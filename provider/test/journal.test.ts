import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";

import { afterEach, describe, expect, it } from "vitest";

import { Journal } from "../src/journal.js";
import type { Job } from "depinfer";

const job: Job = {
  client: "0x0000000000000000000000000000000000000001",
  provider: "0x0000000000000000000000000000000000000002",
  token: "0x0000000000000000000000000000000000000003",
  price: 2_000_000n,
  collateral: 123456789012345678901234n,
  model: `0x${"11".repeat(32)}`,
  inputHash: `0x${"22".repeat(32)}`,
  deadline: 2_000_000_000,
  paramsVersion: 3,
  nonce: 18446744073709551615n,
};
const ID = `0x${"aa".repeat(32)}` as const;

describe("provider node journal", () => {
  const dirs: string[] = [];
  const freshDir = () => {
    const d = mkdtempSync(path.join(tmpdir(), "depinfer-journal-"));
    dirs.push(d);
    return d;
  };
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  it("keeps jobs, their terms (bigints included) and the last block across a reopen", () => {
    const dir = freshDir();
    const j = new Journal(dir);
    expect(j.recordSeen(ID, job, 42n)).toBe(true);
    expect(j.recordSeen(ID, job, 42n)).toBe(false); // a replayed event is not a new job
    j.setLastBlock(99n);
    j.close();
    const reopened = new Journal(dir);
    const entry = reopened.get(ID)!;
    expect(entry.job).toEqual(job);
    expect(entry.state).toBe("seen");
    expect(entry.block).toBe(42n);
    expect(reopened.lastBlock()).toBe(99n);
    reopened.close();
  });

  it("is readable by the operator only: the journal and its WAL files 0600, its new data directory 0700", () => {
    const dir = path.join(freshDir(), "data");
    const j = new Journal(dir);
    j.recordSeen(ID, job, 1n); // a write, so the WAL files exist
    const modes = readdirSync(dir).map((f) => [f, statSync(path.join(dir, f)).mode & 0o777] as const);
    expect(modes.map(([f]) => f)).toEqual(expect.arrayContaining(["journal.sqlite", "journal.sqlite-wal"]));
    for (const [file, mode] of modes) expect(mode, file).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    j.close();
  });

  it("moves a job only from the expected states, and only once", () => {
    const j = new Journal(freshDir());
    j.recordSeen(ID, job, 1n);
    expect(j.transition(ID, ["seen"], "accepting")).toBe(true);
    expect(j.transition(ID, ["seen"], "accepting")).toBe(false); // a second worker loses
    expect(j.transition(ID, ["computed"], "submitting")).toBe(false); // not from the wrong state
    expect(j.transition(ID, ["accepting"], "accepted", { acceptTx: `0x${"01".repeat(32)}` })).toBe(true);
    expect(j.transition(ID, ["accepted"], "computed", { outputHash: `0x${"02".repeat(32)}`, signature: "0x1234" })).toBe(true);
    const e = j.get(ID)!;
    expect([e.state, e.acceptTx, e.outputHash, e.signature]).toEqual(["computed", `0x${"01".repeat(32)}`, `0x${"02".repeat(32)}`, "0x1234"]);
    expect(j.list(["computed"]).map((x) => x.jobId)).toEqual([ID]);
    expect(j.counts()).toEqual({ computed: 1 });
    expect(j.recordAttempt(ID, "rpc timeout")).toBe(1);
    expect(j.get(ID)!.error).toBe("rpc timeout");
    j.close();
  });

  it("test_journal_batch: records a batch's jobs all or none, keeps its signed bytes once, and gives them back as each job's submitRaw", () => {
    const dir = freshDir();
    const j = new Journal(dir);
    const ids = [1, 2, 3].map((n) => `0x${n.toString(16).padStart(64, "0")}` as const);
    for (const id of ids) {
      j.recordSeen(id, { ...job, nonce: BigInt(id) }, 1n);
      j.transition(id, ["seen"], "computed", { outputHash: `0x${"02".repeat(32)}` });
    }
    const hash = `0x${"aa".repeat(32)}` as const;
    // One job moved on meanwhile: nothing of the batch is recorded.
    j.transition(ids[2], ["computed"], "cancelled");
    expect(() =>
      j.atomically(() => {
        j.recordBatch(hash, "0xbeef");
        for (const id of ids) if (!j.transition(id, ["computed"], "submitting", { submitTx: hash })) throw new Error("moved on");
      }),
    ).toThrow("moved on");
    expect(ids.map((id) => j.get(id)!.state)).toEqual(["computed", "computed", "cancelled"]);
    expect(j.get(ids[0])!.submitRaw).toBeUndefined();
    // The rest go: each names the batch, and reads its bytes back, also after a reopen.
    j.atomically(() => {
      j.recordBatch(hash, "0xbeef");
      for (const id of ids.slice(0, 2)) expect(j.transition(id, ["computed"], "submitting", { submitTx: hash, submitRaw: undefined })).toBe(true);
    });
    j.close();
    const again = new Journal(dir);
    expect(again.list(["submitting"]).map((e) => [e.jobId, e.submitTx, e.submitRaw])).toEqual(ids.slice(0, 2).map((id) => [id, hash, "0xbeef"]));
    // A job's own bytes (a single submission) win over a batch's.
    again.transition(ids[0], ["submitting"], "submitting", { submitTx: hash, submitRaw: "0x1234" });
    expect(again.get(ids[0])!.submitRaw).toBe("0x1234");
    again.close();
  });

  it("test_journal_atomicallyDurable: commits all or none, resolves with the result once synced, and the commit is there after a reopen", async () => {
    const dir = freshDir();
    const j = new Journal(dir);
    j.recordSeen(ID, job, 1n);
    await expect(
      j.atomicallyDurable(() => {
        j.transition(ID, ["seen"], "accepting", { acceptTx: `0x${"01".repeat(32)}` });
        throw new Error("refused");
      }),
    ).rejects.toThrow("refused");
    expect(j.get(ID)!.state).toBe("seen");
    await expect(j.atomicallyDurable(() => j.transition(ID, ["seen"], "accepting", { acceptTx: `0x${"01".repeat(32)}` }))).resolves.toBe(true);
    j.close();
    const again = new Journal(dir);
    expect(again.get(ID)).toMatchObject({ state: "accepting", acceptTx: `0x${"01".repeat(32)}` });
    // A job's terms are parsed once and shared, frozen, by every reader.
    const first = again.get(ID)!.job;
    expect(again.list(["accepting"])[0]!.job).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(first).toEqual(job);
    again.close();
  });

  it("counts failed attempts per step, and keeps named block cursors", () => {
    const j = new Journal(freshDir());
    j.recordSeen(ID, job, 1n);
    expect(j.recordAttempt(ID, "RPC down")).toBe(1);
    expect(j.recordAttempt(ID, "RPC down")).toBe(2);
    expect(j.get(ID)).toMatchObject({ attempts: 2, error: "RPC down" });
    j.transition(ID, ["seen"], "accepted");
    expect(j.get(ID)?.attempts).toBe(0); // a new step starts afresh
    expect(j.blockMark("dispute_block")).toBeUndefined();
    j.setBlockMark("dispute_block", 7n);
    j.setLastBlock(9n);
    expect([j.blockMark("dispute_block"), j.lastBlock()]).toEqual([7n, 9n]);
    j.close();
  });

  it("lists an output for release only once the job's result is on-chain, and until it is released", () => {
    const j = new Journal(freshDir());
    const ids = [1, 2, 3].map((i) => `0x${String(i).repeat(64)}` as const);
    for (const [i, id] of ids.entries()) {
      j.recordSeen(id, job, BigInt(i));
      j.transition(id, ["seen"], "computed", { outputHash: `0x${"02".repeat(32)}` });
    }
    expect(j.listUnreleased()).toEqual([]); // computed: not on-chain yet
    j.transition(ids[0], ["computed"], "submitted");
    j.transition(ids[1], ["computed"], "slashed"); // e.g. equivocation while only accepted
    j.transition(ids[2], ["computed"], "cancelled");
    expect(j.listUnreleased().map((e) => e.jobId)).toEqual([ids[0]]);
    j.setOutputReleased(ids[0]);
    expect(j.listUnreleased()).toEqual([]);
    expect(j.get(ids[0])?.outputReleased).toBe(true);
    expect(j.get(ids[2])?.outputReleased).toBeUndefined();
    j.close();
  });

  it("counts the outputs of a journal from before releases as released (those nodes served them at once)", () => {
    const dir = freshDir();
    const j = new Journal(dir);
    j.recordSeen(ID, job, 1n);
    j.transition(ID, ["seen"], "computed", { outputHash: `0x${"02".repeat(32)}` });
    j.close();
    // The journal as an earlier node left it: no output_released column.
    const db = new DatabaseSync(path.join(dir, "journal.sqlite"));
    db.exec("DROP INDEX jobs_unreleased; ALTER TABLE jobs DROP COLUMN output_released;");
    db.close();
    const reopened = new Journal(dir);
    expect(reopened.get(ID)?.outputReleased).toBe(true);
    reopened.transition(ID, ["computed"], "submitted");
    expect(reopened.listUnreleased()).toEqual([]);
    reopened.close();
  });

  it("lists an ended job's content as due at once without an output, after the retention with one, and knows who still holds it", () => {
    let now = 1_000_000;
    const j = new Journal(freshDir(), { now: () => now });
    const output = `0x${"02".repeat(32)}` as const;
    const [untaken, settled, live] = [1, 2, 3].map((i) => `0x${String(i).repeat(64)}` as const);
    for (const [i, id] of [untaken, settled, live].entries()) j.recordSeen(id, job, BigInt(i)); // all three share the input
    j.transition(untaken, ["seen"], "cancelled");
    j.transition(settled, ["seen"], "computed", { outputHash: output });
    j.transition(settled, ["computed"], "finalized");
    expect(j.get(settled)?.endedAt).toBe(now);
    expect(j.get(live)?.endedAt).toBeUndefined();
    expect(j.listContentDue(now, 10_000, 10)).toEqual([{ jobId: untaken, hashes: [job.inputHash] }]);
    // The live job holds the shared input; the finalized one holds its output until its retention passes.
    expect(j.holdsContent(job.inputHash, now, 10_000)).toBe(true);
    expect(j.holdsContent(output, now, 10_000)).toBe(true);
    now += 10_001;
    expect(j.listContentDue(now, 10_000, 10).map((d) => d.jobId)).toEqual([untaken, settled]);
    expect(j.holdsContent(output, now, 10_000)).toBe(false);
    expect(j.holdsContent(job.inputHash, now, 10_000)).toBe(true); // still: the live job
    j.setContentSwept(untaken);
    j.setContentSwept(settled);
    expect(j.listContentDue(now, 10_000, 10)).toEqual([]);
    j.transition(live, ["seen"], "skipped");
    expect(j.holdsContent(job.inputHash, now, 10_000)).toBe(false);
    j.close();
  });

  it("migrates a journal from before content retention: inputs from the terms, ended jobs from their last update", () => {
    const dir = freshDir();
    let now = 5_000;
    const j = new Journal(dir, { now: () => now });
    j.recordSeen(ID, job, 1n);
    j.transition(ID, ["seen"], "skipped");
    j.close();
    // The journal as an earlier node left it: none of the retention columns.
    const db = new DatabaseSync(path.join(dir, "journal.sqlite"));
    db.exec(`
      DROP INDEX jobs_input_hash; DROP INDEX jobs_output_hash; DROP INDEX jobs_sweep_untaken; DROP INDEX jobs_sweep_outputs;
      ALTER TABLE jobs DROP COLUMN input_hash; ALTER TABLE jobs DROP COLUMN ended_at; ALTER TABLE jobs DROP COLUMN content_swept;
    `);
    db.close();
    now = 9_000;
    const reopened = new Journal(dir, { now: () => now });
    expect(reopened.get(ID)?.endedAt).toBe(5_000);
    expect(reopened.listContentDue(now, 0, 10)).toEqual([{ jobId: ID, hashes: [job.inputHash] }]);
    reopened.close();
  });

  it("test_journal_reorg: keeps where each job's latest effect was mined, the checkpoint, and takes up a job whose creation came back", () => {
    const dir = freshDir();
    const j = new Journal(dir);
    const ids = [1, 2, 3].map((i) => `0x${String(i).repeat(64)}` as const);
    for (const id of ids) j.recordSeen(id, job, 10n);
    j.setEffect(ids[0], 20n, `0x${"aa".repeat(32)}`);
    j.setEffect(ids[1], 30n, `0x${"bb".repeat(32)}`);
    expect(j.listEffectsSince(25n).map((e) => e.jobId)).toEqual([ids[1]]);
    expect(j.listEffectsSince(0n).map((e) => [e.jobId, e.effectBlock, e.effectHash])).toEqual([
      [ids[0], 20n, `0x${"aa".repeat(32)}`],
      [ids[1], 30n, `0x${"bb".repeat(32)}`],
    ]);
    expect(j.checkpoint()).toBeUndefined();
    j.setCheckpoint(31n, `0x${"cc".repeat(32)}`);
    // A job skipped because the chain did not know it is taken up again when delivered again, in its new block.
    j.transition(ids[2], ["seen"], "skipped", { error: "JobUnknown" });
    expect(j.redelivered(ids[2], 12n)).toBe(true);
    expect(j.get(ids[2])).toMatchObject({ state: "seen", block: 12n });
    expect(j.get(ids[2])?.error).toBeUndefined();
    // Live again: its content is no longer due for deletion, and is held again.
    expect(j.get(ids[2])?.endedAt).toBeUndefined();
    expect(j.holdsContent(job.inputHash, Date.now(), 0)).toBe(true);
    // Any other job only gets its new block.
    j.transition(ids[0], ["seen"], "skipped", { error: "price too low" });
    expect(j.redelivered(ids[0], 11n)).toBe(false);
    expect(j.get(ids[0])).toMatchObject({ state: "skipped", block: 11n });
    j.close();
    const reopened = new Journal(dir);
    expect(reopened.checkpoint()).toEqual({ block: 31n, hash: `0x${"cc".repeat(32)}` });
    expect(reopened.get(ids[1])?.effectBlock).toBe(30n);
    reopened.close();
  });

  it("survives SIGKILL: every transition reported committed is there after reopening", async () => {
    const dir = freshDir();
    const tsx = path.join(path.dirname(createRequire(import.meta.url).resolve("tsx/package.json")), "dist", "cli.mjs");
    const child = spawn(process.execPath, [tsx, path.join(import.meta.dirname, "fixtures", "journal-writer.ts"), dir], {
      stdio: ["ignore", "pipe", "inherit"],
      detached: true, // tsx runs the script in a grandchild: SIGKILL the whole group, writer included
    });
    let committed = 0;
    await new Promise<void>((resolve) => {
      child.stdout!.on("data", (chunk: Buffer) => {
        const matches = [...chunk.toString().matchAll(/committed (\d+)/g)];
        if (matches.length) committed = Number(matches.at(-1)![1]);
        if (committed >= 200) {
          process.kill(-child.pid!, "SIGKILL");
          resolve();
        }
      });
    });
    await new Promise((r) => child.once("exit", r));
    child.stdout!.destroy();
    const j = new Journal(dir);
    const accepted = j.list(["accepted"]);
    expect(accepted.length).toBeGreaterThanOrEqual(committed);
    expect(j.list(["seen"]).length).toBeLessThanOrEqual(1); // at most the one caught between its two statements
    expect(j.lastBlock()).toBeGreaterThanOrEqual(BigInt(committed));
    for (const e of accepted) expect(e.acceptTx).toBe(`0x${"ab".repeat(32)}`);
    j.close();
  });
});
