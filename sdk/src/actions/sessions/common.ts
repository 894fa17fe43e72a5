import type { Abi, Account, Address, Chain, Client, Hash, Transport } from "viem";
import { parseEventLogs } from "viem";
import { waitForTransactionReceipt } from "viem/actions";

import { paymentSessionsAbi } from "../../abis/paymentSessions.js";
import { assertHasCode, resolveAccount } from "../../utils/validate.js";
import { simulateAndWrite } from "../../utils/write.js";
import type { WriteModuleTarget } from "../writeModule.js";

/** Any viem client an action accepts (a wallet client for writes). */
export type SessionClient = Client<Transport, Chain | undefined, Account | undefined>;

/** The sessions module as a {@link writeModule} target (its reverts decode as the market's typed errors). */
export const sessionsModule = { abi: paymentSessionsAbi as Abi, contract: "sessions" } as const satisfies WriteModuleTarget;

/**
 * The first steps of every session write: the account (the call's, else the client's), then the sessions module
 * holding code. Returns the account.
 */
export async function prepareSessionWrite(
  client: SessionClient,
  { sessions, account, action }: { sessions: Address; account: Account | Address | undefined; action: string },
): Promise<Account> {
  const signer = resolveAccount(client, account, action);
  await assertHasCode(client, sessions, "sessions");
  return signer;
}

/** Simulates then sends a call to the sessions module: a revert throws its typed error (`SessionVoucherAboveEscrowError`, …). */
export async function writeSessions(
  client: SessionClient,
  sessions: Address,
  functionName: string,
  args: readonly unknown[],
  options: { account: Account; token?: Address | undefined },
): Promise<{ hash: Hash; result: unknown }> {
  return simulateAndWrite(client, sessions, sessionsModule.abi, functionName, args, options);
}

/** Waits for `hash` and returns the first `eventName` the sessions module emitted in it. */
export async function sessionEventIn<const name extends string>(client: SessionClient, sessions: Address, hash: Hash, eventName: name) {
  const receipt = await waitForTransactionReceipt(client, { hash });
  const logs = parseEventLogs({ abi: paymentSessionsAbi, logs: receipt.logs }) as unknown as { address: Address; eventName: string; args: Record<string, unknown> }[];
  const log = logs.find((l) => l.eventName === eventName && l.address.toLowerCase() === sessions.toLowerCase());
  if (!log) throw new Error(`transaction ${hash} emitted no ${eventName} from ${sessions}`);
  return { receipt, args: log.args };
}
