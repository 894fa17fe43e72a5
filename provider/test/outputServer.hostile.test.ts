/**
 * The output server faces the internet, and a node that goes down has every accepted job expire
 * and be slashed. So no request may end the process: malformed targets and escapes get a 4xx, and
 * a bounded fuzz of paths, methods, headers and bodies leaves the server answering.
 */
import { connect } from "node:net";

import { MemoryContentStore, contentHash } from "depinfer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { startOutputServer, type OutputServer } from "../src/outputServer.js";

let server: OutputServer;
let port: number;
const store = new MemoryContentStore();
const stored = new TextEncoder().encode("an output");

/** Sends raw bytes and resolves with the status code of the answer (0 if the connection closed without one). */
function raw(request: string | Uint8Array, timeoutMs = 2_000): Promise<number> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
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
