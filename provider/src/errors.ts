// How the provider prints an error: viem's `BaseError` message without its `Version: viem@…` line
// (an operator needs the problem, the details and the docs link, not the library's version).
import { BaseError } from "viem";

const VERSION_LINE = /^Version: \S+@\S+$/;

/** `message` without viem's trailing `Version: viem@…` line (and the blank lines it leaves). */
export function stripVersion(message: string): string {
  return message
    .split("\n")
    .filter((line) => !VERSION_LINE.test(line.trim()))
    .join("\n")
    .trimEnd();
}

/**
 * One error as text for an operator. `short`: the first line only (viem's `shortMessage`). Otherwise
 * the whole message without the version line; an error that is not viem's (a bug) keeps its stack.
 */
export function formatError(error: unknown, { short = false }: { short?: boolean } = {}): string {
  if (error instanceof BaseError) return short ? error.shortMessage : stripVersion(error.message);
  if (error instanceof Error) return short ? (error.message.split("\n")[0] ?? "") : stripVersion(error.stack ?? error.message);
  return String(error);
}
