import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

import { BaseError, sha256, type Hex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { base32 } from "multiformats/bases/base32";

import {
  cidFromHash,
  ContentHashMismatchError,
  ContentStoreRequestError,
  hashFromCid,
  HttpContentStore,
  InvalidCidError,
  InvalidContentHashError,
  MemoryContentStore,
} from "../src/content/index.js";
import { FileSystemContentStore } from "../src/node/fsContentStore.js";
import { contentHash } from "../src/utils/content.js";

const encode = (text: string) => new TextEncoder().encode(text);
const HELLO_CID = "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e";

describe("content: CIDs of content hashes", () => {
  it("test_cidFromHash_knownVector", () => {
    const hash = contentHash("hello world");
    expect(hash).toBe("0xb94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9");
    expect(cidFromHash(hash)).toBe(HELLO_CID);
    expect(cidFromHash(hash.toUpperCase().replace("0X", "0x") as Hex)).toBe(HELLO_CID);
    expect(hashFromCid(HELLO_CID)).toBe(hash);
  });

  it("testFuzz_cid_roundTrips", () => {
    for (let i = 0; i < 200; i++) {
      const hash = sha256(encode(`item ${i}`));
      const cid = cidFromHash(hash);
      expect(cid).toMatch(/^bafkrei[a-z2-7]{52}$/);
      expect(hashFromCid(cid)).toBe(hash);
    }
  });

  it("test_hashFromCid_rejectsOtherCids", () => {
    const cases: [string, RegExp][] = [
      ["", /empty/],
      ["QmWATWQ7fVPP2EFGu71UkfnqhYXDYH566qy47CnJDgvs8u", /CIDv0/],
      [HELLO_CID.toUpperCase(), /multibase prefix "B"/],
      ["zb2rhe5P4gXftAwvA4eXQ5HJwsER2owDyS9sKaQRRVQPn93bA", /multibase prefix "z"/],
      // dag-pb CIDv1 of a UnixFS file: its digest is not the content's sha2-256.
      ["bafybeifx7yeb55armcsxwwitkymga5xf53dxiarykms3ygqic223w5sk3m", /codec 0x70 is not raw/],
      [HELLO_CID.slice(0, -1), /not a CID|digest is/],
      [`${HELLO_CID.slice(0, 10)}1${HELLO_CID.slice(11)}`, /not a CID/],
      // The same bytes with non-zero padding bits in the last character: not the canonical spelling.
      [`${HELLO_CID.slice(0, -1)}f`, /not a CID|not the canonical spelling/],
      // CIDv1 raw with blake2b-256 (0xb220) as multihash.
      [base32.encode(new Uint8Array([1, 0x55, 0xa0, 0xe4, 2, 32, ...new Uint8Array(32)])), /multihash 0xb220 is not sha2-256/],
      [base32.encode(new Uint8Array([1, 0x55, 0x12, 20, ...new Uint8Array(20)])), /digest is 20 bytes, not 32/],
    ];
    for (const [cid, message] of cases) {
      const error = (() => {
        try {
          hashFromCid(cid);
        } catch (e) {
          return e;
        }
      })();
      expect(error, cid).toBeInstanceOf(InvalidCidError);
      expect(error).toBeInstanceOf(BaseError);
      expect((error as InvalidCidError).shortMessage).toMatch(message);
    }
    expect(() => cidFromHash("0x1234")).toThrow(InvalidContentHashError);
  });
});

describe("content: stores", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "depinfer-content-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("test_MemoryContentStore_putGet", async () => {
    const store = new MemoryContentStore();
    const bytes = encode("4");
    const hash = await store.put(bytes);
    expect(hash).toBe(contentHash("4"));
    bytes[0] = 0; // the store keeps its own copy
    expect(await store.get(hash)).toEqual(encode("4"));
    expect(await store.get(hash.toUpperCase().replace("0X", "0x") as Hex)).toEqual(encode("4"));
    expect(await store.get(contentHash("5"))).toBeUndefined();
    await expect(store.get("0xabc")).rejects.toThrow(InvalidContentHashError);
  });

  it("test_FileSystemContentStore_putGetByCidAtomically", async () => {
    const store = new FileSystemContentStore({ dir: path.join(dir, "fs", "nested") });
    const hash = await store.put(encode("hello world"));
    expect(hash).toBe(contentHash("hello world"));
    expect(await readdir(store.dir)).toEqual([HELLO_CID]); // no temporary file left behind
    expect(await store.get(hash)).toEqual(encode("hello world"));
    expect(await store.put(encode("hello world"))).toBe(hash); // idempotent
    expect(await store.get(contentHash("absent"))).toBeUndefined();
    const many = await Promise.all(Array.from({ length: 20 }, (_, i) => store.put(encode(`concurrent ${i % 4}`))));
    expect(new Set(many).size).toBe(4);
    expect((await readdir(store.dir)).sort()).toHaveLength(5);
  });

  it("test_FileSystemContentStore_makesItsDirectoryWhenMissing", async () => {
    // The directory is made on the first write, and again if it was removed since (no mkdir per write).
    const store = new FileSystemContentStore({ dir: path.join(dir, "fs-missing", "a", "b") });
    const hash = await store.put(encode("first"));
    await rm(path.join(dir, "fs-missing"), { recursive: true, force: true });
    expect(await store.get(hash)).toBeUndefined();
    expect(await store.put(encode("first"))).toBe(hash);
    expect(await store.get(hash)).toEqual(encode("first"));
    await rm(store.dir, { recursive: true, force: true });
    const streamed = await store.putStream(contentHash("streamed"), (async function* () { yield encode("streamed"); })());
    expect(await store.get(streamed)).toEqual(encode("streamed"));
    expect((await readdir(store.dir)).sort()).toHaveLength(1);
  });

  it("test_FileSystemContentStore_tamperedFile_throwsMismatch", async () => {
    const store = new FileSystemContentStore({ dir: path.join(dir, "tamper") });
    const hash = await store.put(encode("4"));
    await writeFile(store.pathOf(hash), "5");
    const error = await store.get(hash).catch((e) => e);
    expect(error).toBeInstanceOf(ContentHashMismatchError);
    expect(error.expected).toBe(hash);
    expect(error.actual).toBe(contentHash("5"));
    expect(error.source).toBe(store.pathOf(hash));
  });

  describe("HttpContentStore against a local server", () => {
    let server: Server;
    let baseUrl: string;
    const served = new Map<string, Uint8Array>();
    let tamper = false;
    let putReply: ((hash: Hex, cid: string) => string) | undefined;
    const requests: string[] = [];

    beforeAll(async () => {
      server = createServer(async (req, res) => {
        requests.push(`${req.method} ${req.url} ${req.headers.accept ?? ""}`);
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        if (req.method === "POST" && req.url?.startsWith("/content/")) {
          const bytes = new Uint8Array(Buffer.concat(chunks));
          const hash = contentHash(bytes);
          // The content is named in the path (so a server can refuse it unread), with its length.
          expect(req.url).toBe(`/content/${cidFromHash(hash)}`);
          expect(req.headers["content-length"]).toBe(String(bytes.length));
          served.set(cidFromHash(hash), bytes);
          res.setHeader("content-type", "application/json");
          return res.end(putReply ? putReply(hash, cidFromHash(hash)) : JSON.stringify({ hash }));
        }
        const match = req.method === "GET" && /^\/ipfs\/([a-z2-7]+)$/.exec(req.url ?? "");
        if (match && match[1] === "bafkreiboom") return res.writeHead(500, "Boom").end("disk on fire");
        // A hostile gateway: an endless body without a length, a huge declared length, or no answer at all.
        if (req.url === "/ipfs/bafkreiendless") {
          res.writeHead(200, { "content-type": "application/vnd.ipld.raw" });
          const chunk = Buffer.alloc(64 * 1024, 1);
          const pump = () => {
            while (!res.destroyed && res.write(chunk));
            if (!res.destroyed) res.once("drain", pump);
          };
          res.on("close", () => res.removeAllListeners("drain"));
          return pump();
        }
        if (req.url === "/ipfs/bafkreihuge") return res.writeHead(200, { "content-length": String(300 * 1024 * 1024) }).write("x");
        if (req.url === "/ipfs/bafkreisilent") return;
        const bytes = match ? served.get(match[1]) : undefined;
        if (!bytes) return res.writeHead(404).end("not found");
        res.setHeader("content-type", "application/vnd.ipld.raw");
        res.end(tamper ? Buffer.from("tampered") : Buffer.from(bytes));
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });

    it("test_HttpContentStore_putGet", async () => {
      const store = new HttpContentStore({ baseUrl });
      expect(store.baseUrl).not.toMatch(/\/$/);
      const hash = await store.put(encode("hello world"));
      expect(hash).toBe(contentHash("hello world"));
      expect(await store.get(hash)).toEqual(encode("hello world"));
      expect(requests).toContain(`GET /ipfs/${HELLO_CID} application/vnd.ipld.raw, application/octet-stream;q=0.9, */*;q=0.1`);
      expect(await store.get(contentHash("absent"))).toBeUndefined();
    });

    it("test_HttpContentStore_putAcceptsCidAndPlainText", async () => {
      const store = new HttpContentStore({ baseUrl });
      putReply = (_hash, cid) => JSON.stringify({ cid });
      expect(await store.put(encode("a"))).toBe(contentHash("a"));
      putReply = (hash) => hash;
      expect(await store.put(encode("b"))).toBe(contentHash("b"));
      putReply = () => "not a hash";
      await expect(store.put(encode("c"))).rejects.toThrow(ContentStoreRequestError);
      putReply = () => JSON.stringify({ hash: contentHash("something else") });
      const error = await store.put(encode("d")).catch((e) => e);
      expect(error).toBeInstanceOf(ContentHashMismatchError);
      expect(error.expected).toBe(contentHash("d"));
      putReply = undefined;
    });

    it("test_HttpContentStore_tamperedBody_throwsMismatch", async () => {
      const store = new HttpContentStore({ baseUrl });
      const hash = await store.put(encode("4"));
      tamper = true;
      try {
        const error = await store.get(hash).catch((e) => e);
        expect(error).toBeInstanceOf(ContentHashMismatchError);
        expect(error).toBeInstanceOf(BaseError);
        expect(error.actual).toBe(contentHash("tampered"));
        expect(error.source).toBe(`${store.baseUrl}/ipfs/${cidFromHash(hash)}`);
        expect(error.message).toMatch(/does not match its sha2-256 hash/);
      } finally {
        tamper = false;
      }
    });

    it("test_HttpContentStore_errorsAndCustomFetch", async () => {
      const seen: string[] = [];
      const store = new HttpContentStore({
        baseUrl,
        fetch: (input, init) => {
          seen.push(String(input));
          return fetch(String(input).replace(/ipfs\/.*$/, "ipfs/bafkreiboom"), init);
        },
      });
      const error = await store.get(contentHash("x")).catch((e) => e);
      expect(error).toBeInstanceOf(ContentStoreRequestError);
      expect(error.status).toBe(500);
      expect(error.shortMessage).toMatch(/HTTP 500 Boom: disk on fire/);
      expect(seen).toEqual([`${store.baseUrl}/ipfs/${cidFromHash(contentHash("x"))}`]);

      const unreachable = new HttpContentStore({ baseUrl: "http://127.0.0.1:1" });
      await expect(unreachable.get(contentHash("x"))).rejects.toThrow(ContentStoreRequestError);

      const controller = new AbortController();
      controller.abort(new Error("stop"));
      await expect(new HttpContentStore({ baseUrl }).get(contentHash("x"), { signal: controller.signal })).rejects.toThrow("stop");
    });

    it("test_HttpContentStore_boundsTheBodyAndTheTime", async () => {
      const to = (cid: string) => (input: RequestInfo | URL, init?: RequestInit) => fetch(String(input).replace(/ipfs\/.*$/, `ipfs/${cid}`), init);
      // An endless body is cut off at maxBytes as it streams in, never buffered whole.
      const endless = await new HttpContentStore({ baseUrl, maxBytes: 1024 * 1024, fetch: to("bafkreiendless") }).get(contentHash("x")).catch((e) => e);
      expect(endless).toBeInstanceOf(ContentStoreRequestError);
      expect(endless.shortMessage).toMatch(/larger than 1048576 bytes/);
      // A declared length over the limit is refused before reading.
      const huge = await new HttpContentStore({ baseUrl, fetch: to("bafkreihuge") }).get(contentHash("x")).catch((e) => e);
      expect(huge.shortMessage).toMatch(/larger than 67108864 bytes \(314572800 declared\)/);
      // A server that never answers is given up on after timeoutMs.
      const silent = await new HttpContentStore({ baseUrl, timeoutMs: 300, fetch: to("bafkreisilent") }).get(contentHash("x")).catch((e) => e);
      expect(silent).toBeInstanceOf(ContentStoreRequestError);
      expect(silent.shortMessage).toMatch(/no answer within 300 ms/);
    });
  });
});
