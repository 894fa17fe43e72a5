// Node-only. Gathers the results that are ready into batches: the first one starts a short wait
// (`maxWaitMs`), and the batch goes out when it is full (`maxJobs`), when the wait is over, or as
// soon as no other job in flight could still join it (so a lone job never waits). Batches may
// overlap: one is being mined while the next gathers.

export interface BatcherParameters<T, R> {
  maxJobs: number;
  maxWaitMs: number;
  /** How many jobs in flight may still bring an item (not counting those queued or in a batch being sent). */
  coming: () => number;
  /** Sends one batch; resolves to one result per item, in order. A throw fails every item of the batch. */
  flush: (items: T[]) => Promise<R[]>;
}

/** A queue of items that go out in batches (see the file's header). */
export class Batcher<T, R> {
  readonly #p: BatcherParameters<T, R>;
  #queue: { item: T; resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #scheduled = false;
  /** Items in batches being sent now. */
  #sending = 0;

  constructor(parameters: BatcherParameters<T, R>) {
    this.#p = parameters;
  }

  /** Items queued or being sent. */
  get size(): number {
    return this.#queue.length + this.#sending;
  }

  /** Queues an item; resolves to its result once its batch is settled. */
  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      this.#check();
    });
  }

  /** Fails every item still queued (not those being sent) with `error`. */
  drop(error: unknown) {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const q of this.#queue.splice(0)) q.reject(error);
  }

  /** Sends what is queued now, whatever its size. */
  flushNow() {
    this.#go();
  }

  /** Decides, after the current turn of the event loop (items added in the same turn join), whether to send now. */
  #check() {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      const n = this.#queue.length;
      if (n === 0) return;
      if (n >= this.#p.maxJobs || this.#p.maxWaitMs === 0 || this.#p.coming() <= 0) return this.#go();
      this.#timer ??= setTimeout(() => this.#go(), this.#p.maxWaitMs);
    });
  }

  #go() {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.#p.maxJobs);
      this.#sending += batch.length;
      void this.#p
        .flush(batch.map((b) => b.item))
        .then(
          (results) => batch.forEach((b, i) => b.resolve(results[i]!)),
          (error) => batch.forEach((b) => b.reject(error)),
        )
        .finally(() => {
          this.#sending -= batch.length;
        });
      // What remains (more than maxJobs were queued) waits its turn only if it is not a full batch.
      if (this.#queue.length < this.#p.maxJobs) break;
    }
    if (this.#queue.length > 0) this.#check();
  }
}
