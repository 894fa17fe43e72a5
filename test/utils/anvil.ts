/**
 * Starts an anvil node process (from the @foundry-rs/anvil npm package) on 127.0.0.1:<port> for a
 * test, waits until it answers, and returns a handle that stops it. Tests that need a separate
 * node process use this and stop it in afterAll.
 */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";

export interface AnvilHandle {
  url: string;
  stop(): Promise<void>;
}

async function answers(url: string) {
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
    });
    return res.ok;
  } catch {
    return false;
  }
}

/**
 * `chainId`: anvil's default is 31337, which the deploy script treats as local; another id (for
 * example 11155111) makes the node look like a public network to it.
 */
export async function startAnvil(port: number, { timeoutMs = 20_000, chainId }: { timeoutMs?: number; chainId?: number } = {}): Promise<AnvilHandle> {
  const url = `http://127.0.0.1:${port}`;
  if (await answers(url)) throw new Error(`Something already answers on ${url}: stop it before running this suite.`);
  const bin = path.join(path.dirname(createRequire(import.meta.url).resolve("@foundry-rs/anvil/package.json")), "bin.mjs");
  // Its own process group: bin.mjs starts the native anvil as a child, and stopping only the
  // wrapper would leave the node running.
  const chainArgs = chainId === undefined ? [] : ["--chain-id", String(chainId)];
  const child = spawn(process.execPath, [bin, "--port", String(port), "--host", "127.0.0.1", "--silent", ...chainArgs], {
    stdio: "ignore",
    detached: true,
  });
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  const start = Date.now();
  while (!(await answers(url))) {
    if (child.exitCode !== null) throw new Error(`anvil exited with code ${child.exitCode} before answering on ${url}`);
    if (Date.now() - start > timeoutMs) {
      killGroup("SIGKILL");
      throw new Error(`anvil did not answer on ${url} within ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    stop: async () => {
      if (child.exitCode === null) {
        await new Promise<void>((resolve) => {
          child.once("exit", () => resolve());
          killGroup("SIGTERM");
        });
      }
      killGroup("SIGKILL"); // the native child, if it outlived the wrapper
      // The port is free once nothing answers on it.
      for (let i = 0; i < 50 && (await answers(url)); i++) await new Promise((r) => setTimeout(r, 100));
    },
  };
}
