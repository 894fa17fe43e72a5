/**
 * The two published packages as a user gets them: `npm pack` of the SDK (`depinfer`) and of the
 * provider node (`depinfer-provider`), installed into an empty project with nothing but the two
 * tarballs and viem. Checks what ships (an allow-list), that both import in Node ESM, that the
 * SDK's browser entry type-checks in a strict project without `skipLibCheck` and without
 * `@types/node`, that it bundles for the browser (and how big it is, minified), and that the
 * node's command answers `--help`, and refuses an old Node with one line.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const require = createRequire(import.meta.url);

interface PackedFile {
  path: string;
  size: number;
}
interface Packed {
  name: string;
  filename: string;
  files: PackedFile[];
}

/** What each tarball may contain. Anything else (sources, tests, configs, stray files) fails. */
const allowed: Record<string, RegExp[]> = {
  depinfer: [/^package\.json$/, /^README\.md$/, /^LICENSE$/, /^dist\/.+\.(js|d\.ts)$/],
  "depinfer-provider": [/^package\.json$/, /^README\.md$/, /^LICENSE$/, /^dist\/.+\.(js|d\.ts)$/, /^dist\/models\/corpus\.txt$/],
};
/** Node-only parts of the daemon that must never ship in the SDK. */
const daemonOnly = /journal|sqlite|outputServer|txSender|backends|openai|charModel|cli\.|bin\./i;

let dir: string;
let packed: Record<string, Packed>;
let project: string;

function run(cmd: string, args: string[], cwd: string) {
  return execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, npm_config_fund: "false", npm_config_audit: "false" } });
}

/** Every file an `exports` map or `bin` points at, except the repository-only source condition. */
function exportTargets(manifest: { exports?: Record<string, unknown>; bin?: Record<string, string> }): string[] {
  const targets: string[] = [];
  const walk = (value: unknown) => {
    if (typeof value === "string") targets.push(value);
    else if (value && typeof value === "object")
      for (const [condition, inner] of Object.entries(value)) if (condition !== "depinfer-source") walk(inner);
  };
  walk(manifest.exports);
  targets.push(...Object.values(manifest.bin ?? {}));
  return targets.map((t) => t.replace(/^\.\//, ""));
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "depinfer-pack-"));
  // `prepack` builds each package (the SDK first: the node's declarations import it).
  const out = run("npm", ["pack", "--workspace", "sdk", "--workspace", "provider", "--pack-destination", dir, "--json"], root);
  const list = JSON.parse(out.slice(out.indexOf("["))) as Packed[];
  packed = Object.fromEntries(list.map((p) => [p.name, p]));

  project = path.join(dir, "app");
  run("mkdir", ["-p", project], dir);
  writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
  const viemVersion = (JSON.parse(readFileSync(require.resolve("viem/package.json"), "utf8")) as { version: string }).version;
  run(
    "npm",
    ["install", "--prefer-offline", "--no-audit", "--no-fund", path.join(dir, packed.depinfer.filename), path.join(dir, packed["depinfer-provider"].filename), `viem@${viemVersion}`],
    project,
  );
}, 300_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("npm pack", () => {
  for (const name of ["depinfer", "depinfer-provider"]) {
    it(`${name}: ships only what its allow-list names, and every entry point it declares`, () => {
      const files = packed[name].files.map((f) => f.path);
      const unexpected = files.filter((f) => !allowed[name].some((re) => re.test(f)));
      expect(unexpected).toEqual([]);
      for (const required of ["package.json", "README.md", "LICENSE"]) expect(files).toContain(required);
      const manifest = JSON.parse(readFileSync(path.join(root, name === "depinfer" ? "sdk" : "provider", "package.json"), "utf8"));
      expect(manifest.private).toBeUndefined();
      expect(manifest.license).toBe("MIT");
      expect(exportTargets(manifest).filter((t) => t !== "package.json" && !files.includes(t))).toEqual([]);
    });
  }

  it("the SDK carries no part of the daemon, and viem is its peer (ethers an optional one)", () => {
    const files = packed.depinfer.files.map((f) => f.path);
    expect(files.filter((f) => daemonOnly.test(f))).toEqual([]);
    const manifest = JSON.parse(readFileSync(path.join(project, "node_modules/depinfer/package.json"), "utf8"));
    // Its one runtime dependency is multiformats (CIDs), which is browser-safe.
    expect(Object.keys(manifest.dependencies ?? {})).toEqual(["multiformats"]);
    expect(Object.keys(manifest.peerDependencies)).toEqual(expect.arrayContaining(["viem", "ethers"]));
    expect(manifest.peerDependenciesMeta.ethers.optional).toBe(true);
    expect(packed["depinfer-provider"].files.map((f) => f.path)).toContain("dist/models/corpus.txt");
  });
});

