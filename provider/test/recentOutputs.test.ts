/**
 * The node's newest outputs in memory (recentOutputs.ts), and the output server answering from
 * them: a copy is served only once released, within its byte budget, and never after it is dropped;
 * what is not in memory is read from the store, as before.
 */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { cidFromHash, contentHash, HttpContentStore } from "depinfer";
import { FileSystemContentStore } from "depinfer/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { startOutputServer, type OutputServer } from "../src/outputServer.js";
import { RecentOutputs } from "../src/recentOutputs.js";

const bytesOf = (text: string) => new TextEncoder().encode(text);
const bytesOfSize = (n: number, fill: number) => new Uint8Array(n).fill(fill);

describe("RecentOutputs", () => {
  it("serves a copy only once it is released, and forgets it when dropped", () => {
    const recent = new RecentOutputs({ maxBytes: 1024 });
    const output = bytesOf("the output");
    const hash = contentHash(output);
    recent.keep(hash, output);
    expect(recent.served(hash)).toBeUndefined();
    recent.release(hash.toUpperCase().replace("0X", "0x") as typeof hash);
    expect(recent.served(hash)).toEqual(output);
    expect(recent.bytes).toBe(output.length);
    recent.drop(hash);
    expect(recent.served(hash)).toBeUndefined();
    expect(recent.bytes).toBe(0);
    // Released before it is kept (a restart, a copy already evicted): nothing to serve.
    recent.release(hash);
    expect(recent.served(hash)).toBeUndefined();
  });

  it("keeps the newest within its budget: the least recently kept goes first", () => {
    const recent = new RecentOutputs({ maxBytes: 300, maxEntryBytes: 100 });
    const outputs = [1, 2, 3, 4].map((i) => bytesOfSize(100, i));
    const hashes = outputs.map((o) => contentHash(o));
    outputs.forEach((o, i) => {
      recent.keep(hashes[i]!, o);
      recent.release(hashes[i]!);
    });
    expect(recent.bytes).toBe(300);
    expect(recent.served(hashes[0]!)).toBeUndefined();
    expect(hashes.slice(1).map((h) => recent.served(h)?.length)).toEqual([100, 100, 100]);
    // Kept again, the second becomes the newest: the third goes next.
    recent.keep(hashes[1]!, outputs[1]!);
    recent.keep(hashes[0]!, outputs[0]!);
    expect(recent.served(hashes[2]!)).toBeUndefined();
    expect(recent.served(hashes[1]!)?.length).toBe(100);
    expect(recent.bytes).toBe(300);
  });

  it("does not keep an output over its entry limit (the disk serves it), at the limit it does", () => {
    const recent = new RecentOutputs({ maxBytes: 1600 });
    expect(recent.maxEntryBytes).toBe(100);
    const atLimit = bytesOfSize(100, 7);
    const over = bytesOfSize(101, 7);
    recent.keep(contentHash(atLimit), atLimit);
    recent.keep(contentHash(over), over);
    recent.release(contentHash(atLimit));
    recent.release(contentHash(over));
    expect(recent.served(contentHash(atLimit))).toEqual(atLimit);
    expect(recent.served(contentHash(over))).toBeUndefined();
    expect(recent.bytes).toBe(100);
  });

  it("keeping released content again (two jobs, one output) leaves it served; kept unreleased, it stays unserved", () => {
    const recent = new RecentOutputs({ maxBytes: 1024 });
    const output = bytesOf("same output");
    const hash = contentHash(output);
    recent.keep(hash, output);
    recent.release(hash);
    recent.keep(hash, output);
    expect(recent.served(hash)).toEqual(output);
    expect(recent.bytes).toBe(output.length);
  });
});

describe("output server: content from memory", () => {
  let dir: string;
  let server: OutputServer;
  let store: FileSystemContentStore;
  const recent = new RecentOutputs({ maxBytes: 1 << 20 });
  const inMemory = bytesOf("released, and in memory only");
  const withheld = bytesOf("kept in memory, not released");
  const onDisk = bytesOf("on the disk only");

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "depinfer-recent-"));
    store = new FileSystemContentStore({ dir });
    await store.put(onDisk);
    recent.keep(contentHash(inMemory), inMemory);
    recent.release(contentHash(inMemory));
    recent.keep(contentHash(withheld), withheld);
    server = await startOutputServer({ host: "127.0.0.1", port: 0, store, memory: recent });
  });
  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("answers GET and HEAD for a released copy from memory, as immutable raw content with its length", async () => {
    expect(await readdir(dir)).not.toContain(cidFromHash(contentHash(inMemory)));
    for (const target of [`/ipfs/${cidFromHash(contentHash(inMemory))}`, `/content/${contentHash(inMemory)}`]) {
      const res = await fetch(`${server.url}${target}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("application/vnd.ipld.raw");
      expect(res.headers.get("content-length")).toBe(String(inMemory.length));
      expect(res.headers.get("cache-control")).toContain("immutable");
      expect(new Uint8Array(await res.arrayBuffer())).toEqual(inMemory);
    }
    const head = await fetch(`${server.url}/content/${contentHash(inMemory)}`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String(inMemory.length));
    expect((await head.arrayBuffer()).byteLength).toBe(0);
    // The SDK's reader checks it against the hash.
    expect(await new HttpContentStore({ baseUrl: server.url }).get(contentHash(inMemory))).toEqual(inMemory);
  });

  it("never serves a copy that is not released, and reads what memory lacks from the store", async () => {
    expect((await fetch(`${server.url}/content/${contentHash(withheld)}`)).status).toBe(404);
    const res = await fetch(`${server.url}/content/${contentHash(onDisk)}`);
    expect(res.status).toBe(200);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(onDisk);
  });

  it("stops serving a copy once it is dropped (its file deleted)", async () => {
    const output = bytesOf("dropped");
    recent.keep(contentHash(output), output);
    recent.release(contentHash(output));
    expect((await fetch(`${server.url}/content/${contentHash(output)}`)).status).toBe(200);
    recent.drop(contentHash(output));
    expect((await fetch(`${server.url}/content/${contentHash(output)}`)).status).toBe(404);
  });
});
