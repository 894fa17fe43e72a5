// Node-only. The provider node's transaction sender: one account, one queue, locally signed.
//
// Every transaction is simulated (a revert throws its typed Depinfer error before anything is
// signed), given the next nonce from a local counter (so jobs in flight never race for one), signed
// locally, and handed to `beforeBroadcast` with its hash and raw bytes *before* it is broadcast: the
// journal records it, so a node killed at any point after signing can find or rebroadcast exactly
// the same transaction instead of signing a second one. Broadcasting the same raw bytes again is
// idempotent, so transient RPC errors there are retried with backoff.
import {
  keccak256,
  WaitForTransactionReceiptTimeoutError,
  type Abi,
  type Account,
  type Address,
  type Chain,
  type Client,
  type Hash,
  type Hex,
  type TransactionReceipt,
  type Transport,
} from "viem";
import {
  estimateFeesPerGas,
  estimateMaxPriorityFeePerGas,
  getFeeHistory,
  getTransactionCount,
  getTransactionReceipt,
  prepareTransactionRequest,
  sendRawTransaction,
  simulateContract,
  waitForTransactionReceipt,
} from "viem/actions";
import { encodeFunctionData, formatEther, formatGwei } from "viem";

import { decodeDepinferError, isTransientError } from "depinfer";
import { retry } from "./retry.js";
import { signTransactionFast } from "./txSigning.js";
import type { Logger } from "./logger.js";

export interface SendParameters {
  to: Address;
  abi: Abi;
  functionName: string;
  args: readonly unknown[];
  /**
   * Called with the signed transaction before it is broadcast. It must persist what it needs
   * (a throw aborts the send, and nothing is broadcast).
   */
  beforeBroadcast?: (signed: { hash: Hash; raw: Hex; nonce: number }) => void | Promise<void>;
  /** Where a refusal (see {@link FeeCeilingError}) is logged: a child logger names the job. Default: the sender's. */
  logger?: Logger | undefined;
  /**
   * The caller simulated this very call (e.g. to read its return value): it is not simulated again.
   * A revert then shows only when the gas is estimated, or on-chain.
   */
  simulated?: boolean | undefined;
  /**
   * Calls of one kind (e.g. `acceptAndSubmitBatch:16`) share one gas estimate: the first is
   * estimated (`eth_estimateGas`), later ones reuse it with a margin ({@link GAS_MARGIN}) and cost no
   * request. {@link TxSender.forgetGas} drops it (after a revert), so the next one estimates again.
   */
  gasKey?: string | undefined;
  /**
   * How many units of work the call carries (e.g. the jobs of a batch; default 1): the estimate is
   * kept per unit and scaled to the next call's units, so batches of every size share one estimate.
   * (A smaller batch gets a little more per job than it needs: the fixed cost was spread over more.)
   */
  gasUnits?: number | undefined;
}

/** A reused gas estimate is raised by a quarter plus 25,000 gas: calls of one kind differ a little (cold slots, calldata). */
export const GAS_MARGIN = { percent: 25n, plus: 25_000n };

/**
 * What the node will pay, whatever the RPC says: a transaction whose fee per gas, tip, gas limit
 * or worst-case fee (gas × maxFeePerGas) is above these is refused before it is signed.
 */
export interface FeeCeilings {
  /** wei per gas (also caps a legacy gasPrice). */
  maxFeePerGas: bigint;
  /** wei per gas. */
  maxPriorityFeePerGas: bigint;
  /** gas units. */
  maxGasPerTx: bigint;
  /** wei: gas × maxFeePerGas. */
  maxFeePerTx: bigint;
}

/**
 * How far above what the chain's recent fee history supports a quote may be: a fee per gas up to
 * 3 × the highest base fee of the last blocks (and the next one) plus the tip allowance; a tip up
 * to 3 × the highest median tip of those blocks, or 2 gwei when that is less.
 */
export const FEE_HISTORY_BLOCKS = 10;
const HISTORY_FACTOR = 3n;
const MIN_TIP_ALLOWANCE = 2_000_000_000n;

