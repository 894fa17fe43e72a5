import { describe, expect, it } from "vitest";

import { runDemo } from "../../scripts/demo.js";

describe("npm run demo", () => {
  it("deploys, runs an honest, a lying and a silent provider node over 20 jobs, and every expected outcome happens", async () => {
    const lines: string[] = [];
    expect(await runDemo((l) => lines.push(l))).toBe(true);
    const out = lines.join("\n");
    expect(out).toMatch(/Demo passed/);
    expect(out.match(/^ok {3}/gm)).toHaveLength(11);
    expect(out).toMatch(/ok {3}verifier module earned the arbitration fee of each upheld dispute/);
    expect(out).toMatch(/finalize \d+ \(1\/\d+ of a batch\)/);
    expect(out).toMatch(/liar\s+Slashed/);
    expect(out).toMatch(/silent\s+Expired/);
  });
});
