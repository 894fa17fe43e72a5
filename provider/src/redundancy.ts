// Node-only. The redundancy loop: the provider node as one of the k providers of a redundancy request
// (docs/protocol.md 7.8, docs/provider-node.md "The redundancy role").
//
//   scan RedundancyRequested for requests that name this node ─▶ refuse what it cannot serve (a model
//   or token it does not serve, a price under its offer, an input over the model's limits, a commit
//   deadline too close, a collateral over maxCollateralShare of the stake) ─▶ fetch the input by its hash (uploaded to the output server, or a content
//   store) ─▶ run it with the model's backend ─▶ keep output hash and salt ─▶ commit (the module locks
//   the request's collateral) ─▶ reveal ─▶ appeal if outvoted under EXACT ─▶ settle ─▶ claim its pay
//
// It shares the node's transaction sender (one nonce queue), backends, content stores and journal
// file; its progress is in redundancyJournal.ts, recorded before each effect (salt before the commit,
// transaction hashes before broadcast). A refusal happens before the commit, and nothing is locked
// before the commit, so a refused request costs the node nothing: its seat ends Absent, never Slashed.
import { type Abi, type Account, type Address, type Chain, type Client, type Hash, type Hex, type Transport } from "viem";
import { getBlock, getContractEvents, readContract } from "viem/actions";

import { contentHash, decodeRedundancyError, DepinferContractError, jobMarketAbi, randomSalt, redundancyCommitment, redundancyModuleAbi, type ContentStore } from "depinfer";
import type { InferenceBackend } from "./backends/types.js";
import type { ServedModel } from "./config.js";
import { collateralShareOf, inputLimitsOf } from "./config.js";
import { redactCallData } from "./errors.js";
import { checkInput } from "./inputLimits.js";
import { TickLoop } from "./tickLoop.js";
import type { Logger } from "./logger.js";
import { retry } from "./retry.js";
import type { TxSender } from "./txSender.js";
import { RedundancyJournal, type RedundancyEntry } from "./redundancyJournal.js";

/** The `redundancy` section of the node's config. */
export interface RedundancyConfig {
  /** Serve redundancy requests that name this node. */
  enabled: boolean;
  /** The RedundancyModule (default: the SDK's deployment for the chain, `redundancyModule`). */
  address?: Address | undefined;
  /** Seats the module may hold at once: the allowance given is the request's collateral × this. Default 4. */
  maxSeats?: number | undefined;
}

/** The points right after a redundancy step is durably recorded (the crash tests stop the node there). */
export type RedundancyStep =
  | "redundancy-seat-recorded"
  | "redundancy-vote-kept"
  | "redundancy-commit-sent"
  | "redundancy-committed"
  | "redundancy-reveal-sent"
  | "redundancy-revealed";

/** Why a request was refused before anything was committed to it. */
export type RedundancyRefusal = "model" | "price" | "deadline" | "input" | "collateral";
/** Every {@link RedundancyRefusal}, for the metrics' labels. */
export const REDUNDANCY_REFUSALS: readonly RedundancyRefusal[] = ["model", "price", "deadline", "input", "collateral"];

export interface RedundancyLoopParameters {
  config: RedundancyConfig;
  market: Address;
  account: Address;
  client: Client<Transport, Chain, Account>;
  sender: TxSender;
  /** The node's journal file: the loop keeps its tables there. */
  journalFile: string;
  /** Backends by model id (lower case). */
  backends: Map<string, InferenceBackend>;
  /** The models the node serves, with their price, token and input limits. */
  served: readonly ServedModel[];
  /** Where inputs are looked up by hash (the node's own store first: uploads land there); outputs are kept in the first. */
  stores: (ContentStore | undefined)[];
  logger: Logger;
  pollingIntervalMs: number;
  claimIntervalMs: number;
  /** A request whose commit deadline is fewer seconds away than this is refused before any work (the node's minJobSeconds). */
  minSeconds: number;
  /**
   * The largest collateral one seat may lock, as a share of the stake (the node's `maxCollateralShare`,
   * the job path's rule): a request over that share of the whole stake is refused, one over that share
   * of the stake free now waits (until its commit deadline) for stake to be freed.
   */
  maxCollateralShare: number;
  /** Called once for each request refused, with its reason (the node's metrics count them). */
  refused?: ((reason: RedundancyRefusal) => void) | undefined;
  /** The first block to scan on a fresh journal (default: 1,000 blocks before the head). */
  startBlock?: bigint | undefined;
  afterStep?: ((step: RedundancyStep, id: bigint) => void) | undefined;
}

