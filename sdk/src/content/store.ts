import { isHex, type Hex } from "viem";

import { contentHash } from "../utils/content.js";
import { cidFromHash, hashFromCid, normalizeContentHash } from "./cid.js";
import { ContentHashMismatchError, ContentStoreRequestError } from "./errors.js";

/** Options of {@link ContentStore.get}. */
export interface ContentStoreGetOptions {
  /** Aborts the read (for example an HTTP request). */
  signal?: AbortSignal | undefined;
}

/**
 * Where job inputs and outputs live off-chain, addressed by their sha2-256 digest (the on-chain
 * `inputHash` / `outputHash`, and the digest of their CIDv1 raw/sha2-256).
 *
 * An implementation must only ever return bytes that hash to the digest asked for; the SDK's stores
 * check this and throw {@link ContentHashMismatchError} otherwise, and `waitForResult` checks again.
 */
export interface ContentStore {
  /** Stores `bytes` and returns their content hash (`contentHash(bytes)`). */
  put(bytes: Uint8Array): Promise<Hex>;
  /** The bytes whose sha2-256 digest is `hash`, or `undefined` if the store does not have them. */
  get(hash: Hex, options?: ContentStoreGetOptions): Promise<Uint8Array | undefined>;
}

/** Throws {@link ContentHashMismatchError} unless `bytes` hash to `expected`. */
export function verifyContent(bytes: Uint8Array, expected: Hex, source?: string): Uint8Array {
  const actual = contentHash(bytes);
  if (actual !== expected.toLowerCase()) throw new ContentHashMismatchError({ expected, actual, source });
  return bytes;
}

/**
 * A content store in memory, for tests and for content that only lives in one process.
 *
 * @example
 * const store = new MemoryContentStore();
 * const hash = await store.put(new TextEncoder().encode("4"));
 * await store.get(hash); // Uint8Array [52]
 */
export class MemoryContentStore implements ContentStore {
  readonly #items = new Map<Hex, Uint8Array>();

  async put(bytes: Uint8Array): Promise<Hex> {
    const hash = contentHash(bytes);
    this.#items.set(hash, bytes.slice()); // a copy: the caller may reuse its buffer
    return hash;
  }

  async get(hash: Hex): Promise<Uint8Array | undefined> {
    const key = normalizeContentHash(hash);
    const bytes = this.#items.get(key);
    return bytes && verifyContent(bytes.slice(), key, "memory");
  }

  /** How many items are stored. */
  get size(): number {
    return this.#items.size;
  }
}

export interface HttpContentStoreParameters {
  /** The server's base URL, e.g. `https://gateway.example` (a trailing slash is ignored). */
  baseUrl: string;
  /** The `fetch` to use (default: `globalThis.fetch`), e.g. one that adds authentication. */
  fetch?: typeof globalThis.fetch | undefined;
  /** Headers sent with every request (e.g. `authorization`). */
  headers?: Record<string, string> | undefined;
  /**
   * The largest content `get` accepts, in bytes (default 64 MiB). A longer answer is cut off and
   * refused as it streams in, so a hostile gateway cannot exhaust memory.
   */
  maxBytes?: number | undefined;
  /** How long a request may take, in milliseconds, before it is aborted (default 60 s). */
  timeoutMs?: number | undefined;
}

/** The default of {@link HttpContentStoreParameters.maxBytes}: 64 MiB. */
export const DEFAULT_MAX_CONTENT_BYTES = 64 * 1024 * 1024;
/** The default of {@link HttpContentStoreParameters.timeoutMs}: 60 s. */
export const DEFAULT_CONTENT_TIMEOUT_MS = 60_000;

/**
 * A content store behind HTTP. Browser-safe: it only uses `fetch`.
 *
 * - `get(hash)` is an IPFS-gateway read: `GET {baseUrl}/ipfs/{cid}` with the CIDv1 raw/sha2-256 of
 *   `hash`, asking for the raw block (`Accept: application/vnd.ipld.raw`, which trustless gateways
 *   require; for a raw CID the block is the content itself). `404` means "not there" (`undefined`);
 *   other errors throw {@link ContentStoreRequestError}. The body is hashed and a mismatch throws
 *   {@link ContentHashMismatchError}, so an untrusted public gateway is safe to use. A body over
 *   `maxBytes`, or a request over `timeoutMs`, throws {@link ContentStoreRequestError}.
 * - `put(bytes)` is `POST {baseUrl}/content/{cid}` with the bytes as the body
 *   (`Content-Type: application/octet-stream`, and their length): the address in the path lets the
 *   server refuse content it does not want before reading a byte of it. The server must answer 2xx with the content's hash,
 *   either as JSON `{ "hash": "0x…" }` or `{ "cid": "bafkrei…" }`, or as plain text holding the
 *   0x-hex digest or the CID. A hash other than the bytes' own throws {@link ContentHashMismatchError}.
 *   IPFS gateways do not take writes: point this at your own service (or use another `ContentStore`).
 *
 * Note that public IPFS serves a raw CID as a single block, so large contents (over ~1 MiB) are
 * only reachable by this CID on a server that stores them whole.
 *
 * @example
 * const store = new HttpContentStore({ baseUrl: "https://content.example" });
 * const inputHash = await store.put(new TextEncoder().encode("What is 2 + 2?"));
 */
