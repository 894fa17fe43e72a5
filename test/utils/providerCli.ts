/**
 * Runs the `depinfer-provider` command (provider/src/bin.ts) from source, as its own Node process
 * (through tsx's loader, so no grandchild process is left behind when it is killed).
 */
import { spawn, type ChildProcessByStdio } from "node:child_process";
import path from "node:path";
import type { Readable } from "node:stream";

const root = path.resolve(import.meta.dirname, "../..");
const cli = path.join(root, "provider/src/bin.ts");

/** Starts the command with `env` added to this process's environment; stdout and stderr are piped. */
export function spawnProviderCli(
  args: string[],
  env: Record<string, string> = {},
  { detached = false }: { detached?: boolean } = {},
): ChildProcessByStdio<null, Readable, Readable> {
  return spawn(process.execPath, ["--conditions=depinfer-source", "--disable-warning=ExperimentalWarning", "--import", "tsx", cli, ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"], detached });
}

/** Runs the command to its end. */
export function runProviderCli(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawnProviderCli(args, env);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}
