/**
 * The output server faces the internet, and a node that goes down has every accepted job expire
 * and be slashed. So no request may end the process: malformed targets and escapes get a 4xx, and
 * a bounded fuzz of paths, methods, headers and bodies leaves the server answering.
 */
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

import { HttpContentStore, MemoryContentStore, cidFromHash, contentHash } from "depinfer";
import { FileSystemContentStore } from "depinfer/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { startOutputServer, type OutputServer } from "../src/outputServer.js";

let server: OutputServer;
let port: number;
const store = new MemoryContentStore();
const stored = new TextEncoder().encode("an output");

/** Sends raw bytes and resolves with the status code of the answer (0 if the connection closed without one). */
function raw(request: string | Uint8Array, timeoutMs = 2_000): Promise<number> {
  return rawAt(port, request, timeoutMs);
}

function rawAt(at: number, request: string | Uint8Array, timeoutMs = 2_000): Promise<number> {
  return new Promise((resolve) => {
    const socket = connect(at, "127.0.0.1");
    let data = "";
    const done = () => {
      socket.destroy();
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(data);
      resolve(match ? Number(match[1]) : 0);
    };
    socket.setTimeout(timeoutMs, done);
    socket.on("data", (chunk) => {
      data += chunk.toString("latin1");
      if (/\r\n\r\n/.test(data)) done();
    });
    socket.on("error", done);
    socket.on("close", done);
    socket.write(request);
  });
}

const get = (target: string) => raw(`GET ${target} HTTP/1.1\r\nHost: node\r\nConnection: close\r\n\r\n`);

beforeAll(async () => {
  await store.put(stored);
  server = await startOutputServer({ host: "127.0.0.1", port: 0, store, metrics: () => "depinfer_jobs_total 1\n" });
  port = Number(new URL(server.url).port);
});
afterAll(() => server?.close());

describe("output server: hostile requests", () => {
  it("answers 400 to a malformed %-escape and to a request target that is not a URL, and keeps serving", async () => {
    expect(await get("/ipfs/%E0%A4%A")).toBe(400);
    expect(await get("/content/%ZZ")).toBe(400);
    expect(await get("http://[")).toBe(400);
    expect(await raw("\u0000\u0001 / HTTP/1.1\r\n\r\n")).toBe(400);
    expect(await get("/health")).toBe(200);
    expect(await get(`/content/${contentHash(stored)}`)).toBe(200);
  });

  it("never lets /metrics be cached", async () => {
    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
  });

  it("answers /metrics with 404 when it is not given metrics to serve (the node's default)", async () => {
    const bare = await startOutputServer({ host: "127.0.0.1", port: 0, store });
    try {
      expect((await fetch(`${bare.url}/metrics`)).status).toBe(404);
    } finally {
      await bare.close();
    }
  });

  it("survives a bounded fuzz of paths, methods, headers and bodies, answering each with 2xx or 4xx", async () => {
    // A seeded generator (mulberry32), so a failure names a reproducible case.
    let seed = 0x5eed;
    const random = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
    const junk = (n: number) => Array.from({ length: n }, () => String.fromCharCode(Math.floor(random() * 256))).join("");
    const segments = ["ipfs", "content", "health", "metrics", "%", "%E0%A4%A", "%00", "..", "%2e%2e", "0x", `0x${"a".repeat(64)}`, "bafkrei", "Qm", "\u00e9", "?", "#", "//", ""];
    const methods = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "TRACE", "CONNECT", "G\u0000T", ""];
    const statuses: number[] = [];
    for (let i = 0; i < 250; i++) {
      const path = "/" + Array.from({ length: 1 + Math.floor(random() * 4) }, () => (random() < 0.2 ? encodeURIComponent(junk(3)) : pick(segments))).join("/");
      const target = random() < 0.1 ? pick(["*", "http://[", "http://node/ipfs/x", junk(8)]) : path;
      const body = random() < 0.3 ? junk(Math.floor(random() * 64)) : "";
      const headers = [
        "Host: node",
        "Connection: close",
        ...(random() < 0.5 ? [`Content-Length: ${random() < 0.5 ? body.length : pick(["-1", "abc", "99999999999", "1e3", String(body.length + 10)])}`] : []),
        ...(random() < 0.2 ? [`Transfer-Encoding: ${pick(["chunked", "gzip", "x"])}`] : []),
        ...(random() < 0.1 ? [`X-${junk(4)}: ${junk(8)}`] : []),
      ];
      const status = await raw(`${pick(methods)} ${target} HTTP/1.1\r\n${headers.join("\r\n")}\r\n\r\n${body}`, 500);
      statuses.push(status);
      expect(status === 0 || (status >= 200 && status < 500), `request ${i}: ${status}`).toBe(true);
    }
    // The answers were real (most requests got one), and the server still serves.
    expect(statuses.filter((s) => s !== 0).length).toBeGreaterThan(150);
    expect(await get("/health")).toBe(200);
    expect(await get(`/ipfs/${"b".repeat(10)}`)).toBe(400);
  });
});

