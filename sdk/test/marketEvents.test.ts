/**
 * `marketEvents` narrows the market's ABI to the events a receipt is read for (parseEventLogs hashes
 * every event of the ABI it is given, at each call). The narrowed ABI must decode those events as
 * the whole ABI does, and ignore every other log, whatever its contract or event.
 */
import { encodeAbiParameters, encodeEventTopics, getAbiItem, parseEventLogs, type Hex, type Log } from "viem";
import { describe, expect, it } from "vitest";

import { jobMarketAbi } from "../src/index.js";
import { marketEvents } from "../src/utils/marketEvents.js";

const market = "0x00000000000000000000000000000000000000aa";
const jobId = `0x${"11".repeat(32)}` as Hex;

/** A log of the market's `name` event with these values, as a receipt carries it. */
function logOf(name: "JobSubmitSkipped" | "JobFinalizeSkipped", args: { jobId: Hex; reason?: number; status?: number }, index: number): Log {
  const event = getAbiItem({ abi: jobMarketAbi, name });
  const data = event.inputs.filter((i) => !i.indexed);
  const values = data.map((i) => (args as Record<string, unknown>)[i.name!]);
  return {
    address: market,
    topics: encodeEventTopics({ abi: [event], eventName: name, args: { jobId: args.jobId } } as never) as [Hex, ...Hex[]],
    data: encodeAbiParameters(data, values),
    blockHash: `0x${"22".repeat(32)}`,
    blockNumber: 1n,
    logIndex: index,
    transactionHash: `0x${"33".repeat(32)}`,
    transactionIndex: 0,
    removed: false,
  };
}

describe("marketEvents", () => {
  it("gives the named events of the market's ABI, in order", () => {
    const abi = marketEvents("ResultSubmitted", "JobSubmitSkipped");
    expect(abi.map((e) => [e.type, e.name])).toEqual([
      ["event", "ResultSubmitted"],
      ["event", "JobSubmitSkipped"],
    ]);
    expect(abi[1]).toBe(getAbiItem({ abi: jobMarketAbi, name: "JobSubmitSkipped" }));
  });

  it("decodes its events as the whole ABI does, and ignores the market's other events", () => {
    const skipped = logOf("JobSubmitSkipped", { jobId, reason: 2 }, 0);
    const other = logOf("JobFinalizeSkipped", { jobId, status: 3 }, 1);
    const narrow = parseEventLogs({ abi: marketEvents("JobSubmitSkipped"), logs: [skipped, other] });
    const whole = parseEventLogs({ abi: jobMarketAbi, eventName: "JobSubmitSkipped", logs: [skipped, other] });
    expect(narrow).toHaveLength(1);
    expect(narrow[0]!.args).toEqual({ jobId, reason: 2 });
    expect(narrow).toEqual(whole);
  });
});