export class HttpContentStore implements ContentStore {
  readonly baseUrl: string;
  readonly #fetch: typeof globalThis.fetch;
  readonly #headers: Record<string, string>;
  readonly #maxBytes: number;
  readonly #timeoutMs: number;

  constructor({ baseUrl, fetch, headers = {}, maxBytes = DEFAULT_MAX_CONTENT_BYTES, timeoutMs = DEFAULT_CONTENT_TIMEOUT_MS }: HttpContentStoreParameters) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    // Called through a closure: browsers throw "Illegal invocation" for a detached window.fetch.
    this.#fetch = fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#headers = headers;
    this.#maxBytes = maxBytes;
    this.#timeoutMs = timeoutMs;
  }

  async put(bytes: Uint8Array): Promise<Hex> {
    const expected = contentHash(bytes);
    const url = `${this.baseUrl}/content/${cidFromHash(expected)}`;
    const response = await this.#request(url, "POST", {
      method: "POST",
      headers: { ...this.#headers, "content-type": "application/octet-stream" },
      body: bytes as Uint8Array<ArrayBuffer>,
    });
    if (!response.ok) throw await requestError(url, "POST", response);
    const text = (await response.text()).trim();
    const returned = parseHashResponse(text);
    if (returned === undefined)
      throw new ContentStoreRequestError({
        url,
        method: "POST",
        status: response.status,
        reason: `the response is not a content hash or CID (expected {"hash":"0x…"}, {"cid":"bafkrei…"} or plain text): ${text.slice(0, 120)}`,
      });
    if (returned !== expected) throw new ContentHashMismatchError({ expected, actual: returned, source: url });
    return expected;
  }

  async get(hash: Hex, options: ContentStoreGetOptions = {}): Promise<Uint8Array | undefined> {
    const key = normalizeContentHash(hash);
    const url = `${this.baseUrl}/ipfs/${cidFromHash(key)}`;
    const response = await this.#request(url, "GET", {
      method: "GET",
      headers: { accept: "application/vnd.ipld.raw, application/octet-stream;q=0.9, */*;q=0.1", ...this.#headers },
      signal: options.signal,
    });
    if (response.status === 404 || response.status === 410) return undefined;
    if (!response.ok) throw await requestError(url, "GET", response);
    let bytes: Uint8Array;
    try {
      bytes = await this.#readBounded(url, response);
    } catch (error) {
      if (error instanceof ContentStoreRequestError) throw error;
      if (options.signal?.aborted) throw options.signal.reason ?? error;
      throw new ContentStoreRequestError({ url, method: "GET", status: response.status, reason: `the body did not arrive in full (lost, or over timeoutMs ${this.#timeoutMs} ms)`, cause: error as Error });
    }
    return verifyContent(bytes, key, url);
  }

  /** The body, refused as soon as it (or its declared length) exceeds `maxBytes`. */
  async #readBounded(url: string, response: Response): Promise<Uint8Array> {
    const tooLarge = (size: string) =>
      new ContentStoreRequestError({ url, method: "GET", status: response.status, reason: `the content is larger than ${this.#maxBytes} bytes (${size}); raise maxBytes if it is expected` });
    const declared = Number(response.headers.get("content-length") ?? NaN);
    if (declared > this.#maxBytes) {
      await response.body?.cancel().catch(() => {});
      throw tooLarge(`${declared} declared`);
    }
    if (!response.body) return new Uint8Array(await response.arrayBuffer());
    const reader = response.body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > this.#maxBytes) {
        await reader.cancel().catch(() => {});
        throw tooLarge(`${size} bytes and counting`);
      }
      chunks.push(value);
    }
    const bytes = new Uint8Array(size);
    let offset = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return bytes;
  }

  async #request(url: string, method: string, init: RequestInit): Promise<Response> {
    // The caller's signal, or the store's timeout, whichever comes first.
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    try {
      return await this.#fetch(url, { ...init, signal });
    } catch (error) {
      if (init.signal?.aborted) throw init.signal.reason ?? error;
      const reason = timeout.aborted ? `no answer within ${this.#timeoutMs} ms (timeoutMs)` : "the request did not complete";
      throw new ContentStoreRequestError({ url, method, reason, cause: error as Error });
    }
  }
}

async function requestError(url: string, method: string, response: Response) {
  const body = await response.text().catch(() => "");
  return new ContentStoreRequestError({
    url,
    method,
    status: response.status,
    reason: `HTTP ${response.status} ${response.statusText}${body ? `: ${body.slice(0, 200)}` : ""}`,
  });
}

/** The hash in a `put` response: JSON `{ hash }` or `{ cid }`, or plain text with either. */
function parseHashResponse(text: string): Hex | undefined {
  let value: unknown = text;
  if (text.startsWith("{")) {
    try {
      const json = JSON.parse(text) as { hash?: unknown; cid?: unknown };
      value = json.hash ?? json.cid;
    } catch {
      return undefined;
    }
  }
  if (typeof value !== "string") return undefined;
  try {
    return isHex(value) ? normalizeContentHash(value) : hashFromCid(value);
  } catch {
    return undefined;
  }
}
