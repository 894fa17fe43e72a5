/**
 * Shared parts of the handlers: the loose event shape they read, ids, and the `events` table.
 */
import type { Context } from "ponder:registry";
import { events } from "ponder:schema";
import { replaceBigInts } from "ponder";
import type { Address, Hex } from "viem";

/** The parts of a Ponder log event that the handlers read (args by the ABI's names). */
export interface LogEvent {
  // biome-ignore lint: args are read by the ABI's parameter names, which the ABI decides.
  args: Record<string, any>;
  log: { address: Address; logIndex: number };
  block: { number: bigint; timestamp: bigint; hash: Hex };
  transaction: { hash: Hex; from: Address };
}

export type Ctx = Context;

/** `<txHash>-<logIndex>`: the id of one log, as the chain names it. */
export const eventId = (event: LogEvent) => `${event.transaction.hash}-${event.log.logIndex}`;

export const lower = <T extends string>(value: T) => value.toLowerCase() as Lowercase<T> & Hex;

/** Records `event` in `events`. Idempotent per log: a replay of the same log writes nothing. */
export async function recordEvent(contract: string, name: string, event: LogEvent, context: Ctx) {
  const args = replaceBigInts(event.args ?? {}, (v) => String(v)) as Record<string, unknown>;
  const jobId = typeof args.jobId === "string" ? (args.jobId as Hex) : null;
  await context.db
    .insert(events)
    .values({
      id: eventId(event),
      contract,
      address: lower(event.log.address),
      name,
      args,
      jobId,
      blockNumber: event.block.number,
      blockHash: event.block.hash,
      logIndex: event.log.logIndex,
      txHash: event.transaction.hash,
      timestamp: event.block.timestamp,
    })
    .onConflictDoNothing();
}
