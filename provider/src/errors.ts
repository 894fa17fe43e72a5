// How the provider prints an error: viem's `BaseError` message without its `Version: viem@…` line
// (an operator needs the problem, the details and the docs link, not the library's version), and
// without the call it was making: viem lists a failed call's arguments and calldata, and the node's
// calls carry attestation signatures. A logged signature for a job the node signs twice (after a
// journal loss, with a non-deterministic backend) is evidence for an equivocation slash.
import { BaseError } from "viem";

const VERSION_LINE = /^Version: \S+@\S+$/;
/** viem's blocks that describe the call: a header line, then indented lines (or the rest of the line). */
const CALL_BLOCK = /^(Contract Call|Raw Call Arguments|Request Arguments|Request body|Estimate Gas Arguments):/;
/** Hex of 65 bytes or more: a signature, or calldata or a signed transaction that holds one. */
const LONG_HEX = /0x[0-9a-fA-F]{130,}/g;

/** `message` without viem's trailing `Version: viem@…` line (and the blank lines it leaves). */
export function stripVersion(message: string): string {
  return message
    .split("\n")
    .filter((line) => !VERSION_LINE.test(line.trim()))
    .join("\n")
    .trimEnd();
}

/** An http(s) or ws(s) URL in running text (up to a space, a quote or a bracket). */
const URL_IN_TEXT = /\b(?:https?|wss?):\/\/[^\s"'<>()]+/g;

/** A URL without credentials: user info, query values and path segments that look like API keys are redacted. */
export function redactUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return value;
  }
  if (url.username || url.password) {
    url.username = url.username ? "REDACTED" : "";
    url.password = url.password ? "REDACTED" : "";
  }
  for (const key of [...url.searchParams.keys()]) url.searchParams.set(key, "REDACTED");
  url.pathname = url.pathname
    .split("/")
    .map((segment) => (/^[A-Za-z0-9_-]{20,}$/.test(segment) && /\d/.test(segment) && /[A-Za-z]/.test(segment) ? "REDACTED" : segment))
    .join("/");
  return url.toString();
}

/**
 * `text` without the arguments of the call that failed: viem's `Contract Call:`, `Raw Call
 * Arguments:` and `Request …` blocks are dropped, and any hex of a signature's length or more is
 * replaced by its length. Every URL in it loses its credentials ({@link redactUrl}): an RPC,
 * backend or content-store URL often carries an API key, and errors quote the URL they failed on.
 */
export function redactCallData(text: string): string {
  const out: string[] = [];
  let inBlock = false;
  for (const line of text.split("\n")) {
    if (CALL_BLOCK.test(line.trim())) {
      inBlock = true;
      continue;
    }
    if (inBlock && /^\s+\S/.test(line)) continue;
    inBlock = false;
    out.push(line);
  }
  return redactUrls(out.join("\n").replace(LONG_HEX, (hex) => `0x…[${(hex.length - 2) / 2} bytes redacted]`));
}

/** `text` with every URL in it redacted ({@link redactUrl}). */
export function redactUrls(text: string): string {
  return text.replace(URL_IN_TEXT, (url) => redactUrl(url));
}

/** An error's text as the node logs it: no version line, no call arguments. */
export function cleanErrorText(text: string): string {
  return redactCallData(stripVersion(text));
}

/**
 * One error as text for an operator. `short`: the first line only (viem's `shortMessage`). Otherwise
 * the whole message without the version line; an error that is not viem's (a bug) keeps its stack.
 * Never with the failed call's arguments (see `redactCallData`).
 */
export function formatError(error: unknown, { short = false }: { short?: boolean } = {}): string {
  if (error instanceof BaseError) return redactCallData(short ? error.shortMessage : stripVersion(error.message));
  if (error instanceof Error) return redactCallData(short ? (error.message.split("\n")[0] ?? "") : stripVersion(error.stack ?? error.message));
  return redactCallData(String(error));
}