describe("installed from the tarballs", () => {
  it("imports in Node ESM: the SDK's entries and the provider node", () => {
    const script = `
      const sdk = await import("depinfer");
      const abis = await import("depinfer/abis");
      const node = await import("depinfer/node");
      const provider = await import("depinfer-provider");
      console.log(JSON.stringify({
        client: typeof sdk.createDepinferClient, actions: typeof sdk.depinferActions, abi: Array.isArray(abis.jobMarketAbi),
        store: typeof node.FileSystemContentStore, node: typeof provider.createProviderNode,
      }));`;
    const out = run(process.execPath, ["--input-type=module", "-e", script], project);
    expect(JSON.parse(out.trim().split("\n").pop()!)).toEqual({ client: "function", actions: "function", abi: true, store: "function", node: "function" });
  });

  it("type-checks a strict browser project without skipLibCheck and without @types/node", () => {
    writeFileSync(
      path.join(project, "app.ts"),
      `import { createPublicClient, http } from "viem";
import { createDepinferClient, depinferActions, getJob, JobStatus, JobUnknownError, type Job } from "depinfer";
import { jobMarketAbi } from "depinfer/abis";

// A read-only client gets the actions too (the deployment is named here: no network is known).
export const client = createPublicClient({ transport: http("http://127.0.0.1:8545") }).extend(
  depinferActions({ market: "0x5FbDB2315678afecb367f032d93F642f64180aa3" }),
);
export const api = { createDepinferClient, getJob };
export const created: number = JobStatus.Created;
export const isUnknown = (e: unknown): e is JobUnknownError => e instanceof JobUnknownError;
export const abiLength: number = jobMarketAbi.length;
export type Terms = Job;
`,
    );
    writeFileSync(
      path.join(project, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: { strict: true, skipLibCheck: false, types: [], lib: ["ES2022", "DOM"], target: "ES2022", module: "ESNext", moduleResolution: "Bundler", noEmit: true },
        files: ["app.ts"],
      }),
    );
    const tsc = require.resolve("typescript/bin/tsc");
    const result = spawnSync(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: project, encoding: "utf8" });
    expect(result.stdout + result.stderr).toBe("");
    expect(result.status).toBe(0);
  });

  it("bundles the browser entry for the browser platform, and reports its minified size", async () => {
    const esbuild = await import("esbuild");
    writeFileSync(
      path.join(project, "browser.js"),
      `import { createDepinferClient, submitJob, waitForResult, HttpContentStore } from "depinfer";\nexport { createDepinferClient, submitJob, waitForResult, HttpContentStore };\n`,
    );
    const result = await esbuild.build({
      absWorkingDir: project,
      entryPoints: ["browser.js"],
      bundle: true,
      platform: "browser",
      format: "esm",
      minify: true,
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    const bytes = result.outputFiles[0].contents.byteLength;
    const inputs = Object.keys(result.metafile.inputs);
    const own = inputs.filter((i) => i.includes("node_modules/depinfer/")).map((i) => result.metafile.inputs[i].bytes).reduce((a, b) => a + b, 0);
    console.log(`browser bundle (createDepinferClient, submitJob, waitForResult, HttpContentStore; viem included): ${(bytes / 1024).toFixed(1)} KiB minified; the SDK's own input ${(own / 1024).toFixed(1)} KiB`);
    expect(inputs.some((i) => i.includes("node_modules/depinfer-provider/"))).toBe(false);
    expect(bytes).toBeGreaterThan(0);
  });

  it("runs the node's command: --help answers, with no ExperimentalWarning", () => {
    const bin = path.join(project, "node_modules/.bin/depinfer-provider");
    expect(existsSync(bin)).toBe(true);
    const result = spawnSync(process.execPath, [bin, "--help"], { cwd: project, encoding: "utf8" });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/Usage: depinfer-provider/);
    expect(result.stderr).not.toMatch(/ExperimentalWarning|SQLite/);
  });

  // The machines that run this suite have a system Node 20 next to the Node 22 that npm installs.
  const oldNode = ["/usr/bin/node", "/usr/local/bin/node", "/bin/node"].find((candidate) => {
    if (!existsSync(candidate)) return false;
    const [major, minor] = spawnSync(candidate, ["-p", "process.versions.node"], { encoding: "utf8" }).stdout.trim().split(".").map(Number);
    return major < 22 || (major === 22 && minor < 13);
  });
  it.skipIf(!oldNode)("on a Node it cannot run on, fails fast with one clear line, even for --help", () => {
    const bin = path.join(project, "node_modules/depinfer-provider/dist/bin.js");
    const result = spawnSync(oldNode!, [bin, "--help"], { cwd: project, encoding: "utf8" });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    const lines = result.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/needs Node\.js 22\.13 or later .* this is Node\.js \d+/);
  });
});