/** A ceiling's quantity in its unit: gas as a count, the whole fee in ETH, a fee per gas in gwei. */
function showQuantity(field: string, value: bigint): string {
  return field === "gas" ? `${value}` : field === "fee" ? `${formatEther(value)} ETH` : `${formatGwei(value)} gwei`;
}

/** A transaction refused before signing: its quoted fee or gas is above a ceiling. Nothing was signed or sent. */
export class FeeCeilingError extends Error {
  override readonly name = "FeeCeilingError";
  constructor(
    readonly functionName: string,
    /** `maxFeePerGas`, `maxPriorityFeePerGas`, `gasPrice`, `gas` or `fee` (gas × maxFeePerGas). */
    readonly field: string,
    readonly quoted: bigint,
    readonly ceiling: bigint,
    /** `config` (the operator's ceiling) or `feeHistory` (far above the chain's recent fees). */
    readonly source: "config" | "feeHistory",
  ) {
    super(
      `${functionName} not signed: its ${field} ${showQuantity(field, quoted)} is above ${source === "config" ? "the configured ceiling" : "what the recent fee history supports"} (${showQuantity(field, ceiling)})`,
    );
  }

  /** The fields of the refusal's log line. */
  get fields() {
    const show = (v: bigint) => showQuantity(this.field, v);
    return { functionName: this.functionName, field: this.field, quoted: show(this.quoted), ceiling: show(this.ceiling), source: this.source };
  }
}

export function isFeeCeilingError(error: unknown): error is FeeCeilingError {
  return error instanceof FeeCeilingError;
}

export interface TxSenderParameters {
  client: Client<Transport, Chain | undefined, Account>;
  logger?: Logger | undefined;
  /** Retries of a transient RPC error per request (default 6, with backoff up to 10 s). */
  retries?: number | undefined;
  /** Refuse what is above these (default: no ceiling, and no fee-history check). */
  ceilings?: FeeCeilings | undefined;
}

/** The fee and gas fields of a transaction request (each may be absent). */
type Quote = { gas?: bigint; maxFeePerGas?: bigint; maxPriorityFeePerGas?: bigint; gasPrice?: bigint };

/** How many of its latest signed transactions the sender keeps, to send them again after a reorg. */
const SIGNED_KEPT = 4096;

const NONCE_TOO_LOW = /nonce too low|nonce has already been used|already known|known transaction|replacement transaction underpriced|NONCE_EXPIRED|OldNonce/i;
const ALREADY_KNOWN = /already known|known transaction|already imported|AlreadyKnown/i;

function messageOf(error: unknown): string {
  const parts: string[] = [];
  let e: unknown = error;
  for (let i = 0; i < 8 && e; i++) {
    const m = (e as { details?: string; message?: string }).details ?? (e as Error).message;
    if (m) parts.push(m);
    e = (e as { cause?: unknown }).cause;
  }
  return parts.join(" | ");
}

/** Sends the node's transactions one at a time from one locally held key. */
export class TxSender {
  readonly client: Client<Transport, Chain | undefined, Account>;
  readonly address: Address;
  readonly #logger: Logger | undefined;
  readonly #retries: number;
  readonly #ceilings: FeeCeilings | undefined;
  #history: { at: number; maxBaseFee: bigint; maxTip: bigint } | null | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #nonce: number | undefined;
  /**
   * The transactions signed by this process, by nonce (the latest `SIGNED_KEPT`): after a reorg, or
   * a pool that lost them, {@link resync} sends the very same bytes again.
   */
  #signed = new Map<number, { hash: Hash; raw: Hex; functionName: string }>();
  #feeCache: { at: number; fees: { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint } | Record<string, never> } | undefined;
  /** Gas estimates by kind of call (see `gasKey`), per unit (see `gasUnits`). */
  #gas = new Map<string, bigint>();
  /** The newest block the caller has read (its number and base fee): fees are derived from it, not fetched. */
  #head: { number: bigint; baseFeePerGas: bigint | null } | undefined;
  /** The caller reports pushed blocks (see {@link headArrived}): receipts are awaited per block. */
  #headsPushed = false;
  /** Receipt waits to wake at the next pushed block. */
  #headWaiters: (() => void)[] = [];
  /** The tip (eth_maxPriorityFeePerGas), fetched at most once a second. */
  #tip: { at: number; value: bigint } | undefined;

