// Node-only. The errors the inference backends throw. Each short message says what went wrong and
// what to do; the values that caused it are fields on the error.
import { DepinferError } from "depinfer";

import { redactUrl, redactUrls } from "../errors.js";

/** An error's message with every URL in it redacted (a network error often quotes the URL it failed on). */
function withoutSecrets(error: Error | undefined): Error | undefined {
  if (!error) return undefined;
  const redacted = new Error(redactUrls(error.message));
  redacted.name = error.name;
  return redacted;
}

/** At most this many characters of a server's answer are kept on an error. */
export const BODY_EXCERPT_LENGTH = 500;

/** The first {@link BODY_EXCERPT_LENGTH} characters of `body`, marked when cut. */
export function excerpt(body: string): string {
  return body.length <= BODY_EXCERPT_LENGTH ? body : `${body.slice(0, BODY_EXCERPT_LENGTH)}… (${body.length} characters)`;
}

/** Whether an HTTP status is worth retrying: 408 (request timeout), 429 (rate limited) and 5xx. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status <= 599);
}

export type InferenceBackendConfigErrorType = InferenceBackendConfigError & { name: "InferenceBackendConfigError" };

/** A backend was created with an option that cannot work (a bad URL, an empty model name, …). */
export class InferenceBackendConfigError extends DepinferError {
  readonly option: string;
  readonly value: unknown;

  constructor({ option, value, expected }: { option: string; value: unknown; expected: string }) {
    super(`Inference backend option ${option} is invalid: ${expected}.`, {
      docsPath: "/docs/errors/backends",
      docsSlug: "inferencebackendconfig",
      metaMessages: [`${option}: ${typeof value === "string" ? JSON.stringify(value) : String(value)}`],
      name: "InferenceBackendConfigError",
    });
    this.option = option;
    this.value = value;
  }
}

export type InferenceBackendHttpErrorType = InferenceBackendHttpError & { name: "InferenceBackendHttpError" };

/** The inference server answered with an HTTP error status (after any retries). */
export class InferenceBackendHttpError extends DepinferError {
  /** The URL that was called. */
  readonly url: string;
  readonly status: number;
  /** The start of the answer's body (see {@link BODY_EXCERPT_LENGTH}). */
  readonly body: string;
  /** Whether the failure is transient (408, 429, 5xx), so that trying again later may succeed. */
  readonly retryable: boolean;
  /** How many requests were made in all, retries included. */
  readonly attempts: number;

  constructor({ url, status, statusText = "", body, attempts }: { url: string; status: number; statusText?: string; body: string; attempts: number }) {
    const retryable = isRetryableStatus(status);
    const hint =
      status === 401 || status === 403
        ? "The server refused the credentials: check the apiKey. Retrying will not help."
        : status === 404
          ? "Check baseUrl (it must not end in /v1) and that the server serves the model. Retrying will not help."
          : status === 429
            ? "The server is rate limiting: retrying later may succeed; lower the request rate or raise the server's limits."
            : retryable
              ? "The server failed: retrying later may succeed; if it persists, check the server's logs (is the model loaded, is it out of memory?)."
              : "The server rejected the request: check model, maxTokens and the input. Retrying the same request will not help.";
    super(`Inference server answered HTTP ${status}${statusText ? ` ${statusText}` : ""}. ${hint}`, {
      docsPath: "/docs/errors/backends",
      docsSlug: "inferencebackendhttp",
      metaMessages: [`URL: ${redactUrl(url)}`, `Attempts: ${attempts}`, `Body: ${excerpt(body) || "(empty)"}`],
      name: "InferenceBackendHttpError",
    });
    this.url = redactUrl(url);
    this.status = status;
    this.body = excerpt(body);
    this.retryable = retryable;
    this.attempts = attempts;
  }
}

export type InferenceBackendResponseErrorType = InferenceBackendResponseError & { name: "InferenceBackendResponseError" };

/** The inference server answered 2xx, but not with a chat completion (bad JSON, no choices, no content). */
export class InferenceBackendResponseError extends DepinferError {
  readonly url: string;
  /** What was wrong with the answer. */
  readonly reason: string;
  readonly body: string;

  constructor({ url, reason, body, cause }: { url: string; reason: string; body: string; cause?: Error }) {
    super(
      `Inference server sent an answer that is not an OpenAI chat completion: ${reason}. Check that baseUrl points at an OpenAI-compatible server (vLLM, llama.cpp server, Ollama) and not at a proxy or web page.`,
      {
        cause,
        docsPath: "/docs/errors/backends",
        docsSlug: "inferencebackendresponse",
        metaMessages: [`URL: ${redactUrl(url)}`, `Body: ${excerpt(body) || "(empty)"}`],
        name: "InferenceBackendResponseError",
      },
    );
    this.url = redactUrl(url);
    this.reason = reason;
    this.body = excerpt(body);
  }
}

