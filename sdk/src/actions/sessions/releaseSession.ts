import type { Account, Address, Chain, Client, Hash, Hex, SimulateContractErrorType, Transport, WriteContractErrorType } from "viem";

import type {
  SessionDisputesOpenError,
  SessionNothingToClaimError,
  SessionNothingToReleaseError,
  SessionReleaseTooEarlyError,
  SessionUnknownError,
} from "../../errors/contract.js";
import type { TokenRevertedError } from "../../errors/token.js";
import type { AccountNotFoundError, InvalidAddressError, NoContractError } from "../../errors/validation.js";
import { assertAddress } from "../../utils/validate.js";
import type { SessionTerms } from "../../sessions/terms.js";
import { resolveSessionTerms } from "./getSessionTerms.js";
import { prepareSessionWrite, writeSessions } from "./common.js";

export interface ReleaseSessionParameters {
  sessions: Address;
  sessionId: Hex;
  /** The session's terms, if the caller has them (else they are read from its `SessionOpened` event). */
  terms?: SessionTerms | undefined;
  account?: Account | Address | undefined;
}

export type ReleaseSessionErrorType =
  | InvalidAddressError
  | AccountNotFoundError
  | NoContractError
  | SessionUnknownError
  | SessionReleaseTooEarlyError
  | SessionDisputesOpenError
  | SessionNothingToReleaseError
  | SimulateContractErrorType
  | WriteContractErrorType;

/**
 * After the challenge window of the latest settlement, with no dispute open: credits the provider with the pending
 * settlement (less the protocol fee) and returns its collateral to the provider's pool with the module. Anyone may
 * call.
 *
 * @example
 * await releaseSession(walletClient, { sessions, sessionId });
 * await claimSessionFunds(providerWallet, { sessions, token: usdc });
 */
export async function releaseSession<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account | undefined>,
  { sessions, sessionId, terms, account }: ReleaseSessionParameters,
): Promise<{ hash: Hash }> {
  const from = await prepareSessionWrite(client, { sessions, account, action: "releaseSession" });
  const t = await resolveSessionTerms(client, { sessions, sessionId, terms });
  const { hash } = await writeSessions(client, sessions, "release", [t], { account: from });
  return { hash };
}

export interface ClaimSessionFundsParameters {
  sessions: Address;
  token: Address;
  /** Recipient (default: the caller). */
  to?: Address;
  account?: Account | Address | undefined;
}

export type ClaimSessionFundsErrorType =
  | InvalidAddressError
  | AccountNotFoundError
  | NoContractError
  | TokenRevertedError
  | SessionNothingToClaimError
  | SimulateContractErrorType
  | WriteContractErrorType;

/**
 * Withdraws the caller's claimable balance of `token` in the sessions module: a provider's released earnings, a
 * client's refunds, a challenger's bonds.
 *
 * @example
 * const { amount } = await claimSessionFunds(walletClient, { sessions, token: usdc });
 */
export async function claimSessionFunds<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account | undefined>,
  { sessions, token, to, account }: ClaimSessionFundsParameters,
): Promise<{ hash: Hash; amount: bigint }> {
  assertAddress("token", token);
  if (to !== undefined) assertAddress("to", to);
  const from = await prepareSessionWrite(client, { sessions, account, action: "claimSessionFunds" });
  const { hash, result } = await writeSessions(client, sessions, "claim", [token, to ?? from.address], { account: from, token });
  return { hash, amount: result as bigint };
}
