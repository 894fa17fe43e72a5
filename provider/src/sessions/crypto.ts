// Node-only. The session server's signature work, done fast (it runs once per paid request):
//  - EIP-712 digests of vouchers and attestations with the domain separator and the type hashes
//    computed once: one keccak of the struct and one of the envelope, where viem's generic
//    `hashTypedData` re-derives and re-encodes the domain and the types on every call;
//  - the voucher's signer recovered with libsecp256k1 (the native binding of the `secp256k1`
//    package, an optional dependency) when it loads, else with noble (viem): about 40× faster;
//  - the attestation signed from its digest (`account.sign`), skipping `hashTypedData` again.
// Every digest is the one the contract computes (`voucherDigest`, `attestationDigest`: compared in
// test/integration/sessions.fast.test.ts), and a voucher is refused unless the contract could use
// it: `v` must be 27 or 28 and `s` in the lower half of the curve order (OpenZeppelin's ECDSA
// refuses the others, so the node could never settle such a voucher).
import { createRequire } from "node:module";

import { bytesToHex, hashDomain, hexToBytes, keccak256, recoverAddress, toHex, type Address, type Hex, type LocalAccount } from "viem";

import { SESSIONS_DOMAIN_NAME, SESSIONS_DOMAIN_VERSION, sessionAttestationTypes, voucherTypes, type SessionAttestationMessage, type VoucherMessage } from "depinfer";

/** The half order of secp256k1: a signature with a larger `s` is malleable, and OpenZeppelin's ECDSA refuses it. */
const HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;

const typeString = (primary: string, fields: readonly { name: string; type: string }[]) => `${primary}(${fields.map((f) => `${f.type} ${f.name}`).join(",")})`;
const VOUCHER_TYPEHASH = hexToBytes(keccak256(toHex(typeString("Voucher", voucherTypes.Voucher))));
const ATTESTATION_TYPEHASH = hexToBytes(keccak256(toHex(typeString("Attestation", sessionAttestationTypes.Attestation))));

interface NativeSecp256k1 {
  ecdsaRecover(signature: Uint8Array, recid: number, message: Uint8Array, compressed?: boolean): Uint8Array;
}

/** libsecp256k1 through the `secp256k1` package's native binding, or undefined where it does not load (then noble is used). */
export const nativeSecp256k1: NativeSecp256k1 | undefined = (() => {
  if (process.env.DEPINFER_NATIVE_SECP256K1 === "0") return undefined;
  try {
    // The binding itself, not the package's index (which falls back to a JavaScript `elliptic` silently).
    return createRequire(import.meta.url)("secp256k1/bindings") as NativeSecp256k1;
  } catch {
    return undefined;
  }
})();

/** Writes `value` as a 32-byte big-endian word at `offset`. */
function putWord(out: Uint8Array, offset: number, value: bigint) {
  for (let i = 31; i >= 0 && value > 0n; i--) {
    out[offset + i] = Number(value & 0xffn);
    value >>= 8n;
  }
}

function putBytes32(out: Uint8Array, offset: number, value: Hex) {
  const bytes = hexToBytes(value);
  if (bytes.length !== 32) throw new Error(`not a bytes32: ${value}`);
  out.set(bytes, offset);
}

/** The EIP-712 digests of one PaymentSessions deployment, with its domain separator computed once. */
export interface SessionDigests {
  voucher(message: VoucherMessage): Uint8Array;
  attestation(message: SessionAttestationMessage): Uint8Array;
}

/**
 * The digests of vouchers and attestations under the `DepinferSessions`/`1` domain of `sessions` on `chainId`.
 *
 * @example
 * const digests = sessionDigests(31337, sessions);
 * const digest = digests.voucher({ sessionId, cumulativeAmount: 10_000n, requestCount: 1n }); // == hashTypedData(...)
 */
export function sessionDigests(chainId: number, sessions: Address): SessionDigests {
  const domain = hexToBytes(
    hashDomain({
      domain: { name: SESSIONS_DOMAIN_NAME, version: SESSIONS_DOMAIN_VERSION, chainId: BigInt(chainId), verifyingContract: sessions },
      types: { EIP712Domain: [{ name: "name", type: "string" }, { name: "version", type: "string" }, { name: "chainId", type: "uint256" }, { name: "verifyingContract", type: "address" }] },
    }),
  );
  const envelope = (struct: Uint8Array) => {
    const out = new Uint8Array(66);
    out[0] = 0x19;
    out[1] = 0x01;
    out.set(domain, 2);
    out.set(keccak256(struct, "bytes"), 34);
    return keccak256(out, "bytes");
  };
  return {
    voucher({ sessionId, cumulativeAmount, requestCount }) {
      if (cumulativeAmount < 0n || cumulativeAmount >= 2n ** 256n || requestCount < 0n || requestCount >= 2n ** 64n) throw new Error("voucher value out of range");
      const struct = new Uint8Array(128);
      struct.set(VOUCHER_TYPEHASH, 0);
      putBytes32(struct, 32, sessionId);
      putWord(struct, 64, cumulativeAmount);
      putWord(struct, 96, requestCount);
      return envelope(struct);
    },
    attestation({ sessionId, requestIndex, model, inputHash, outputHash }) {
      if (requestIndex < 0n || requestIndex >= 2n ** 64n) throw new Error("request index out of range");
      const struct = new Uint8Array(192);
      struct.set(ATTESTATION_TYPEHASH, 0);
      putBytes32(struct, 32, sessionId);
      putWord(struct, 64, requestIndex);
      putBytes32(struct, 96, model);
      putBytes32(struct, 128, inputHash);
      putBytes32(struct, 160, outputHash);
      return envelope(struct);
    },
  };
}

/**
 * The address that signed `digest`, or undefined when the signature is not one the contract accepts:
 * not 65 bytes, `v` other than 27 or 28, `s` above half the curve order, or no key recovers.
 */
export async function recoverSigner(digest: Uint8Array, signature: Hex, native: NativeSecp256k1 | undefined = nativeSecp256k1): Promise<Address | undefined> {
  const bytes = hexToBytes(signature);
  if (bytes.length !== 65) return undefined;
  const v = bytes[64]!;
  if (v !== 27 && v !== 28) return undefined;
  const s = BigInt(bytesToHex(bytes.subarray(32, 64)));
  if (s === 0n || s > HALF_N) return undefined;
  if (native) {
    let key: Uint8Array;
    try {
      key = native.ecdsaRecover(bytes.subarray(0, 64), v - 27, digest, false);
    } catch {
      return undefined;
    }
    return `0x${keccak256(key.subarray(1), "hex").slice(26)}` as Address;
  }
  try {
    return await recoverAddress({ hash: digest, signature });
  } catch {
    return undefined;
  }
}

/** Signs an attestation's digest with the provider's signer key (the same signature as `signTypedData` over the attestation). */
export function signDigest(signer: LocalAccount, digest: Uint8Array): Promise<Hex> {
  if (!signer.sign) throw new Error("the signer cannot sign a digest: use a local private key (env or keystore)");
  return signer.sign({ hash: bytesToHex(digest) });
}