export type InferenceBackendEmptyOutputErrorType = InferenceBackendEmptyOutputError & { name: "InferenceBackendEmptyOutputError" };

/**
 * The inference server answered with a chat completion that has no content (an empty string, or
 * `null`) for this input: e.g. a prompt that filled the context (`finish_reason: "length"`), or one
 * the model refused. With pinned sampling the same request gets the same answer, so it is an
 * input the backend cannot run, not a transient failure; an empty output is never submitted.
 */
export class InferenceBackendEmptyOutputError extends DepinferError {
  readonly url: string;
  /** The choice's `finish_reason`, when the server gave one. */
  readonly finishReason: string | undefined;

  constructor({ url, finishReason }: { url: string; finishReason?: string | undefined }) {
    super(
      `Inference server returned no content for this input${finishReason ? ` (finish_reason "${finishReason}")` : ""}. The model cannot run it: check the model's context length and maxTokens, and set the model's input limits (maxInputBytes, maxInputTokens, contextTokens) so that such jobs are refused before they are accepted.`,
      {
        docsPath: "/docs/errors/backends",
        docsSlug: "inferencebackendemptyoutput",
        metaMessages: [`URL: ${redactUrl(url)}`],
        name: "InferenceBackendEmptyOutputError",
      },
    );
    this.url = redactUrl(url);
    this.finishReason = finishReason;
  }
}

export type InferenceBackendTooLargeErrorType = InferenceBackendTooLargeError & { name: "InferenceBackendTooLargeError" };

/**
 * The inference server's answer was larger than `maxResponseBytes`: it was cut off as it streamed
 * in, so a runaway or hostile server cannot fill the node's memory. With pinned sampling the same
 * request gets the same answer, so it is not retried.
 */
export class InferenceBackendTooLargeError extends DepinferError {
  readonly url: string;
  readonly maxResponseBytes: number;
  /** The bytes received (or declared in Content-Length) when it was cut off. */
  readonly receivedBytes: number;

  constructor({ url, maxResponseBytes, receivedBytes }: { url: string; maxResponseBytes: number; receivedBytes: number }) {
    super(
      `Inference server sent an answer larger than ${maxResponseBytes} bytes (${receivedBytes} received or declared); it was cut off. Lower the model's maxTokens, or raise maxResponseBytes if outputs this large are expected.`,
      {
        docsPath: "/docs/errors/backends",
        docsSlug: "inferencebackendtoolarge",
        metaMessages: [`URL: ${redactUrl(url)}`],
        name: "InferenceBackendTooLargeError",
      },
    );
    this.url = redactUrl(url);
    this.maxResponseBytes = maxResponseBytes;
    this.receivedBytes = receivedBytes;
  }
}

export type InferenceBackendTimeoutErrorType = InferenceBackendTimeoutError & { name: "InferenceBackendTimeoutError" };

/** The inference call did not finish within `timeoutMs` (retries included). */
export class InferenceBackendTimeoutError extends DepinferError {
  readonly url: string;
  readonly timeoutMs: number;

  constructor({ url, timeoutMs }: { url: string; timeoutMs: number }) {
    super(
      `Inference server did not answer within ${timeoutMs} ms. Check that it is running and not overloaded, lower maxTokens, or raise timeoutMs.`,
      {
        docsPath: "/docs/errors/backends",
        docsSlug: "inferencebackendtimeout",
        metaMessages: [`URL: ${redactUrl(url)}`],
        name: "InferenceBackendTimeoutError",
      },
    );
    this.url = redactUrl(url);
    this.timeoutMs = timeoutMs;
  }
}

export type InferenceBackendNetworkErrorType = InferenceBackendNetworkError & { name: "InferenceBackendNetworkError" };

/** The inference server could not be reached (connection refused, DNS, reset), after any retries. */
export class InferenceBackendNetworkError extends DepinferError {
  readonly url: string;
  readonly attempts: number;

  constructor({ url, attempts, cause }: { url: string; attempts: number; cause?: Error }) {
    super(`Could not reach the inference server. Check that it is running and that baseUrl is right; retrying later may succeed.`, {
      cause: withoutSecrets(cause?.cause instanceof Error ? cause.cause : cause),
      docsPath: "/docs/errors/backends",
      docsSlug: "inferencebackendnetwork",
      metaMessages: [`URL: ${redactUrl(url)}`, `Attempts: ${attempts}`],
      name: "InferenceBackendNetworkError",
    });
    this.url = redactUrl(url);
    this.attempts = attempts;
  }
}
