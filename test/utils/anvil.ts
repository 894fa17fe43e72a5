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

export async function startAnvil(port: number, { timeoutMs = 20_000 } = {}): Promise<AnvilHandle> {
  const url = `http://127.0.0.1:${port}`;
  if (await answers(url)) throw new Error(`Something already answers on ${url}: stop it before running this suite.`);
  const bin = path.join(path.dirname(createRequire(import.meta.url).resolve("@foundry-rs/anvil/package.json")), "bin.mjs");
  const child = spawn(process.execPath, [bin, "--port", String(port), "--host", "127.0.0.1", "--silent"], { stdio: "ignore" });
  const start = Date.now();
  while (!(await answers(url))) {
    if (child.exitCode !== null) throw new Error(`anvil exited with code ${child.exitCode} before answering on ${url}`);
    if (Date.now() - start > timeoutMs) {
      child.kill("SIGKILL");
      throw new Error(`anvil did not answer on ${url} within ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
