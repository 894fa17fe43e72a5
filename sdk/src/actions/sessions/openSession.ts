import type { Account, Address, Chain, Client, Hash, Hex, SimulateContractErrorType, Transport, WriteContractErrorType } from "viem";
import type {
  SessionAlreadyExistsError,
  SessionAmountZeroError,
  SessionExpiryOutOfRangeError,
  SessionFeeOnTransferTokenError,
  SessionOfferNotActiveError,
  SessionOfferTokenMismatchError,
  SessionPriceAboveOfferError,
  SessionPriceZeroError,
  SessionTokenNotAllowedError,
} from "../../errors/contract.js";
import type { TokenRevertedError } from "../../errors/token.js";
import type { AccountNotFoundError, InvalidAddressError, InvalidAmountError, NoContractError } from "../../errors/validation.js";
import { SessionPricing } from "../../sessions/typedData.js";
import { sessionOpenedFromLogs, type SessionTerms } from "../../sessions/terms.js";
import { ensureAllowance } from "../../utils/erc20.js";
import { assertAddress, assertAmount } from "../../utils/validate.js";
import { prepareSessionWrite, sessionEventIn, writeSessions } from "./common.js";

export interface OpenSessionParameters {
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
  /** Escrow, pulled from the caller (approved first if needed). */
  amount: bigint;
  /** Unix seconds; vouchers settle until `expiry + 1 day`, the client reclaims after. At most 30 days ahead. */
  expiry: bigint | number;
  /** A session key that may sign vouchers besides the client (default: none, the client signs). */
  signer?: Address;
  /** Makes the session id; default: random. */
  nonce?: bigint;
  account?: Account | Address | undefined;
}

export interface OpenSessionReturnType {
  hash: Hash;
  /** `keccak256(abi.encode(chainId, sessions, terms))`, as the simulation returned it (the receipt's `SessionOpened` is final). */
  sessionId: Hex;
  /** What every later call about the session passes back (the contract does not store them). */
  terms: SessionTerms;
  nonce: bigint;
}

/** Refused before any request (bad address or amount, no account), or the module's typed reverts, or the token's. */
export type OpenSessionErrorType =
  | InvalidAddressError
  | InvalidAmountError
  | AccountNotFoundError
  | NoContractError
  | TokenRevertedError
  | SessionAmountZeroError
  | SessionPriceZeroError
  | SessionTokenNotAllowedError
  | SessionOfferNotActiveError
  | SessionOfferTokenMismatchError
  | SessionPriceAboveOfferError
  | SessionExpiryOutOfRangeError
  | SessionAlreadyExistsError
  | SessionFeeOnTransferTokenError
  | SimulateContractErrorType
  | WriteContractErrorType;

/**
 * Opens a payment session with a provider: escrows `amount` of `token` in the sessions module (approving it first
 * if needed). The client then signs cumulative vouchers off-chain, one per request; the provider settles the
 * latest one. Use {@link openSessionSync} to wait for the receipt.
 *
 * @example
 * const { sessionId } = await openSession(walletClient, {
 *   sessions, provider, token: usdc, model, maxPrice: 10_000n, amount: 1_000_000n,
 *   expiry: BigInt(Math.floor(Date.now() / 1000) + 86_400),
 * });
 */
export async function openSession<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account | undefined>,
  parameters: OpenSessionParameters,
): Promise<OpenSessionReturnType> {
  const { sessions, provider, token, model, pricing = SessionPricing.PerRequest, maxPrice, amount, expiry, signer, account } = parameters;
  assertAddress("provider", provider);
  assertAddress("token", token);
  assertAmount("maxPrice", maxPrice, { bound: "uint96" });
  assertAmount("amount", amount, { bound: "uint96" });
  assertAmount("expiry", BigInt(expiry), { bound: "uint40" });
  if (signer !== undefined) assertAddress("signer", signer);
  const from = await prepareSessionWrite(client, { sessions, account, action: "openSession" });
  const nonce = parameters.nonce ?? BigInt(Math.floor(Math.random() * 2 ** 53));
  assertAmount("nonce", nonce, { allowZero: true, bound: "uint64" });
  await ensureAllowance(client, token, sessions, amount, { account: from });
  const { hash, result } = await writeSessions(
    client,
    sessions,
    "open",
    [{ provider, token, model, pricing, maxPrice, amount, expiry: Number(expiry), signer: signer ?? "0x0000000000000000000000000000000000000000", nonce }],
    { account: from, token },
  );
  const [sessionId, terms] = result as readonly [Hex, SessionTerms];
  return { hash, sessionId, terms: { ...terms }, nonce };
}

/**
 * {@link openSession}, then waits for the receipt: returns the session id once it is on-chain.
 *
 * @example
 * const { sessionId, receipt } = await openSessionSync(walletClient, { sessions, provider, token, model, maxPrice, amount, expiry });
 */
export async function openSessionSync<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account | undefined>,
  parameters: OpenSessionParameters,
) {
  const opened = await openSession(client, parameters);
  const { receipt } = await sessionEventIn(client, parameters.sessions, opened.hash, "SessionOpened");
  // The receipt is final: the market's parameters could have changed between the simulation and the block.
  const [{ sessionId, terms }] = sessionOpenedFromLogs(receipt.logs.filter((l) => l.address.toLowerCase() === parameters.sessions.toLowerCase()));
  return { ...opened, sessionId, terms, receipt };
}
