/**
 * Starts the indexer (indexer/, a Ponder app) for the explorer: on its embedded PGlite in a fresh
 * temporary folder, over the deployment recorded in `deploymentsDir/<network>/`. It indexes while
 * the caller goes on; `ready` says when it has caught up (`GET /ready`). Returns undefined when this
 * checkout has no indexer.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

export interface IndexerHandle {
  url: string;
  /** Resolves once the indexer has caught up with the chain (`GET /ready`); rejects if it exits or times out. */
  ready: Promise<void>;
  /**
   * Resolves once the indexer has indexed block `head` (`GET /status`). `/ready` only marks the end of
   * its first sync: blocks mined after that arrive at its next polls.
   */
  caughtUp(head: bigint, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface StartIndexerParameters {
  rpcUrl: string;
  /** The directory holding deployments/<network>/deployment.json. */
  deploymentsDir: string;
  network: string;
  host: string;
  port: number;
  log: (line: string) => void;
  /** How long the first sync may take (default 180 s). */
  timeoutMs?: number;
}

const indexerDir = path.join(import.meta.dirname, "..", "..", "indexer");

/** Ponder's command, found as Node would find the package from indexer/ (its exports list no package.json). */
function ponderBin() {
  for (let dir = indexerDir; ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, "node_modules", "ponder", "package.json");
    if (existsSync(pkg)) return path.join(path.dirname(pkg), (JSON.parse(readFileSync(pkg, "utf8")) as { bin: { ponder: string } }).bin.ponder);
    if (path.dirname(dir) === dir) throw new Error("ponder is not installed: run npm install");
  }
}

/** The last block the indexer has indexed (Ponder's `GET /status`), or undefined when it does not answer. */
async function indexedBlock(url: string): Promise<bigint | undefined> {
  try {
    const status = (await (await fetch(`${url}/status`, { signal: AbortSignal.timeout(2_000) })).json()) as Record<string, { block?: { number?: number } }>;
    const n = Object.values(status)[0]?.block?.number;
    return n === undefined ? undefined : BigInt(n);
  } catch {
    return undefined;
  }
}

async function ready(url: string) {
  try {
    return (await fetch(`${url}/ready`, { signal: AbortSignal.timeout(2_000) })).ok;
  } catch {
    return false;
  }
}

export async function startIndexer({ rpcUrl, deploymentsDir, network, host, port, log, timeoutMs = 180_000 }: StartIndexerParameters): Promise<IndexerHandle | undefined> {
  if (!existsSync(path.join(indexerDir, "package.json"))) {
    log("No indexer in this checkout (indexer/): the page reads the chain only.");
    return undefined;
  }
  const url = `http://${host}:${port}`;
  if (await ready(url)) throw new Error(`Something already answers on ${url}: stop it, or pass another --port.`);
  const pgliteDir = mkdtempSync(path.join(tmpdir(), "depinfer-explorer-pglite-"));
  const bin = ponderBin();
  log(`Starting the indexer (Ponder on PGlite) on ${url}…`);
  let logTail = "";
  // Its own process group, so that stopping it stops everything it started.
  const child = spawn(process.execPath, [bin, "start", "--schema", "public", "--port", String(port), "--hostname", host], {
    cwd: indexerDir,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      DEPINFER_NETWORK: network,
      DEPINFER_DEPLOYMENTS_DIR: deploymentsDir,
      DEPINFER_RPC_URL: rpcUrl,
      INDEXER_PGLITE_DIR: pgliteDir,
      INDEXER_POLLING_MS: "500",
      PONDER_TELEMETRY_DISABLED: "true",
      NODE_OPTIONS: "",
    },
  });
  const keep = (d: Buffer) => (logTail = (logTail + d.toString()).slice(-4_000));
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => killGroup("SIGKILL"), 10_000);
        child.once("exit", () => {
          clearTimeout(timer);
          resolve();
        });
        killGroup("SIGTERM");
      });
    }
    killGroup("SIGKILL");
    rmSync(pgliteDir, { recursive: true, force: true });
  };
  const started = Date.now();
  const isReady = (async () => {
    while (!(await ready(url))) {
      if (child.exitCode !== null) throw new Error(`the indexer exited with code ${child.exitCode} before it was ready:\n${logTail}`);
      if (Date.now() - started > timeoutMs) throw new Error(`the indexer was not ready within ${timeoutMs / 1000} s:\n${logTail}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    log(`Indexer ready (${((Date.now() - started) / 1000).toFixed(1)} s after its start): ${url}/graphql, ${url}/api/providers.`);
  })();
  isReady.catch(() => {}); // awaited by the caller
  const caughtUp = async (head: bigint, waitMs = 60_000) => {
    const until = Date.now() + waitMs;
    for (;;) {
      const indexed = await indexedBlock(url);
      if (indexed !== undefined && indexed >= head) return;
      if (child.exitCode !== null) throw new Error(`the indexer exited with code ${child.exitCode}:\n${logTail}`);
      if (Date.now() > until) throw new Error(`the indexer had not indexed block ${head} within ${waitMs / 1000} s (it is at ${indexed ?? "no block"}):\n${logTail}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  return { url, ready: isReady, caughtUp, stop };
}
