import type { Account, Address, Chain, Client, Hash, Hex, SimulateContractErrorType, Transport, WriteContractErrorType } from "viem";

import type {
  SessionNotClientError,
  SessionNotProviderError,
  SessionReclaimTooEarlyError,
  SessionUnknownError,
  SessionWrongStatusError,
} from "../../errors/contract.js";
import type { TokenRevertedError } from "../../errors/token.js";
import type { AccountNotFoundError, InvalidAddressError, NoContractError } from "../../errors/validation.js";
import type { SessionTerms } from "../../sessions/terms.js";
import { resolveSessionTerms } from "./getSessionTerms.js";
import { prepareSessionWrite, writeSessions } from "./common.js";

export interface CloseSessionParameters {
  sessions: Address;
  sessionId: Hex;
  /** The session's terms, if the caller has them (else they are read from its `SessionOpened` event). */
  terms?: SessionTerms | undefined;
  account?: Account | Address | undefined;
}

export interface CloseSessionReturnType {
  hash: Hash;
  /** The unspent escrow returned to the client (`escrow − settled`). */
  refund: bigint;
}

export type CloseSessionErrorType =
  | InvalidAddressError
  | AccountNotFoundError
  | NoContractError
  | SessionUnknownError
  | SessionNotProviderError
  | SessionWrongStatusError
  | SimulateContractErrorType
  | WriteContractErrorType;

/**
 * The provider closes a session early: it gives up any voucher it has not settled (settle first) and the unspent
 * escrow is credited to the client's claimable balance in the module. The pending settlement keeps its window.
 *
 * @example
 * await settleSession(providerWallet, { sessions, sessionId, cumulativeAmount, requestCount, signature });
 * const { refund } = await closeSession(providerWallet, { sessions, sessionId });
 */
export async function closeSession<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account | undefined>,
  { sessions, sessionId, terms, account }: CloseSessionParameters,
): Promise<CloseSessionReturnType> {
  const from = await prepareSessionWrite(client, { sessions, account, action: "closeSession" });
  const { hash, result } = await writeSessions(client, sessions, "close", [await resolveSessionTerms(client, { sessions, sessionId, terms })], {
    account: from,
  });
  return { hash, refund: result as bigint };
}

export type ReclaimSessionErrorType =
  | InvalidAddressError
  | AccountNotFoundError
  | NoContractError
  | TokenRevertedError
  | SessionUnknownError
  | SessionNotClientError
  | SessionWrongStatusError
  | SessionReclaimTooEarlyError
  | SimulateContractErrorType
  | WriteContractErrorType;

/**
 * The client takes back the unspent escrow (`escrow − settled`) and closes the session: from `expiry + 1 day + 1 s`
 * (before that, `SessionReclaimTooEarlyError` says when), or at once after a proven fault (`Slashed`).
 *
 * @example
 * const { refund } = await reclaimSession(walletClient, { sessions, sessionId });
 */
export async function reclaimSession<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account | undefined>,
  { sessions, sessionId, terms, account }: CloseSessionParameters,
): Promise<CloseSessionReturnType> {
  const from = await prepareSessionWrite(client, { sessions, account, action: "reclaimSession" });
  const { hash, result } = await writeSessions(client, sessions, "reclaim", [await resolveSessionTerms(client, { sessions, sessionId, terms })], {
    account: from,
  });
  return { hash, refund: result as bigint };
}
