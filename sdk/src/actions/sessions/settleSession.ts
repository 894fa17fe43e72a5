import type { Account, Address, Chain, Client, Hash, Hex, SimulateContractErrorType, Transport, WriteContractErrorType } from "viem";

import type {
  ModuleAllowanceExceededError,
  SessionIsClosedError,
  SessionNotProviderError,
  SessionSettlementClosedError,
  SessionSignatureInvalidError,
  SessionUnknownError,
  SessionVoucherAboveEscrowError,
  SessionVoucherAbovePriceError,
  SessionVoucherNotIncreasingError,
  SessionVoucherRequestCountDecreasingError,
  SessionVoucherWrongSignerError,
  SessionWrongStatusError,
  StakeInsufficientFreeError,
} from "../../errors/contract.js";
import type { TokenRevertedError } from "../../errors/token.js";
import type { AccountNotFoundError, InvalidAddressError, InvalidAmountError, NoContractError } from "../../errors/validation.js";
import { assertAmount } from "../../utils/validate.js";
import type { SessionTerms } from "../../sessions/terms.js";
import { resolveSessionTerms } from "./getSessionTerms.js";
import { prepareSessionWrite, sessionEventIn, writeSessions } from "./common.js";

export interface SettleSessionParameters {
  sessions: Address;
  sessionId: Hex;
  /** The session's terms, if the caller has them (else they are read from its `SessionOpened` event). */
  terms?: SessionTerms | undefined;
  /** The voucher: cumulative amount, request count and the client's (or session key's) signature. */
  cumulativeAmount: bigint;
  requestCount: bigint;
  signature: Hex;
  account?: Account | Address | undefined;
}

/** Every voucher check has its typed error; the market's stake errors come through `moduleLock`. */
export type SettleSessionErrorType =
  | InvalidAddressError
  | InvalidAmountError
  | AccountNotFoundError
  | NoContractError
  | SessionUnknownError
  | SessionIsClosedError
  | SessionWrongStatusError
  | SessionSettlementClosedError
  | SessionVoucherNotIncreasingError
  | SessionVoucherRequestCountDecreasingError
  | SessionVoucherAboveEscrowError
  | SessionVoucherAbovePriceError
  | SessionSignatureInvalidError
  | SessionVoucherWrongSignerError
  | ModuleAllowanceExceededError
  | StakeInsufficientFreeError
  | SimulateContractErrorType
  | WriteContractErrorType;

/**
 * Settles a session's latest voucher, once, for any number of requests: the increase becomes pending (paid after
 * the challenge window by {@link releaseSession}) and backs `collateralRatio ×` its value of the provider's stake,
 * drawn from its collateral pool with the module (what the pool lacks is locked in the market then).
 * Anyone may send it; the value goes to the session's provider. Before anything is signed, a stale, forged,
 * replayed or over-escrow voucher throws its typed error (`SessionVoucherNotIncreasingError`, …).
 *
 * @example
 * await settleSession(providerWallet, { sessions, sessionId, cumulativeAmount: 1_000_000n, requestCount: 100n, signature });
 */
export async function settleSession<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account | undefined>,
  { sessions, sessionId, terms, cumulativeAmount, requestCount, signature, account }: SettleSessionParameters,
): Promise<{ hash: Hash }> {
  assertAmount("cumulativeAmount", cumulativeAmount, { bound: "uint96" });
  assertAmount("requestCount", requestCount, { allowZero: true, bound: "uint32" });
  const from = await prepareSessionWrite(client, { sessions, account, action: "settleSession" });
  const t = await resolveSessionTerms(client, { sessions, sessionId, terms });
  const { hash } = await writeSessions(client, sessions, "settle", [t, cumulativeAmount, requestCount, signature], { account: from });
  return { hash };
}

/**
 * {@link settleSession}, then waits: returns the settled cumulative amount and request count, and when the challenge
 * window of this settlement ends.
 *
 * @example
 * const { cumulativeAmount, unlockAt } = await settleSessionSync(providerWallet, { sessions, sessionId, cumulativeAmount, requestCount, signature });
 */
export async function settleSessionSync<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account | undefined>,
  parameters: SettleSessionParameters,
) {
  const { hash } = await settleSession(client, parameters);
  const { receipt, args } = await sessionEventIn(client, parameters.sessions, hash, "SessionSettled");
  return {
    hash,
    receipt,
    cumulativeAmount: args.cumulativeAmount as bigint,
    requestCount: args.requestCount as bigint,
    unlockAt: args.unlockAt as bigint,
  };
}

/** {@link settleSession}'s errors, plus `SessionNotProviderError` (only the provider closes) and the token's refusal to pay the client. */
export type SettleAndCloseSessionErrorType = SettleSessionErrorType | SessionNotProviderError | TokenRevertedError;

/**
 * The cooperative end of a session, in one transaction (`PaymentSessions.settleAndClose`): settles the latest voucher
 * as {@link settleSession} does, then closes the session and sends the client its unspent escrow at once (no
 * `reclaim` a day after expiry). Provider only: it gives up any later voucher. The settlement keeps its challenge
 * window. If the token refuses to pay the client (a blocklist), use {@link settleSession} then `closeSession`.
 * Waits for the receipt and returns the refund.
 *
 * @example
 * const { refund } = await settleAndCloseSession(providerWallet, { sessions, sessionId, cumulativeAmount, requestCount, signature });
 */
export async function settleAndCloseSession<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account | undefined>,
  { sessions, sessionId, terms, cumulativeAmount, requestCount, signature, account }: SettleSessionParameters,
): Promise<{ hash: Hash; refund: bigint; unlockAt: bigint }> {
  assertAmount("cumulativeAmount", cumulativeAmount, { bound: "uint96" });
  assertAmount("requestCount", requestCount, { allowZero: true, bound: "uint32" });
  const from = await prepareSessionWrite(client, { sessions, account, action: "settleAndCloseSession" });
  const t = await resolveSessionTerms(client, { sessions, sessionId, terms });
  const { hash } = await writeSessions(client, sessions, "settleAndClose", [t, cumulativeAmount, requestCount, signature], {
    account: from,
    token: t.token,
  });
  const settled = await sessionEventIn(client, sessions, hash, "SessionSettled");
  const closed = await sessionEventIn(client, sessions, hash, "SessionClosed");
  return { hash, refund: closed.args.refund as bigint, unlockAt: settled.args.unlockAt as bigint };
}
