import type { Address, Hex, TypedDataDomain } from "viem";

/**
 * EIP-712 typed data of payment sessions (contracts/sessions/PaymentSessions.sol). The contract is the source
 * of truth; `test/integration/sessions.test.ts` checks these against its `voucherDigest`/`attestationDigest`.
 */

/** The domain name and version of the `PaymentSessions` contract. */
export const SESSIONS_DOMAIN_NAME = "DepinferSessions";
export const SESSIONS_DOMAIN_VERSION = "1";

/** The EIP-712 domain of the session module at `verifyingContract` on `chainId`. */
export function sessionsDomain(chainId: number, verifyingContract: Address) {
  return { name: SESSIONS_DOMAIN_NAME, version: SESSIONS_DOMAIN_VERSION, chainId, verifyingContract } as const satisfies TypedDataDomain;
}

/** `Voucher(bytes32 sessionId,uint256 cumulativeAmount,uint64 requestCount)`: signed by the client (or its session key). */
export const voucherTypes = {
  Voucher: [
    { name: "sessionId", type: "bytes32" },
    { name: "cumulativeAmount", type: "uint256" },
    { name: "requestCount", type: "uint64" },
  ],
} as const;

/**
 * `Attestation(bytes32 sessionId,uint64 requestIndex,bytes32 model,bytes32 inputHash,bytes32 outputHash)`: signed by
 * the provider's signer key in the market. Request indexes are 0-based; a voucher for `requestCount = n` pays 0 … n−1.
 */
export const sessionAttestationTypes = {
  Attestation: [
    { name: "sessionId", type: "bytes32" },
    { name: "requestIndex", type: "uint64" },
    { name: "model", type: "bytes32" },
    { name: "inputHash", type: "bytes32" },
    { name: "outputHash", type: "bytes32" },
  ],
} as const;

/** A voucher's message. */
export interface VoucherMessage {
  sessionId: Hex;
  cumulativeAmount: bigint;
  requestCount: bigint;
}

/** An attestation's message. */
export interface SessionAttestationMessage {
  sessionId: Hex;
  requestIndex: bigint;
  model: Hex;
  inputHash: Hex;
  outputHash: Hex;
}

/** `IPaymentSessionsTypes.Pricing`. */
export const SessionPricing = { PerRequest: 0, PerThousandTokens: 1 } as const;
export type SessionPricing = (typeof SessionPricing)[keyof typeof SessionPricing];

/** `IPaymentSessionsTypes.SessionStatus`. */
export const SessionStatus = { None: 0, Open: 1, Closed: 2, Slashed: 3 } as const;
export type SessionStatus = (typeof SessionStatus)[keyof typeof SessionStatus];

/** `IPaymentSessionsTypes.DisputeStatus`. */
export const SessionDisputeStatus = { None: 0, Open: 1, Upheld: 2, Rejected: 3, Draw: 4, Cancelled: 5 } as const;
export type SessionDisputeStatus = (typeof SessionDisputeStatus)[keyof typeof SessionDisputeStatus];

/** Seconds after expiry during which the provider may still settle (and a replaced session key stays valid). */
export const SESSION_SETTLEMENT_GRACE = 86_400n;
/** The longest a session may run from opening or a top-up. */
export const SESSION_MAX_DURATION = 30n * 86_400n;
