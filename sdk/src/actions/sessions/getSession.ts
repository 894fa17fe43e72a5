import type { Address, Client, Hex, ReadContractErrorType } from "viem";
import { readContract } from "viem/actions";

import { paymentSessionsAbi } from "../../abis/paymentSessions.js";
import { SessionUnknownError } from "../../errors/contract.js";
import type { InvalidAddressError, NoContractError } from "../../errors/validation.js";
import { assertHasCode } from "../../utils/validate.js";

export interface GetSessionParameters {
  sessions: Address;
  sessionId: Hex;
}

const statusNames = ["None", "Open", "Closed", "Slashed"] as const;

/** A session as stored, plus what follows from it. */
export type GetSessionReturnType = Awaited<ReturnType<typeof readSession>> & {
  sessionId: Hex;
  statusName: (typeof statusNames)[number];
  /** Escrow not yet collected: what the client may still sign vouchers up to, above `settled`. */
  unspent: bigint;
  /** Settled but not yet released to the provider (disputable while the window runs). */
  pending: bigint;
};

/** A sessions address without code, an id with no session (`SessionUnknownError`), else viem's errors. */
export type GetSessionErrorType = InvalidAddressError | NoContractError | SessionUnknownError | ReadContractErrorType;

function readSession(client: Client, sessions: Address, sessionId: Hex) {
  return readContract(client, { address: sessions, abi: paymentSessionsAbi, functionName: "session", args: [sessionId] });
}

/**
 * Reads a payment session: parties, terms, escrow, what was settled and released, collateral and windows.
 *
 * @example
 * const { statusName, escrow, settled, unspent } = await getSession(publicClient, { sessions, sessionId });
 */
export async function getSession(client: Client, { sessions, sessionId }: GetSessionParameters): Promise<GetSessionReturnType> {
  await assertHasCode(client, sessions, "sessions");
  const s = await readSession(client, sessions, sessionId);
  if (s.status === 0) throw new SessionUnknownError({ args: { sessionId } });
  return { ...s, sessionId, statusName: statusNames[s.status] ?? "None", unspent: s.escrow - s.settled, pending: s.settled - s.released };
}