const REQUEST = { None: 0, Open: 1, Contested: 2, Arbitration: 3, Settled: 4 } as const;
const SEAT = { None: 0, Named: 1, Committed: 2, Revealed: 3, Paid: 4, Slashed: 5, Released: 6, Absent: 7 } as const;
/** Reverts that mean the phase has not come yet: try again later, without a warning. */
const NOT_YET = new Set(["RedundancyRevealNotOpen", "RedundancyNotSettleable"]);

const nameOf = (e: unknown) => (e instanceof DepinferContractError ? e.errorName : (decodeRedundancyError(e)?.errorName ?? undefined));
const short = (e: unknown) => redactCallData((e as { shortMessage?: string })?.shortMessage ?? (e as Error)?.message ?? String(e));
const lower = <T extends string>(a: T) => a.toLowerCase() as T;

export class RedundancyLoop {
  readonly journal: RedundancyJournal;
  readonly #p: RedundancyLoopParameters;
  readonly #log: Logger;
  #address!: Address;
  readonly #loop: TickLoop;
  #lastClaimAt = 0;
  /** Requests whose step is running (a seat is worked on by one task at a time). */
  #busy = new Set<bigint>();
  #tasks = new Set<Promise<void>>();
  /** Seats that wait before their next attempt (in-memory back-off). */
  #retryAt = new Map<bigint, number>();
  /** Inputs waited for, by hash: the output server accepts their upload. */
  #waiting = new Map<Hex, number>();
  /** Seats waiting for their collateral to fit within maxCollateralShare of the free stake (logged once). */
  #waitingForStake = new Set<bigint>();
  /** `maxCollateralShare` of an amount, rounded down (the job path's rule, `collateralShareOf`). */
  readonly #shareOf: (amount: bigint) => bigint;
  /** What the loop did since start (stats and tests). */
  readonly counts = { committed: 0, revealed: 0, appealed: 0, settled: 0, refused: 0, claimed: 0n };

  constructor(p: RedundancyLoopParameters) {
    this.#p = p;
    this.#log = p.logger.child({ loop: "redundancy" });
    this.#loop = new TickLoop({ tick: () => this.tick(), intervalMs: p.pollingIntervalMs, onError: (error) => this.#log.warn("redundancy tick failed, retrying", { err: short(error) }) });
    this.journal = new RedundancyJournal(p.journalFile);
    this.#shareOf = collateralShareOf(p.maxCollateralShare);
  }

  /** The module's address (after start). */
  get address(): Address {
    return this.#address;
  }

