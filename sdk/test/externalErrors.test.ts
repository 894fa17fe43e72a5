import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

import { describe, expect, it } from "vitest";

import { externalErrorsAbi } from "../src/errors/contract.js";

const root = path.resolve(import.meta.dirname, "../..");

/** Every error some contract the protocol deploys declares (its compiled ABI, mocks left out). */
function deployedErrors(): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== "mocks") walk(full);
      } else if (entry.name.endsWith(".json") && !entry.name.endsWith(".dbg.json")) {
        const { abi } = JSON.parse(readFileSync(full, "utf8")) as { abi?: { type: string; name?: string }[] };
        for (const item of abi ?? []) if (item.type === "error" && item.name) names.add(item.name);
      }
    }
  };
  walk(path.join(root, "artifacts", "contracts"));
  walk(path.join(root, "artifacts", "@openzeppelin", "contracts", "access"));
  return names;
}

describe("the SDK's table of errors the interfaces do not declare", () => {
  it("names only errors that a deployed contract can raise (no hints for code the protocol no longer has)", () => {
    const deployed = deployedErrors();
    expect(deployed.size).toBeGreaterThan(50); // the build is there
    const stale = externalErrorsAbi.map((item) => item.name).filter((name) => !deployed.has(name));
    expect(stale).toEqual([]);
  });
});
