/**
 * The whole TypeScript of the repository type-checks (`npm run lint`'s tsc, strict): vitest only
 * strips types, so without this a type error, or a failing type-level test (`expectTypeOf`, e.g.
 * in sdk/test/dappClients.test.ts), would pass `npm test`.
 */
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";

import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");

describe("types", () => {
  it("tsc --noEmit -p . reports nothing", () => {
    const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
    const run = spawnSync(process.execPath, [tsc, "--noEmit", "-p", "."], { cwd: root, encoding: "utf8" });
    expect(run.stdout + run.stderr).toBe("");
    expect(run.status).toBe(0);
  });

  it("tsc --noEmit -p indexer reports nothing (the Ponder app: its own module resolution)", () => {
    const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
    const run = spawnSync(process.execPath, [tsc, "--noEmit", "-p", "indexer"], { cwd: root, encoding: "utf8" });
    expect(run.stdout + run.stderr).toBe("");
    expect(run.status).toBe(0);
  });
});
