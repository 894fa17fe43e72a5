// Node-only: uses the file system. Never import this from the browser entry point.
import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";

import type { Hex } from "viem";

import { cidFromHash, normalizeContentHash } from "../content/cid.js";
import { ContentHashMismatchError } from "../content/errors.js";
import { verifyContent, type ContentStore } from "../content/store.js";
import { contentHash } from "../utils/content.js";

export interface FileSystemContentStoreParameters {
  /** The directory holding one file per content, named by its CID (created on first `put`). */
  dir: string;
}

/**
 * A content store in a directory: each content is a file named by its CIDv1 raw/sha2-256
 * (`bafkrei…`), so the directory can be served as is, or added to IPFS with `--cid-version=1 --raw-leaves`.
 * Writes are atomic (a temporary file in the same directory, then a rename), so a reader never sees
 * a partial file; `get` checks what it reads against the hash. Files are readable by their owner
 * only (0600, in a 0700 directory).
 *
 * @example
 * const store = new FileSystemContentStore({ dir: "./content" });
 * const hash = await store.put(output);
 */
export class FileSystemContentStore implements ContentStore {
  readonly dir: string;

  constructor({ dir }: FileSystemContentStoreParameters) {
    this.dir = path.resolve(dir);
  }

  /**
   * Creates a file in the store's directory, making the directory only when it is missing (the first
   * write, or after it was removed): one `mkdir` per write cost a provider node a system call per job.
   */
  async #inDir<T>(create: () => Promise<T>): Promise<T> {
    try {
      return await create();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      return await create();
    }
  }

  /** The path of the file that holds the content with this hash. */
  pathOf(hash: Hex): string {
    return path.join(this.dir, cidFromHash(hash));
  }

  async put(bytes: Uint8Array): Promise<Hex> {
    const hash = contentHash(bytes);
    const target = this.pathOf(hash);
    const temporary = this.#temporaryFor(target);
    try {
      await this.#inDir(() => writeFile(temporary, bytes, { flag: "wx", mode: 0o600 }));
      await rename(temporary, target);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    return hash;
  }

  /**
   * Stores content that arrives in chunks (an upload) under `hash`, hashing it as it is written, so
   * it is never held in memory. It is kept only if it hashes to `hash`; otherwise nothing is kept
   * and {@link ContentHashMismatchError} is thrown. An error from `chunks` (e.g. an upload that
   * broke off, or exceeded a limit) also leaves nothing behind, and is rethrown.
   */
  async putStream(hash: Hex, chunks: AsyncIterable<Uint8Array>): Promise<Hex> {
    const key = normalizeContentHash(hash);
    const target = this.pathOf(key);
    const temporary = this.#temporaryFor(target);
    const file = await this.#inDir(() => open(temporary, "wx", 0o600));
    const hasher = createHash("sha256");
    try {
      for await (const chunk of chunks) {
        hasher.update(chunk);
        await file.write(chunk);
      }
      await file.close();
      const actual = `0x${hasher.digest("hex")}` as Hex;
      if (actual !== key) throw new ContentHashMismatchError({ expected: key, actual, source: "upload" });
      await rename(temporary, target);
    } catch (error) {
      await file.close().catch(() => {});
      await rm(temporary, { force: true });
      throw error;
    }
    return key;
  }

  /**
   * Opens stored content for streaming (e.g. to serve it) without loading it, or `undefined` if the
   * store does not have it. Not hashed again: it was verified when it was written, and whoever
   * receives it checks it against the on-chain hash.
   */
  async openRead(hash: Hex): Promise<{ size: number; stream: Readable } | undefined> {
    const file = this.pathOf(normalizeContentHash(hash));
    try {
      const { size } = await stat(file);
      return { size, stream: createReadStream(file) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
  }

  #temporaryFor(target: string): string {
    return path.join(this.dir, `.${path.basename(target)}.${randomBytes(6).toString("hex")}.tmp`);
  }

  async get(hash: Hex): Promise<Uint8Array | undefined> {
    const key = normalizeContentHash(hash);
    const file = this.pathOf(key);
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(file));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
    return verifyContent(bytes, key, file);
  }
}
