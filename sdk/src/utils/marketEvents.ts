import type { ContractEventName } from "viem";

import { jobMarketAbi } from "../abis/jobMarket.js";

type MarketEvent = (typeof jobMarketAbi)[number] & { type: "event" };

/**
 * The market's events with these names, alone, as an ABI for `parseEventLogs`: it hashes every
 * event of the ABI it is given at each call (the market's has dozens), so a receipt's few events are
 * read with only theirs.
 *
 * @example
 * const SUBMIT_EVENTS = marketEvents("ResultSubmitted", "JobSubmitSkipped");
 * const events = parseEventLogs({ abi: SUBMIT_EVENTS, logs: receipt.logs });
 */
export function marketEvents<const N extends readonly ContractEventName<typeof jobMarketAbi>[]>(...names: N) {
  return names.map((name) => jobMarketAbi.find((item) => item.type === "event" && item.name === name)) as unknown as { [K in keyof N]: Extract<MarketEvent, { name: N[K] }> };
}
