// Node-only. The session server's signature work, done fast (it runs once per paid request):
//  - EIP-712 digests of vouchers and attestations with the domain separator and the type hashes
//    computed once (`sessionDigests`, from the SDK: sdk/src/sessions/digests.ts);
//  - the voucher's signer recovered with libsecp256k1 (the native binding of the `secp256k1`
//    package, an optional dependency) when it loads, else with noble (viem): about 40× faster;
//  - the attestation signed from its digest (`account.sign`), skipping `hashTypedData` again.
// A voucher is refused unless the contract could use it: `v` must be 27 or 28 and `s` in the lower
// half of the curve order (OpenZeppelin's ECDSA refuses the others: the node could never settle it).
import { createRequire } from "node:module";

import { bytesToHex, hexToBytes, keccak256, recoverAddress, type Address, type Hex, type LocalAccount } from "viem";

export { sessionDigests, type SessionDigests } from "depinfer";

/** The half order of secp256k1: a signature with a larger `s` is malleable, and OpenZeppelin's ECDSA refuses it. */
const HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;

interface NativeSecp256k1 {
  ecdsaRecover(signature: Uint8Array, recid: number, message: Uint8Array, compressed?: boolean): Uint8Array;
  ecdsaSign(message: Uint8Array, privateKey: Uint8Array): { signature: Uint8Array; recid: number };
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

/** Where {@link withNativeSigning} keeps an account's native signer (a symbol: never logged, never serialized). */
const NATIVE_SIGN = Symbol("depinfer.nativeSign");

/**
 * `account` (made from `privateKey`) with a native digest signer attached for {@link signDigest}:
 * libsecp256k1's RFC 6979 signature, low-s, byte for byte the one viem's `sign` gives (tested),
 * about 10× faster. Without the native binding, the account is returned as it is.
 */
export function withNativeSigning<T extends LocalAccount>(account: T, privateKey: Hex): T {
  const native = nativeSecp256k1;
  if (!native) return account;
  const key = hexToBytes(privateKey);
  const sign = (digest: Uint8Array): Hex => {
    const { signature, recid } = native.ecdsaSign(digest, key);
    return `${bytesToHex(signature)}${recid === 0 ? "1b" : "1c"}` as Hex;
  };
  Object.defineProperty(account, NATIVE_SIGN, { value: sign, enumerable: false });
  return account;
}

/** Signs an attestation's digest with the provider's signer key (the same signature as `signTypedData` over the attestation). */
export async function signDigest(signer: LocalAccount, digest: Uint8Array): Promise<Hex> {
  const native = (signer as { [NATIVE_SIGN]?: (digest: Uint8Array) => Hex })[NATIVE_SIGN];
  if (native) return native(digest);
  if (!signer.sign) throw new Error("the signer cannot sign a digest: use a local private key (env or keystore)");
  return signer.sign({ hash: bytesToHex(digest) });
}
