// Node-only: uses the file system. Never import this from the browser entry point.
import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";

import type { Hex } from "viem";

import { cidFromHash, normalizeContentHash } from "../content/cid.js";
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
 * a partial file; reads are checked against the hash.
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

  /** The path of the file that holds the content with this hash. */
  pathOf(hash: Hex): string {
    return path.join(this.dir, cidFromHash(hash));
  }

  async put(bytes: Uint8Array): Promise<Hex> {
    const hash = contentHash(bytes);
    const target = this.pathOf(hash);
    await mkdir(this.dir, { recursive: true });
    const temporary = path.join(this.dir, `.${path.basename(target)}.${randomBytes(6).toString("hex")}.tmp`);
    try {
      await writeFile(temporary, bytes, { flag: "wx" });
      await rename(temporary, target);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    return hash;
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
