import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import path from "node:path";

import { defineConfig } from "vitest/config";

const root = import.meta.dirname;

/**
 * The workspace packages from source: each entry point's `depinfer-source` target in its
 * package.json, as the export condition gives tsc and tsx (published, they resolve to `dist`).
 */
function sourceAliases(dir: string) {
  const { name, exports } = JSON.parse(readFileSync(path.join(root, dir, "package.json"), "utf8")) as {
    name: string;
    exports: Record<string, string | Record<string, string>>;
  };
  return Object.entries(exports).flatMap(([subpath, target]) => {
    const source = typeof target === "object" ? target["depinfer-source"] : undefined;
    if (!source) return [];
    const specifier = subpath === "." ? name : `${name}/${subpath.slice(2)}`;
    return [{ find: new RegExp(`^${specifier.replace(/[/.-]/g, "\\$&")}$`), replacement: path.join(root, dir, source) }];
  });
}

export default defineConfig({
  resolve: {
    alias: [...sourceAliases("sdk"), ...sourceAliases("provider")],
  },
  test: {
    include: ["test/integration/**/*.test.ts", "sdk/test/**/*.test.ts", "provider/test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    // Two files at a time at least: vitest's default (one fewer than the cores) runs them one by one
    // on a 2-core machine, while most of a file's time is spent waiting on the chains, nodes and
    // browsers it starts (each file has ports of its own). On the 2-core reference machine: 1,196 s
    // one by one, 713 s two at a time.
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
