import type { Hex } from "viem";

import type { PaymentRequiredBody } from "../sessions/wire.js";
import { DepinferError } from "./base.js";

export type SessionBudgetExceededErrorType = SessionBudgetExceededError & { name: "SessionBudgetExceededError" };

/**
 * The session client was asked to sign a voucher above the cap its caller set (by its own pricing or
 * because the provider asked for more). Nothing was signed and nothing was sent.
 */
export class SessionBudgetExceededError extends DepinferError {
  readonly sessionId: Hex;
  /** The cumulative amount the voucher would have had. */
  readonly requested: bigint;
  readonly cap: bigint;
  /** Who asked: the client's own next voucher, or the provider's 402. */
  readonly askedBy: "client" | "provider";

  constructor({ sessionId, requested, cap, askedBy }: { sessionId: Hex; requested: bigint; cap: bigint; askedBy: "client" | "provider" }) {
    super(`Session ${sessionId}: the next voucher would be ${requested}, above the cap of ${cap}; nothing was signed.`, {
      docsPath: "/docs/errors/sessions",
      docsSlug: "sessionbudgetexceeded",
      metaMessages: [
        askedBy === "provider"
          ? "The provider asked for more than the cap allows: raise `cap` if that price is right, or use another provider."
          : "Raise `cap` (and top up the session's escrow) to keep going, or open a new session.",
      ],
      name: "SessionBudgetExceededError",
    });
    this.sessionId = sessionId;
    this.requested = requested;
    this.cap = cap;
    this.askedBy = askedBy;
  }
}

export type SessionPaymentRequiredErrorType = SessionPaymentRequiredError & { name: "SessionPaymentRequiredError" };

/** The provider refused the request with HTTP 402 for a reason a new voucher cannot fix (or after the retries). */
export class SessionPaymentRequiredError extends DepinferError {
  readonly sessionId: Hex;
  /** The node's error code, e.g. `"session_expired"` or `"escrow_exhausted"`. */
  readonly code: string;
  readonly body: PaymentRequiredBody | undefined;

  constructor({ sessionId, body }: { sessionId: Hex; body: PaymentRequiredBody | undefined }) {
    const code = body?.error?.code ?? "unknown";
    const hints: Record<string, string> = {
      escrow_exhausted: "Top up the session's escrow (topUpSession), or open a new session.",
      session_expired: "The session has expired: open a new one.",
      session_not_open: "The session is closed or slashed: open a new one.",
      session_unknown: "The node does not know this session: check the session id, the chain and the PaymentSessions address.",
      session_wrong_provider: "The session was opened with another provider: send its requests to that provider.",
      session_wrong_model: "Ask for the session's model (its id as `model`).",
      signature_invalid: "Sign with the session's client account or its session key, for this chain and PaymentSessions contract.",
    };
    super(`Session ${sessionId}: the provider answered 402 (${code}): ${body?.error?.message ?? "no reason given"}.`, {
      docsPath: "/docs/errors/sessions",
      docsSlug: "sessionpaymentrequired",
      metaMessages: [hints[code] ?? "Check the session's state (escrow, expiry) and the provider's price."],
      name: "SessionPaymentRequiredError",
    });
    this.sessionId = sessionId;
    this.code = code;
    this.body = body;
  }
}

export type SessionAttestationInvalidErrorType = SessionAttestationInvalidError & { name: "SessionAttestationInvalidError" };

/**
 * An answer came without a valid attestation from the provider's signer, or with one that does not
 * bind this request's prompt and the output received: the answer is not backed by the provider's
 * stake, and cannot be disputed.
 */
export class SessionAttestationInvalidError extends DepinferError {
  readonly sessionId: Hex;
  readonly requestIndex: bigint;
  readonly reason: string;

  constructor({ sessionId, requestIndex, reason }: { sessionId: Hex; requestIndex: bigint; reason: string }) {
    super(`Session ${sessionId}, request ${requestIndex}: the provider's attestation is invalid (${reason}).`, {
      docsPath: "/docs/errors/sessions",
      docsSlug: "sessionattestationinvalid",
      metaMessages: ["Do not rely on this answer. Stop using this provider: its answers cannot be disputed."],
      name: "SessionAttestationInvalidError",
    });
    this.sessionId = sessionId;
    this.requestIndex = requestIndex;
    this.reason = reason;
  }
}
