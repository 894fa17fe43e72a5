/**
 * Runs the governor scripts as a governor does, each in its own process: `npm run <script> -- …`
 * (package.json's line, so a missing or wrong line fails the test), or, where the start-up of npm and
 * Hardhat's build check would only cost time, the same file package.json names, through tsx.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";

export const root = path.resolve(import.meta.dirname, "../..");
const tsxCli = path.join(root, "node_modules/tsx/dist/cli.mjs");

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], env: Record<string, string | undefined>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

/** `npm run --silent <script> -- <args>`: stdin is not a terminal, so only `--yes` sends. */
export function npmRun(script: string, args: string[], env: Record<string, string | undefined> = {}) {
  return run("npm", ["run", "--silent", script, "--", ...args], env);
}

/** The tsx command of a package.json script ("hardhat build --no-tests && tsx scripts/deploy.ts" → ["scripts/deploy.ts"]). */
export function scriptArgs(script: string): string[] {
  const scripts = (JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
  const line = scripts[script];
  if (!line) throw new Error(`package.json has no "${script}" script`);
  const tsx = line.lastIndexOf("tsx ");
  if (tsx < 0) throw new Error(`package.json's "${script}" does not run tsx: ${line}`);
  return line.slice(tsx + 4).trim().split(/\s+/);
}

/** What `npm run <script> -- <args>` runs, without npm and without the build step. */
export function runScript(script: string, args: string[], env: Record<string, string | undefined> = {}) {
  return run(process.execPath, [tsxCli, ...scriptArgs(script), ...args], env);
}

/** Runs `tasks` with at most `limit` at a time (each script is a Node process that loads Hardhat). */
export async function pooled<T>(tasks: (() => Promise<T>)[], limit = 6): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, tasks.length) }, async () => {
      while (next < tasks.length) {
        const i = next++;
        results[i] = await tasks[i]();
      }
    }),
  );
  return results;
}
