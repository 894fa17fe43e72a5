import { sha256, toBytes, type Hex } from "viem";

/** Bytes of an input or output given as bytes, hex or UTF-8 text. */
export function toContentBytes(content: Uint8Array | Hex | string): Uint8Array {
  if (content instanceof Uint8Array) return content;
  return toBytes(content);
}

/**
 * The on-chain commitment to content: its sha2-256 digest, which is also the digest of its CIDv1
 * (raw codec, sha2-256), so any IPFS node or gateway can serve it by that CID.
 */
export function contentHash(content: Uint8Array | Hex | string): Hex {
  return sha256(toContentBytes(content));
}
