import type { Account, Address, Chain, Client, Hash, Hex, SimulateContractErrorType, Transport, WriteContractErrorType } from "viem";
import { readContract } from "viem/actions";

import { jobMarketAbi } from "../../abis/jobMarket.js";
import { paymentSessionsAbi } from "../../abis/paymentSessions.js";
import type {
  SessionAttestationWrongSignerError,
  SessionChallengeWindowClosedError,
  SessionDisputeByProviderError,
  SessionDisputeExistsError,
  SessionEquivocationSameAttestationError,
  SessionFeeOnTransferTokenError,
  SessionNothingAtStakeError,
  SessionRequestNotDisputableError,
  SessionSignatureInvalidError,
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

export interface DisputeSessionRequestParameters {
  sessions: Address;
  sessionId: Hex;
  /** The session's terms, if the caller has them (else they are read from its `SessionOpened` event). */
  terms?: SessionTerms | undefined;
  /** 0-based index of the request in the session. */
  requestIndex: bigint;
  inputHash: Hex;
  outputHash: Hex;
  /** The provider's attestation of that answer (its signer key's EIP-712 signature). */
  signature: Hex;
  /** Where the evidence is (a URI or content hash); default `""`. */
  evidence?: string;
  account?: Account | Address | undefined;
}

export type DisputeSessionRequestErrorType =
  | InvalidAddressError
  | InvalidAmountError
  | AccountNotFoundError
  | NoContractError
  | TokenRevertedError
  | SessionUnknownError
  | SessionRequestNotDisputableError
  | SessionChallengeWindowClosedError
  | SessionDisputeByProviderError
  | SessionDisputeExistsError
  | SessionSignatureInvalidError
  | SessionAttestationWrongSignerError
  | SessionFeeOnTransferTokenError
  | SimulateContractErrorType
  | WriteContractErrorType;

/**
 * Disputes one answer of a session with the provider's attestation, posting the bond
 * (`max(maxPrice × bondRatio, bondFloor)` in the session's token, approved first if needed). Only settled requests
 * not yet released, within the challenge window of the latest settlement. The arbitrator rules; upheld, the
 * session's collateral is slashed and the pending settlement refunded to the client.
 *
 * @example
 * const { disputeId, bond } = await disputeSessionRequest(walletClient, {
 *   sessions, sessionId, requestIndex: 41n, inputHash, outputHash, signature: attestation, evidence: "ipfs://…",
 * });
 */
export async function disputeSessionRequest<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account | undefined>,
  { sessions, sessionId, terms, requestIndex, inputHash, outputHash, signature, evidence = "", account }: DisputeSessionRequestParameters,
): Promise<{ hash: Hash; disputeId: Hex; bond: bigint }> {
  assertAmount("requestIndex", requestIndex, { allowZero: true, bound: "uint64" });
  const from = await prepareSessionWrite(client, { sessions, account, action: "disputeSessionRequest" });
  const s = await resolveSessionTerms(client, { sessions, sessionId, terms });
  const market = await readContract(client, { address: sessions, abi: paymentSessionsAbi, functionName: "market" });
  const [[params], tokenConfig] = await Promise.all([
    readContract(client, { address: market, abi: jobMarketAbi, functionName: "params" }),
    readContract(client, { address: market, abi: jobMarketAbi, functionName: "paymentToken", args: [s.token] }),
  ]);
  const ratioBond = (s.maxPrice * BigInt(params.bondRatioBps)) / 10_000n;
  const bond = ratioBond > tokenConfig.bondFloor ? ratioBond : tokenConfig.bondFloor;
  await ensureAllowance(client, s.token, sessions, bond, { account: from });
  const { hash, result } = await writeSessions(
    client,
    sessions,
    "disputeRequest",
    [s, requestIndex, inputHash, outputHash, signature, evidence],
    { account: from, token: s.token },
  );
  return { hash, disputeId: result as Hex, bond };
}

/** One signed attestation of an answer: what the provider's signer key signed. */
export interface SignedSessionAttestation {
  model: Hex;
  inputHash: Hex;
  outputHash: Hex;
  signature: Hex;
}

export interface ReportSessionEquivocationParameters {
  sessions: Address;
  sessionId: Hex;
  /** The session's terms, if the caller has them (else they are read from its `SessionOpened` event). */
  terms?: SessionTerms | undefined;
  requestIndex: bigint;
  a: SignedSessionAttestation;
  b: SignedSessionAttestation;
  account?: Account | Address | undefined;
}

export type ReportSessionEquivocationErrorType =
  | InvalidAddressError
  | InvalidAmountError
  | AccountNotFoundError
  | NoContractError
  | SessionUnknownError
  | SessionWrongStatusError
  | SessionNothingAtStakeError
  | SessionEquivocationSameAttestationError
  | SessionSignatureInvalidError
  | SessionAttestationWrongSignerError
  | SimulateContractErrorType
  | WriteContractErrorType;

/**
 * Proves that a provider signed two different attestations for one request of a session: no bond, no arbitrator.
 * Slashes the session's collateral (half to the caller, in stake, claimable in the market), refunds the pending
 * settlement to the client and freezes the session.
 *
 * @example
 * await reportSessionEquivocation(walletClient, { sessions, sessionId, requestIndex: 7n, a, b });
 */
export async function reportSessionEquivocation<chain extends Chain | undefined>(
  client: Client<Transport, chain, Account | undefined>,
  { sessions, sessionId, terms, requestIndex, a, b, account }: ReportSessionEquivocationParameters,
): Promise<{ hash: Hash }> {
  assertAmount("requestIndex", requestIndex, { allowZero: true, bound: "uint64" });
  const from = await prepareSessionWrite(client, { sessions, account, action: "reportSessionEquivocation" });
  const { hash } = await writeSessions(
    client,
    sessions,
    "reportEquivocation",
    [await resolveSessionTerms(client, { sessions, sessionId, terms }), requestIndex, a, b],
    { account: from },
  );
  return { hash };
}