  async start(address: Address) {
    this.#address = address;
    if (this.journal.mark("scan_block") === undefined) {
      const head = (await this.#read(() => getBlock(this.#p.client, { blockTag: "latest" }))).number;
      this.journal.setMark("scan_block", this.#p.startBlock !== undefined ? (this.#p.startBlock > 0n ? this.#p.startBlock - 1n : 0n) : head > 1000n ? head - 1000n : 0n);
    }
    this.#log.info("redundancy loop started", { module: address, openSeats: this.journal.seats().length });
    this.#loop.start();
  }

  async stop() {
    await this.#loop.stop();
    await Promise.allSettled([...this.#tasks]);
    this.journal.close();
  }

  /** Whether an open seat waits for the input with this hash (the output server accepts its upload), and its model's byte limit. */
  inputLimit(hash: Hex): number | undefined {
    return this.#waiting.get(lower(hash));
  }

  /** An awaited input arrived: try its seats now. */
  inputStored(hash: Hex) {
    if (!this.#waiting.has(lower(hash))) return;
    for (const e of this.journal.seats(["named"])) if (lower(e.inputHash) === lower(hash)) this.#retryAt.delete(e.id);
    this.#loop.wake();
  }

  /** One round of the loop (exposed for tests). */
  async tick() {
    if (!this.#loop.active) return;
    await this.#scan();
    for (const e of this.journal.seats()) this.#work(e.id);
    if (Date.now() - this.#lastClaimAt >= this.#p.claimIntervalMs) {
      this.#lastClaimAt = Date.now();
      await this.#claim();
    }
  }

  #due(id: bigint) {
    return (this.#retryAt.get(id) ?? 0) <= Date.now();
  }

  #later(id: bigint, ms = 5 * this.#p.pollingIntervalMs) {
    this.#retryAt.set(id, Date.now() + ms);
  }

  #read<T>(fn: () => Promise<T>): Promise<T> {
    return retry(fn, { retries: 6, baseDelayMs: 250, maxDelayMs: 10_000 });
  }

  #send(functionName: string, args: readonly unknown[], beforeBroadcast?: (hash: Hash) => void, to: Address = this.#address, abi: Abi = redundancyModuleAbi as Abi) {
    return this.#p.sender.send({ to, abi, functionName, args, beforeBroadcast: beforeBroadcast && (({ hash }) => beforeBroadcast(hash)), logger: this.#log });
  }

  async #mined(hash: Hash) {
    const receipt = await this.#p.sender.wait(hash);
    if (receipt.status !== "success") throw new Error(`transaction ${hash} reverted`);
    return receipt;
  }

  // ------------------------------------------------------------------------------- scanning

  /** Records every request naming this node from the last scanned block to the head (at most 1,000 blocks a round). */
  async #scan() {
    const { client, account } = this.#p;
    const last = this.journal.mark("scan_block")!;
    const head = (await this.#read(() => getBlock(client, { blockTag: "latest" }))).number;
    if (head <= last) return;
    const toBlock = head - last > 1000n ? last + 1000n : head;
    const logs = await this.#read(() =>
      getContractEvents(client, { address: this.#address, abi: redundancyModuleAbi, eventName: "RedundancyRequested", fromBlock: last + 1n, toBlock, strict: true }),
    );
    for (const ev of logs) {
      const seat = ev.args.providers.findIndex((p) => lower(p) === lower(account));
      if (seat < 0) continue;
      const { id, model, token, price, inputHash, commitDeadline } = ev.args;
      if (this.journal.recordSeat({ id, seat, block: ev.blockNumber, model, token, price: BigInt(price), inputHash, commitDeadline: Number(commitDeadline) })) {
        this.#p.afterStep?.("redundancy-seat-recorded", id);
        this.#log.info("redundancy: named in a request", { id, seat, model, price, commitDeadline });
      }
    }
    // Only once every request of the range is recorded: a restart scans the range again.
    this.journal.setMark("scan_block", toBlock);
  }

  // ------------------------------------------------------------------------------- our seats

  #work(id: bigint) {
    if (this.#busy.has(id) || !this.#due(id)) return;
    this.#busy.add(id);
    const task = this.#advance(id)
      .catch((error) => {
        this.#log.warn("redundancy: a seat's step failed, will retry", { id, err: short(decodeRedundancyError(error) ?? error) });
        this.#later(id);
      })
      .finally(() => {
        this.#busy.delete(id);
        this.#tasks.delete(task);
      });
    this.#tasks.add(task);
  }

  /** The served model that matches a request's model and token, if any. */
  #servedFor(e: RedundancyEntry): ServedModel | undefined {
    return this.#p.served.find((m) => lower(m.model) === lower(e.model) && lower(m.token) === lower(e.token));
  }

  /** Records a request refused before its commit (nothing locked yet: `named`, or `computed` after a restart). */
  #refuse(e: RedundancyEntry, why: RedundancyRefusal, reason: string, fields: Record<string, unknown> = {}) {
    this.#waiting.delete(lower(e.inputHash));
    this.#waitingForStake.delete(e.id);
    if (this.journal.move(e.id, ["named", "computed"], "refused", { error: reason })) {
      this.counts.refused++;
      this.#p.refused?.(why);
      this.#log.warn("redundancy: request refused (nothing committed, nothing at stake)", { id: e.id, reason, ...fields });
    }
  }

  /**
   * The job path's collateral rule, before anything is locked: over `maxCollateralShare` of the whole
   * stake, refused; over that share of the stake free now (staked − locked, the module's locks included),
   * it waits for stake to be freed. Returns whether the seat may go on.
   */
  async #withinShare(e: RedundancyEntry, collateral: bigint): Promise<boolean> {
    const { client, market, account } = this.#p;
    const info = await this.#read(() => readContract(client, { address: market, abi: jobMarketAbi, functionName: "provider", args: [account] }));
    const staked = BigInt(info.staked);
    const free = staked > BigInt(info.locked) ? staked - BigInt(info.locked) : 0n;
    const most = this.#shareOf(staked);
    const { maxCollateralShare } = this.#p;
    if (collateral > most) {
      this.#refuse(e, "collateral", `its collateral ${collateral} is above maxCollateralShare (${maxCollateralShare}) of the stake ${staked}`, { collateral, staked, most, maxCollateralShare });
      return false;
    }
    const limit = this.#shareOf(free);
    if (collateral > limit) {
      if (!this.#waitingForStake.has(e.id)) {
        this.#waitingForStake.add(e.id);
        this.#log.info("redundancy: request waits: its collateral is above maxCollateralShare of the free stake", { id: e.id, collateral, free, limit, maxCollateralShare });
      }
      this.#later(e.id);
      return false;
    }
    this.#waitingForStake.delete(e.id);
    return true;
  }