describe("output server: uploads and readers cannot exhaust memory or disk", () => {
  let dir: string;
  let guarded: OutputServer;
  let guardedPort: number;
  let fsStore: FileSystemContentStore;
  const wanted = new Uint8Array(256 * 1024).fill(7);
  const wantedHash = contentHash(wanted);
  /** Other content the server waits for (never stored here): uploads that hang, or are refused. */
  const others = [1, 2, 3].map((i) => new Uint8Array(1024).fill(i));
  const otherHashes = others.map((o) => contentHash(o));
  const uploadHead = (hash: string, length: number | undefined, extra = "") =>
    `POST /content/${hash} HTTP/1.1\r\nHost: node\r\n${length === undefined ? "Transfer-Encoding: chunked\r\n" : `Content-Length: ${length}\r\n`}${extra}\r\n`;
  const rawTo = (request: string | Uint8Array, timeoutMs = 2_000) => rawAt(guardedPort, request, timeoutMs);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "depinfer-uploads-"));
    fsStore = new FileSystemContentStore({ dir });
    guarded = await startOutputServer({
      host: "127.0.0.1",
      port: 0,
      store: fsStore,
      accept: (hash) => hash === wantedHash || otherHashes.includes(hash),
      maxUploadBytes: 1024 * 1024,
      maxConcurrentUploads: 2,
      maxConnections: 8,
      requestTimeoutMs: 1_000,
      idleTimeoutMs: 1_000,
    });
    guardedPort = Number(new URL(guarded.url).port);
  });
  afterAll(async () => {
    await guarded?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("refuses before reading the body: content nobody waits for (403), no length (411), too long (413), no hash in the path (400)", async () => {
    // Only the headers are sent: each answer must come without the body.
    expect(await rawTo(uploadHead(contentHash(new Uint8Array([1])), 16 * 1024 * 1024))).toBe(403);
    expect(await rawTo(uploadHead(wantedHash, undefined))).toBe(411);
    expect(await rawTo(uploadHead(wantedHash, 2 * 1024 * 1024))).toBe(413);
    expect(await rawTo(`POST /content HTTP/1.1\r\nHost: node\r\nContent-Length: 16777216\r\n\r\n`)).toBe(400);
    expect(await rawTo(uploadHead(wantedHash, 12, "X: y\r\n").replace(`Content-Length: 12`, "Content-Length: 12x"))).toBe(400);
  });

  it("keeps an upload only if it hashes to the hash in its path, and streams it back", async () => {
    const liar = new Uint8Array(wanted.length).fill(8);
    const head = uploadHead(wantedHash, liar.length);
    expect(await rawTo(Buffer.concat([Buffer.from(head, "latin1"), Buffer.from(liar)]))).toBe(400);
    expect((await readdir(dir)).filter((f) => !f.startsWith("."))).toEqual([]);

    const client = new HttpContentStore({ baseUrl: guarded.url });
    expect(await client.put(wanted)).toBe(wantedHash);
    const file = fsStore.pathOf(wantedHash);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await client.get(wantedHash)).toEqual(wanted);
    const head2 = await fetch(`${guarded.url}/ipfs/${cidFromHash(wantedHash)}`, { method: "HEAD" });
    expect(head2.headers.get("content-length")).toBe(String(wanted.length));
  });

  it("caps uploads in progress (503), cuts off a half-finished upload, and leaves no partial file", async () => {
    const hanging = [0, 1].map((i) => {
      const socket = connect(guardedPort, "127.0.0.1");
      socket.on("error", () => {});
      socket.write(uploadHead(otherHashes[i]!, others[i]!.length) + "partial body");
      return socket;
    });
    await new Promise((r) => setTimeout(r, 200));
    // A second upload of content being uploaded is refused as such; any other upload waits its turn.
    expect(await rawTo(uploadHead(otherHashes[0]!, others[0]!.length))).toBe(409);
    expect(await rawTo(uploadHead(otherHashes[2]!, others[2]!.length))).toBe(503);
    // The request timeout (1 s here) closes the half-finished uploads.
    const closed = await Promise.all(hanging.map((socket) => new Promise<boolean>((resolve) => socket.on("close", () => resolve(true)))));
    expect(closed).toEqual([true, true]);
    await new Promise((r) => setTimeout(r, 100));
    expect((await readdir(dir)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    expect(await rawTo(`GET /health HTTP/1.1\r\nHost: node\r\nConnection: close\r\n\r\n`)).toBe(200);
  });

  it("stores each content once: a repeat is answered without reading its body", async () => {
    // `wanted` was stored by the test above: only the head is sent, and it is answered.
    expect(await rawTo(uploadHead(wantedHash, wanted.length))).toBe(200);
    expect(await new HttpContentStore({ baseUrl: guarded.url }).put(wanted)).toBe(wantedHash);
  });

  it("refuses an upload over the disk quota with 507 before reading its body, and releases what it reserved", async () => {
    let reserved = 0;
    const quota = {
      quotaBytes: 1500,
      reserve: (bytes: number) => (reserved + bytes <= 1500 ? ((reserved += bytes), true) : false),
      release: (bytes: number) => void (reserved -= bytes),
    };
    const full = await startOutputServer({ host: "127.0.0.1", port: 0, store: fsStore, accept: (hash) => otherHashes.includes(hash), quota });
    try {
      const port = Number(new URL(full.url).port);
      const hanging = connect(port, "127.0.0.1");
      hanging.on("error", () => {});
      hanging.write(uploadHead(otherHashes[0]!, others[0]!.length) + "partial");
      await new Promise((r) => setTimeout(r, 100));
      expect(reserved).toBe(1024);
      expect(await rawAt(port, uploadHead(otherHashes[1]!, others[1]!.length))).toBe(507);
      hanging.destroy();
      await new Promise((r) => setTimeout(r, 100));
      expect(reserved).toBe(0); // broke off: nothing kept, nothing reserved
      expect(await new HttpContentStore({ baseUrl: full.url }).put(others[1]!)).toBe(otherHashes[1]);
    } finally {
      await full.close();
    }
  });

  it("caps open connections: one over the cap is closed at once, and service resumes when they go", async () => {
    const idle = await Promise.all(
      Array.from({ length: 8 }, () => new Promise<Socket>((resolve) => {
        const socket = connect(guardedPort, "127.0.0.1", () => resolve(socket));
        socket.on("error", () => {});
      })),
    );
    await new Promise((r) => setTimeout(r, 100));
    expect(await rawTo(`GET /health HTTP/1.1\r\nHost: node\r\nConnection: close\r\n\r\n`, 1_000)).toBe(0);
    for (const socket of idle) socket.destroy();
    await new Promise((r) => setTimeout(r, 100));
    expect(await rawTo(`GET /health HTTP/1.1\r\nHost: node\r\nConnection: close\r\n\r\n`)).toBe(200);
  });
});

describe("output server: CORS", () => {
  it("grants configured origins (and only them) the reads and uploads a browser dApp needs", async () => {
    const cors = await startOutputServer({ host: "127.0.0.1", port: 0, store, corsOrigins: ["https://app.example"] });
    const open = await startOutputServer({ host: "127.0.0.1", port: 0, store, corsOrigins: ["*"] });
    try {
      const read = (base: string, origin: string) => fetch(`${base}/content/${contentHash(stored)}`, { headers: { origin } });
      expect((await read(cors.url, "https://app.example")).headers.get("access-control-allow-origin")).toBe("https://app.example");
      expect((await read(cors.url, "https://evil.example")).headers.get("access-control-allow-origin")).toBeNull();
      expect((await read(server.url, "https://app.example")).headers.get("access-control-allow-origin")).toBeNull();
      expect((await read(open.url, "https://anyone.example")).headers.get("access-control-allow-origin")).toBe("*");
      const preflight = await fetch(`${cors.url}/content/${cidFromHash(contentHash(stored))}`, {
        method: "OPTIONS",
        headers: { origin: "https://app.example", "access-control-request-method": "POST" },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get("access-control-allow-methods")).toMatch(/POST/);
      const refused = await fetch(`${cors.url}/health`, { method: "OPTIONS", headers: { origin: "https://evil.example" } });
      expect(refused.headers.get("access-control-allow-methods")).toBeNull();
    } finally {
      await cors.close();
      await open.close();
    }
  });
});
