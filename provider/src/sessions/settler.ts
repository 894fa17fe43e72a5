// Node-only. The settlement loop of payment sessions: settles each session's latest voucher (one
// transaction for any number of requests) when the value not yet settled reaches a threshold, when
// it has waited `intervalSeconds`, and when the session's expiry is near (the client may reclaim
// the unspent escrow only `SETTLEMENT_GRACE` after it, so the node settles before then). A settlement
// is journaled (amount, count, transaction hash) before it is broadcast, and always takes the
// journal's latest voucher: after a restart the node never settles an older voucher over a newer one.
// A settlement after the session's expiry (no voucher can come any more, and the client can no longer
// top it up) is its last: it goes as `settleAndClose`, which also closes the session and sends the
// client its unspent escrow in the same transaction (docs/protocol.md 7.9), so the client has no
// `reclaim` to send. If that call fails (say, a token that blocks the client reverts the refund), the
// plain `settle` is used for that session from then on.
import type { Address, Hash, Hex, TransactionReceipt } from "viem";

import { DepinferContractError } from "depinfer";
import type { Logger } from "../logger.js";
import { TickLoop } from "../tickLoop.js";
import { paymentSessionsNodeAbi, type SessionView } from "./chain.js";
import type { SessionJournal, SessionRecord } from "./journal.js";

/** When the node settles (see `ProviderConfig.sessions`). */
export interface SettlePolicy {
  /** Settle a session's voucher at most this long after the first unsettled one was accepted. */
  intervalSeconds: number;
  /** Settle as soon as this much value (token units) is unsettled in a session. */
  threshold: bigint;
  /** Settle this many seconds before the session's expiry (and once more after it if vouchers came in between). */
  beforeExpirySeconds: number;
}

/** What the settler needs of the node's transaction sender (TxSender). */
export interface SettleSender {
  send(parameters: { to: Address; abi: typeof paymentSessionsNodeAbi; functionName: "settle" | "settleAndClose"; args: readonly unknown[]; beforeBroadcast?: (signed: { hash: Hash; raw: Hex; nonce: number }) => void; logger?: Logger }): Promise<Hash>;
  wait(hash: Hash): Promise<TransactionReceipt>;
  isKnown(hash: Hash): Promise<boolean>;
}

export interface SessionSettlerParameters {
  journal: SessionJournal;
  reader: { get(sessionId: Hex, options?: { refresh?: boolean }): Promise<SessionView | undefined>; now(): number; syncClock?(): Promise<void> };
  sender: SettleSender;
  sessions: Address;
  policy: SettlePolicy;
  logger?: Logger | undefined;
  /** How often the loop looks (ms). Default 1000. */
  tickMs?: number | undefined;
}

export class SessionSettler {
  readonly #p: SessionSettlerParameters;
  readonly #loop: TickLoop;
  #stopped = false;
  #inFlight = new Set<string>();
  /** Sessions whose `settleAndClose` reverted: settled with `settle` from then on. */
  #noClose = new Set<string>();
  /** Settled on-chain since start: transactions, value, and sessions closed by their last settlement. */
  readonly stats = { settlements: 0, value: 0n, closed: 0 };

