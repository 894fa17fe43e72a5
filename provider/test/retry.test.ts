// The node's retries are viem's withRetry with the SDK's idea of "transient": an RPC that is down or
// overloaded is retried with backoff; a revert is not. (providerNode.crash.test.ts cuts a real RPC.)
import { ContractFunctionRevertedError, HttpRequestError } from "viem";
import { describe, expect, it } from "vitest";

import { backoff, retry } from "../src/retry.js";

describe("retry (viem withRetry)", () => {
  it("retries a transient RPC error with backoff, then succeeds", async () => {
    let calls = 0;
    const delays: number[] = [];
    const value = await retry(
      async () => {
        if (++calls < 3) throw new HttpRequestError({ url: "http://rpc.invalid", status: 503 });
        return "ok";
      },
      { baseDelayMs: 1, maxDelayMs: 4, onRetry: (_e, attempt, delay) => delays.push(attempt, delay) },
    );
    expect([value, calls]).toEqual(["ok", 3]);
    expect(delays[0]).toBe(1);
    expect(delays[2]).toBe(2);
  });

  it("gives up after `retries`, and never retries a revert", async () => {
    let calls = 0;
    await expect(retry(async () => { calls++; throw new HttpRequestError({ url: "http://rpc.invalid", status: 429 }); }, { retries: 2, baseDelayMs: 1 })).rejects.toBeInstanceOf(HttpRequestError);
    expect(calls).toBe(3);
    calls = 0;
    const revert = new ContractFunctionRevertedError({ abi: [], functionName: "acceptJob" });
    await expect(retry(async () => { calls++; throw revert; }, { baseDelayMs: 1 })).rejects.toBe(revert);
    expect(calls).toBe(1);
  });

  it("backs off exponentially, capped, with jitter in the upper half", () => {
    expect([1, 2, 3, 10].map((a) => backoff(a, 250, 10_000, () => 1))).toEqual([250, 500, 1000, 10_000]);
    expect(backoff(3, 250, 10_000, () => 0)).toBe(500);
  });
});
