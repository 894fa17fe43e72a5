import type { Hex } from "viem";

import { DepinferError } from "../errors/base.js";

export type ContentHashMismatchErrorType = ContentHashMismatchError & { name: "ContentHashMismatchError" };

/**
 * Content did not hash to the sha2-256 digest it was fetched (or stored) under: the store, the
 * gateway or something between them returned other bytes. Never use such content.
 *
 * @example
 * try { await store.get(outputHash) }
 * catch (e) { if (e instanceof ContentHashMismatchError) console.error(e.expected, e.actual, e.source) }
 */
export class ContentHashMismatchError extends DepinferError {
  /** The digest asked for (or committed to on-chain). */
  readonly expected: Hex;
  /** The digest of the bytes actually received (or, for a `put`, the digest the store reported). */
  readonly actual: Hex;
  /** Where the bytes came from, e.g. a URL or a file path. */
  readonly source: string | undefined;

  constructor({ expected, actual, source }: { expected: Hex; actual: Hex; source?: string | undefined }) {
    super("The content does not match its sha2-256 hash.", {
      docsPath: "/docs/errors/content",
      docsSlug: "contenthashmismatch",
      metaMessages: [
        `Expected: ${expected}`,
        `Actual:   ${actual}`,
        ...(source ? [`Source:   ${source}`] : []),
        "The store or gateway returned other bytes than the ones committed to: do not use them; try another store.",
      ],
      name: "ContentHashMismatchError",
    });
    this.expected = expected;
    this.actual = actual;
    this.source = source;
  }
}

export type InvalidCidErrorType = InvalidCidError & { name: "InvalidCidError" };

/** A string that is not a CIDv1 (raw codec, sha2-256, base32 lower-case): the only CIDs an on-chain content hash maps to. */
export class InvalidCidError extends DepinferError {
  readonly cid: string;

  constructor({ cid, reason }: { cid: string; reason: string }) {
    super(`"${cid.length > 80 ? `${cid.slice(0, 77)}...` : cid}" is not a CIDv1 raw/sha2-256 in base32: ${reason}.`, {
      docsPath: "/docs/errors/content",
      docsSlug: "invalidcid",
      metaMessages: [
        "Depinfer commits to the sha2-256 digest of the content bytes, which is the digest of a CIDv1 with the raw",
        "codec (0x55), e.g. bafkrei...: convert other CIDs (CIDv0 Qm..., dag-pb bafybei...) by fetching the bytes",
        "and hashing them with contentHash().",
      ],
      name: "InvalidCidError",
    });
    this.cid = cid;
  }
}

export type InvalidContentHashErrorType = InvalidContentHashError & { name: "InvalidContentHashError" };

/** A content hash that is not a 32-byte hex string. */
export class InvalidContentHashError extends DepinferError {
  readonly hash: string;

  constructor({ hash }: { hash: string }) {
    super(`"${hash}" is not a content hash: expected a 32-byte sha2-256 digest as 0x-prefixed hex (66 characters).`, {
      docsPath: "/docs/errors/content",
      docsSlug: "invalidcontenthash",
      name: "InvalidContentHashError",
    });
    this.hash = hash;
  }
}

export type ContentStoreRequestErrorType = ContentStoreRequestError & { name: "ContentStoreRequestError" };

/** An HTTP content store answered with an error status or an unreadable body. */
export class ContentStoreRequestError extends DepinferError {
  readonly url: string;
  readonly status: number | undefined;

  constructor({ url, method, status, reason, cause }: { url: string; method: string; status?: number; reason: string; cause?: Error }) {
    super(`${method} ${url} failed: ${reason}.`, {
      cause,
      docsPath: "/docs/errors/content",
      docsSlug: "contentstorerequest",
      metaMessages: status === undefined ? undefined : [`HTTP status: ${status}`],
      name: "ContentStoreRequestError",
    });
    this.url = url;
    this.status = status;
  }
}
