import type { Hex } from "viem";

import type { JobStatusName } from "../types.js";
import { DepinferError } from "./base.js";

export type WaitForResultTimeoutErrorType = WaitForResultTimeoutError & { name: "WaitForResultTimeoutError" };

/** `waitForResult` gave up after `timeoutMs` without a verified result. */
export class WaitForResultTimeoutError extends DepinferError {
  readonly jobId: Hex;
  readonly timeoutMs: number;
  /** The job's status at the last poll, if it was read. */
  readonly status: JobStatusName | undefined;
  /** The block of the job's `ResultSubmitted` event, if the result was submitted but its output not found. */
  readonly submittedAt: bigint | undefined;

  constructor({ jobId, timeoutMs, status, submittedAt }: { jobId: Hex; timeoutMs: number; status?: JobStatusName | undefined; submittedAt?: bigint | undefined }) {
    const what =
      submittedAt === undefined
        ? `no result was submitted${status ? ` (the job is ${status})` : ""}`
        : `the result was submitted in block ${submittedAt} but the store does not have its output`;
    super(`Waited ${timeoutMs} ms for the result of job ${jobId}: ${what}.`, {
      docsPath: "/docs/errors/result",
      docsSlug: "waitforresulttimeout",
      metaMessages: [
        submittedAt === undefined
          ? "Wait longer (timeoutMs), or check the job with getJob(); after its deadline it can be expired with expireJob()."
          : "Ask the provider to publish the output, or read it from another store (the hash is on-chain).",
      ],
      name: "WaitForResultTimeoutError",
    });
    this.jobId = jobId;
    this.timeoutMs = timeoutMs;
    this.status = status;
    this.submittedAt = submittedAt;
  }
}

export type JobEndedWithoutResultErrorType = JobEndedWithoutResultError & { name: "JobEndedWithoutResultError" };

/** The job reached a terminal status (Expired, Cancelled or Slashed) without a submitted result. */
export class JobEndedWithoutResultError extends DepinferError {
  readonly jobId: Hex;
  readonly status: JobStatusName;

  constructor({ jobId, status }: { jobId: Hex; status: JobStatusName }) {
    const hints: Partial<Record<JobStatusName, string>> = {
      Expired: "No result came before the deadline; the escrow was refunded to the client.",
      Cancelled: "The client cancelled it before any provider accepted; the escrow was refunded.",
      Slashed: "The provider was slashed for fraud; the client was refunded.",
    };
    super(`Job ${jobId} ended ${status} without a result.`, {
      docsPath: "/docs/errors/result",
      docsSlug: "jobendedwithoutresult",
      metaMessages: [hints[status] ?? "Submit a new job to get a result."],
      name: "JobEndedWithoutResultError",
    });
    this.jobId = jobId;
    this.status = status;
  }
}
