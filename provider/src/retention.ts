// Node-only. What the node keeps on disk for others, and for how long.
//
// Strangers can make the node store content: an upload (`POST /content/{cid}`) of the input of a
// job the node waits on. Two things bound that:
//
// - A quota (`contentQuotaBytes`) on `dataDir/content` and `dataDir/outputs` together. An upload that
//   would go over it is refused (507) before its body is read. The outputs the node computes count
//   towards it but are never refused or deleted for it: they are the provider's evidence and the
//   client's deliverable, a job's output costs its client the job's price, and retention bounds how
//   long they stay. When outputs alone fill the quota, uploads wait (logged once), outputs do not.
// - Deletion, driven by the journal (so a restart resumes it): content is deleted once every job
//   that holds it has ended (Finalized, Expired, Cancelled, Slashed, skipped, failed), at once for a
//   job that never computed an output (the cheap attack: upload, then cancel before the job is
//   taken), and `contentRetentionSeconds` after the end for a job that did (clients and challengers
//   fetch outputs, and re-run inputs, by hash after settlement). A job still live, or another job
//   that shares the content (the same input, the same output), keeps it.
// - The same for the redundancy role's seats (redundancy.ts), from their journal: a request's input and
//   the output the node computed for it are deleted `contentRetentionSeconds` after the seat ended
//   (paid, slashed or released once the request settled, or absent), at once for a seat that never
//   computed one (refused). A job or a seat that holds the same content keeps it, whichever it is.
import { readdir, rm, stat } from "node:fs/promises";
import path from "node:path";

import type { Hex } from "viem";

import { cidFromHash } from "depinfer";
import type { Journal } from "./journal.js";
import type { Logger } from "./logger.js";
import type { UploadQuota } from "./outputServer.js";

/**
 * What holds content on the node's disk, and when it ends: the job journal (journal.ts) and the
 * redundancy seats' (redundancyJournal.ts). `jobId` is the holder's key for `setContentSwept`.
 */
export interface ContentHolder {
  listContentDue(now: number, retentionMs: number, limit: number): { jobId: string; hashes: Hex[] }[];
  holdsContent(hash: Hex, now: number, retentionMs: number): boolean;
  setContentSwept(key: string): void;
}

export interface ContentRetentionParameters {
  journal: Journal;
  /** The directories whose files count towards the quota and are deleted when due (content, outputs). */
  dirs: readonly string[];
  quotaBytes: number;
  retentionSeconds: number;
  logger: Logger;
  /** The clock retention is measured on (ms): the journal's (default `Date.now`). */
  now?: (() => number) | undefined;
  /** The least time between two sweeps (default 1 s). */
  sweepIntervalMs?: number | undefined;
  /** Called for each hash deleted, before its files go (the node drops its copy in memory). */
  onDelete?: ((hash: Hex) => void) | undefined;
  /** The disk is measured again at least this often, to count what the node wrote itself (default 60 s). */
  rescanIntervalMs?: number | undefined;
}

/** Jobs looked at per sweep: a sweep that finds more leaves the rest to the next. */
const SWEEP_BATCH = 500;

export class ContentRetention implements UploadQuota {
  readonly quotaBytes: number;
  readonly retentionMs: number;
  readonly #dirs: readonly string[];
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #sweepIntervalMs: number;
  readonly #rescanIntervalMs: number;
  readonly #onDelete: ((hash: Hex) => void) | undefined;
  /** Bytes on disk at the last scan, stored by uploads since, and reserved by uploads in progress. */
  #scanned = 0;
  #since = 0;
  #reserved = 0;
  #lastSweep = 0;
  #lastScan = 0;
  #full = false;
  #sweeping: Promise<void> | undefined;
  /** The journal, and the other holders added (`addHolder`). */
  readonly #holders: ContentHolder[];

  constructor({ journal, dirs, quotaBytes, retentionSeconds, logger, now = Date.now, sweepIntervalMs = 1_000, rescanIntervalMs = 60_000, onDelete }: ContentRetentionParameters) {
    this.#onDelete = onDelete;
    this.#holders = [journal];
    this.#dirs = dirs;
    this.quotaBytes = quotaBytes;
    this.retentionMs = retentionSeconds * 1000;
    this.#logger = logger;
    this.#now = now;
    this.#sweepIntervalMs = sweepIntervalMs;
    this.#rescanIntervalMs = rescanIntervalMs;
  }

