import type { Address, BlockNumber, BlockTag, Client, GetLogsErrorType, Hex, ReadContractErrorType } from "viem";
import { getBlockNumber, getLogs, readContract } from "viem/actions";

import { paymentSessionsAbi } from "../../abis/paymentSessions.js";
import { SessionUnknownError } from "../../errors/contract.js";
import type { InvalidAddressError, NoContractError } from "../../errors/validation.js";
import type { SessionTerms } from "../../sessions/terms.js";
import { assertHasCode } from "../../utils/validate.js";

export interface GetSessionTermsParameters {
  sessions: Address;
  sessionId: Hex;
  /**
   * Where to scan from if `SessionOpened` is not in the block the session's state names (a module deployed before
   * `openedBlock` existed, or a reorganised chain); default: the first block.
   */
  fromBlock?: BlockNumber | BlockTag | undefined;
}

/** A sessions address without code, an id no `SessionOpened` names (`SessionUnknownError`), else viem's errors. */
export type GetSessionTermsErrorType = InvalidAddressError | NoContractError | SessionUnknownError | ReadContractErrorType | GetLogsErrorType;

const openedEvent = paymentSessionsAbi.find((item) => item.type === "event" && item.name === "SessionOpened")!;
/** Terms never change: once read, they are kept (per module and session id). */
const known = new Map<string, SessionTerms>();

/**
 * A session's terms, from its `SessionOpened` event (the contract stores only a hash of them, the session id, and
 * every call about the session passes them back). No scan of the chain: the session's state keeps the block that
 * opened it (`openedBlock`, modulo 2^32), so this reads the state and then the logs of that one block. An unknown id
 * fails on the state read alone. Cached: terms never change.
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
  const [state] = await readContract(client, { address: sessions, abi: paymentSessionsAbi, functionName: "sessionState", args: [sessionId] });
  if (state.status === 0) throw new SessionUnknownError({ args: { sessionId } });
  const opened = openingBlock(await getBlockNumber(client), state.openedBlock);
  const find = (from: BlockNumber | BlockTag, to: BlockNumber | BlockTag) =>
    getLogs(client, { address: sessions, event: openedEvent, args: { sessionId }, fromBlock: from, toBlock: to, strict: true });
  let logs = await find(opened, opened);
  if (logs.length === 0) logs = await find(fromBlock ?? 0n, "latest");
  const log = logs[0];
  if (!log) throw new SessionUnknownError({ args: { sessionId } });
  const terms = { ...log.args.terms } as SessionTerms;
  known.set(key, terms);
  return terms;
}

/** The latest block at or below `latest` whose number is `openedBlock` modulo 2^32 (what the state keeps). */
export function openingBlock(latest: bigint, openedBlock: number | bigint): bigint {
  const modulus = 2n ** 32n;
  const behind = (((latest - BigInt(openedBlock)) % modulus) + modulus) % modulus;
  return latest - behind;
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
