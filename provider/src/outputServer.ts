// Node-only. Serves the provider node's outputs by content hash over HTTP, in the shape the SDK's
// HttpContentStore reads: `GET /ipfs/{cid}` (CIDv1 raw/sha2-256, as an IPFS trustless gateway) and,
// for convenience, `GET /content/{0x-hash or cid}`. Clients verify what they get against the
// on-chain hash, so reads need no authentication: the node puts an output in `store` only once the
// job's result is on-chain (until then the output is worth the job's price, and anything not in
// the store is a 404, like content it never had). `GET /health` answers `{ "ok": true }`, and
// `GET /metrics` the node's counters in Prometheus' text format, only when `metrics` is given (the
// node serves them on a listener of its own unless the operator enables them here).
// `POST /content/{cid}` (HttpContentStore.put) takes a job's input too large to post on-chain, but
// only content that `accept` wants (the node: the input hash of a job it is waiting on), refused
// before a byte of the body is read, with a declared length within the limit and within the disk
// quota (507), once per content (an upload of content already stored is answered without reading
// it; a second one while the first is in progress is refused), a bounded number at a time, and
// streamed to disk while it is hashed when the store can (so strangers can neither fill the disk
// nor the memory). Reads stream from disk too. Connections are capped and time out.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Readable } from "node:stream";

import type { Hex } from "viem";

import {
  cidFromHash,
  contentHash,
  ContentHashMismatchError,
  type ContentStore,
  hashFromCid,
  normalizeContentHash,
} from "depinfer";
import type { Logger } from "./logger.js";

/** What a store may add to `ContentStore` so the server streams instead of buffering (the SDK's `FileSystemContentStore` does). */
export interface StreamingContentStore {
  putStream(hash: Hex, chunks: AsyncIterable<Uint8Array>): Promise<Hex>;
  openRead(hash: Hex): Promise<{ size: number; stream: Readable } | undefined>;
}

/** Room on disk for uploads: reserved before an upload's body is read, released after it (stored or not). */
export interface UploadQuota {
  /** Whether `bytes` more fit; if so, they are reserved until `release`. */
  reserve(bytes: number): boolean;
  release(bytes: number, stored: boolean): void;
  readonly quotaBytes: number;
}

export interface OutputServerParameters {
  host: string;
  /** 0 picks a free port (see `url`). */
  port: number;
  store: ContentStore & Partial<StreamingContentStore>;
  /**
   * Content to serve from memory before the store is read (the node: its outputs just released,
   * recentOutputs.ts); undefined sends the read to the store. Only what may be served belongs here.
   */
  memory?: { served(hash: Hex): Uint8Array | undefined } | undefined;
  logger?: Logger | undefined;
  /** Whether an upload with this hash is wanted (default: none is). */
  accept?: ((hash: Hex) => boolean) | undefined;
  /** Called after an accepted upload is stored. */
  onStored?: ((hash: Hex) => void) | undefined;
  /** The disk quota uploads count against (default: none). An upload over it is refused with 507 before its body is read. */
  quota?: UploadQuota | undefined;
  /** The largest upload, in bytes (default 16 MiB). */
  maxUploadBytes?: number | undefined;
  /** The largest upload of the content `hash`, when less than `maxUploadBytes` (the node: the model's `maxInputBytes` of the jobs waiting for it). */
  maxUploadBytesFor?: ((hash: Hex) => number) | undefined;
  /** `GET /metrics`: Prometheus text exposition (absent: 404). */
  metrics?: (() => string | Promise<string>) | undefined;
  /** Open connections at most; more are closed at once (default 256). */
  maxConnections?: number | undefined;
  /** Uploads in progress at most; more are answered 503 (default 4). */
  maxConcurrentUploads?: number | undefined;
  /** A request must arrive whole within this many milliseconds (default 120 s: 16 MiB at about 140 KB/s). */
  requestTimeoutMs?: number | undefined;
  /** A connection idle this long is closed, e.g. a reader that stopped reading (default 30 s). */
  idleTimeoutMs?: number | undefined;
  /**
   * Origins whose browser pages may read content and upload inputs (CORS): `["*"]` for any, or
   * exact origins such as `"https://app.example"`. Default: none (no CORS headers).
   */
  corsOrigins?: readonly string[] | undefined;
  /**
   * Another service on this server (the node's paid session endpoint, sessions/server.ts): it gets
   * every request first and returns true when it answered it.
   */
  handle?: ((request: IncomingMessage, response: ServerResponse) => boolean) | undefined;
}

/** A refusal of an upload, with its HTTP status. */
class UploadRefused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface OutputServer {
  /** The base URL, e.g. `http://127.0.0.1:8080`: pass it to `new HttpContentStore({ baseUrl })`. */
  url: string;
  close(): Promise<void>;
}

const CONTENT_TYPE = "application/vnd.ipld.raw";
/** Content is addressed by its hash, so it never changes: caches may keep it. Nothing else may be cached. */
const IMMUTABLE = "public, max-age=31536000, immutable";

type Send = (status: number, body: string | Uint8Array, type?: string, close?: boolean) => void;

