import { bytesToHex, hexToBytes, isHex, type Hex } from "viem";

import { InvalidCidError, InvalidContentHashError } from "./errors.js";

// A CIDv1 of raw bytes hashed with sha2-256 is, in binary:
//   0x01 (CID version 1) · 0x55 (raw codec) · 0x12 (sha2-256) · 0x20 (32-byte digest) · digest
// and as text the multibase prefix "b" followed by RFC 4648 base32, lower case, without padding.
const CID_PREFIX = [0x01, 0x55, 0x12, 0x20] as const;
const CID_BYTES = CID_PREFIX.length + 32;
const ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";
const DECODE: Record<string, number> = Object.fromEntries([...ALPHABET].map((c, i) => [c, i]));

/** RFC 4648 base32, lower case, no padding. */
export function base32Encode(bytes: Uint8Array): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff; // at most 12 bits are pending; keep the number small
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(buffer >> bits) & 31];
    }
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/**
 * Decodes RFC 4648 base32 (lower case, no padding). Returns an error message instead of bytes for
 * a character outside the alphabet, an impossible length or non-zero trailing bits, so that every
 * byte string has exactly one encoding.
 */
export function base32Decode(text: string): Uint8Array | string {
  const tail = text.length % 8;
  if (tail === 1 || tail === 3 || tail === 6) return `base32 text of length ${text.length} cannot encode whole bytes`;
  const out = new Uint8Array(Math.floor((text.length * 5) / 8));
  let buffer = 0;
  let bits = 0;
  let index = 0;
  for (let i = 0; i < text.length; i++) {
    const value = DECODE[text[i]];
    if (value === undefined) return `character ${JSON.stringify(text[i])} at position ${i} is not lower-case base32 (a-z, 2-7)`;
    buffer = ((buffer << 5) | value) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[index++] = (buffer >> bits) & 0xff;
    }
  }
  if ((buffer & ((1 << bits) - 1)) !== 0) return "its last character has non-zero padding bits";
  return out;
}

/** Checks that `hash` is a 32-byte hex digest and returns it in lower case. */
export function normalizeContentHash(hash: string): Hex {
  if (!isHex(hash, { strict: true }) || hash.length !== 66) throw new InvalidContentHashError({ hash });
  return hash.toLowerCase() as Hex;
}

/**
 * The CIDv1 (raw codec, sha2-256, base32) under which IPFS serves the content whose sha2-256
 * digest is `hash`, i.e. of the content behind an on-chain `inputHash` or `outputHash`.
 *
 * @example
 * cidFromHash(contentHash("hello world"))
 * // "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e"
 */
export function cidFromHash(hash: Hex): string {
  const bytes = new Uint8Array(CID_BYTES);
  bytes.set(CID_PREFIX);
  bytes.set(hexToBytes(normalizeContentHash(hash)), CID_PREFIX.length);
  return `b${base32Encode(bytes)}`;
}

/**
 * The sha2-256 digest inside a CIDv1 raw/sha2-256 in base32 (`bafkrei...`): the value the job
 * market stores as `inputHash` or `outputHash`. Throws `InvalidCidError` for any other CID (CIDv0,
 * another codec or hash function, another multibase) or for text that is not a CID.
 *
 * @example
 * hashFromCid("bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e") // 0xb94d27b9...
 */
export function hashFromCid(cid: string): Hex {
  if (typeof cid !== "string" || cid.length === 0) throw new InvalidCidError({ cid: String(cid), reason: "it is empty" });
  if (cid.startsWith("Qm")) throw new InvalidCidError({ cid, reason: "it is a CIDv0 (dag-pb), whose digest is not the content's sha2-256" });
  if (cid[0] !== "b") throw new InvalidCidError({ cid, reason: `multibase prefix "${cid[0]}" is not "b" (base32 lower case)` });
  const bytes = base32Decode(cid.slice(1));
  if (typeof bytes === "string") throw new InvalidCidError({ cid, reason: bytes });
  if (bytes[0] !== CID_PREFIX[0]) throw new InvalidCidError({ cid, reason: `CID version ${bytes[0]} is not 1` });
  if (bytes[1] !== CID_PREFIX[1])
    throw new InvalidCidError({ cid, reason: `codec 0x${(bytes[1] ?? 0).toString(16)} is not raw (0x55), so its digest is not the content's sha2-256` });
  if (bytes[2] !== CID_PREFIX[2]) throw new InvalidCidError({ cid, reason: `multihash 0x${(bytes[2] ?? 0).toString(16)} is not sha2-256 (0x12)` });
  if (bytes[3] !== CID_PREFIX[3] || bytes.length !== CID_BYTES)
    throw new InvalidCidError({ cid, reason: `the digest is ${Math.max(bytes.length - CID_PREFIX.length, 0)} bytes, not 32` });
  return bytesToHex(bytes.subarray(CID_PREFIX.length));
}
