// Node-only. What the session server reads from the PaymentSessions contract: a session's terms and
// escrow (cached briefly: the hot path must not wait on the RPC for every request), and the chain's
// clock (the sessions' expiries are in chain seconds).
import { type Address, type Chain, type Client, type Hex, type Transport, type Account } from "viem";
import { getBlock, readContract } from "viem/actions";

import { getSessionTerms, paymentSessionsAbi, SessionUnknownError, type SessionTerms } from "depinfer";

/** The PaymentSessions ABI (generated: sdk/src/abis/paymentSessions.ts). */
export const paymentSessionsNodeAbi = paymentSessionsAbi;

/** `SessionStatus` of the contract. */
export const SESSION_STATUS = { None: 0, Open: 1, Closed: 2, Slashed: 3 } as const;

/** A session as the node needs it. */
export interface SessionView {
  /** The session's terms (from its `SessionOpened` event): every call about it passes them back. */
  terms: SessionTerms;
  client: Address;
  provider: Address;
  /** The session key that may sign vouchers besides the client (zero address: none). */
  signer: Address;
  /** A replaced session key, valid until `prevSignerUntil`. */
  prevSigner: Address;
  prevSignerUntil: number;
  status: number;
  pricing: "request" | "1k-tokens";
  maxPrice: bigint;
  model: Hex;
  escrow: bigint;
  settled: bigint;
  settledRequests: bigint;
  expiry: number;
}

export interface SessionReaderParameters {
  client: Client<Transport, Chain, Account>;
  sessions: Address;
  /** How long a read is reused (ms). Default 2000. */
  ttlMs?: number | undefined;
  /** At most this many reads of sessions the cache does not hold run at once (a flood of made-up ids costs the RPC no more). Default 8. */
  maxMissesInFlight?: number | undefined;
}

/** Thrown when too many unknown sessions are being looked up at once (the node answers 503). */
export class SessionLookupBusyError extends Error {}

/** Reads sessions through a short cache; `refresh` forces a read (e.g. to see a top-up). */
export class SessionReader {
  readonly #client: SessionReaderParameters["client"];
  readonly #sessions: Address;
  readonly #ttlMs: number;
  readonly #maxMisses: number;
  #misses = 0;
  readonly #cache = new Map<string, { at: number; view: Promise<SessionView | undefined> }>();
  /** Chain seconds minus local seconds, as last read. */
  #offset = 0;

  constructor({ client, sessions, ttlMs = 2000, maxMissesInFlight = 8 }: SessionReaderParameters) {
    this.#client = client;
    this.#sessions = sessions;
    this.#ttlMs = ttlMs;
    this.#maxMisses = maxMissesInFlight;
  }

  /** The chain's time now (unix seconds), from the last block read and the local clock since. */
  now(): number {
    return Math.floor(Date.now() / 1000) + this.#offset;
  }

  /** Reads the newest block's timestamp to keep `now()` in step with the chain. */
  async syncClock(): Promise<void> {
    const block = await getBlock(this.#client, { blockTag: "latest" });
    this.#offset = Number(block.timestamp) - Math.floor(Date.now() / 1000);
  }

  /** The session, or undefined when the contract does not know it. */
  get(sessionId: Hex, { refresh = false }: { refresh?: boolean } = {}): Promise<SessionView | undefined> {
    const key = sessionId.toLowerCase();
    const cached = this.#cache.get(key);
    if (!refresh && cached && Date.now() - cached.at < this.#ttlMs) return cached.view;
    if (!cached) {
      if (this.#misses >= this.#maxMisses) return Promise.reject(new SessionLookupBusyError("too many unknown sessions being looked up"));
      this.#misses++;
    }
    const view = this.#read(sessionId).finally(() => {
      if (!cached) this.#misses--;
    });
    this.#cache.set(key, { at: Date.now(), view });
    // A failed read is not cached; an unknown session is (for the TTL), like any other answer.
    view.catch(() => this.#cache.delete(key));
    if (this.#cache.size > 10_000) this.#cache.delete(this.#cache.keys().next().value!);
    return view;
  }

  async #read(sessionId: Hex): Promise<SessionView | undefined> {
    // The contract keeps a hash of the terms (the id); they are in the session's `SessionOpened` (read once, cached).
    let terms: SessionTerms;
    try {
      terms = await getSessionTerms(this.#client, { sessions: this.#sessions, sessionId });
    } catch (error) {
      if (error instanceof SessionUnknownError) return undefined;
      throw error;
    }
    const s = await readContract(this.#client, { address: this.#sessions, abi: paymentSessionsNodeAbi, functionName: "session", args: [terms] });
    if (s.status === SESSION_STATUS.None) return undefined;
    return {
      terms,
      client: s.client,
      provider: s.provider,
      signer: s.signer,
      prevSigner: s.prevSigner,
      prevSignerUntil: Number(s.prevSignerUntil),
      status: s.status,
      pricing: s.pricing === 0 ? "request" : "1k-tokens",
      maxPrice: s.maxPrice,
      model: s.model,
      escrow: s.escrow,
      settled: s.settled,
      settledRequests: BigInt(s.settledRequests),
      expiry: Number(s.expiry),
    };
  }
}
