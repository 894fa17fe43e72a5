/**
 * The Depinfer indexer's handlers.
 *
 * Driven by the ABIs: every event of every ABI in the config is registered in a loop and lands in
 * `events` (decoded, one row per log). The handlers in `handlers/` then maintain the typed tables.
 * An event whose fields change in the contracts keeps being recorded in `events`; only the typed
 * handler that reads a renamed field needs adapting (docs/indexer.md, "When events change").
 */
import { ponder } from "ponder:registry";

import config from "../ponder.config.js";

import { handlers, type ContractName, type Handler } from "./handlers/index.js";
import { recordEvent } from "./handlers/common.js";

type AnyEventName = Parameters<typeof ponder.on>[0];
type AnyHandler = Parameters<typeof ponder.on>[1];

for (const [contract, { abi }] of Object.entries(config.contracts) as [ContractName, { abi: readonly { type: string; name?: string }[] }][]) {
  const specific = handlers[contract] as Record<string, Handler | undefined>;
  for (const item of abi) {
    if (item.type !== "event" || !item.name) continue;
    const handler = specific[item.name];
    const name = `${contract}:${item.name}` as AnyEventName;
    ponder.on(name, (async ({ event, context }: Parameters<Handler>[0]) => {
      await recordEvent(contract, item.name!, event, context);
      if (handler) await handler({ event, context });
    }) as unknown as AnyHandler);
  }
}