/** Parses `/ipfs/{cid}` or `/content/{hash|cid}`; undefined for any other path, null for a bad key. */
function keyOf(pathname: string): Hex | null | undefined {
  const match = /^\/(ipfs|content)\/([^/?#]+)$/.exec(pathname);
  if (!match) return undefined;
  try {
    // Both can throw on hostile input (a malformed %-escape, a bad CID): a bad key, never a crash.
    const key = decodeURIComponent(match[2]!);
    return key.startsWith("0x") ? normalizeContentHash(key) : hashFromCid(key);
  } catch {
    return null;
  }
}

/** The path of a request target, or undefined when it is not a URL (e.g. `GET http://[ HTTP/1.1`). */
function pathnameOf(target: string | undefined): string | undefined {
  try {
    return new URL(target ?? "/", "http://localhost").pathname;
  } catch {
    return undefined;
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
  const {
    host,
    port,
    store,
    memory,
    logger,
    accept = () => false,
    onStored,
    maxUploadBytes = 16 * 1024 * 1024,
    maxUploadBytesFor,
    metrics,
    maxConnections = 256,
    maxConcurrentUploads = 4,
    requestTimeoutMs = 120_000,
    idleTimeoutMs = 30_000,
    corsOrigins = [],
    quota,
    handle,
  } = parameters;
  /** The Access-Control-Allow-Origin for a request from `origin`, if it is allowed. */
  const allowedOrigin = (origin: string | undefined) =>
    corsOrigins.includes("*") ? "*" : origin !== undefined && corsOrigins.includes(origin) ? origin : undefined;
  let uploads = 0;
  /** Content being uploaded now: one upload per content at a time. */
  const pending = new Set<Hex>();
  /** Whether the store has this content already. */
  const has = async (hash: Hex) => {
    if (!store.openRead) return (await store.get(hash)) !== undefined;
    const file = await store.openRead(hash);
    file?.stream.destroy();
    return file !== undefined;
  };
  const server: Server = createServer((request, response) => {
    // Anything sent to this port is untrusted: no request may end the process (every accepted job
    // would then expire and be slashed). Each answer is sent at most once, and a handler that
    // throws answers 400 (or closes the connection if an answer was already under way).
    const send = (status: number, body: string | Uint8Array, type = "application/json", close = false) => {
      if (response.headersSent || response.writableEnded) return;
      // Refusing an upload without reading its body: close the connection rather than drain it.
      if (close) response.setHeader("connection", "close");
      // Content is immutable (addressed by its hash); nothing else may be cached (e.g. /metrics).
      const immutable = status === 200 && type === CONTENT_TYPE;
      response.writeHead(status, { "content-type": type, "cache-control": immutable ? IMMUTABLE : "no-store" });
      response.end(body);
    };
    request.on("error", () => response.destroy());
    const origin = allowedOrigin(request.headers.origin);
    if (origin) {
      response.setHeader("access-control-allow-origin", origin);
      if (origin !== "*") response.setHeader("vary", "origin");
      response.setHeader("access-control-expose-headers", "content-length, x-depinfer-attestation, x-depinfer-charged");
    }
    if (request.method === "OPTIONS") {
      // A CORS preflight: allowed origins may GET, HEAD and POST uploads; others get no grant.
      if (origin) {
        response.setHeader("access-control-allow-methods", "GET, HEAD, POST");
        response.setHeader("access-control-allow-headers", "content-type, accept, authorization, x-depinfer-session, x-depinfer-voucher");
        response.setHeader("access-control-max-age", "600");
      }
      return send(204, "");
    }
    response.on("error", () => request.destroy());
    try {
      if (handle?.(request, response)) return;
      route(request, response, send);
    } catch (error) {
      logger?.warn("output server: refused a malformed request", { method: request.method, err: error });
      if (response.headersSent) response.destroy();
      else send(400, JSON.stringify({ error: "malformed request" }));
    }
  });
  // Malformed request lines and headers never reach the handler: they are answered 400 here, and closed.
  server.on("clientError", (_error, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n");
    else socket.destroy();
  });

  function route(request: IncomingMessage, response: ServerResponse, send: Send) {
    const pathname = pathnameOf(request.url);
    if (pathname === undefined) return send(400, JSON.stringify({ error: "the request target is not a URL path" }));
    if (request.method === "POST" && pathname === "/content")
      return send(400, JSON.stringify({ error: "name the content in the path: POST /content/{cid or 0x-hash}" }), "application/json", true);
    if (request.method === "POST" && pathname.startsWith("/content/")) {
      const key = keyOf(pathname);
      if (!key) return send(400, JSON.stringify({ error: "not a sha2-256 content hash or CIDv1 raw/sha2-256" }), "application/json", true);
      return void upload(request, key, send);
    }
    if (request.method !== "GET" && request.method !== "HEAD") return send(405, JSON.stringify({ error: "GET, HEAD, or POST /content/{cid}" }));
    if (pathname === "/health") return send(200, JSON.stringify({ ok: true }));
    if (pathname === "/metrics" && metrics) {
      // Never cached (the content responses below are immutable; these are not).
      Promise.resolve(metrics()).then(
        (text) => {
          if (response.headersSent || response.writableEnded) return;
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
    const failed = (error: unknown) => {
      logger?.error("output server: read failed", { hash: key, err: error });
      if (response.headersSent) response.destroy();
      else send(500, JSON.stringify({ error: "read failed" }));
    };
    const copy = memory?.served(key);
    if (copy) {
      response.writeHead(200, { "content-type": CONTENT_TYPE, "content-length": copy.length, "cache-control": IMMUTABLE });
      return void response.end(request.method === "HEAD" ? undefined : copy);
    }
    if (!store.openRead) {
      store.get(key).then((bytes) => (bytes ? send(200, bytes, CONTENT_TYPE) : send(404, JSON.stringify({ error: "no such content", hash: key }))), failed);
      return;
    }
    // Streamed from disk with backpressure: a slow reader holds a file handle, not the file.
    store.openRead(key).then((file) => {
      if (!file) return send(404, JSON.stringify({ error: "no such content", hash: key }));
      response.writeHead(200, { "content-type": CONTENT_TYPE, "content-length": file.size, "cache-control": IMMUTABLE });
      if (request.method === "HEAD") {
        file.stream.destroy();
        return void response.end();
      }
      file.stream.on("error", failed);
      response.on("close", () => file.stream.destroy());
      file.stream.pipe(response);
    }, failed);
  }
  /**
   * Stores an upload of the content `hash` if a job waits for it: everything that can be refused
   * is refused before the body is read; the body is then streamed (or, for a store that cannot
   * stream, buffered up to its declared length) and kept only if it hashes to `hash`.
   */
  async function upload(request: IncomingMessage, hash: Hex, send: Send) {
    const refuse = (status: number, error: string) => send(status, JSON.stringify({ error, hash }), "application/json", true);
    if (!accept(hash)) return refuse(403, "no job of this node waits for content with this hash");
    const declared = request.headers["content-length"];
    if (declared === undefined) return refuse(411, "send the body with a Content-Length");
    if (!/^\d{1,16}$/.test(declared)) return refuse(400, "Content-Length is not a byte count");
    const length = Number(declared);
    const most = Math.min(maxUploadBytes, maxUploadBytesFor?.(hash) ?? Infinity);
    if (length > most) return refuse(413, `larger than ${most} bytes`);
    if (pending.has(hash)) return refuse(409, "this content is being uploaded already");
    if (uploads >= maxConcurrentUploads) return refuse(503, `${maxConcurrentUploads} uploads are already in progress; retry later`);
    uploads++;
    pending.add(hash);
    let reserved = false;
    try {
      // Each content is stored once: a repeat (a client retrying) is answered without reading it.
      if (await has(hash)) return send(200, JSON.stringify({ hash, cid: cidFromHash(hash) }), "application/json", true);
      if (quota && !quota.reserve(length)) return refuse(507, `the node's storage for uploads is full (${quota.quotaBytes} bytes): retry later`);
      reserved = quota !== undefined;
      let received = 0;
      const body = async function* () {
        for await (const chunk of request as AsyncIterable<Buffer>) {
          received += chunk.length;
          if (received > length) throw new UploadRefused(400, "more bytes than Content-Length");
          yield new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length);
        }
        if (received !== length) throw new UploadRefused(400, `${received} bytes, not the ${length} of Content-Length`);
      };
      if (store.putStream) await store.putStream(hash, body());
      else {
        const parts: Uint8Array[] = [];
        for await (const part of body()) parts.push(part);
        const stored = await store.put(new Uint8Array(Buffer.concat(parts)));
        if (stored !== hash) throw new ContentHashMismatchError({ expected: hash, actual: stored, source: "upload" });
      }
      if (reserved) quota!.release(length, true);
      reserved = false;
      logger?.info("input uploaded", { hash, bytes: length });
      send(200, JSON.stringify({ hash, cid: cidFromHash(hash) }));
      onStored?.(hash);
    } catch (error) {
      if (error instanceof UploadRefused) refuse(error.status, error.message);
      else if (error instanceof ContentHashMismatchError) refuse(400, "the body does not hash to the content hash in the path");
      else if (request.destroyed || request.aborted) logger?.debug("output server: an upload broke off", { hash });
      else {
        logger?.error("output server: write failed", { hash, err: error });
        send(500, JSON.stringify({ error: "write failed" }));
      }
    } finally {
      uploads--;
      pending.delete(hash);
      if (reserved) quota!.release(length, false); // refused, broken off or not matching: nothing kept
    }
  }

  server.maxConnections = maxConnections;
  server.requestTimeout = requestTimeoutMs;
  server.headersTimeout = Math.min(10_000, requestTimeoutMs);
  server.keepAliveTimeout = 5_000;
  server.timeout = idleTimeoutMs;

  return listen(server, port, host, logger, "output server");
}

/**
 * Starts `server` on `host:port` (a bind error rejects), logs "<name> listening" with its URL, and
 * returns the URL and a `close` that also ends open connections.
 */
export async function listen(server: Server, port: number, host: string, logger: Logger | undefined, name: string): Promise<OutputServer> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}`;
  logger?.info(`${name} listening`, { url });
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
