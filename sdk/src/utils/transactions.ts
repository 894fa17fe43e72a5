import {
  BaseError,
  ContractFunctionRevertedError,
  ExecutionRevertedError,
  HttpRequestError,
  LimitExceededRpcError,
  RawContractError,
  SocketClosedError,
  TimeoutError,
  UserRejectedRequestError,
  WebSocketRequestError,
  type Account,
  type Address,
  type Chain,
  type Client,
  type Hash,
  type TransactionReceipt,
  type Transport,
} from "viem";
import { call, getTransaction, waitForTransactionReceipt } from "viem/actions";

import { DepinferError } from "../errors/base.js";
import { decodeDepinferError } from "../errors/contract.js";
import { TransactionRevertedError, UserRejectedError } from "../errors/validation.js";

// What happens to a write after the SDK has checked and simulated it: the wallet may decline it,
// the RPC may fail for a moment, the transaction may be mined and still revert, and parallel
// writes from one account may race for a nonce.

/** `error`, then its `cause`, the cause's `cause`, ... (at most 32 deep, cycles cut). */
function* causes(error: unknown): Generator<unknown> {
  const seen = new Set<unknown>();
  let current = error;
  for (let depth = 0; current !== undefined && current !== null && !seen.has(current) && depth < 32; depth++) {
    seen.add(current);
    yield current;
    current = (current as { cause?: unknown }).cause;
  }
}

const codeOf = (e: unknown) => (typeof e === "object" && e !== null ? (e as { code?: unknown }).code : undefined);

/** True when the error (or a cause) is the wallet reporting that the user declined: EIP-1193 code 4001 or ethers' `ACTION_REJECTED`. */
export function isUserRejection(error: unknown): boolean {
  for (const e of causes(error)) {
    if (e instanceof UserRejectedError || e instanceof UserRejectedRequestError) return true;
    const code = codeOf(e);
    if (code === UserRejectedRequestError.code || code === "ACTION_REJECTED") return true;
  }
  return false;
}

/**
 * Turns a wallet's "user rejected the request" (viem's `UserRejectedRequestError`, or any error
 * with EIP-1193 code 4001 anywhere in its cause chain) into a {@link UserRejectedError} naming
 * `action`, with the original as `cause`. Any other error is returned as it is.
 *
 * @example
 * try { return await writeContract(client, request) }
 * catch (e) { throw mapWalletError(e, "submitJob") }
 */
export function mapWalletError(error: unknown, action: string): unknown {
  if (error instanceof UserRejectedError) return error;
  if (!isUserRejection(error)) return error;
  const cause = error instanceof Error ? error : new Error(String((error as { message?: unknown })?.message ?? error));
  return new UserRejectedError({ action, cause });
}

// ---------------------------------------------------------------------------------------------
// Receipts
// ---------------------------------------------------------------------------------------------

export interface WaitForSuccessOptions {
  /** Blocks to wait after inclusion (default 1). */
  confirmations?: number | undefined;
  /** Give up after this many ms (viem's default otherwise). */
  timeout?: number | undefined;
  /**
   * On a revert, replay the call on the state of the block before to find the custom error and
   * attach it as `cause` (default true). A best effort: a revert caused by an earlier transaction
   * in the same block does not reproduce.
   */
  replay?: boolean | undefined;
}

/**
 * Waits for the receipt of `hash` and returns it if the transaction succeeded. If it was mined but
 * reverted, throws {@link TransactionRevertedError} carrying the hash, the block and
 * `functionName`, and (when a replay reproduces it) the decoded contract error as `cause`.
 *
 * @example
 * const hash = await finalizeJob(client, { job });
 * const receipt = await waitForSuccess(client, hash, "finalizeJob");
 */
export async function waitForSuccess(
  client: Client<Transport, Chain | undefined>,
  hash: Hash,
  functionName: string,
  { confirmations, timeout, replay = true }: WaitForSuccessOptions = {},
): Promise<TransactionReceipt> {
  const receipt = await waitForTransactionReceipt(client, { hash, confirmations, timeout });
  if (receipt.status === "success") return receipt;
  const cause = replay ? await replayRevert(client, receipt) : undefined;
  throw new TransactionRevertedError({ hash: receipt.transactionHash, blockNumber: receipt.blockNumber, functionName, cause });
}

