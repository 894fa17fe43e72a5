// The timer loop of the node's background roles (verifier, redundancy, session settler): a round at
// once on start, the next `intervalMs` after each ends, never two at once, a failing round reported
// and the loop going on, and `stop` waiting for the round in flight.
import { describe, expect, it } from "vitest";

import { TickLoop } from "../src/tickLoop.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("TickLoop", () => {
  it("runs at once, then after each round; a wake-up during a round never overlaps it", async () => {
    let running = 0;
    let overlap = false;
    let rounds = 0;
    const loop = new TickLoop({
      tick: async () => {
        running++;
        if (running > 1) overlap = true;
        rounds++;
        await sleep(30);
        running--;
      },
      intervalMs: 60_000,
      onError: () => {},
    });
    expect(loop.active).toBe(false);
    loop.wake(); // before start: nothing
    await sleep(20);
    expect(rounds).toBe(0);
    loop.start();
    await sleep(10);
    expect(rounds).toBe(1);
    loop.wake(); // during the round: runs right after it, not beside it
    loop.wake();
    await sleep(80);
    expect(overlap).toBe(false);
    expect(rounds).toBe(2);
    await loop.stop();
    expect(loop.active).toBe(false);
  });

  it("reports a failing round and goes on; stop waits for the round in flight and ends the loop", async () => {
    const errors: unknown[] = [];
    let rounds = 0;
    let finished = false;
    const loop = new TickLoop({
      tick: async () => {
        rounds++;
        if (rounds === 1) throw new Error("rpc down");
        await sleep(40);
        finished = true;
      },
      intervalMs: 5,
      onError: (e) => errors.push(e),
    });
    loop.start();
    await sleep(20);
    expect(errors.map((e) => (e as Error).message)).toEqual(["rpc down"]);
    expect(rounds).toBe(2);
    await loop.stop();
    expect(finished).toBe(true);
    const after = rounds;
    loop.wake();
    await sleep(30);
    expect(rounds).toBe(after);
  });
});