  /** One step of a seat, chosen by the chain's state of the request and our seat, and the journal. */
  async #advance(id: bigint) {
    const e = this.journal.get(id)!;
    const { client, account } = this.#p;
    const [r, s, now] = await Promise.all([
      this.#read(() => readContract(client, { address: this.#address, abi: redundancyModuleAbi, functionName: "requestOf", args: [id] })),
      this.#read(() => readContract(client, { address: this.#address, abi: redundancyModuleAbi, functionName: "seatOf", args: [id, BigInt(e.seat)] })),
      this.#now(),
    ]);
    if (r.status === REQUEST.None || lower(s.provider) !== lower(account)) {
      // A forged log, or a reorg dropped the request: nothing to do.
      this.journal.move(id, [...OPEN], "failed", { error: "the request or the seat is not ours on-chain" });
      return;
    }
    switch (s.status) {
      case SEAT.Paid:
        if (this.journal.move(id, [...OPEN], "paid")) this.#log.info("redundancy: paid", { id });
        return;
      case SEAT.Slashed:
        if (this.journal.move(id, [...OPEN], "slashed")) this.#log.error("redundancy: slashed (outvoted, ruled wrong, or missed the reveal)", { id });
        return;
      case SEAT.Released:
        this.journal.move(id, [...OPEN], "released");
        return;
      case SEAT.Absent:
        this.journal.move(id, ["named", "computed", "committing"], "absent");
        return;
      case SEAT.Named:
        return this.#commitStep(e, r, now);
      case SEAT.Committed:
        return this.#revealStep(e, r, now);
      case SEAT.Revealed:
        return this.#afterReveal(e, r, s, now);
    }
  }

  async #commitStep(e: RedundancyEntry, r: RequestView, now: number) {
    const { id } = e;
    if (r.status !== REQUEST.Open || now > r.commitDeadline) {
      this.#waiting.delete(lower(e.inputHash));
      this.#waitingForStake.delete(id);
      if (this.journal.move(id, ["named", "computed", "committing"], "absent")) this.#log.warn("redundancy: the commit phase ended before this node committed", { id });
      return;
    }
    // A commit signed before a crash: wait for it while the node still knows it (the same output and salt give the same commitment).
    if (e.commitTx && (await this.#pending(e.commitTx))) return this.#later(id, this.#p.pollingIntervalMs);
    let entry = e;
    if (entry.state === "named") {
      const served = this.#servedFor(entry);
      const backend = this.#p.backends.get(lower(entry.model));
      if (!served || !backend) return this.#refuse(entry, "model", "a model or token this node does not serve", { model: entry.model, token: entry.token });
      if (r.price < BigInt(served.price)) return this.#refuse(entry, "price", `the price per seat (${r.price}) is under this node's price (${served.price})`);
      if (r.commitDeadline - now < this.#p.minSeconds) return this.#refuse(entry, "deadline", `the commit deadline is ${r.commitDeadline - now} s away, under minJobSeconds (${this.#p.minSeconds})`);
      if (!(await this.#withinShare(entry, r.collateral))) return;
      const limits = inputLimitsOf(served);
      let input: Uint8Array | undefined;
      for (const store of this.#p.stores) input ??= (await store?.get(entry.inputHash).catch(() => undefined)) ?? undefined;
      if (!input) {
        if (!this.#waiting.has(lower(entry.inputHash))) this.#log.info("redundancy: waiting for the request's input (upload it to the output server, or a content store)", { id, inputHash: entry.inputHash });
        this.#waiting.set(lower(entry.inputHash), limits.maxInputBytes);
        return this.#later(id, 2 * this.#p.pollingIntervalMs);
      }
      this.#waiting.delete(lower(entry.inputHash));
      const check = await checkInput(input, limits, backend);
      if (!check.ok) return this.#refuse(entry, "input", check.reason, { limit: check.limit, bytes: check.bytes });
      const outputBytes = await backend.infer(input, { signal: AbortSignal.timeout(limits.timeoutSeconds * 1000) });
      // Kept where the client can fetch it (the output server serves the node's store).
      await this.#p.stores[0]?.put(outputBytes).catch(() => undefined);
      entry = this.journal.recordVote(id, contentHash(outputBytes), randomSalt());
      this.#p.afterStep?.("redundancy-vote-kept", id);
      this.#log.info("redundancy: ran the input", { id, output: entry.output });
      // The deadline may have passed while the backend ran: the commit would revert (harmless), skip it.
      if ((await this.#now()) > r.commitDeadline) return this.#later(id, this.#p.pollingIntervalMs);
    } else if (entry.state === "computed" && !(await this.#withinShare(entry, r.collateral))) {
      // Computed before a restart, nothing locked yet: the rule holds for the stake as it is now.
      return;
    }
    if (!entry.salt || !entry.output) throw new Error(`no output and salt in the journal for request ${id}: cannot commit`);
    await this.#allow(r.collateral);
    const commitment = redundancyCommitment({ id, seat: BigInt(entry.seat), provider: this.#p.account, output: entry.output, salt: entry.salt });
    const hash = await this.#send("commit", [id, BigInt(entry.seat), commitment], (h) => {
      this.journal.move(id, ["computed", "committing"], "committing", { commitTx: h });
    });
    this.#p.afterStep?.("redundancy-commit-sent", id);
    await this.#mined(hash);
    this.journal.move(id, ["committing"], "committed");
    this.counts.committed++;
    this.#p.afterStep?.("redundancy-committed", id);
    this.#log.info("redundancy: committed (collateral locked)", { id, collateral: r.collateral });
    this.#later(id, 0);
  }

  async #revealStep(e: RedundancyEntry, r: RequestView, now: number) {
    const { id } = e;
    this.journal.move(id, ["named", "computed", "committing"], "committed");
    if (r.revealDeadline !== 0 && now > r.revealDeadline) {
      this.#log.error("redundancy: the reveal phase ended before this node revealed", { id, revealDeadline: r.revealDeadline });
      return this.#later(id);
    }
    if (!e.salt || !e.output) throw new Error(`committed on-chain but no salt in the journal for request ${id}: cannot reveal`);
    // A reveal signed before a crash: never a second one while the node still knows the first.
    if (e.revealTx && (await this.#pending(e.revealTx))) return this.#later(id, this.#p.pollingIntervalMs);
    // Reveals open once every seat committed or the commit phase ended.
    if (r.committed < r.k && now <= r.commitDeadline) return this.#later(id, this.#p.pollingIntervalMs);
    try {
      const hash = await this.#send("reveal", [id, BigInt(e.seat), e.output, e.salt], (h) => {
        this.journal.move(id, ["committed", "revealing"], "revealing", { revealTx: h });
      });
      this.#p.afterStep?.("redundancy-reveal-sent", id);
      await this.#mined(hash);
      this.journal.move(id, ["revealing"], "revealed");
      this.counts.revealed++;
      this.#p.afterStep?.("redundancy-revealed", id);
      this.#log.info("redundancy: revealed", { id });
      this.#later(id, 0);
    } catch (error) {
      if (NOT_YET.has(nameOf(error) ?? "")) return this.#later(id, this.#p.pollingIntervalMs);
      throw error;
    }
  }

  /** Revealed: appeal if outvoted under EXACT, else settle once the phase may end (anyone may; the node does, to be paid). */
  async #afterReveal(e: RedundancyEntry, r: RequestView, s: { value: Hex }, now: number) {
    const { id } = e;
    this.journal.move(id, ["named", "computed", "committing", "committed", "revealing"], "revealed");
    if (r.status === REQUEST.Contested && lower(s.value) !== lower(r.majority) && now <= r.phaseDeadline) {
      if (e.appealTx && (await this.#pending(e.appealTx))) return this.#later(id, this.#p.pollingIntervalMs);
      const hash = await this.#send("appeal", [id, BigInt(e.seat)], (h) => {
        this.journal.move(id, ["revealed", "appealing"], "appealing", { appealTx: h });
      });
      await this.#mined(hash);
      this.counts.appealed++;
      this.#log.warn("redundancy: outvoted on an EXACT request: appealed to the arbiter", { id, ours: s.value, majority: r.majority });
      return this.#later(id);
    }
    const due =
      r.status === REQUEST.Open
        ? (r.revealed === r.committed && (r.committed === r.k || now > r.commitDeadline)) || (r.revealDeadline !== 0 && now > r.revealDeadline)
        : r.status === REQUEST.Contested || r.status === REQUEST.Arbitration
          ? now > r.phaseDeadline
          : false;
    if (!due) return this.#later(id, r.status === REQUEST.Open ? this.#p.pollingIntervalMs : undefined);
    try {
      await this.#mined(await this.#send("settle", [id]));
      this.counts.settled++;
      this.#log.info("redundancy: settled", { id });
      this.#later(id, 0);
    } catch (error) {
      const name = nameOf(error);
      if (name === "RedundancyWrongStatus" || NOT_YET.has(name ?? "")) return this.#later(id, this.#p.pollingIntervalMs);
      throw error;
    }
  }

  /** Lets the module lock `collateral` more of our stake: the allowance left is raised to `collateral × maxSeats` when short. */
  async #allow(collateral: bigint) {
    const { client, market, account } = this.#p;
    const { allowance, locked } = await this.#read(() => readContract(client, { address: market, abi: jobMarketAbi, functionName: "moduleStake", args: [this.#address, account] }));
    if (allowance - locked >= collateral) return;
    const want = locked + collateral * BigInt(this.#p.config.maxSeats ?? 4);
    const cap = 2n ** 96n - 1n;
    await this.#mined(await this.#send("setModuleAllowance", [this.#address, want > cap ? cap : want], undefined, market, jobMarketAbi as Abi));
    this.#log.info("redundancy: let the module lock stake for its seats", { allowance: want });
  }

  /** Whether a transaction we signed is mined successfully or still pending (then nothing new is signed for its step). */
  async #pending(hash: Hash): Promise<boolean> {
    const receipt = await this.#p.sender.receiptOf(hash);
    if (receipt) return receipt.status === "success";
    return this.#p.sender.isKnown(hash);
  }

  async #now(): Promise<number> {
    return Number((await this.#read(() => getBlock(this.#p.client, { blockTag: "latest" }))).timestamp);
  }

  // ------------------------------------------------------------------------------- pay

  async #claim() {
    for (const token of new Set(this.#p.served.map((m) => lower(m.token)))) {
      try {
        const owed = await this.#read(() => readContract(this.#p.client, { address: this.#address, abi: redundancyModuleAbi, functionName: "claimable", args: [this.#p.account, token] }));
        if (owed === 0n) continue;
        await this.#mined(await this.#send("claim", [token, this.#p.account]));
        this.counts.claimed += owed;
        this.#log.info("redundancy: pay claimed", { token, amount: owed });
      } catch (error) {
        this.#log.warn("redundancy: claiming failed, will retry", { token, err: short(decodeRedundancyError(error) ?? error) });
      }
    }
  }
}

const OPEN = ["named", "computed", "committing", "committed", "revealing", "revealed", "appealing"] as const;

/** The fields of `requestOf` the loop reads. */
interface RequestView {
  k: number;
  committed: number;
  revealed: number;
  status: number;
  commitDeadline: number;
  revealDeadline: number;
  phaseDeadline: number;
  price: bigint;
  collateral: bigint;
  majority: Hex;
}
