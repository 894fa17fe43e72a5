// Node-only. Serves the provider node's outputs by content hash over HTTP, in the shape the SDK's
// HttpContentStore reads: `GET /ipfs/{cid}` (CIDv1 raw/sha2-256, as an IPFS trustless gateway) and,
// for convenience, `GET /content/{0x-hash or cid}`. Clients verify what they get against the
// on-chain hash, so the server needs no authentication. `GET /health` answers `{ "ok": true }`.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

import type { Hex } from "viem";

import { hashFromCid, normalizeContentHash } from "../content/cid.js";
import type { ContentStore } from "../content/store.js";
import type { Logger } from "./logger.js";

export interface OutputServerParameters {
  host: string;
  /** 0 picks a free port (see `url`). */
  port: number;
  store: ContentStore;
  logger?: Logger | undefined;
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
export async function startOutputServer({ host, port, store, logger }: OutputServerParameters): Promise<OutputServer> {
  const server: Server = createServer((request, response) => {
    const { pathname } = new URL(request.url ?? "/", "http://localhost");
    const send = (status: number, body: string | Uint8Array, type = "application/json") => {
      response.writeHead(status, { "content-type": type, "cache-control": status === 200 && type !== "application/json" ? "public, max-age=31536000, immutable" : "no-store" });
      response.end(body);
    };
    if (request.method !== "GET" && request.method !== "HEAD") return send(405, JSON.stringify({ error: "only GET and HEAD" }));
    if (pathname === "/health") return send(200, JSON.stringify({ ok: true }));
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
