/**
 * `npm run release -- <version> <step> --network <name> [--yes] [step options]`
 *
 * Runs one numbered step of a release folder (scripts/releases/<version>/NN-<name>.ts), for
 * example `npm run release -- v2 01 --network sepolia`. The step may be given as "1", "01",
 * "01-deploy-implementation" or "deploy-implementation". Without a step it lists the release's steps;
 * without a version, the releases.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const releasesDir = import.meta.dirname;

export function releases() {
  return readdirSync(releasesDir).filter((d) => /^v\d/.test(d) && statSync(path.join(releasesDir, d)).isDirectory());
}

export function stepsOf(version: string) {
  const dir = path.join(releasesDir, version);
  if (!existsSync(dir)) throw new Error(`No release "${version}" in scripts/releases (have: ${releases().join(", ") || "none"})`);
  return readdirSync(dir)
    .filter((f) => /^\d+-.+\.ts$/.test(f))
    .sort();
}

/** The file of `step` in `version`, by number or name. */
export function stepFile(version: string, step: string) {
  const steps = stepsOf(version);
  const wanted = step.replace(/\.ts$/, "");
  const match = steps.filter((f) => {
    const [num, ...rest] = f.replace(/\.ts$/, "").split("-");
    return (/^\d+$/.test(wanted) && Number(num) === Number(wanted)) || f.replace(/\.ts$/, "") === wanted || rest.join("-") === wanted;
  });
  if (match.length !== 1) throw new Error(`No step "${step}" in release ${version}. Steps: ${steps.join(", ")}`);
  return path.join(releasesDir, version, match[0]);
}

/** Runs a release step with the remaining arguments; returns what the step returns. */
export async function runRelease(argv = process.argv.slice(2), log: (line: string) => void = console.log) {
  // The first two words that are not options or option values: <version> <step>.
  const at: number[] = [];
  for (let i = 0; i < argv.length && at.length < 2; i++) {
    if (argv[i].startsWith("--")) {
      if (!isFlag(argv[i])) i++;
    } else at.push(i);
  }
  const [version, step] = at.map((i) => argv[i]);
  if (!version) {
    log(`usage: npm run release -- <version> <step> --network <name> [--yes]\nreleases: ${releases().join(", ") || "none"}`);
    return undefined;
  }
  if (!step) {
    log(`Release ${version} steps (run in order):`);
    stepsOf(version).forEach((f) => log(`  npm run release -- ${version} ${f.split("-")[0]} --network <name>   # ${f}`));
    return undefined;
  }
  const file = stepFile(version, step);
  const rest = argv.filter((_a, i) => !at.includes(i));
  const mod = (await import(pathToFileURL(file).href)) as { default: (argv: string[], log: (line: string) => void) => Promise<unknown> };
  return mod.default(rest, log);
}

/** Options that take no value (so the next word is a positional). */
function isFlag(option: string) {
  return option === "--yes" || option.includes("=");
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  runRelease().catch((error: Error) => {
    console.error(`release: ${error.message}`);
    process.exit(1);
  });
}
