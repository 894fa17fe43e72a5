/**
 * The indexer (`indexer/`, Ponder) as a real process for tests: started on a port and a PGlite
 * folder of the test's, in its own process group so that a stop reaches every process it started,
 * and queried through its GraphQL and `/api` routes.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");

export interface IndexerProcess {
  child: ChildProcess;
  url: string;
  exited: Promise<number | null>;
  output: () => string;
}

export interface IndexerOptions {
  port: number;
  rpcUrl: string;
  network: string;
  deploymentsDir: string;
  pgliteDir: string;
  pollingMs?: number;
  /** Postgres instead of PGlite. */
  databaseUrl?: string;
}

/** Starts `ponder start --schema public` in indexer/ (what `npm run indexer` runs). */
export function startIndexer(o: IndexerOptions): IndexerProcess {
  // The package exports no require()-able entry: find it where npm put it (hoisted, or in the workspace).
  const bin = [root, path.join(root, "indexer")].map((d) => path.join(d, "node_modules", "ponder", "dist", "esm", "bin", "ponder.js")).find((f) => existsSync(f));
  if (!bin) throw new Error("ponder is not installed: run npm install");
  const child = spawn(process.execPath, [bin, "start", "--schema", "public", "--port", String(o.port), "-H", "127.0.0.1"], {
    cwd: path.join(root, "indexer"),
    env: {
      ...process.env,
      PONDER_TELEMETRY_DISABLED: "true",
      DEPINFER_NETWORK: o.network,
      DEPINFER_DEPLOYMENTS_DIR: o.deploymentsDir,
      DEPINFER_RPC_URL: o.rpcUrl,
      INDEXER_PGLITE_DIR: o.pgliteDir,
      INDEXER_POLLING_MS: String(o.pollingMs ?? 250),
      DATABASE_URL: o.databaseUrl ?? "",
      DATABASE_PRIVATE_URL: "",
      NO_COLOR: "1",
    },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let log = "";
  child.stdout!.on("data", (d) => (log += d));
  child.stderr!.on("data", (d) => (log += d));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, url: `http://127.0.0.1:${o.port}`, exited, output: () => log };
}

/** Sends `signal` to the indexer's process group and waits until it has exited. */
export async function stopIndexer(p: IndexerProcess, signal: NodeJS.Signals = "SIGTERM", timeoutMs = 30_000) {
  if (p.child.exitCode === null && p.child.signalCode === null) {
    try {
      process.kill(-p.child.pid!, signal);
    } catch {
      // already gone
    }
    const timer = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), timeoutMs));
    if ((await Promise.race([p.exited, timer])) === "timeout") {
      process.kill(-p.child.pid!, "SIGKILL");
      await p.exited;
    }
  }
  try {
    process.kill(-p.child.pid!, "SIGKILL"); // anything it left behind
  } catch {
    // none
  }
}

/** A GraphQL query against the indexer; throws on an HTTP or GraphQL error. */
export async function gql<T>(p: IndexerProcess, query: string): Promise<T> {
  const res = await fetch(`${p.url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query }) });
  const body = (await res.json()) as { data?: T; errors?: unknown };
  if (!res.ok || body.errors) throw new Error(`GraphQL ${res.status}: ${JSON.stringify(body.errors ?? body)}`);
  return body.data as T;
}

/** Every row of a table through GraphQL's cursor pages (`field` is Ponder's plural, e.g. `eventss`). */
export async function allRows<T>(p: IndexerProcess, field: string, selection: string): Promise<T[]> {
  const rows: T[] = [];
  let after: string | null = null;
  for (;;) {
    const cursor: string = after ? `, after: "${after}"` : "";
    const data: Record<string, { items: T[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } }> = await gql(
      p,
      `{ ${field}(limit: 1000${cursor}) { items { ${selection} } pageInfo { hasNextPage endCursor } } }`,
    );
    rows.push(...data[field].items);
    if (!data[field].pageInfo.hasNextPage) return rows;
    after = data[field].pageInfo.endCursor;
  }
}

/** `GET <url><route>` as JSON, with its status. */
export async function api<T = unknown>(p: IndexerProcess, route: string): Promise<{ status: number; body: T }> {
  const res = await fetch(`${p.url}${route}`);
  return { status: res.status, body: (await res.json()) as T };
}

/** How many logs the indexer holds, or undefined while it does not answer. */
export async function indexedCount(p: IndexerProcess): Promise<number | undefined> {
  try {
    const data = await gql<{ eventss: { totalCount: number } }>(p, "{ eventss(limit: 1) { totalCount } }");
    return data.eventss.totalCount;
  } catch {
    return undefined;
  }
}
