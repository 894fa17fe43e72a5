import type { Address, Client, Hex, ReadContractErrorType } from "viem";
import { readContract } from "viem/actions";

import { paymentSessionsAbi } from "../../abis/paymentSessions.js";
import { SessionUnknownError } from "../../errors/contract.js";
import type { SessionTerms } from "../../sessions/terms.js";
import { resolveSessionTerms, type GetSessionTermsErrorType } from "./getSessionTerms.js";
import type { InvalidAddressError, NoContractError } from "../../errors/validation.js";
import { assertHasCode } from "../../utils/validate.js";

export interface GetSessionParameters {
  sessions: Address;
  sessionId: Hex;
  /** The session's terms, if the caller has them (else they are read from its `SessionOpened` event). */
  terms?: SessionTerms | undefined;
}

const statusNames = ["None", "Open", "Closed", "Slashed"] as const;

/** A session as stored, plus what follows from it. */
export type GetSessionReturnType = Awaited<ReturnType<typeof readSession>> & {
  sessionId: Hex;
  /** What every call about the session passes back. */
  terms: SessionTerms;
  statusName: (typeof statusNames)[number];
  /** Escrow not yet collected: what the client may still sign vouchers up to, above `settled`. */
  unspent: bigint;
  /** Settled but not yet released to the provider (disputable while the window runs). */
  pending: bigint;
};

/** A sessions address without code, an id with no session (`SessionUnknownError`), else viem's errors. */
export type GetSessionErrorType = InvalidAddressError | NoContractError | SessionUnknownError | GetSessionTermsErrorType | ReadContractErrorType;

function readSession(client: Client, sessions: Address, terms: SessionTerms) {
  return readContract(client, { address: sessions, abi: paymentSessionsAbi, functionName: "session", args: [terms] });
}

/**
 * Reads a payment session: parties, terms, escrow, what was settled and released, collateral and windows. The
 * contract keeps only a hash of the terms: they come from `terms`, else from the session's `SessionOpened` event.
 *
 * @example
 * const { statusName, escrow, settled, unspent } = await getSession(publicClient, { sessions, sessionId });
 */
export async function getSession(client: Client, { sessions, sessionId, terms }: GetSessionParameters): Promise<GetSessionReturnType> {
  await assertHasCode(client, sessions, "sessions");
  const t = await resolveSessionTerms(client, { sessions, sessionId, terms });
  const s = await readSession(client, sessions, t);
  if (s.status === 0) throw new SessionUnknownError({ args: { sessionId } });
  return { ...s, sessionId, terms: t, statusName: statusNames[s.status] ?? "None", unspent: s.escrow - s.settled, pending: s.settled - s.released };
}
