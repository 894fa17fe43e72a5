import type { Address, BlockNumber, BlockTag, Client, GetLogsErrorType, Hex } from "viem";
import { getLogs } from "viem/actions";

import { paymentSessionsAbi } from "../../abis/paymentSessions.js";
import { SessionUnknownError } from "../../errors/contract.js";
import type { InvalidAddressError, NoContractError } from "../../errors/validation.js";
import type { SessionTerms } from "../../sessions/terms.js";
import { assertHasCode } from "../../utils/validate.js";

export interface GetSessionTermsParameters {
  sessions: Address;
  sessionId: Hex;
  /** Where to start looking for `SessionOpened` (default: the first block; pass the deployment block on a long chain). */
  fromBlock?: BlockNumber | BlockTag | undefined;
}

/** A sessions address without code, an id no `SessionOpened` names (`SessionUnknownError`), else viem's errors. */
export type GetSessionTermsErrorType = InvalidAddressError | NoContractError | SessionUnknownError | GetLogsErrorType;

const openedEvent = paymentSessionsAbi.find((item) => item.type === "event" && item.name === "SessionOpened")!;
/** Terms never change: once read, they are kept (per module and session id). */
const known = new Map<string, SessionTerms>();

/**
 * A session's terms, from its `SessionOpened` event (the contract stores only a hash of them, the session id, and
 * every call about the session passes them back). Cached: terms never change.
 *
 * @example
 * const terms = await getSessionTerms(publicClient, { sessions, sessionId });
 * await publicClient.readContract({ address: sessions, abi: paymentSessionsAbi, functionName: "session", args: [terms] });
 */
export async function getSessionTerms(client: Client, { sessions, sessionId, fromBlock }: GetSessionTermsParameters): Promise<SessionTerms> {
  const key = `${sessions.toLowerCase()}:${sessionId.toLowerCase()}`;
  const cached = known.get(key);
  if (cached) return cached;
  await assertHasCode(client, sessions, "sessions");
  const logs = await getLogs(client, {
    address: sessions,
    event: openedEvent,
    args: { sessionId },
    fromBlock: fromBlock ?? 0n,
    toBlock: "latest",
    strict: true,
  });
  const log = logs[0];
  if (!log) throw new SessionUnknownError({ args: { sessionId } });
  const terms = { ...log.args.terms } as SessionTerms;
  known.set(key, terms);
  return terms;
}

/** The terms the caller gave, else those of `sessionId` read from the chain. */
export async function resolveSessionTerms(
  client: Client,
  { sessions, sessionId, terms }: { sessions: Address; sessionId?: Hex | undefined; terms?: SessionTerms | undefined },
): Promise<SessionTerms> {
  if (terms) return terms;
  if (!sessionId) throw new Error("a session needs its id or its terms");
  return getSessionTerms(client, { sessions, sessionId });
}
