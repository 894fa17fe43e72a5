import type { Abi, Account, Address, Chain, Client, Hash, Hex, SimulateContractErrorType, Transport, WriteContractErrorType } from "viem";
import { encodeAbiParameters } from "viem";

import { jobMarketAbi } from "../../abis/jobMarket.js";
import { paymentSessionsAbi } from "../../abis/paymentSessions.js";
import type {
  AmountZeroError,
  ClaimExceedsBalanceError,
  EnforcedPauseError,
  ModuleNotActiveError,
  ModuleNotSessionReceiverError,
  SessionAlreadyExistsError,
  SessionExpiryOutOfRangeError,
  SessionOfferNotActiveError,
  SessionOfferTokenMismatchError,
  SessionPriceAboveOfferError,
  SessionPriceZeroError,
  SessionTokenNotAllowedError,
} from "../../errors/contract.js";
import type { AccountNotFoundError, InvalidAddressError, InvalidAmountError, NoContractError } from "../../errors/validation.js";
import { SessionPricing } from "../../sessions/typedData.js";
import { sessionOpenedFromLogs, type SessionTerms } from "../../sessions/terms.js";
import { assertAddress, assertAmount, assertHasCode } from "../../utils/validate.js";
import { simulateAndWrite } from "../../utils/write.js";
import { prepareSessionWrite, sessionEventIn } from "./common.js";

export interface OpenSessionFromBalanceParameters {
  /** The job market (`deployment.market`): it holds the balance and calls the module. */
  market: Address;
  /** The PaymentSessions module (`deployment.sessions`). */
  sessions: Address;
  provider: Address;
  /** An allow-listed payment token, the one the provider's offer for `model` names. */
  token: Address;
  model: Hex;
  /** `SessionPricing.PerRequest` (default) or `SessionPricing.PerThousandTokens`. */
  pricing?: SessionPricing;
  /** At most the provider's offer price for `model`, per request (or per 1,000 tokens). */
  maxPrice: bigint;
  /** Escrow, taken from the caller's balance in the market (`depositBalance`, refunds, earnings). */
  amount: bigint;
  /** Unix seconds; vouchers settle until `expiry + 1 day`, the client reclaims after. At most 30 days ahead. */
  expiry: bigint | number;
  /** A session key that may sign vouchers besides the client (default: none, the client signs). */
  signer?: Address;
  /** Makes the session id; default: random. */
  nonce?: bigint;
  account?: Account | Address | undefined;
}

export interface OpenSessionFromBalanceReturnType {
  hash: Hash;
  /** The id the simulation returned (the receipt's `SessionOpened` is final: see {@link openSessionFromBalanceSync}). */
  sessionId: Hex;
  nonce: bigint;
}

/**
 * Refused before any request (bad address or amount, no account, no code), the market's typed reverts (the caller's
 * balance is short: `ClaimExceedsBalanceError`, deposit first; paused; not a session module), or the module's (the
 * same as {@link openSession}'s).
 */
export type OpenSessionFromBalanceErrorType =
  | InvalidAddressError
  | InvalidAmountError
  | AccountNotFoundError
  | NoContractError
  | AmountZeroError
  | EnforcedPauseError
  | ModuleNotActiveError
  | ModuleNotSessionReceiverError
  | ClaimExceedsBalanceError
  | SessionPriceZeroError
  | SessionTokenNotAllowedError
  | SessionOfferNotActiveError
  | SessionOfferTokenMismatchError
  | SessionPriceAboveOfferError
  | SessionExpiryOutOfRangeError
  | SessionAlreadyExistsError
  | SimulateContractErrorType
  | WriteContractErrorType;

/** The market's functions plus the module's errors, which its call bubbles up. */
const abi = [...jobMarketAbi, ...paymentSessionsAbi.filter((item) => item.type === "error")] as Abi;

/**
 * Opens a payment session paid from the caller's balance in the market (`IJobMarket.openSessionFromBalance`): no
 * ERC-20 approval and no tokens in the wallet; the market moves exactly `amount` of the caller's own balance to the
 * module, which opens the session with the same checks and terms as {@link openSession}. Use
 * {@link openSessionFromBalanceSync} to wait for the receipt and get the terms.
 *
 * @example
 * await depositBalance(walletClient, { market, token: usdc, amount: 5_000_000n });
 * const { sessionId } = await openSessionFromBalance(walletClient, {
 *   market, sessions, provider, token: usdc, model, maxPrice: 10_000n, amount: 1_000_000n,
 *   expiry: BigInt(Math.floor(Date.now() / 1000) + 86_400),
 * });
 */
export async function openSessionFromBalance<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account | undefined>,
  parameters: OpenSessionFromBalanceParameters,
): Promise<OpenSessionFromBalanceReturnType> {
  const { market, sessions, provider, token, model, pricing = SessionPricing.PerRequest, maxPrice, amount, expiry, signer, account } = parameters;
  assertAddress("market", market);
  assertAddress("provider", provider);
  assertAddress("token", token);
  assertAmount("maxPrice", maxPrice, { bound: "uint96" });
  assertAmount("amount", amount, { bound: "uint96" });
  assertAmount("expiry", BigInt(expiry), { bound: "uint40" });
  if (signer !== undefined) assertAddress("signer", signer);
  const from = await prepareSessionWrite(client, { sessions, account, action: "openSessionFromBalance" });
  await assertHasCode(client, market, "market");
  const nonce = parameters.nonce ?? BigInt(Math.floor(Math.random() * 2 ** 53));
  assertAmount("nonce", nonce, { allowZero: true, bound: "uint64" });
  const data = encodeAbiParameters(
    [{ type: "uint8" }, { type: "uint96" }, { type: "uint40" }, { type: "address" }, { type: "uint64" }],
    [pricing, maxPrice, Number(expiry), signer ?? "0x0000000000000000000000000000000000000000", nonce],
  );
  const { hash, result } = await simulateAndWrite(client, market, abi, "openSessionFromBalance", [sessions, provider, model, token, amount, data], {
    account: from,
  });
  return { hash, sessionId: result as Hex, nonce };
}

/**
 * {@link openSessionFromBalance}, then waits for the receipt: returns the session id and its terms from
 * `SessionOpened`.
 *
 * @example
 * const { sessionId, terms } = await openSessionFromBalanceSync(walletClient, { market, sessions, provider, token, model, maxPrice, amount, expiry });
 */
export async function openSessionFromBalanceSync<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account | undefined>,
  parameters: OpenSessionFromBalanceParameters,
): Promise<OpenSessionFromBalanceReturnType & { terms: SessionTerms; receipt: Awaited<ReturnType<typeof sessionEventIn>>["receipt"] }> {
  const opened = await openSessionFromBalance(client, parameters);
  const { receipt } = await sessionEventIn(client, parameters.sessions, opened.hash, "SessionOpened");
  const [{ sessionId, terms }] = sessionOpenedFromLogs(receipt.logs.filter((l) => l.address.toLowerCase() === parameters.sessions.toLowerCase()));
  return { ...opened, sessionId, terms, receipt };
}
