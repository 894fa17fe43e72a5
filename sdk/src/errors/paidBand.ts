import type { Address, Hex } from "viem";

import { DepinferError } from "./base.js";

// The errors of the paid-band check that `waitForResult` funds for the client by default
// (docs/economics.md 6.6, docs/protocol.md 7.7 "caller-funded checks"). Each carries the job's verified
// result (`result`, when `waitForResult` had it), so that a client whose check could not be funded still
// has its output.

export type PaidBandCheckFundsErrorType = PaidBandCheckFundsError & { name: "PaidBandCheckFundsError" };

/**
 * The job was drawn in the caller-paid band and the check fits the budget, but the client's account
 * cannot pay it: its balance of the job's token, or (with `approve: false`) its allowance to the
 * SampledVerifier, is below the check's cost. Nothing was sent.
 */
export class PaidBandCheckFundsError extends DepinferError {
  readonly jobId: Hex;
  readonly reason: "balance" | "allowance";
  readonly token: Address;
  readonly account: Address;
  readonly sampledVerifier: Address;
  readonly needed: bigint;
  readonly available: bigint;
  /** The job's verified result, when `waitForResult` had it (the output is still the client's). */
  result: unknown;

  constructor(args: { jobId: Hex; reason: "balance" | "allowance"; token: Address; account: Address; sampledVerifier: Address; needed: bigint; available: bigint; windowEndsAt: bigint }) {
    const { jobId, reason, token, account, sampledVerifier, needed, available, windowEndsAt } = args;
    const what = reason === "balance" ? `holds ${available} of token ${token}` : `allows the SampledVerifier ${sampledVerifier} to spend ${available} of token ${token}`;
    const fix =
      reason === "balance"
        ? `add at least ${needed - available} of ${token} to ${account}`
        : `approve ${sampledVerifier} for ${needed} of ${token} (or leave approve on)`;
    super(`Job ${jobId} was drawn in the caller-paid band, but account ${account} ${what} and its check costs ${needed}: the job is not checked.`, {
      docsPath: "/docs/errors/paid-band",
      docsSlug: "paidbandcheckfunds",
      metaMessages: [
        `To have it checked: ${fix}, then call fundPaidBandCheck() before the challenge window ends at ${windowEndsAt} (unix s); the unused part of the cost comes back.`,
        "Or pass fundChecks: false to waitForResult to leave paid-band draws unchecked (docs/economics.md 6.6: then only the base rate protects you).",
      ],
      name: "PaidBandCheckFundsError",
    });
    this.jobId = jobId;
    this.reason = reason;
    this.token = token;
    this.account = account;
    this.sampledVerifier = sampledVerifier;
    this.needed = needed;
    this.available = available;
  }
}

export type PaidBandCheckWindowClosedErrorType = PaidBandCheckWindowClosedError & { name: "PaidBandCheckWindowClosedError" };

/**
 * The funding window of a paid-band check passed before the SDK could fund it: the job's challenge
 * window ended (`windowEndsAt`, chain time `now`) before its draw could be read (the submission epoch's
 * seed was not revealed in time) or before the check was funded. The job settles unchecked.
 */
export class PaidBandCheckWindowClosedError extends DepinferError {
  readonly jobId: Hex;
  readonly sampledVerifier: Address;
  readonly windowEndsAt: bigint;
  readonly now: bigint;
  /** Whether the draw was known to be in the caller-paid band (false: the seed never came in time). */
  readonly drawKnown: boolean;
  /** The job's verified result, when `waitForResult` had it (the output is still the client's). */
  result: unknown;

  constructor({ jobId, sampledVerifier, windowEndsAt, now, drawKnown }: { jobId: Hex; sampledVerifier: Address; windowEndsAt: bigint; now: bigint; drawKnown: boolean }) {
    super(
      `Job ${jobId}'s challenge window ended at ${windowEndsAt} (chain time ${now}) before its paid-band check could be funded${drawKnown ? "" : " (its draw could not be read: the submission epoch's seed was not revealed in time)"}.`,
      {
        docsPath: "/docs/errors/paid-band",
        docsSlug: "paidbandcheckwindowclosed",
        metaMessages: [
          "Nothing was paid and the result settles unchecked. Call waitForResult as soon as the job is submitted (the window is the challenge window, at least its length minus one randomness epoch),",
          "and keep it running until it returns; if the seed is late, reveal it yourself with revealRandomness() once the epoch has ended.",
        ],
        name: "PaidBandCheckWindowClosedError",
      },
    );
    this.jobId = jobId;
    this.sampledVerifier = sampledVerifier;
    this.windowEndsAt = windowEndsAt;
    this.now = now;
    this.drawKnown = drawKnown;
  }
}