/** The revert of a reverted transaction, replayed as a call on the state before its block, or undefined. */
async function replayRevert(client: Client<Transport, Chain | undefined>, receipt: TransactionReceipt): Promise<Error | undefined> {
  if (receipt.blockNumber === 0n || !receipt.to) return undefined;
  try {
    const tx = await getTransaction(client, { hash: receipt.transactionHash });
    await call(client, {
      account: tx.from,
      to: tx.to ?? undefined,
      data: tx.input,
      value: tx.value,
      gas: tx.gas,
      blockNumber: receipt.blockNumber - 1n,
    });
    return undefined; // it does not revert there: another transaction in its block changed the state first
  } catch (error) {
    const decoded = decodeDepinferError(error);
    if (decoded) return decoded;
    const isRevert =
      error instanceof BaseError &&
      error.walk((e) => e instanceof ExecutionRevertedError || e instanceof RawContractError || e instanceof ContractFunctionRevertedError) !== null;
    return isRevert ? (error as BaseError) : undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Retries
// ---------------------------------------------------------------------------------------------

/** Node.js socket and undici error codes of a connection that failed before an answer came. */
const networkErrorCodes = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);

/** True for an error that says the call itself was wrong, so the same call would fail again. */
function isPermanent(e: unknown): boolean {
  if (e instanceof DepinferError) return true; // typed reverts, validation, user rejection, mined reverts
  if (e instanceof UserRejectedRequestError || e instanceof ContractFunctionRevertedError) return true;
  if (e instanceof ExecutionRevertedError || e instanceof RawContractError) return true;
  const code = codeOf(e);
  return code === UserRejectedRequestError.code || code === "ACTION_REJECTED" || code === ExecutionRevertedError.code;
}

/** True for an error that may well not happen again: rate limits, server errors, timeouts, dropped connections. */
function isTransient(e: unknown): boolean {
  if (e instanceof TimeoutError || e instanceof SocketClosedError || e instanceof WebSocketRequestError) return true;
  if (e instanceof LimitExceededRpcError) return true;
  if (e instanceof HttpRequestError && e.status !== undefined) return e.status === 408 || e.status === 429 || e.status >= 500;
  const code = codeOf(e);
  if (code === LimitExceededRpcError.code || code === 429 || code === -32007) return true; // -32007: QuickNode's rate limit
  if (typeof code === "string" && networkErrorCodes.has(code)) return true;
  const status = (e as { status?: unknown } | null)?.status;
  if (typeof status === "number" && (status === 408 || status === 429 || status >= 500)) return true;
  // fetch() rejects with a bare TypeError ("fetch failed", "Failed to fetch") when the connection fails.
  if (e instanceof TypeError && /fetch|network/i.test(e.message)) return true;
  if (e instanceof HttpRequestError && e.status === undefined) return true; // no response at all
  return false;
}

/**
 * True when retrying the same call could succeed: an HTTP 408/429/5xx, a timeout, a JSON-RPC
 * `-32005` (limit exceeded) or `429`, or a dropped connection, anywhere in the cause chain, and no
 * revert, typed Depinfer error or user rejection anywhere in it.
 */
export function isTransientError(error: unknown): boolean {
  const chain = [...causes(error)];
  if (chain.some(isPermanent)) return false;
  return chain.some(isTransient);
}

export interface WithRetryOptions {
  /** Retries after the first attempt (default 3, so at most 4 calls). */
  retries?: number | undefined;
  /** The first backoff in ms (default 200); it doubles each retry. */
  baseDelayMs?: number | undefined;
  /** The longest backoff in ms (default 10 000). */
  maxDelayMs?: number | undefined;
  /** Which errors to retry (default {@link isTransientError}). */
  shouldRetry?: ((error: unknown, attempt: number) => boolean) | undefined;
  /** Called before each retry, e.g. to log it. */
  onRetry?: ((error: unknown, attempt: number, delayMs: number) => void) | undefined;
}

/** The backoff before retry `attempt` (1-based): exponential, capped, with "equal jitter" (half fixed, half random). */
export function backoffDelay(attempt: number, baseDelayMs: number, maxDelayMs: number, random: () => number = Math.random): number {
  const exp = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
  return Math.round(exp / 2 + random() * (exp / 2));
}

/**
 * Calls `fn`, and calls it again after an exponential backoff with jitter while it fails with a
 * transient RPC error (see {@link isTransientError}), up to `retries` times; then rethrows the
 * last error. A revert, a typed Depinfer error or a user rejection is rethrown at once.
 *
 * viem's HTTP transport already retries each JSON-RPC request (`retryCount`); this wraps a whole
 * step (several requests) instead. Wrap reads and idempotent steps. Do not wrap a step that signs
 * and sends a new transaction: a timeout does not prove the transaction was not broadcast, and a
 * retry would send a second one. Retry `waitForSuccess(hash)` instead, or re-send the same signed
 * transaction (same nonce).
 *
 * @example
 * const job = await withRetry(() => getJob(client, { market, jobId }), { retries: 5 });
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: WithRetryOptions = {}): Promise<T> {
  const { retries = 3, baseDelayMs = 200, maxDelayMs = 10_000, shouldRetry = isTransientError, onRetry } = options;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt >= retries || !shouldRetry(error, attempt + 1)) throw error;
      const delay = backoffDelay(attempt + 1, baseDelayMs, maxDelayMs);
      onRetry?.(error, attempt + 1, delay);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// One write at a time per account
// ---------------------------------------------------------------------------------------------

export interface NonceQueue {
  /**
   * Runs `fn` after every earlier `run` for the same account has settled (resolved or thrown),
   * and returns what `fn` returns. Runs for different accounts do not wait for each other.
   */
  run<T>(account: Address | Account, fn: () => Promise<T>): Promise<T>;
  /** How many runs are queued or running for `account`. */
  pending(account: Address | Account): number;
}

