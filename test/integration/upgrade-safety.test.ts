/**
 * Storage-layout compatibility of upgrades, checked by @openzeppelin/upgrades-core on the build
 * output (Hardhat's `npm test` builds first). A compatible V2 must pass; an implementation that
 * shifts the market's ERC-7201 namespace must be refused, naming what broke.
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

/**
 * Copies the build-info that compiled the upgrade mocks (named by their artifact's `buildInfoId`,
 * so stale build-infos from earlier compiles cannot confuse the check) to a fresh folder.
 */
function currentBuildInfo(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "depinfer-layout-"));
  const ids = new Set(
    ["JobMarketV2Mock", "JobMarketBadLayoutMock"].map((name) => {
      const artifact = path.join(root, `artifacts/contracts/mocks/upgrades/${name}.sol/${name}.json`);
      return (JSON.parse(readFileSync(artifact, "utf8")) as { buildInfoId: string }).buildInfoId;
    }),
  );
  for (const id of ids) {
    for (const file of [`${id}.json`, `${id}.output.json`]) copyFileSync(path.join(buildInfoDir, file), path.join(dir, file));
  }
  return dir;
}

function validate(dir: string, contract: string) {
  const run = spawnSync(process.execPath, [cli, "validate", dir, "--contract", contract, "--reference", "JobMarket"], {
    encoding: "utf8",
  });
  return { status: run.status, out: `${run.stdout}\n${run.stderr}` };
}

describe("upgrade safety (storage layout)", () => {
  let dir: string;
  beforeAll(() => {
    dir = currentBuildInfo();
  });

  it("accepts a compatible upgrade of JobMarket", () => {
    const r = validate(dir, "JobMarketV2Mock");
    expect(r.out).toMatch(/SUCCESS/);
    expect(r.status).toBe(0);
  });

  it("refuses an implementation that shifts the market's storage namespace, with the reason", () => {
    const r = validate(dir, "JobMarketBadLayoutMock");
    expect(r.status).not.toBe(0);
    expect(r.out).toMatch(/FAILED/);
    expect(r.out).toMatch(/Deleted `balances`|Layout changed|Inserted/);
  });
});
