import { BaseError } from "viem";

/** Where the SDK's error pages live: `${docsBaseUrl}${docsPath}#${docsSlug}`. */
export const docsBaseUrl = "https://depinfer.xyz";

export type DepinferErrorParameters = {
  /** The error that caused this one (usually a viem error); kept as `cause` so `walk()` reaches it. */
  cause?: BaseError | Error | undefined;
  /** Further lines printed under the short message (values, hints). */
  metaMessages?: string[] | undefined;
  /** Printed as `Details:`; taken from `cause` when one is given. */
  details?: string | undefined;
  /** A path under `/docs/errors`; defaults to `/docs/errors`. */
  docsPath?: `/docs/errors${string}` | undefined;
  /** An anchor on the docs page. */
  docsSlug?: string | undefined;
  /** The error's class name, e.g. `"JobUnknownError"`. */
  name: string;
};

export type DepinferErrorType = DepinferError & { name: string };

/**
 * The base of every error the Depinfer SDK throws: a viem `BaseError`, so `shortMessage`,
 * `metaMessages`, `details`, `docsPath` and `walk()` work as in viem, but with docs on depinfer.xyz.
 *
 * @example
 * try { await client.finalizeJob({ job }) }
 * catch (e) { if (e instanceof DepinferError) console.error(e.shortMessage, e.docsPath) }
 */
export class DepinferError extends BaseError {
  override name = "DepinferError";

  constructor(shortMessage: string, parameters: DepinferErrorParameters) {
    const { cause, name, docsPath = "/docs/errors", docsSlug, metaMessages } = parameters;
    // viem's BaseError lets a cause's docsPath (e.g. viem's "/docs/contract/writeContract") win over
    // ours, which would print a depinfer.xyz URL to a viem page. So the cause is attached after
    // super(), and its details are copied as viem would.
    const details = cause instanceof BaseError ? cause.details : (cause?.message ?? parameters.details);
    super(shortMessage, { details, docsBaseUrl, docsPath, docsSlug, metaMessages, name });
    this.name = name;
    this.docsPath = docsPath;
    if (cause !== undefined) Object.defineProperty(this, "cause", { value: cause, writable: true, configurable: true });
  }
}
