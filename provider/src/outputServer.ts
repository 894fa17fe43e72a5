// Node-only. Serves the provider node's outputs by content hash over HTTP, in the shape the SDK's
// HttpContentStore reads: `GET /ipfs/{cid}` (CIDv1 raw/sha2-256, as an IPFS trustless gateway) and,
// for convenience, `GET /content/{0x-hash or cid}`. Clients verify what they get against the
// on-chain hash, so reads need no authentication: the node puts an output in `store` only once the
// job's result is on-chain (until then the output is worth the job's price, and anything not in
// the store is a 404, like content it never had). `GET /health` answers `{ "ok": true }`, and
// `GET /metrics` the node's counters in Prometheus' text format.
// `POST /content` (HttpContentStore.put) takes a job's input too large to post on-chain, but only
// content that `accept` wants (the node: the input hash of a job it is waiting on), so strangers
// cannot fill the disk.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

import type { Hex } from "viem";

import { cidFromHash, hashFromCid, normalizeContentHash } from "depinfer";
import type { ContentStore } from "depinfer";
import { contentHash } from "depinfer";
import type { Logger } from "./logger.js";

export interface OutputServerParameters {
  host: string;
  /** 0 picks a free port (see `url`). */
  port: number;
  store: ContentStore;
  logger?: Logger | undefined;
  /** Whether an upload with this hash is wanted (default: none is). */
  accept?: ((hash: Hex) => boolean) | undefined;
  /** Called after an accepted upload is stored. */
  onStored?: ((hash: Hex) => void) | undefined;
  /** The largest upload, in bytes (default 16 MiB). */
  maxUploadBytes?: number | undefined;
  /** `GET /metrics`: Prometheus text exposition (absent: 404). */
  metrics?: (() => string | Promise<string>) | undefined;
}

export interface OutputServer {
  /** The base URL, e.g. `http://127.0.0.1:8080`: pass it to `new HttpContentStore({ baseUrl })`. */
  url: string;
  close(): Promise<void>;
}

/** Parses `/ipfs/{cid}` or `/content/{hash|cid}`; undefined for any other path, null for a bad key. */
function keyOf(pathname: string): Hex | null | undefined {
  const match = /^\/(ipfs|content)\/([^/?#]+)$/.exec(pathname);
  if (!match) return undefined;
  const key = decodeURIComponent(match[2]!);
  try {
    return key.startsWith("0x") ? normalizeContentHash(key) : hashFromCid(key);
  } catch {
    return null;
  }
}

/**
 * Starts the output server.
 *
 * @example
 * const server = await startOutputServer({ host: "127.0.0.1", port: 8080, store });
 * const output = await new HttpContentStore({ baseUrl: server.url }).get(outputHash);
 */
export async function startOutputServer(parameters: OutputServerParameters): Promise<OutputServer> {
  const { host, port, store, logger, accept = () => false, onStored, maxUploadBytes = 16 * 1024 * 1024, metrics } = parameters;
  const server: Server = createServer((request, response) => {
    const { pathname } = new URL(request.url ?? "/", "http://localhost");
    const send = (status: number, body: string | Uint8Array, type = "application/json") => {
      response.writeHead(status, { "content-type": type, "cache-control": status === 200 && type !== "application/json" ? "public, max-age=31536000, immutable" : "no-store" });
      response.end(body);
    };
    if (request.method === "POST" && pathname === "/content") return void upload(request, send);
    if (request.method !== "GET" && request.method !== "HEAD") return send(405, JSON.stringify({ error: "GET, HEAD, or POST /content" }));
    if (pathname === "/health") return send(200, JSON.stringify({ ok: true }));
    if (pathname === "/metrics" && metrics) {
      // Never cached (the content responses below are immutable; these are not).
      Promise.resolve(metrics()).then(
        (text) => {
          response.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8", "cache-control": "no-store" });
          response.end(text);
        },
        (error: unknown) => {
          logger?.error("output server: metrics failed", { err: error });
          send(500, JSON.stringify({ error: "metrics failed" }));
        },
      );
      return;
    }
    const key = keyOf(pathname);
    if (key === undefined) return send(404, JSON.stringify({ error: "not found: use /ipfs/{cid} or /content/{hash}" }));
    if (key === null) return send(400, JSON.stringify({ error: "not a sha2-256 content hash or CIDv1 raw/sha2-256" }));
    store.get(key).then(
      (bytes) => (bytes ? send(200, bytes, "application/vnd.ipld.raw") : send(404, JSON.stringify({ error: "no such content", hash: key }))),
      (error: unknown) => {
        logger?.error("output server: read failed", { hash: key, err: error });
        send(500, JSON.stringify({ error: "read failed" }));
      },
    );
  });
  /** Reads the body (at most maxUploadBytes), stores it if wanted, and answers with its hash. */
  function upload(request: IncomingMessage, send: (status: number, body: string) => void) {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxUploadBytes) {
        send(413, JSON.stringify({ error: `larger than ${maxUploadBytes} bytes` }));
        request.destroy();
      } else chunks.push(chunk);
    });
    request.on("end", () => {
      const bytes = new Uint8Array(Buffer.concat(chunks));
      const hash = contentHash(bytes);
      if (!accept(hash)) return send(403, JSON.stringify({ error: "no job of this node waits for content with this hash", hash }));
      store.put(bytes).then(
        () => {
          logger?.info("input uploaded", { hash, bytes: bytes.length });
          send(200, JSON.stringify({ hash, cid: cidFromHash(hash) }));
          onStored?.(hash);
        },
        (error: unknown) => {
          logger?.error("output server: write failed", { hash, err: error });
          send(500, JSON.stringify({ error: "write failed" }));
        },
      );
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}`;
  logger?.info("output server listening", { url });
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
