import { base32 } from "multiformats/bases/base32";
import { CID } from "multiformats/cid";
import { create as createDigest } from "multiformats/hashes/digest";
import { bytesToHex, hexToBytes, isHex, type Hex } from "viem";

import { InvalidCidError, InvalidContentHashError } from "./errors.js";

// The content of a job is addressed as IPFS addresses raw bytes: a CIDv1 with the raw codec and a
// sha2-256 multihash, written in base32 ("bafkrei…"). Its digest is the content's sha2-256, the
// value the market stores as `inputHash` or `outputHash`. Encoding is multiformats'.
const RAW_CODEC = 0x55;
const SHA2_256 = 0x12;

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
  return CID.createV1(RAW_CODEC, createDigest(SHA2_256, hexToBytes(normalizeContentHash(hash)))).toString(base32);
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
  let parsed: CID;
  try {
    parsed = CID.parse(cid, base32);
  } catch (error) {
    throw new InvalidCidError({ cid, reason: `it is not a CID (${(error as Error).message})` });
  }
  if (parsed.version !== 1) throw new InvalidCidError({ cid, reason: `CID version ${parsed.version} is not 1` });
  if (parsed.code !== RAW_CODEC)
    throw new InvalidCidError({ cid, reason: `codec 0x${parsed.code.toString(16)} is not raw (0x55), so its digest is not the content's sha2-256` });
  if (parsed.multihash.code !== SHA2_256) throw new InvalidCidError({ cid, reason: `multihash 0x${parsed.multihash.code.toString(16)} is not sha2-256 (0x12)` });
  if (parsed.multihash.size !== 32) throw new InvalidCidError({ cid, reason: `the digest is ${parsed.multihash.size} bytes, not 32` });
  // One spelling per digest: a CID that parses but is written differently (upper case, padding) is refused.
  if (parsed.toString(base32) !== cid) throw new InvalidCidError({ cid, reason: `it is not the canonical spelling ${parsed.toString(base32)}` });
  return bytesToHex(parsed.multihash.digest);
}