  /** Another holder of content (the redundancy seats' journal): its content is swept, and what it holds is kept. */
  addHolder(holder: ContentHolder) {
    this.#holders.push(holder);
  }

  /** Whether a job or a seat still holds `hash` at `now`. */
  #held(hash: Hex, now: number): boolean {
    return this.#holders.some((h) => h.holdsContent(hash, now, this.retentionMs));
  }

  /** Bytes counted towards the quota now (on disk, and reserved by uploads in progress). */
  get usedBytes(): number {
    return this.#scanned + this.#since + this.#reserved;
  }

  /** Before the node serves: removes what a killed write left behind (temporary files), and measures the disk. */
  async start() {
    for (const dir of this.#dirs) {
      for (const name of await names(dir)) if (name.startsWith(".") && name.endsWith(".tmp")) await rm(path.join(dir, name), { force: true });
    }
    await this.#rescan();
  }

  /** Room for an upload of `bytes`, reserved until `release`; false when it would go over the quota (logged once until there is room again). */
  reserve(bytes: number): boolean {
    if (this.usedBytes + bytes > this.quotaBytes) {
      if (!this.#full) {
        this.#full = true;
        this.#logger.warn("upload refused: the content quota is full (507); uploads are refused until content is deleted or contentQuotaBytes is raised", {
          bytes,
          usedBytes: this.usedBytes,
          contentQuotaBytes: this.quotaBytes,
        });
      }
      return false;
    }
    this.#full = false;
    this.#reserved += bytes;
    return true;
  }

  release(bytes: number, stored: boolean) {
    this.#reserved -= bytes;
    if (stored) this.#since += bytes;
  }

  /**
   * After an upload was stored: deleted again if no job holds it any more (its job ended while the
   * body was arriving, and its content was swept before the file existed).
   */
  async uploaded(hash: Hex) {
    if (!this.#held(hash, this.#now())) await this.#delete(hash);
  }

  /** Sweeps if the last sweep is older than the sweep interval (the node's tick calls this). */
  sweepDue(): Promise<void> {
    if (this.#sweeping || this.#now() - this.#lastSweep < this.#sweepIntervalMs) return this.#sweeping ?? Promise.resolve();
    this.#lastSweep = this.#now();
    this.#sweeping = this.sweep().finally(() => (this.#sweeping = undefined));
    return this.#sweeping;
  }

  /** Deletes the content of ended jobs whose retention has passed, unless another job still holds it. */
  async sweep() {
    const now = this.#now();
    let deleted = 0;
    for (const holder of this.#holders) {
      for (const { jobId, hashes } of holder.listContentDue(now, this.retentionMs, SWEEP_BATCH)) {
        const gone: Hex[] = [];
        for (const hash of hashes) {
          // Another job or seat still holds it: its own end deletes it.
          if (this.#held(hash, now)) continue;
          const bytes = await this.#delete(hash);
          if (bytes > 0) {
            gone.push(hash);
            deleted += bytes;
          }
        }
        holder.setContentSwept(jobId);
        if (gone.length > 0) this.#logger.info("content deleted: its job ended and its retention passed", { jobId, hashes: gone });
      }
    }
    if (deleted > 0 || now - this.#lastScan >= this.#rescanIntervalMs) await this.#rescan();
  }

  /** Deletes `hash` from every directory; returns the bytes freed. */
  async #delete(hash: Hex): Promise<number> {
    this.#onDelete?.(hash);
    let bytes = 0;
    for (const dir of this.#dirs) {
      const file = path.join(dir, cidFromHash(hash));
      try {
        bytes += (await stat(file)).size;
      } catch {
        continue;
      }
      await rm(file, { force: true });
    }
    return bytes;
  }

  /**
   * Measures the directories. Uploads stored while it runs stay counted in `#since` as well
   * (counted twice until the next scan, never missed).
   */
  async #rescan() {
    const since = this.#since;
    let total = 0;
    for (const dir of this.#dirs) {
      for (const name of await names(dir)) {
        try {
          total += (await stat(path.join(dir, name))).size;
        } catch {
          // deleted meanwhile
        }
      }
    }
    this.#scanned = total;
    this.#since -= since;
    this.#lastScan = this.#now();
  }
}

/** The file names in `dir` (none if it does not exist yet). */
async function names(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}
