/**
 * `npm run release -- <version> <step> --network <name> [--yes] [step options]`
 *
 * Runs one numbered step of a release folder (scripts/releases/<version>/NN-<name>.ts), for
 * example `npm run release -- v2 01 --network sepolia`. The step may be given as "1", "01",
 * "01-deploy-extension" or "deploy-extension". Without a step it lists the release's steps;
 * without a version, the releases. `--help` after a step prints that step's options.
 *
 * The market itself is immutable; a release swaps its extension (`setExtension`, by a vote). v2 is an
 * example upgrade to a mock (JobMarketExtensionV2Mock), for rehearsing the swap.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

import { formatHelp, isMain, parseArgv, runCli, HelpRequested, type CliOptions, type CliSpec } from "../lib/cli.js";
import { RELEASE_LABELS } from "./lib.js";

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

/** A step module: its entry point and its command line. */
interface StepModule {
  default: (argv: string[], log: (line: string) => void) => Promise<unknown>;
  cli: CliSpec;
}

const importStep = (file: string) => import(pathToFileURL(file).href) as Promise<StepModule>;

/** The runner's own help, and the options of every step of every release (each step then checks its own). */
export async function runnerSpec(): Promise<CliSpec> {
  const options: CliOptions = {};
  for (const version of releases()) {
    for (const f of stepsOf(version)) Object.assign(options, (await importStep(path.join(releasesDir, version, f))).cli.options);
  }
  return {
    command: "npm run release",
    summary: "run one numbered step of an upgrade release (scripts/releases/<version>/NN-<name>.ts); each step prints what it will do and asks.",
    usage: ["<version>                      list the release's steps", "<version> <step> --network <name> [step options] [--yes]"],
    options,
    notes: [
      "Releases:",
      ...releases().map((v) => `  ${v}  ${RELEASE_LABELS[v] ?? ""}`),
      "The options above are those of all steps; `npm run release -- <version> <step> --help` lists one step's.",
    ],
    examples: ["npm run release -- v2", "npm run release -- v2 01 --network localhost --yes"],
  };
}

/** Runs a release step with the remaining arguments; returns what the step returns. */
export async function runRelease(argv = process.argv.slice(2), log: (line: string) => void = console.log) {
  const spec = await runnerSpec();
  // First find <version> and <step> (the options of every step are known, so their values are not
  // mistaken for them); a step then parses the rest strictly against its own options, and names them.
  const found = parseArgv(spec, argv, { strict: false });
  const [version, step] = found.positionals;
  if (!step) {
    const args = parseArgv(spec, argv);
    if (args.help) throw new HelpRequested(formatHelp(spec));
    if (args.positionals.length > 1) throw new Error(`unexpected argument "${args.positionals[1]}": expected <version> <step>`);
  }
  if (!version) {
    log(`usage: npm run release -- <version> <step> --network <name> [--yes]\nreleases: ${releases().map((v) => `${v} (${RELEASE_LABELS[v] ?? "no label"})`).join(", ") || "none"}`);
    return undefined;
  }
  if (!step) {
    log(`Release ${version}${RELEASE_LABELS[version] ? `: ${RELEASE_LABELS[version]}` : ""}. Steps (run in order):`);
    stepsOf(version).forEach((f) => log(`  npm run release -- ${version} ${f.split("-")[0]} --network <name>   # ${f}`));
    return undefined;
  }
  const file = stepFile(version, step);
  // The step gets everything but <version> and <step>, and parses it strictly against its own options.
  const taken = new Set(found.tokens.filter((t) => t.kind === "positional").slice(0, 2).map((t) => t.index));
  const rest = argv.filter((_a, i) => !taken.has(i));
  return (await importStep(file)).default(rest, log);
}

if (isMain(import.meta.filename)) runCli("release", () => runRelease());
