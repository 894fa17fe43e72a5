import { encodeAbiParameters, keccak256, parseEventLogs, type Address, type Hex, type Log } from "viem";

import { paymentSessionsAbi } from "../abis/paymentSessions.js";

/**
 * A session's terms (`IPaymentSessionsTypes.SessionTerms`): fixed at opening and never stored by the contract. Every
 * call about a session passes them back, and the contract hashes them into the session id (see `sessionIdOf`). They
 * come from `open`'s `SessionOpened` event (`sessionOpenedFromLogs`).
 */
export interface SessionTerms {
  client: Address;
  provider: Address;
  token: Address;
  model: Hex;
  /** 0: per request, 1: per 1,000 tokens (`SessionPricing`). */
  pricing: number;
  maxPrice: bigint;
  /** The escrow at opening (top-ups are on-chain state). */
  amount: bigint;
  /** The first session key (zero address: the client only). */
  signer: Address;
  nonce: bigint;
  signerEpoch: number;
  protocolFeeBps: number;
  collateralRatioBps: number;
  challengeWindow: number;
  stakeRate: bigint;
}

const termsAbiParameter = paymentSessionsAbi
  .find((item) => item.type === "event" && item.name === "SessionOpened")!
  .inputs.find((input) => input.name === "terms")!;

/**
 * The id of the session with these terms on the module at `sessions` on chain `chainId`:
 * `keccak256(abi.encode(chainId, sessions, terms))`, as the contract computes it.
 *
 * @example
 * const id = sessionIdOf(31337, sessions, terms); // equals what `open` returned
 */
export function sessionIdOf(chainId: number | bigint, sessions: Address, terms: SessionTerms): Hex {
  return keccak256(
    encodeAbiParameters([{ type: "uint256" }, { type: "address" }, termsAbiParameter], [BigInt(chainId), sessions, terms]),
  );
}

/** What `SessionOpened` says: the id, the terms and the expiry at opening. */
export interface OpenedSession {
  sessionId: Hex;
  terms: SessionTerms;
  expiry: number;
}

/**
 * The sessions opened in these logs (e.g. a receipt's), in order.
 *
 * @example
 * const receipt = await publicClient.waitForTransactionReceipt({ hash });
 * const [{ sessionId, terms }] = sessionOpenedFromLogs(receipt.logs);
 */
export function sessionOpenedFromLogs(logs: readonly Log[]): OpenedSession[] {
  return parseEventLogs({ abi: paymentSessionsAbi, eventName: "SessionOpened", logs: logs as Log[] }).map((log) => ({
    sessionId: log.args.sessionId,
    terms: { ...log.args.terms } as SessionTerms,
    expiry: Number(log.args.expiry),
  }));
}