/**
 * Serializes the writes of each account, so that parallel actions from one account do not race.
 *
 * Without it, two writes started together both read the nonce (`eth_getTransactionCount`,
 * "pending") before either is sent, get the same one, and one of them fails or replaces the
 * other. Each SDK write also reads before it sends (the allowance, then a simulation), so two
 * `depositBalance` calls would both see a short allowance and both approve.
 *
 * How it complements viem's `nonceManager` (`import { nonceManager } from "viem/nonce"`, passed to
 * `privateKeyToAccount(key, { nonceManager })`): the nonce manager hands out distinct consecutive
 * nonces locally, so sends do not collide even when the node's pending count lags (a load-balanced
 * RPC, a slow mempool). But it orders only the nonce, not the action around it: the reads and the
 * simulation of the second write still run before the first is sent, a failed simulation after
 * `consume` leaves a gap that stalls later transactions until reset, and it only applies to local
 * accounts (a JSON-RPC or browser wallet picks its own nonce). This queue orders whole actions:
 * each one reads, simulates and sends after the previous one has sent. Use both for a local
 * account on a remote RPC; the queue alone is enough for a wallet that assigns nonces itself.
 *
 * The queue orders the sends, not their inclusion: if a write depends on the mined effects of an
 * earlier one (a deposit, then a job paid from it), wait for its receipt inside `fn`. A failed
 * `fn` does not block the queue; the error goes to its caller.
 *
 * @example
 * const queue = createNonceQueue();
 * const hashes = await Promise.all(
 *   amounts.map((amount) => queue.run(client.account, () => depositBalance(client, { market, token, amount }))),
 * );
 */
export function createNonceQueue(): NonceQueue {
  const tails = new Map<string, Promise<unknown>>();
  const counts = new Map<string, number>();
  const keyOf = (account: Address | Account) => (typeof account === "string" ? account : account.address).toLowerCase();

  return {
    run<T>(account: Address | Account, fn: () => Promise<T>): Promise<T> {
      const key = keyOf(account);
      const previous = tails.get(key) ?? Promise.resolve();
      const result = previous.then(fn);
      // The next run waits for this one to settle, whether it resolves or throws.
      const tail = result.then(
        () => undefined,
        () => undefined,
      );
      tails.set(key, tail);
      counts.set(key, (counts.get(key) ?? 0) + 1);
      void tail.then(() => {
        const left = (counts.get(key) ?? 1) - 1;
        if (left === 0) counts.delete(key);
        else counts.set(key, left);
        if (tails.get(key) === tail) tails.delete(key);
      });
      return result;
    },
    pending(account: Address | Account): number {
      return counts.get(keyOf(account)) ?? 0;
    },
  };
}
