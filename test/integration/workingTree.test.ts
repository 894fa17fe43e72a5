/**
 * Using the project never dirties its working tree: the committed lockfile is the one `npm
 * install` writes, runtime folders are ignored, and the bench writes its committed figures only
 * when asked. Also the build output a new user sees: a line before the first (minute-long)
 * compile, and no warnings from OpenZeppelin's own files.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { describe, expect, it, vi } from "vitest";

import { saveResults, savedLine } from "../../scripts/bench/results.js";
import buildHooks, { FIRST_BUILD_LINE, filteringCompiler, isDependencyWarning } from "../../scripts/lib/buildHooks.js";

const root = path.resolve(import.meta.dirname, "../..");

describe("the working tree stays clean", () => {
  it("the committed lockfile is exactly what npm install writes", () => {
    const lock = path.join(root, "package-lock.json");
    const committed = readFileSync(lock);
    try {
      const run = spawnSync("npm", ["install", "--package-lock-only", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts"], { cwd: root, encoding: "utf8" });
      expect(run.status, run.stderr).toBe(0);
      expect(readFileSync(lock).equals(committed)).toBe(true);
    } finally {
      writeFileSync(lock, committed);
    }
  });

  it("runtime and build folders are ignored by git", () => {
    const paths = ["provider-data/journal.sqlite", "examples/provider-data/content/x", "bench/out/gas.json", "sdk/dist/index.js", "provider/dist/bin.js", "depinfer-0.1.0.tgz", "indexer/.ponder/pglite/x", "indexer/generated/schema.graphql"];
    const run = spawnSync("git", ["check-ignore", ...paths], { cwd: root, encoding: "utf8" });
    expect(run.stdout.trim().split("\n").sort()).toEqual([...paths].sort());
  });

  it("the bench writes bench/results/ only with --write, and bench/out/ otherwise", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "depinfer-bench-"));
    try {
      const scratch = saveResults("gas.json", { cycle: 1 }, { root: dir, write: false });
      expect(path.relative(dir, scratch)).toBe(path.join("bench", "out", "gas.json"));
      expect(existsSync(path.join(dir, "bench", "results"))).toBe(false);
      expect(savedLine(scratch, dir)).toMatch(/not committed; `npm run bench -- --write`/);
      const committed = saveResults("gas.json", { cycle: 2 }, { root: dir, write: true });
      expect(path.relative(dir, committed)).toBe(path.join("bench", "results", "gas.json"));
      expect(JSON.parse(readFileSync(committed, "utf8"))).toEqual({ cycle: 2 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("npm run bench answers --help, and refuses an unknown flag naming the valid ones", () => {
    const tsx = path.join(root, "node_modules/tsx/dist/cli.mjs");
    const help = spawnSync(process.execPath, [tsx, "scripts/bench/run.ts", "--help"], { cwd: root, encoding: "utf8" });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/--write/);
    expect(help.stdout).toMatch(/Example:\n\s+npm run bench -- --write/);
    const bad = spawnSync(process.execPath, [tsx, "scripts/bench/run.ts", "--wirte"], { cwd: root, encoding: "utf8" });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--wirte.*Valid options: --write, --only gas\|node, --help/s);
  });
});

describe("build output", () => {
  const warning = (file: string) => ({ severity: "warning", sourceLocation: { file, start: 0, end: 1 }, formattedMessage: `Warning: x\n --> ${file}`, message: "x", type: "Warning", component: "general" });

  it("drops warnings located in npm dependencies, keeps ours and every error", () => {
    expect(isDependencyWarning(warning("npm/@openzeppelin/contracts@5.7.0/utils/structs/Checkpoints.sol"))).toBe(true);
    expect(isDependencyWarning(warning("project/contracts/core/JobMarket.sol"))).toBe(false);
    expect(isDependencyWarning({ ...warning("npm/@openzeppelin/contracts@5.7.0/x.sol"), severity: "error" })).toBe(false);
  });

  it("filters what the compiler returns, and leaves the compiler otherwise as it was", async () => {
    class FakeSolc {
      readonly #output = { sources: {}, contracts: {}, errors: [warning("npm/@openzeppelin/contracts@5.7.0/a.sol"), warning("project/contracts/b.sol"), { ...warning("project/contracts/c.sol"), severity: "error" }] };
      readonly version = "0.8.37";
      readonly longVersion = "0.8.37+commit";
      readonly compilerPath = "soljson.js";
      readonly isSolcJs = true;
      async compile() {
        return structuredClone(this.#output);
      }
    }
    const compiler = filteringCompiler(new FakeSolc() as never);
    expect(compiler.version).toBe("0.8.37");
    const output = await compiler.compile({} as never);
    expect(output.errors?.map((e) => (e as { sourceLocation?: { file: string } }).sourceLocation?.file)).toEqual(["project/contracts/b.sol", "project/contracts/c.sol"]);
  });

  it("says that the first build takes about a minute, and only then", async () => {
    const hooks = await buildHooks();
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      const context = (artifacts: string) => ({ config: { paths: { artifacts } } }) as never;
      await hooks.downloadCompilers!(context(path.join(tmpdir(), "depinfer-no-such-artifacts")), [], false);
      await hooks.downloadCompilers!(context(path.join(tmpdir(), "depinfer-no-such-artifacts")), [], true);
      await hooks.downloadCompilers!(context(root), [], false);
      expect(log.mock.calls).toEqual([[FIRST_BUILD_LINE]]);
    } finally {
      log.mockRestore();
    }
  });
});
