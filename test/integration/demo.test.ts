import { spawnSync } from "node:child_process";
import path from "node:path";

import { describe, expect, it } from "vitest";

import { runDemo } from "../../scripts/demo.js";

describe("npm run demo", () => {
  it("deploys, runs an honest, a lying and a silent provider node over 20 jobs, and every expected outcome happens", async () => {
    const status = () => spawnSync("git", ["status", "--porcelain", "--untracked-files=all"], { cwd: path.resolve(import.meta.dirname, "../.."), encoding: "utf8" }).stdout;
    const before = status();
    const lines: string[] = [];
    const commandStartedAt = Date.now() - 30_000;
    expect(await runDemo((l) => lines.push(l), { commandStartedAt })).toBe(true);
    const out = lines.join("\n");
    // The last line reports the demo's own time and the command's total, which is the longer.
    const [, own, total] = out.match(/Demo passed in ([\d.]+) s \(([\d.]+) s in all since the command started, compile and start-up included\)\./) ?? [];
    expect(Number(total)).toBeGreaterThanOrEqual(30);
    expect(Number(total)).toBeGreaterThan(Number(own));
    // It leaves the working tree as it found it.
    expect(status()).toBe(before);
    expect(out.match(/^ok {3}/gm)).toHaveLength(19);
    // The redundancy act: one k = 2 request served by two provider nodes, both paid, both claimed.
    expect(out).toMatch(/ok {3}redundancy: both seats of a k = 2 request paid/);
    expect(out).toMatch(/ok {3}redundancy: each provider node earned price - fee and claimed it/);
    // The last act: a lie caught by sampling (no human dispute), the slash shown, the 100 % rate said plainly.
    expect(out).toMatch(/ok {3}a lie caught by sampling with no human dispute: the liar slashed its collateral/);
    expect(out).toMatch(/Outcome: upheld\. The lying provider lost [\d.]+ DPI, its job's whole collateral; human challengers: 0\./);
    expect(out).toMatch(/DEMO CHAIN ONLY: the sampling rate is set to 100 %/);
    expect(out).toMatch(/ok {3}verifier module earned the arbitration fee of each upheld dispute/);
    expect(out).toMatch(/finalize \d+ \(1\/\d+ of a batch\)/);
    expect(out).toMatch(/liar\s+Slashed/);
    expect(out).toMatch(/silent\s+Expired/);
  });
});
