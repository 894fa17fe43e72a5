// EIP-712 digests of payment-session vouchers and attestations, fast: the domain separator and the
// type hashes are computed once per deployment, so a digest is two keccaks (viem's generic
// `hashTypedData` re-encodes the domain and the types on every call). Browser-safe (viem only).
// Equal to `hashTypedData` with `sessionsDomain`, `voucherTypes` and `sessionAttestationTypes`, and to the
// contract's `voucherDigest` / `attestationDigest` (test/integration/sessions.fast.test.ts).
import { hashDomain, hexToBytes, keccak256, toHex, type Address, type Hex } from "viem";

import { SESSIONS_DOMAIN_NAME, SESSIONS_DOMAIN_VERSION, sessionAttestationTypes, voucherTypes, type SessionAttestationMessage, type VoucherMessage } from "./typedData.js";

const typeString = (primary: string, fields: readonly { name: string; type: string }[]) => `${primary}(${fields.map((f) => `${f.type} ${f.name}`).join(",")})`;
const VOUCHER_TYPEHASH = hexToBytes(keccak256(toHex(typeString("Voucher", voucherTypes.Voucher))));
const ATTESTATION_TYPEHASH = hexToBytes(keccak256(toHex(typeString("Attestation", sessionAttestationTypes.Attestation))));

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

