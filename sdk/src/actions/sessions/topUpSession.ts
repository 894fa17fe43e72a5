import type { Account, Address, Chain, Client, Hash, Hex, SimulateContractErrorType, Transport, WriteContractErrorType } from "viem";

import type {
  SessionEscrowTooLargeError,
  SessionExpiredError,
  SessionExpiryOutOfRangeError,
  SessionFeeOnTransferTokenError,
  SessionNotClientError,
  SessionUnknownError,
  SessionWrongStatusError,
} from "../../errors/contract.js";
import type { TokenRevertedError } from "../../errors/token.js";
import type { AccountNotFoundError, InvalidAddressError, InvalidAmountError, NoContractError } from "../../errors/validation.js";
import { ensureAllowance } from "../../utils/erc20.js";
import { assertAmount } from "../../utils/validate.js";
import type { SessionTerms } from "../../sessions/terms.js";
import { resolveSessionTerms } from "./getSessionTerms.js";
import { prepareSessionWrite, writeSessions } from "./common.js";

export interface TopUpSessionParameters {
  sessions: Address;
  sessionId: Hex;
  /** The session's terms, if the caller has them (else they are read from its `SessionOpened` event). */
  terms?: SessionTerms | undefined;
  /** Added to the escrow (may be 0 to extend only). */
  amount: bigint;
  /** A later expiry (unix seconds, at most 30 days ahead); default: keep. */
  expiry?: bigint | number;
  account?: Account | Address | undefined;
}

export type TopUpSessionErrorType =
  | InvalidAddressError
  | InvalidAmountError
  | AccountNotFoundError
  | NoContractError
  | TokenRevertedError
  | SessionUnknownError
  | SessionNotClientError
  | SessionWrongStatusError
  | SessionExpiredError
  | SessionExpiryOutOfRangeError
  | SessionEscrowTooLargeError
  | SessionFeeOnTransferTokenError
  | SimulateContractErrorType
  | WriteContractErrorType;

/**
 * Adds escrow to an open session (the client only, before expiry) and optionally extends its expiry.
 *
 * @example
 * await topUpSession(walletClient, { sessions, sessionId, amount: 500_000n });
 */
export async function topUpSession<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account | undefined>,
  { sessions, sessionId, terms, amount, expiry = 0, account }: TopUpSessionParameters,
): Promise<{ hash: Hash }> {
  assertAmount("amount", amount, { allowZero: true, bound: "uint96" });
  assertAmount("expiry", BigInt(expiry), { allowZero: true, bound: "uint40" });
  const from = await prepareSessionWrite(client, { sessions, account, action: "topUpSession" });
  const t = await resolveSessionTerms(client, { sessions, sessionId, terms });
  const token = t.token;
  if (amount !== 0n) await ensureAllowance(client, token, sessions, amount, { account: from });
  const { hash } = await writeSessions(client, sessions, "topUp", [t, amount, Number(expiry)], { account: from, token });
  return { hash };
}
