/**
 * The main entry must bundle for the browser with no Node built-ins; Node-only code stays under
 * "depinfer/node". esbuild refuses to resolve a Node built-in on the browser platform, and the
 * metafile lists every input, so both checks fail if a Node import leaks into the main entry.
 */
import path from "node:path";

import { build } from "esbuild";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const nodeBuiltin = /^(node:|fs$|path$|os$|crypto$|child_process$|http$|net$|stream$|buffer$)/;

async function bundle(entry: string) {
  return build({
    entryPoints: [path.join(root, entry)],
    bundle: true,
    platform: "browser",
    format: "esm",
    write: false,
    metafile: true,
    logLevel: "silent",
  });
}

describe("browser bundle", () => {
  it("bundles the main entry for the browser without any Node built-in", async () => {
    const result = await bundle("sdk/src/index.ts");
    expect(result.errors).toEqual([]);
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((i) => i.includes("sdk/src/node/"))).toBe(false);
    for (const input of Object.values(result.metafile.inputs)) {
      for (const imported of input.imports) expect(imported.path).not.toMatch(nodeBuiltin);
    }
    const code = result.outputFiles[0].text;
    expect(code).toContain("createDepinferClient");
  });

  it("refuses the Node entry on the browser platform (so the check above can fail)", async () => {
    await expect(bundle("sdk/src/node/index.ts")).rejects.toThrow(/node:fs|fs\/promises|Could not resolve/);
  });
});
