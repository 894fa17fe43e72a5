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

/** A `depinfer-provider` node process: its stdout lines (stderr lines prefixed `stderr: `) and its exit. */
export interface ProviderNodeProcess {
  child: ChildProcessByStdio<null, Readable, Readable>;
  lines: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts the node (`args`, e.g. `["--config", file]`) in its own process group, so that
 * {@link stopProviderNode} or a `process.kill(-child.pid, "SIGKILL")` ends it whole, and collects its
 * log lines.
 */
export function startProviderNode(args: string[], env: Record<string, string> = {}): ProviderNodeProcess {
  const child = spawnProviderCli(args, env, { detached: true });
  const lines: string[] = [];
  let partial = "";
  child.stdout.on("data", (chunk: Buffer) => {
    const text = partial + chunk.toString();
    const parts = text.split("\n");
    partial = parts.pop()!;
    lines.push(...parts);
  });
  child.stderr.on("data", (chunk: Buffer) => lines.push(`stderr: ${chunk.toString()}`));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  return { child, lines, exited };
}

/** Stops the node with SIGTERM (the whole group) and waits for it to exit. */
export async function stopProviderNode(node: ProviderNodeProcess) {
  if (node.child.exitCode === null && node.child.signalCode === null) {
    try {
      process.kill(-node.child.pid!, "SIGTERM");
    } catch {
      // already gone
    }
  }
  return node.exited;
}

/** The node's output server URL, once its log line says where it listens. */
export function outputUrlOf(node: ProviderNodeProcess): string | undefined {
  return node.lines.map((l) => /"output server listening","url":"([^"]+)"/.exec(l)?.[1]).find(Boolean);
}