  constructor(parameters: SessionSettlerParameters) {
    this.#p = parameters;
    const tickMs = parameters.tickMs ?? 1000;
    this.#loop = new TickLoop({
      tick: () => this.tick(),
      intervalMs: tickMs,
      onError: (error) => parameters.logger?.warn("sessions: settlement round failed", { err: (error as Error).message }),
    });
  }

  start() {
    this.#loop.start();
  }

  /** A voucher was accepted: settle now if the session's unsettled value reached the threshold. */
  nudge(sessionId: Hex) {
    const s = this.#p.journal.session(sessionId);
    if (s && s.amount - s.settledAmount >= this.#p.policy.threshold && !this.#inFlight.has(sessionId.toLowerCase())) this.#loop.wake();
  }

  async stop() {
    this.#stopped = true;
    await this.#loop.stop();
  }

  /** Whether `s` is due: over the threshold, waited long enough, or near (or past) its expiry. */
  due(s: SessionRecord, nowMs: number, chainNow: number): boolean {
    if (s.settling) return true;
    if (s.amount <= s.settledAmount) return false;
    const { threshold, intervalSeconds, beforeExpirySeconds } = this.#p.policy;
    return s.amount - s.settledAmount >= threshold || nowMs - (s.unsettledSince ?? nowMs) >= intervalSeconds * 1000 || chainNow >= s.expiry - beforeExpirySeconds;
  }

  /** One round: settles every due session, one after the other (they share one nonce queue). */
  async tick(): Promise<void> {
    await this.#p.reader.syncClock?.().catch(() => undefined);
    const now = Date.now();
    const chainNow = this.#p.reader.now();
    for (const s of this.#p.journal.unsettled()) {
      if (this.#stopped) return;
      if (!this.due(s, now, chainNow) || this.#inFlight.has(s.sessionId)) continue;
      this.#inFlight.add(s.sessionId);
      try {
        await this.#settle(s);
      } catch (error) {
        this.#p.logger?.warn("sessions: settlement failed; retrying next round", { sessionId: s.sessionId, err: (error as Error).message });
      } finally {
        this.#inFlight.delete(s.sessionId);
      }
    }
  }

  async #settle(s: SessionRecord): Promise<void> {
    const { journal, sender, sessions, logger } = this.#p;
    if (s.settling) {
      // A settlement sent before a restart: mined, pending, or lost.
      const onChain = await this.#p.reader.get(s.sessionId, { refresh: true });
      if (onChain && onChain.settled >= s.settling.amount) {
        journal.setSettled(s.sessionId, onChain.settled);
        return;
      }
      if (await sender.isKnown(s.settling.tx)) {
        await this.#confirm(s.sessionId, s.settling.tx, s.settling.amount);
        return;
      }
      journal.setSettling(s.sessionId, undefined); // lost: settle the latest voucher below
      s = journal.session(s.sessionId)!;
      if (s.amount <= s.settledAmount) return;
    }
    // Always the latest voucher the journal holds.
    const latest = journal.session(s.sessionId)!;
    // The contract does not store a session's terms: the call passes them back (read once from `SessionOpened`).
    const view = await this.#p.reader.get(latest.sessionId);
    if (!view) throw new Error(`session ${latest.sessionId} is unknown on-chain`);
    const closing = this.#p.reader.now() > latest.expiry && !this.#noClose.has(latest.sessionId);
    let hash: Hash;
    try {
      hash = await sender.send({
        to: sessions,
        abi: paymentSessionsNodeAbi,
        functionName: closing ? "settleAndClose" : "settle",
        args: [view.terms, latest.amount, latest.count, latest.signature],
        beforeBroadcast: ({ hash }) => journal.setSettling(latest.sessionId, { amount: latest.amount, count: latest.count, tx: hash }),
      });
    } catch (error) {
      const name = error instanceof DepinferContractError ? error.errorName : undefined;
      if (name === "SessionVoucherNotIncreasing") {
        // Settled already (anyone may relay a voucher): record what the chain holds.
        const onChain = await this.#p.reader.get(latest.sessionId, { refresh: true });
        if (onChain) journal.setSettled(latest.sessionId, onChain.settled);
        return;
      }
      if (closing) {
        this.#noClose.add(latest.sessionId);
        logger?.warn("sessions: settleAndClose refused; settling without closing", { sessionId: latest.sessionId, err: (error as Error).message });
        return this.#settle(journal.session(latest.sessionId)!);
      }
      throw error;
    }
    try {
      await this.#confirm(latest.sessionId, hash, latest.amount, latest.settledAmount, closing);
    } catch (error) {
      if (closing) this.#noClose.add(latest.sessionId);
      throw error;
    }
  }

  async #confirm(sessionId: Hex, hash: Hash, amount: bigint, before?: bigint, closing = false) {
    const receipt = await this.#p.sender.wait(hash);
    if (receipt.status !== "success") {
      this.#p.journal.setSettling(sessionId, undefined);
      throw new Error(`the settlement ${hash} reverted`);
    }
    this.#p.journal.setSettled(sessionId, amount);
    this.stats.settlements++;
    if (closing) this.stats.closed++;
    if (before !== undefined) this.stats.value += amount - before;
    this.#p.logger?.info(closing ? "session settled and closed" : "session settled", { sessionId, amount, tx: hash, gas: receipt.gasUsed });
  }
}
