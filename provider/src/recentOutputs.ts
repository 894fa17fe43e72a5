// Node-only. The last outputs the node computed, kept in memory so that the output server answers a
// client's read of a just-released output without the disk.
//
// A client reads its output right after it sees the result on-chain. From the disk, that read is a
// stat, an open, two reads and a close, each a trip through the thread pool and back to the event
// loop, which under load waits behind everything else the node does. From here it is one answer.
//
// What is kept here is only ever served once the node has released it (its result is on-chain and
// confirmed: provider.ts #release), exactly as the file is: an output kept but not released is
// never served from memory. The disk stays the record; this is a bounded copy of its newest part
// (least recently kept goes first), and whatever deletes a file drops its copy (retention.ts).
import type { Hex } from "viem";

/** A copy in memory of the node's newest outputs, and whether each may be served (see the file's header). */
export class RecentOutputs {
  /** The most bytes held at once. */
  readonly maxBytes: number;
  /** An output larger than this is not kept (it would push out many small ones): the disk serves it. */
  readonly maxEntryBytes: number;
  #bytes = 0;
  /** By lowercase hash, oldest first. */
  readonly #entries = new Map<string, { bytes: Uint8Array; released: boolean }>();

  constructor({ maxBytes, maxEntryBytes = Math.floor(maxBytes / 16) }: { maxBytes: number; maxEntryBytes?: number }) {
    this.maxBytes = maxBytes;
    this.maxEntryBytes = Math.min(maxEntryBytes, maxBytes);
  }

  /** Bytes held now. */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Keeps a copy of an output just written to the disk, not to be served until `release`. Keeping
   * the same content again (two jobs, one output) leaves it served if it already was: it is public.
   */
  keep(hash: Hex, bytes: Uint8Array) {
    if (bytes.length > this.maxEntryBytes) return;
    const key = hash.toLowerCase();
    const released = this.#entries.get(key)?.released ?? false;
    this.drop(key as Hex);
    this.#entries.set(key, { bytes, released });
    this.#bytes += bytes.length;
    for (const [oldest, entry] of this.#entries) {
      if (this.#bytes <= this.maxBytes) break;
      this.#entries.delete(oldest);
      this.#bytes -= entry.bytes.length;
    }
  }

  /** The output may be served from now on (its result is on-chain); nothing happens if no copy is held. */
  release(hash: Hex) {
    const entry = this.#entries.get(hash.toLowerCase());
    if (entry) entry.released = true;
  }

  /** The copy of a released output, or undefined (not held, or not released: read the disk, which says which). */
  served(hash: Hex): Uint8Array | undefined {
    const entry = this.#entries.get(hash.toLowerCase());
    return entry?.released ? entry.bytes : undefined;
  }

  /** Forgets a copy (its file is being deleted). */
  drop(hash: Hex) {
    const key = hash.toLowerCase();
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    this.#bytes -= entry.bytes.length;
  }
}
