// EIP-712 types of payment sessions (contracts/sessions/PaymentSessions.sol). Vouchers are signed by
// the client (or its session key); attestations by the provider's registered signer key.
import type { Address, TypedDataDomain } from "viem";

/** The EIP-712 domain name of the PaymentSessions contract. */
export const SESSIONS_DOMAIN_NAME = "DepinferSessions";
/** The EIP-712 domain version of the PaymentSessions contract. */
export const SESSIONS_DOMAIN_VERSION = "1";

/**
 * The EIP-712 domain of a PaymentSessions deployment: a voucher or an attestation signed under it is
 * valid on this chain and this contract only (a replay on another chain or deployment recovers to
 * another address).
 *
 * @example
 * const domain = sessionsDomain({ chainId: 8453, sessions: "0x…" });
 */
export function sessionsDomain({ chainId, sessions }: { chainId: number; sessions: Address }): TypedDataDomain {
  return { name: SESSIONS_DOMAIN_NAME, version: SESSIONS_DOMAIN_VERSION, chainId, verifyingContract: sessions };
}

/** `Voucher(bytes32 sessionId,uint256 cumulativeAmount,uint64 requestCount)`. */
export const voucherTypes = {
  Voucher: [
    { name: "sessionId", type: "bytes32" },
    { name: "cumulativeAmount", type: "uint256" },
    { name: "requestCount", type: "uint64" },
  ],
} as const;

/** `Attestation(bytes32 sessionId,uint64 requestIndex,bytes32 model,bytes32 inputHash,bytes32 outputHash)`. */
export const sessionAttestationTypes = {
  Attestation: [
    { name: "sessionId", type: "bytes32" },
    { name: "requestIndex", type: "uint64" },
    { name: "model", type: "bytes32" },
    { name: "inputHash", type: "bytes32" },
    { name: "outputHash", type: "bytes32" },
  ],
} as const;