  constructor({ client, logger, retries = 6, ceilings }: TxSenderParameters) {
    if (client.account.type !== "local") throw new TypeError("TxSender needs a local account (a private key): it signs transactions itself.");
    this.client = client;
    this.address = client.account.address;
    this.#logger = logger;
    this.#retries = retries;
    this.#ceilings = ceilings;
  }

  #retry<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return retry(fn, {
      retries: this.#retries,
      baseDelayMs: 250,
      maxDelayMs: 10_000,
      onRetry: (error, attempt, delayMs) => this.#logger?.warn("RPC error, retrying", { what, attempt, delayMs, err: messageOf(error) }),
    });
  }

  /**
   * Simulates, signs, records (through `beforeBroadcast`) and broadcasts one call. Resolves to the
   * transaction's hash once the node has it; it does not wait for the receipt. The simulation runs
   * at once (a revert throws its typed error); the rest is queued: one transaction at a time, in the
   * order their simulations finished.
   */
  async send(parameters: SendParameters): Promise<Hash> {
    if (!parameters.simulated) await this.#simulate(parameters);
    const run = this.#queue.then(() => this.#send(parameters));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #simulate({ to, abi, functionName, args }: SendParameters) {
    const { client } = this;
    try {
      await this.#retry(`simulate ${functionName}`, () =>
        simulateContract(client, { address: to, abi, functionName, args, account: client.account, chain: client.chain } as never),
      );
    } catch (error) {
      throw decodeDepinferError(error) ?? error;
    }
  }

  async #send(parameters: SendParameters): Promise<Hash> {
    const { to, abi, functionName, args, beforeBroadcast } = parameters;
    const { client } = this;
    for (let resync = 0; ; resync++) {
      if (resync > 0) await this.#simulate(parameters);
      this.#nonce ??= await this.#retry("nonce", () => getTransactionCount(client, { address: this.address, blockTag: "pending" }));
      const nonce = this.#nonce;
      const data = encodeFunctionData({ abi, functionName, args } as never);
      const check = async (quote: Quote) => {
        try {
          await this.#checkFees(functionName, quote);
        } catch (error) {
          if (error instanceof FeeCeilingError) (parameters.logger ?? this.#logger)?.warn("transaction refused: fee above the ceiling, not signed (will retry)", error.fields);
          throw error;
        }
      };
      const fees = await this.#fees();
      // The fees first: a node asked to fill a transaction at an absurd fee may fail it for funds.
      await check(fees);
      const { gasKey } = parameters;
      const units = BigInt(parameters.gasUnits ?? 1);
      const withMargin = (g: bigint) => g + (g * GAS_MARGIN.percent) / 100n + GAS_MARGIN.plus;
      const perUnit = gasKey === undefined ? undefined : this.#gas.get(gasKey);
      const known = perUnit === undefined ? undefined : perUnit * units;
      const gas = known === undefined ? {} : { gas: withMargin(known) };
      let request: unknown;
      try {
        // Estimating gas runs the call again, on the state this transaction will meet. With the gas,
        // the fees and the nonce given, preparing it asks the RPC nothing.
        request = await this.#retry(`prepare ${functionName}`, () =>
          prepareTransactionRequest(client, { account: client.account, chain: client.chain, chainId: client.chain?.id, to, data, nonce, ...fees, ...gas } as never),
        );
      } catch (error) {
        throw decodeDepinferError(error) ?? error;
      }
      if (gasKey !== undefined && known === undefined) {
        const estimated = (request as Quote).gas;
        if (estimated !== undefined) {
          this.#gas.set(gasKey, (estimated + units - 1n) / units);
          // With the margin from the first one on: the next calls of this kind will have it too.
          (request as Quote).gas = withMargin(estimated);
        }
      }
      // Then the gas, the worst-case fee, and a legacy gas price, as the request will be signed.
      await check(request as Quote);
      const raw = await signTransactionFast(client.account, request as object);
      const hash = keccak256(raw);
      await beforeBroadcast?.({ hash, raw, nonce });
      this.#remember(nonce, { hash, raw, functionName });
      try {
        await this.broadcast(raw);
        this.#nonce = nonce + 1;
        this.#logger?.debug("transaction sent", { functionName, hash, nonce });
        return hash;
      } catch (error) {
        this.#nonce = undefined; // re-read it: the node's view is the truth now
        if (!NONCE_TOO_LOW.test(messageOf(error)) || resync >= 3) throw error;
        // The nonce was taken. If by this very transaction (an earlier broadcast whose answer was
        // lost), it is sent; otherwise nothing of ours with this hash can ever be mined: sign again.
        if (await this.receiptOf(hash)) return hash;
        this.#logger?.warn("nonce already used, signing again", { functionName, nonce, hash });
      }
    }
  }

  /** Drops the gas estimate of a kind of call (e.g. after one reverted): the next one is estimated again. */
  forgetGas(gasKey: string) {
    this.#gas.delete(gasKey);
  }

  /**
   * The newest block the caller has read: fees are derived from its base fee (no request), and the
   * fee cache lasts as long as the head does not move.
   */
  noteHead(block: { number: bigint | null; baseFeePerGas: bigint | null }) {
    if (block.number === null) return;
    if (this.#head && block.number < this.#head.number) return; // the same block read again may say otherwise: the latest read wins
    this.#head = { number: block.number, baseFeePerGas: block.baseFeePerGas };
  }

  #remember(nonce: number, tx: { hash: Hash; raw: Hex; functionName: string }) {
    this.#signed.set(nonce, tx);
    for (const n of this.#signed.keys()) {
      if (this.#signed.size <= SIGNED_KEPT) break;
      this.#signed.delete(n); // insertion order: the oldest first
    }
  }

  /**
   * Brings the local nonce counter back in line with the chain when the chain no longer has the
   * node's latest transactions: a reorg dropped them, or the pool lost them. When the account's
   * pending nonce is below the counter, the transactions signed for the missing nonces are
   * broadcast again, the very same bytes in nonce order (so each effect still happens at most
   * once); at the first missing nonce with no signed bytes, the counter goes back to it, so the next
   * transaction fills the gap instead of queuing behind it forever. Runs in the queue, between two
   * sends. Returns what it did (nothing when the chain is not behind).
   */
  resync(): Promise<{ behind: number; rebroadcast: Hash[]; resetTo?: number }> {
    const run = this.#queue.then(() => this.#resync());
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #resync(): Promise<{ behind: number; rebroadcast: Hash[]; resetTo?: number }> {
    const local = this.#nonce;
    const rebroadcast: Hash[] = [];
    if (local === undefined) return { behind: 0, rebroadcast };
    const pending = await this.#retry("nonce", () => getTransactionCount(this.client, { address: this.address, blockTag: "pending" }));
    if (pending >= local) return { behind: 0, rebroadcast };
    this.#logger?.warn("the chain is behind the local nonce (a reorg, or a pool that lost transactions): sending the same transactions again", { pending, local });
    for (let n = pending; n < local; n++) {
      const tx = this.#signed.get(n);
      if (!tx) {
        this.#nonce = n;
        for (const k of [...this.#signed.keys()]) if (k >= n) this.#signed.delete(k);
        this.#logger?.warn("no signed transaction for a missing nonce: the next transaction takes it", { nonce: n, dropped: local - n });
        return { behind: local - pending, rebroadcast, resetTo: n };
      }
      try {
        await this.broadcast(tx.raw);
        rebroadcast.push(tx.hash);
        this.#logger?.info("transaction sent again", { functionName: tx.functionName, hash: tx.hash, nonce: n });
      } catch (error) {
        // Filled meanwhile (by this very transaction, mined again): nothing to send.
        if (!NONCE_TOO_LOW.test(messageOf(error))) throw error;
      }
    }
    return { behind: local - pending, rebroadcast };
  }

  /**
   * EIP-1559 fees (viem's estimate: twice the base fee plus the tip), reused for up to a second:
   * a burst of sends then costs two fee requests, not two per transaction. Legacy chains: none
   * (viem prices each transaction itself).
   */
  async #fees(): Promise<{ maxFeePerGas: bigint; maxPriorityFeePerGas: bigint } | Record<string, never>> {
    const head = this.#head;
    if (head && head.baseFeePerGas !== null) {
      // From the head the caller read (no request for the block), and a tip at most a second old:
      // viem's own rule (twice the base fee, plus the tip).
      if (!this.#tip || Date.now() - this.#tip.at >= 1000) {
        try {
          const value = await this.#retry("tip", () => estimateMaxPriorityFeePerGas(this.client, { chain: this.client.chain, block: { baseFeePerGas: head.baseFeePerGas } as never } as never));
          this.#tip = { at: Date.now(), value };
        } catch (error) {
          if (isTransientError(error) || !this.#tip) throw error;
        }
      }
      const tip = this.#tip!.value;
      return { maxFeePerGas: 2n * head.baseFeePerGas + tip, maxPriorityFeePerGas: tip };
    }
    if (this.#feeCache && Date.now() - this.#feeCache.at < 1000) return this.#feeCache.fees;
    let fees: { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint } | Record<string, never>;
    try {
      const estimate = await this.#retry("fees", () => estimateFeesPerGas(this.client, { chain: this.client.chain }));
      fees = { maxFeePerGas: estimate.maxFeePerGas, maxPriorityFeePerGas: estimate.maxPriorityFeePerGas };
    } catch (error) {
      if (isTransientError(error)) throw error;
      fees = {}; // no EIP-1559 on this chain
    }
    this.#feeCache = { at: Date.now(), fees };
    return fees;
  }

  /**
   * Refuses (throws {@link FeeCeilingError}) a prepared request above the configured ceilings, or
   * far above what the chain's recent fee history (`eth_feeHistory`) supports: the RPC's quote is
   * never trusted on its own. Nothing is signed when this throws.
   */
  async #checkFees(functionName: string, request: Quote) {
    const c = this.#ceilings;
    if (!c) return;
    const refuse = (field: string, quoted: bigint, ceiling: bigint, source: "config" | "feeHistory") => {
      throw new FeeCeilingError(functionName, field, quoted, ceiling, source);
    };
    const perGas = request.maxFeePerGas ?? request.gasPrice;
    const perGasField = request.maxFeePerGas !== undefined ? "maxFeePerGas" : "gasPrice";
    if (request.gas !== undefined && request.gas > c.maxGasPerTx) refuse("gas", request.gas, c.maxGasPerTx, "config");
    if (perGas !== undefined && perGas > c.maxFeePerGas) refuse(perGasField, perGas, c.maxFeePerGas, "config");
    if (request.maxPriorityFeePerGas !== undefined && request.maxPriorityFeePerGas > c.maxPriorityFeePerGas) {
      refuse("maxPriorityFeePerGas", request.maxPriorityFeePerGas, c.maxPriorityFeePerGas, "config");
    }
    if (request.gas !== undefined && perGas !== undefined && request.gas * perGas > c.maxFeePerTx) refuse("fee", request.gas * perGas, c.maxFeePerTx, "config");
    const history = await this.#feeHistory();
    if (!history) return;
    const tipAllowance = HISTORY_FACTOR * history.maxTip > MIN_TIP_ALLOWANCE ? HISTORY_FACTOR * history.maxTip : MIN_TIP_ALLOWANCE;
    if (request.maxPriorityFeePerGas !== undefined && request.maxPriorityFeePerGas > tipAllowance) {
      refuse("maxPriorityFeePerGas", request.maxPriorityFeePerGas, tipAllowance, "feeHistory");
    }
    const feeAllowance = HISTORY_FACTOR * history.maxBaseFee + tipAllowance;
    if (perGas !== undefined && perGas > feeAllowance) refuse(perGasField, perGas, feeAllowance, "feeHistory");
  }

  /**
   * The highest base fee (the next block's included) and median tip of the last blocks, cached for
   * a second like the fees; null when the chain has no fee history (the ceilings alone apply).
   */
  async #feeHistory(): Promise<{ maxBaseFee: bigint; maxTip: bigint } | null> {
    if (this.#history !== undefined && (this.#history === null || Date.now() - this.#history.at < 1000)) return this.#history;
    try {
      const h = await this.#retry("fee history", () => getFeeHistory(this.client, { blockCount: FEE_HISTORY_BLOCKS, rewardPercentiles: [50] }));
      const max = (xs: readonly bigint[]) => xs.reduce((a, b) => (b > a ? b : a), 0n);
      this.#history = { at: Date.now(), maxBaseFee: max(h.baseFeePerGas), maxTip: max((h.reward ?? []).map((r) => r[0] ?? 0n)) };
    } catch (error) {
      if (isTransientError(error)) throw error;
      this.#logger?.warn("the RPC has no fee history (eth_feeHistory): only the configured fee ceilings apply", { err: messageOf(error) });
      this.#history = null;
    }
    return this.#history;
  }

  /**
   * Broadcasts signed bytes, retrying transient errors; "already known" counts as sent. Throws
   * (untouched) a "nonce too low" error: the caller decides what it means.
   */
  async broadcast(raw: Hex): Promise<Hash> {
    try {
      return await this.#retry("broadcast", () => sendRawTransaction(this.client, { serializedTransaction: raw }));
    } catch (error) {
      if (ALREADY_KNOWN.test(messageOf(error))) return keccak256(raw);
      throw error;
    }
  }

  /** The receipt of `hash`, or undefined when it is not mined (yet). */
  async receiptOf(hash: Hash): Promise<TransactionReceipt | undefined> {
    try {
      return await this.#retry("receipt", () => getTransactionReceipt(this.client, { hash }));
    } catch (error) {
      if (isTransientError(error)) throw error;
      return undefined; // TransactionReceiptNotFoundError
    }
  }

  /**
   * The caller's RPC pushed a new block (see {@link wait}): receipts being waited for are asked for
   * again now.
   */
  headArrived() {
    this.#headsPushed = true;
    for (const wake of this.#headWaiters.splice(0)) wake();
  }

  /**
   * Waits for the receipt of `hash`, riding out transient RPC errors. When the caller reports pushed
   * blocks ({@link headArrived}), the receipt is asked for once, then again at each new block (with
   * a poll at the client's polling interval as the fallback): one request per block at most, and no
   * subscription or block-number polling of its own. Otherwise viem's waitForTransactionReceipt.
   */
  async wait(hash: Hash, { timeoutMs = 120_000 }: { timeoutMs?: number } = {}): Promise<TransactionReceipt> {
    if (!this.#headsPushed) {
      return this.#retry("wait", () => waitForTransactionReceipt(this.client, { hash, timeout: timeoutMs, pollingInterval: Math.min(this.client.pollingInterval, 1000) }));
    }
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      // A head pushed while the receipt is being read counts: it is asked for again right away.
      let woken = false;
      const wake = () => (woken = true);
      this.#headWaiters.push(wake);
      const receipt = await this.receiptOf(hash);
      if (receipt) {
        const k = this.#headWaiters.indexOf(wake);
        if (k >= 0) this.#headWaiters.splice(k, 1);
        return receipt;
      }
      if (Date.now() >= deadline) throw new WaitForTransactionReceiptTimeoutError({ hash });
      if (woken) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.min(this.client.pollingInterval, 1000, Math.max(0, deadline - Date.now())));
        const k = this.#headWaiters.indexOf(wake);
        if (k >= 0) this.#headWaiters.splice(k, 1);
        this.#headWaiters.push(done);
        const waiters = this.#headWaiters;
        function done() {
          clearTimeout(timer);
          const i = waiters.indexOf(done);
          if (i >= 0) waiters.splice(i, 1);
          resolve();
        }
      });
    }
  }

  /** Whether the node still knows `hash` (mined or pending). */
  async isKnown(hash: Hash): Promise<boolean> {
    try {
      await this.#retry("lookup", () => this.client.request({ method: "eth_getTransactionByHash", params: [hash] }).then((tx) => {
        if (tx === null) throw Object.assign(new Error("not found"), { notFound: true });
        return tx;
      }));
      return true;
    } catch (error) {
      if ((error as { notFound?: boolean }).notFound) return false;
      throw error;
    }
  }
}
