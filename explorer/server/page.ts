/**
 * Builds the explorer page (explorer/app) with esbuild and serves it, with its `config.json`, over
 * plain HTTP. The page is static: everything it knows comes from `config.json` (public addresses
 * and URLs; on a local chain, a development key that anvil prints to everyone), the chain's RPC
 * and the indexer. No server-side secret exists.
 */
import { createServer, type Server } from "node:http";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { build } from "esbuild";

import type { ExplorerConfig } from "../app/config.js";

const appDir = path.join(import.meta.dirname, "..", "app");

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
};

/** Bundles the page into a fresh directory (the SDK from source, through its `depinfer-source` export condition). */
export async function buildPage(outDir = mkdtempSync(path.join(tmpdir(), "depinfer-explorer-page-"))) {
  await build({
    entryPoints: [path.join(appDir, "main.ts")],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    sourcemap: true,
    conditions: ["depinfer-source"],
    outfile: path.join(outDir, "main.js"),
    logLevel: "warning",
  });
  copyFileSync(path.join(appDir, "index.html"), path.join(outDir, "index.html"));
  copyFileSync(path.join(appDir, "style.css"), path.join(outDir, "style.css"));
  return outDir;
}

export interface PageServer {
  url: string;
  close(): Promise<void>;
}

/** Serves `dir` and `config` (as /config.json) on host:port. */
export async function servePage(dir: string, config: ExplorerConfig, host: string, port: number): Promise<PageServer> {
  writeFileSync(path.join(dir, "config.json"), JSON.stringify(config, null, 2));
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://page");
    const name = url.pathname === "/" ? "index.html" : url.pathname.slice(1);
    if (!/^[\w.-]+$/.test(name)) {
      res.writeHead(404).end("not found");
      return;
    }
    try {
      const body = readFileSync(path.join(dir, name));
      res.writeHead(200, { "content-type": TYPES[path.extname(name)] ?? "application/octet-stream", "cache-control": "no-store" }).end(body);
    } catch {
      res.writeHead(404).end("not found");
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return {
    url: `http://${host}:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
        rmSync(dir, { recursive: true, force: true });
      }),
  };
}
