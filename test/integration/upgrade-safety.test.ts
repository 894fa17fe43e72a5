/**
 * Storage-layout compatibility of an extension swap, checked by @openzeppelin/upgrades-core on the
 * build output (Hardhat's `npm test` builds first). The market itself is immutable (no proxy); what
 * governance replaces is the extension its fallback delegates to, which runs in the market's storage.
 * A compatible extension must pass against both the extension it replaces and the market's own layout;
 * one that shifts the market's ERC-7201 namespace must be refused, naming what broke.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";

import { beforeAll, describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const buildInfoDir = path.join(root, "artifacts", "build-info");
const cli = createRequire(import.meta.url).resolve("@openzeppelin/upgrades-core/dist/cli/cli.js");

const ARTIFACTS = {
  JobMarketExtensionV2Mock: "contracts/mocks/upgrades/JobMarketExtensionV2Mock.sol",
  JobMarketBadLayoutMock: "contracts/mocks/upgrades/JobMarketBadLayoutMock.sol",
  JobMarketExtension: "contracts/core/JobMarketExtension.sol",
  JobMarket: "contracts/core/JobMarket.sol",
};

/**
 * Copies the build-infos that compiled these contracts (named by their artifact's `buildInfoId`, so
 * stale build-infos from earlier compiles cannot confuse the check) to a fresh folder.
 */
function currentBuildInfo(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "depinfer-layout-"));
  const ids = new Set(
    Object.entries(ARTIFACTS).map(([name, source]) => {
      const artifact = path.join(root, `artifacts/${source}/${name}.json`);
      return (JSON.parse(readFileSync(artifact, "utf8")) as { buildInfoId: string }).buildInfoId;
    }),
  );
  for (const id of ids) {
    for (const file of [`${id}.json`, `${id}.output.json`]) copyFileSync(path.join(buildInfoDir, file), path.join(dir, file));
  }
  return dir;
}

/** As scripts/releases/lib.ts validates a release: an extension has no initializer, and its constructor sets immutables only. */
function validate(dir: string, contract: string, reference: string) {
  const args = [cli, "validate", dir, "--contract", contract, "--reference", reference, "--unsafeAllow", "missing-initializer,constructor"];
  const run = spawnSync(process.execPath, args, { encoding: "utf8" });
  return { status: run.status, out: `${run.stdout}\n${run.stderr}` };
}

describe("extension swap safety (storage layout)", () => {
  let dir: string;
  beforeAll(() => {
    dir = currentBuildInfo();
  });

  it.each(["JobMarketExtension", "JobMarket"])("accepts a compatible extension against %s", (reference) => {
    const r = validate(dir, "JobMarketExtensionV2Mock", reference);
    expect(r.out).toMatch(/SUCCESS/);
    expect(r.status).toBe(0);
  });

  it.each(["JobMarketExtension", "JobMarket"])("refuses an extension that shifts the market's storage namespace, against %s, with the reason", (reference) => {
    const r = validate(dir, "JobMarketBadLayoutMock", reference);
    expect(r.status).not.toBe(0);
    expect(r.out).toMatch(/FAILED/);
    expect(r.out).toMatch(/Deleted `balances`|Layout changed|Inserted/);
  });
});
