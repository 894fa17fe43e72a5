/**
 * Where a bench run puts its figures. `bench/results/` holds the committed figures, so a run writes
 * there only when asked (`npm run bench -- --write`, which sets DEPINFER_BENCH_WRITE=1). Otherwise
 * the figures go to `bench/out/` (ignored by git), so benchmarking never dirties the working tree.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

export const WRITE_ENV = "DEPINFER_BENCH_WRITE";

/** Writes `data` as `name` and returns the path written. */
export function saveResults(name: string, data: unknown, { root = process.cwd(), write = process.env[WRITE_ENV] === "1" } = {}): string {
  const out = path.join(root, "bench", write ? "results" : "out", name);
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(data, null, 2) + "\n");
  return out;
}

/** The line that says where the figures went. */
export function savedLine(out: string, root = process.cwd()): string {
  const where = path.relative(root, out);
  return where.startsWith(path.join("bench", "results"))
    ? `written to ${where}`
    : `written to ${where} (not committed; \`npm run bench -- --write\` updates bench/results/)`;
}
