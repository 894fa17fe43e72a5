// Node-only. The timer loop the node's background roles share (verifier, redundancy, session settler):
// runs `tick` at once when started, then `intervalMs` after each round ends; never two rounds at once
// (a wake-up during a round runs the next one right after it: before, the copies of this loop let the
// round's end replace that wake-up with the full interval); a round that throws is reported and the
// loop goes on. `stop` ends it and waits for the round in flight.

export interface TickLoopParameters {
  /** One round. */
  tick: () => Promise<void>;
  /** Milliseconds from the end of one round to the next. */
  intervalMs: number;
  /** A round that threw: log it (the loop carries on). */
  onError: (error: unknown) => void;
}

export class TickLoop {
  readonly #p: TickLoopParameters;
  #active = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #ticking: Promise<void> | undefined;
  /** Woken during the round in flight: the next round starts as soon as it ends. */
  #again = false;

  constructor(parameters: TickLoopParameters) {
    this.#p = parameters;
  }

  /** Between `start` and `stop`. */
  get active(): boolean {
    return this.#active;
  }

  start() {
    this.#active = true;
    this.wake(0);
  }

  /** Runs a round `ms` from now (replacing the one scheduled), or right after the round in flight. */
  wake(ms = 0) {
    if (!this.#active) return;
    if (this.#ticking) {
      this.#again = true;
      return;
    }
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#ticking = this.#p
        .tick()
        .catch(this.#p.onError)
        .finally(() => {
          this.#ticking = undefined;
          const again = this.#again;
          this.#again = false;
          this.wake(again ? 0 : this.#p.intervalMs);
        });
    }, ms);
  }

  /** Ends the loop; resolves when the round in flight has ended. */
  async stop() {
    this.#active = false;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#ticking;
  }
}
