// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IJobMarketTypes} from "./IJobMarket.sol";
import {ModelId} from "../types/Ids.sol";

/// @title Types of the Depinfer payment-session module
/// @notice Units: escrow, prices, vouchers, bonds and refunds are in the session's payment token's smallest
///         unit; collateral and slashes are in the stake token's smallest unit. Times are unix seconds.
///         Request indexes are 0-based: a voucher with `requestCount = n` pays for requests `0 … n−1`.
interface IPaymentSessionsTypes {
    /// @notice What `maxPrice` is the price of.
    enum Pricing {
        PerRequest, //         `maxPrice` per request: a voucher may not exceed `requestCount × maxPrice`
        PerThousandTokens //   `maxPrice` per 1,000 tokens: token counts are off-chain, the client's voucher is the cap
    }

    /// @notice Where a session is. `Closed` and `Slashed` are terminal for new vouchers.
    enum SessionStatus {
        None, //     0: no such session
        Open, //     1: the provider may settle vouchers
        Closed, //   2: unspent escrow returned to the client; pending settlements still run their window
        Slashed //   3: a wrong answer or an equivocation was proven; no more vouchers
    }

    /// @notice Where a dispute of one request is.
    enum DisputeStatus {
        None,
        Open,
        Upheld,
        Rejected,
        Draw,
        Cancelled
    }

    /// @notice What a client asks for when it opens a session.
    /// @param provider The provider serving the session.
    /// @param token An allow-listed payment token (`IJobMarket.paymentToken(token).allowed`).
    /// @param model The model served; the provider's offer for it must be active and in `token`.
    /// @param pricing What `maxPrice` is the price of.
    /// @param maxPrice At most the provider's offer price for `model`.
    /// @param amount Escrow pulled from the client with `transferFrom`.
    /// @param expiry No voucher is honoured past `expiry + SETTLEMENT_GRACE`.
    /// @param signer A session key that may sign vouchers besides the client (zero: the client only).
    /// @param nonce Any number; the session id is `keccak256(abi.encode(chainid, this, client, nonce))`.
    struct OpenParams {
        address provider;
        address token;
        ModelId model;
        Pricing pricing;
        uint96 maxPrice;
        uint96 amount;
        uint40 expiry;
        address signer;
        uint64 nonce;
    }

    /// @notice A session's terms: fixed at opening, never stored. Every call about a session passes them back in
    ///         calldata and the contract recomputes the id, `keccak256(abi.encode(chainid, this, terms))`: what is
    ///         stored is one slot of state per session (`SessionState`), as the job core does with `Job`. The terms
    ///         are in `SessionOpened` and returned by `open`.
    /// @param client Who opened it and pays; signs vouchers.
    /// @param provider The provider serving the session.
    /// @param token The payment token.
    /// @param model The model served (attestations name it).
    /// @param pricing What `maxPrice` is the price of.
    /// @param maxPrice At most the provider's offer price for `model` at opening.
    /// @param amount The escrow at opening (top-ups are in `SessionLedger.toppedUp`).
    /// @param signer The first session key (zero: the client only); a change is in `SessionKeys`.
    /// @param nonce The client's choice: sessions with the same other terms differ by it.
    /// @param signerEpoch The provider's signer epoch at opening: only keys of this epoch or later are evidence.
    /// @param protocolFeeBps The protocol fee at opening.
    /// @param collateralRatioBps The collateral ratio at opening: a settlement locks this much of its value in stake.
    /// @param challengeWindow The challenge window at opening (seconds after each settlement).
    /// @param stakeRate The token's stake rate at opening (stake units per token unit, scaled by 1e18).
    struct SessionTerms {
        address client;
        address provider;
        address token;
        ModelId model;
        Pricing pricing;
        uint96 maxPrice;
        uint96 amount;
        address signer;
        uint64 nonce;
        uint8 signerEpoch;
        uint16 protocolFeeBps;
        uint32 collateralRatioBps;
        uint32 challengeWindow;
        uint128 stakeRate;
    }

    /// @notice What opening, settling and reclaiming read and write: one slot per session.
    /// @param settled The highest voucher the provider collected (cumulative).
    /// @param settledRequests The `requestCount` of the settled voucher.
    /// @param unlockAt End of the fraud window of the latest settlement.
    /// @param expiry No voucher is honoured past `expiry + SETTLEMENT_GRACE`.
    /// @param hasLedger Whether `SessionLedger` is in use (a top-up, a release, a refund or a dispute happened).
    /// @param keyChanged Whether `setSessionSigner` replaced `terms.signer` (then `SessionKeys` holds the keys).
    /// @param unspentReturned The unspent escrow left the session (reclaimed, or credited by `close`).
    /// @param openedBlock The block that opened the session, modulo 2^32: where `SessionOpened` (and so the terms)
    ///        is, found without a scan (`getSessionTerms`). Times are `uint32` unix seconds here (until 2106), which
    ///        frees the bits for it in the one slot.
    struct SessionState {
        uint96 settled;
        uint32 settledRequests;
        uint32 unlockAt;
        uint32 expiry;
        SessionStatus status;
        bool hasLedger;
        bool keyChanged;
        bool unspentReturned;
        uint32 openedBlock;
    }

    /// @notice The rest of a session's state, written only off the hot path (one slot).
    /// @param toppedUp Escrow added after opening.
    /// @param released Of `settled`, what already left the session: paid to the provider after the window, or
    ///        refunded to the client by a proven fault or a dispute nobody ruled on.
    /// @param releasedRequests Requests whose settlement was released: they can no longer be disputed.
    /// @param openDisputes Disputes not yet ruled on or cancelled.
    struct SessionLedger {
        uint96 toppedUp;
        uint96 released;
        uint32 releasedRequests;
        uint16 openDisputes;
    }

    /// @notice Session keys after a change (`setSessionSigner`).
    struct SessionKeys {
        address signer;
        uint40 prevSignerUntil;
        address prevSigner;
    }

    /// @notice A provider's collateral with this module. `locked` is what the module holds locked of its stake in the
    ///         market (`moduleStake(this, provider).locked`); `used` is what backs pending settlements
    ///         (Σ `collateralFor(settled − released)` over its sessions). The idle part, `locked − used`, backs the
    ///         next settlements without a call to the market; the provider unlocks it with `unlockCollateral`.
    struct CollateralPool {
        uint96 locked;
        uint96 used;
    }

    /// @notice A session as the views show it (the terms joined with the state).
    /// @param escrow Everything the client escrowed, less what it reclaimed (so `escrow − settled` is unspent).
    /// @param collateral Stake that backs the pending settlement (`settled − released`).
    struct Session {
        address client;
        uint40 expiry;
        SessionStatus status;
        Pricing pricing;
        uint8 signerEpoch;
        uint16 openDisputes;
        uint16 protocolFeeBps;
        address provider;
        uint96 maxPrice;
        address token;
        uint32 settledRequests;
        uint32 releasedRequests;
        ModelId model;
        uint96 escrow;
        uint96 settled;
        uint40 unlockAt;
        uint96 collateral;
        uint96 released;
        address signer;
        address prevSigner;
        uint40 prevSignerUntil;
    }

    /// @notice A dispute of one request of a session. Its id is `keccak256(abi.encode(sessionId, requestIndex))`.
    struct SessionDispute {
        bytes32 sessionId;
        address challenger;
        uint96 bond;
        uint40 deadline;
        uint32 requestIndex;
        DisputeStatus status;
    }

    /// @notice One signed attestation of a request's answer (what the provider's signer key signed).
    struct SignedAttestation {
        ModelId model;
        bytes32 inputHash;
        bytes32 outputHash;
        bytes signature;
    }
}

/// @title Errors of the payment-session module
/// @notice Every error names its component and carries the values that caused it.
interface IPaymentSessionsErrors {
    // --- opening and top-up ---
    error SessionAmountZero();
    error SessionPriceZero();
    error SessionTokenNotAllowed(address token);
    error SessionOfferNotActive(address provider, ModelId model);
    error SessionOfferTokenMismatch(address provider, ModelId model, address offeredToken, address token);
    error SessionPriceAboveOffer(address provider, ModelId model, uint256 maxPrice, uint256 offerPrice);
    error SessionExpiryOutOfRange(uint256 expiry, uint256 min, uint256 max);
    error SessionAlreadyExists(bytes32 sessionId);
    error SessionEscrowTooLarge(uint256 escrow, uint256 max);
    error SessionFeeOnTransferToken(address token, uint256 expected, uint256 received);
    /// @dev `unlockCollateral` of more than the idle part of the provider's pool (`locked − used`).
    error SessionCollateralNotIdle(address provider, uint256 requested, uint256 idle);
    /// @dev A dispute function called at `PaymentSessionsDisputes`' own address instead of through `PaymentSessions`.
    error SessionNotDelegated();
    /// @notice `onSessionFunded` called by someone other than the market.
    error SessionNotMarket(address caller);
    /// @dev A dispute passed with terms of another session.
    error SessionDisputeOfAnotherSession(bytes32 disputeId, bytes32 disputeSessionId, bytes32 sessionId);

    // --- who and where ---
    error SessionUnknown(bytes32 sessionId);
    error SessionNotClient(bytes32 sessionId, address caller, address client);
    error SessionNotProvider(bytes32 sessionId, address caller, address provider);
    error SessionWrongStatus(bytes32 sessionId, IPaymentSessionsTypes.SessionStatus status);
    /// @dev A voucher for a session that the client reclaimed or the provider closed.
    error SessionIsClosed(bytes32 sessionId);
    /// @dev Top-up or signer change after the expiry.
    error SessionExpired(bytes32 sessionId, uint256 expiry, uint256 nowTime);
    /// @dev A voucher after `expiry + SETTLEMENT_GRACE`: the client may reclaim from then on, so nothing settles.
    error SessionSettlementClosed(bytes32 sessionId, uint256 deadline, uint256 nowTime);
    error SessionSignerChangePending(bytes32 sessionId, address previous, uint256 validUntil);

    // --- vouchers ---
    error SessionVoucherAboveEscrow(bytes32 sessionId, uint256 cumulativeAmount, uint256 escrow);
    error SessionVoucherNotIncreasing(bytes32 sessionId, uint256 cumulativeAmount, uint256 settled);
    error SessionVoucherRequestCountDecreasing(bytes32 sessionId, uint256 requestCount, uint256 settledRequests);
    error SessionVoucherAbovePrice(bytes32 sessionId, uint256 cumulativeAmount, uint256 maxAmount);
    /// @dev Malformed (not 65 bytes), high-s, or an invalid `v`.
    error SessionSignatureInvalid(bytes32 sessionId);
    /// @dev The voucher was not signed by the client or a valid session key: also what a voucher replayed from
    ///      another session, chain or deployment recovers to (the digest binds all three).
    error SessionVoucherWrongSigner(bytes32 sessionId, address recovered);

    // --- release, close, claim ---
    error SessionReleaseTooEarly(bytes32 sessionId, uint256 unlockAt, uint256 nowTime);
    error SessionDisputesOpen(bytes32 sessionId, uint256 openDisputes);
    error SessionNothingToRelease(bytes32 sessionId);
    error SessionReclaimTooEarly(bytes32 sessionId, uint256 availableAt, uint256 nowTime);
    error SessionNothingToClaim(address account, address token);

    // --- disputes and equivocation ---
    error SessionRequestNotDisputable(
        bytes32 sessionId, uint256 requestIndex, uint256 releasedRequests, uint256 settledRequests
    );
    error SessionChallengeWindowClosed(bytes32 sessionId, uint256 endedAt, uint256 nowTime);
    error SessionDisputeByProvider(bytes32 sessionId, address caller);
    error SessionDisputeExists(bytes32 disputeId);
    error SessionDisputeNotOpen(bytes32 disputeId, IPaymentSessionsTypes.DisputeStatus status);
    error SessionDisputeResolutionClosed(bytes32 disputeId, uint256 deadline, uint256 nowTime);
    error SessionDisputeResolutionPending(bytes32 disputeId, uint256 deadline, uint256 nowTime);
    /// @dev Not signed by a signer key of `provider` of the session's signer epoch or later.
    error SessionAttestationWrongSigner(bytes32 sessionId, address recovered);
    error SessionEquivocationSameAttestation(bytes32 sessionId, uint256 requestIndex);
    error SessionNothingAtStake(bytes32 sessionId);
}

/// @title Events of the payment-session module
interface IPaymentSessionsEvents {
    /// @notice The only record of a session's terms: every later call passes them back (`SessionTerms`).
    event SessionOpened(
        bytes32 indexed sessionId,
        address indexed client,
        address indexed provider,
        IPaymentSessionsTypes.SessionTerms terms,
        uint256 expiry
    );
    event SessionToppedUp(bytes32 indexed sessionId, uint256 amount, uint256 escrow, uint256 expiry);
    event SessionSignerChanged(bytes32 indexed sessionId, address signer, address previous, uint256 previousValidUntil);
    /// @notice A settlement (the provider is in the terms; what it added is the difference from the previous one).
    event SessionSettled(bytes32 indexed sessionId, uint256 cumulativeAmount, uint256 requestCount, uint256 unlockAt);
    event SessionCollateralLocked(address indexed provider, uint256 amount, uint256 locked);
    event SessionCollateralUnlocked(address indexed provider, uint256 amount, uint256 locked);
    event SessionReleased(
        bytes32 indexed sessionId, address indexed provider, uint256 paid, uint256 fee, uint256 collateral
    );
    event SessionClosed(bytes32 indexed sessionId, address indexed by, uint256 refund);
    event SessionRequestDisputed(
        bytes32 indexed disputeId,
        bytes32 indexed sessionId,
        address indexed challenger,
        uint256 requestIndex,
        bytes32 inputHash,
        bytes32 outputHash,
        uint256 bond,
        uint256 deadline,
        string evidence
    );
    event SessionDisputeResolved(
        bytes32 indexed disputeId,
        bytes32 indexed sessionId,
        IJobMarketTypes.Outcome outcome,
        uint256 slashed,
        uint256 refunded,
        address indexed arbiter,
        string reason
    );
    event SessionDisputeCancelled(bytes32 indexed disputeId, bytes32 indexed sessionId, uint256 refunded);
    event SessionEquivocationProven(
        bytes32 indexed sessionId, uint256 requestIndex, address indexed reporter, uint256 slashed, uint256 refunded
    );
    event SessionFundsClaimed(address indexed account, address indexed token, address to, uint256 amount);
    event SessionFeesSwept(address indexed token, address indexed treasury, uint256 amount);
    event SessionArbitrationFeesClaimed(address indexed token, address indexed to, uint256 amount);
}

/// @title The payment-session module's disputes, run by delegatecall from `PaymentSessions` (its storage, its
///        address): the module is one contract to its callers, split in two for the code-size limit.
interface IPaymentSessionsDisputes is IPaymentSessionsTypes, IPaymentSessionsErrors, IPaymentSessionsEvents {
    // ------------------------------------------------------------------ disputes

    /// @notice Disputes the answer to request `requestIndex` with the provider's attestation, posting a bond of
    ///         `max(maxPrice × bondRatioBps, bondFloor)` (market parameters). Allowed for a settled, unreleased
    ///         request, while the challenge window of the latest settlement runs. Not the provider or its signer.
    /// @dev Reverts with `SessionUnknown`, `SessionRequestNotDisputable`, `SessionChallengeWindowClosed`,
    ///      `SessionDisputeByProvider`, `SessionDisputeExists`,
    ///      `SessionSignatureInvalid`, `SessionAttestationWrongSigner` or `SessionFeeOnTransferToken`.
    /// @return disputeId `keccak256(abi.encode(sessionId, requestIndex))`.
    function disputeRequest(
        SessionTerms calldata t,
        uint64 requestIndex,
        bytes32 inputHash,
        bytes32 outputHash,
        bytes calldata signature,
        string calldata evidence
    ) external returns (bytes32 disputeId);

    /// @notice Rules on a dispute (restricted: the ARBITRATOR role, or a verifier module granted it). Each outcome
    ///         takes `disputeFeeBps` of the bond for the arbitration, whoever wins, so no ruling pays more.
    ///         Upheld: the session's whole collateral is slashed (`challengerShareBps` to the challenger), the
    ///         pending settlement is refunded to the client, the bond (less the fee) returned, the session `Slashed`.
    ///         Rejected: the bond less the fee goes to the provider. Draw: back to the challenger.
    /// @dev Reverts with `SessionDisputeOfAnotherSession`, `SessionDisputeNotOpen` or `SessionDisputeResolutionClosed`.
    function resolveDispute(
        SessionTerms calldata t,
        bytes32 disputeId,
        IJobMarketTypes.Outcome outcome,
        string calldata reason
    ) external;

    /// @notice After a dispute's resolution deadline, anyone cancels it: the bond is returned and the pending
    ///         settlement refunded to the client (a missing ruling never leaves a possibly wrong answer paid).
    /// @dev Reverts with `SessionDisputeOfAnotherSession`, `SessionDisputeNotOpen` or `SessionDisputeResolutionPending`.
    function cancelDispute(SessionTerms calldata t, bytes32 disputeId) external;

    /// @notice Proves that the provider signed two different attestations for one request index. Slashes the
    ///         session's collateral (`challengerShareBps` to the caller), refunds the pending settlement to the
    ///         client and marks the session `Slashed`. Anyone may call, with no bond and no arbitrator.
    /// @dev Reverts with `SessionUnknown`, `SessionWrongStatus`, `SessionNothingAtStake` (closed, nothing pending),
    ///      `SessionEquivocationSameAttestation`, `SessionSignatureInvalid` or `SessionAttestationWrongSigner`.
    function reportEquivocation(
        SessionTerms calldata t,
        uint64 requestIndex,
        SignedAttestation calldata a,
        SignedAttestation calldata b
    ) external;

    /// @notice Withdraws the arbitration fees in `token` (restricted: the ARBITRATOR role).
    /// @dev Reverts with `SessionNothingToClaim`.
    function claimArbitrationFees(address token, address to) external returns (uint256 amount);

    /// @notice A session with these terms (status `None` if unknown), joined with its state.
    function session(SessionTerms calldata t) external view returns (Session memory);
}

/// @title The payment-session module's own code: opening, settling, closing, balances and views
interface IPaymentSessionsCore is IPaymentSessionsTypes, IPaymentSessionsErrors, IPaymentSessionsEvents {
    // ------------------------------------------------------------------ client

    /// @notice Opens a session: pulls `p.amount` of `p.token` from the caller into escrow, and fixes the terms
    ///         (the caller's parameters plus the market's protocol fee, collateral ratio, challenge window, the
    ///         token's stake rate and the provider's signer epoch, as they are now).
    /// @dev Reverts with `SessionAmountZero`, `SessionPriceZero`, `SessionTokenNotAllowed`, `SessionOfferNotActive`,
    ///      `SessionOfferTokenMismatch`, `SessionPriceAboveOffer`, `SessionExpiryOutOfRange`, `SessionAlreadyExists`,
    ///      `SessionFeeOnTransferToken` or `ModuleNotActive` (a retired module opens nothing).
    /// @return sessionId `keccak256(abi.encode(block.chainid, address(this), terms))`.
    /// @return terms What every later call about the session passes back.
    function open(OpenParams calldata p) external returns (bytes32 sessionId, SessionTerms memory terms);

    /// @notice Opens a session paid from the client's balance in the market: the market calls it from
    ///         `IJobMarket.openSessionFromBalance(this, provider, model, token, amount, data)`, which the client sends,
    ///         after it moved `amount` of the client's balance here (no ERC-20 allowance, no pull: about 30,000 gas
    ///         less than `open`). The same checks, terms and `SessionOpened` as `open`; `data` is
    ///         `abi.encode(Pricing pricing, uint96 maxPrice, uint40 expiry, address signer, uint64 nonce)`.
    ///         Only the market may call it. Its selector is `ISessionFundingReceiver.onSessionFunded`'s.
    /// @dev Reverts with `SessionNotMarket`, and the errors of `open` but `SessionFeeOnTransferToken`.
    function onSessionFunded(
        address client,
        address provider,
        ModelId model,
        address token,
        uint96 amount,
        IJobMarketTypes.SessionQuote calldata quote,
        bytes calldata data
    ) external returns (bytes4 magic, bytes32 sessionId);

    /// @notice Adds `amount` to an open session's escrow and moves its expiry to `expiry` (0 keeps it; it can only
    ///         grow, up to `MAX_DURATION` from now). Client only, before the expiry.
    /// @dev Reverts with `SessionUnknown`, `SessionNotClient`, `SessionWrongStatus`, `SessionExpired`,
    ///      `SessionExpiryOutOfRange`, `SessionEscrowTooLarge` or `SessionFeeOnTransferToken`.
    function topUp(SessionTerms calldata t, uint96 amount, uint40 expiry) external;

    /// @notice Replaces the session key. The old key stays valid for `SETTLEMENT_GRACE` (longer than the provider
    ///         needs to settle what it already holds), so a revocation never voids a voucher already given.
    /// @dev Reverts with `SessionUnknown`, `SessionNotClient`, `SessionWrongStatus`, `SessionExpired` or
    ///      `SessionSignerChangePending` (one change per grace period).
    function setSessionSigner(SessionTerms calldata t, address signer) external;

    /// @notice Returns the unspent escrow (`escrow − settled`) to the client after `expiry + SETTLEMENT_GRACE`,
    ///         and closes the session. Client only. The pending settlement keeps its window.
    /// @dev Reverts with `SessionUnknown`, `SessionNotClient`, `SessionWrongStatus` or `SessionReclaimTooEarly`.
    /// @return refund What was sent to the client.
    function reclaim(SessionTerms calldata t) external returns (uint256 refund);

    // ------------------------------------------------------------------ provider

    /// @notice Collects the latest voucher: `cumulativeAmount − settled` becomes pending, paid after the challenge
    ///         window, and backs `collateralRatio ×` its value of the provider's stake, drawn from its collateral
    ///         pool (what the pool lacks is locked in the market now). Anyone may relay it; the value always goes
    ///         to the session's provider. Allowed until `expiry + SETTLEMENT_GRACE` inclusive.
    /// @param signature 65 bytes `r ‖ s ‖ v` (low s) by the client, the session key, or the previous session key
    ///        within its grace.
    /// @dev Reverts with `SessionUnknown`, `SessionIsClosed`, `SessionWrongStatus`, `SessionSettlementClosed`,
    ///      `SessionVoucherNotIncreasing`, `SessionVoucherRequestCountDecreasing`, `SessionVoucherAboveEscrow`,
    ///      `SessionVoucherAbovePrice`, `SessionSignatureInvalid`, `SessionVoucherWrongSigner`, or, when the pool
    ///      lacks collateral, the market's `moduleLock` errors (`ModuleAllowanceExceeded`, `StakeInsufficientFree`, `ProviderInJail`, `EnforcedPause`, …).
    function settle(SessionTerms calldata t, uint256 cumulativeAmount, uint64 requestCount, bytes calldata signature)
        external;

    /// @notice The cooperative end of a session, in one transaction: collects the latest voucher as `settle` does,
    ///         then closes the session and sends the unspent escrow (`escrow − cumulativeAmount`) to the client at
    ///         once, so the client need not wait for `expiry + SETTLEMENT_GRACE` to `reclaim` it. Provider only (it
    ///         gives up any later voucher). The settlement keeps its fraud window, disputes and collateral as after
    ///         `settle`. A client the token refuses to pay (a blocklist) makes it revert: then `settle` and `close`
    ///         (which credits the client's claimable balance) end the session instead.
    /// @dev Reverts with `SessionUnknown`, `SessionNotProvider`, the voucher errors of `settle`, the market's
    ///      `moduleLock` errors when the pool lacks collateral, or the token's transfer error.
    /// @return refund What was sent to the client.
    function settleAndClose(
        SessionTerms calldata t,
        uint256 cumulativeAmount,
        uint64 requestCount,
        bytes calldata signature
    ) external returns (uint256 refund);

    /// @notice Closes a session early and credits the unspent escrow to the client's claimable balance.
    ///         Provider only: it gives up any voucher it has not settled.
    /// @dev Reverts with `SessionUnknown`, `SessionNotProvider` or `SessionWrongStatus`.
    function close(SessionTerms calldata t) external returns (uint256 refund);

    /// @notice After the challenge window of the latest settlement, with no dispute open: pays the pending
    ///         settlement to the provider's claimable balance (less the protocol fee) and returns its collateral to
    ///         the provider's pool (idle: `unlockCollateral` frees it in the market). Anyone may call.
    /// @dev Reverts with `SessionUnknown`, `SessionReleaseTooEarly`, `SessionDisputesOpen` or `SessionNothingToRelease`.
    function release(SessionTerms calldata t) external;

    /// @notice Locks `amount` more of the caller's free stake in the market for its sessions (the pool's idle part
    ///         grows): settlements then draw on it without calling the market. Provider only (its own stake).
    /// @dev Reverts with `SessionAmountZero` or the market's `moduleLock` errors.
    function lockCollateral(uint96 amount) external;

    /// @notice Unlocks `amount` of the caller's idle pool (`locked − used`) in the market. Works on a retired
    ///         module too.
    /// @dev Reverts with `SessionAmountZero` or `SessionCollateralNotIdle`.
    function unlockCollateral(uint96 amount) external;

    // ------------------------------------------------------------------ balances

    /// @notice Sends the caller's claimable balance of `token` (earnings, refunds, bonds) to `to`.
    /// @dev Reverts with `SessionNothingToClaim`.
    function claim(address token, address to) external returns (uint256 amount);

    /// @notice Moves accrued protocol fees in `token` to the market's treasury. Anyone may call.
    /// @dev Reverts with `SessionNothingToClaim`.
    function sweepFees(address token) external returns (uint256 amount);

    // ------------------------------------------------------------------ views

    /// @notice A session's stored state, by id (status `None` if unknown).
    function sessionState(bytes32 sessionId)
        external
        view
        returns (SessionState memory state, SessionLedger memory ledger, SessionKeys memory keys);

    /// @notice A provider's collateral pool with this module.
    function collateralPool(address provider) external view returns (CollateralPool memory);

    /// @notice The contract that runs the dispute functions (`IPaymentSessionsDisputes`) in this contract's
    ///         storage: every selector this contract does not have is delegated to it.
    function disputes() external view returns (address);

    /// @notice A dispute (status `None` if unknown).
    function sessionDispute(bytes32 disputeId) external view returns (SessionDispute memory);

    /// @notice The id of a session with these terms.
    function sessionIdOf(SessionTerms calldata t) external view returns (bytes32);

    /// @notice The EIP-712 digest a client signs for a voucher.
    function voucherDigest(bytes32 sessionId, uint256 cumulativeAmount, uint64 requestCount)
        external
        view
        returns (bytes32);

    /// @notice The EIP-712 digest a provider's signer signs for an answer.
    function attestationDigest(
        bytes32 sessionId,
        uint64 requestIndex,
        ModelId model,
        bytes32 inputHash,
        bytes32 outputHash
    ) external view returns (bytes32);

    /// @notice What `account` can claim in `token`.
    function claimable(address account, address token) external view returns (uint256);

    /// @notice Protocol fees and arbitration fees accrued in `token`, not yet swept or claimed.
    function feesAccrued(address token) external view returns (uint256 protocolFees, uint256 arbitrationFees);

    /// @notice The market this module serves.
    function market() external view returns (address);

    /// @notice Seconds after expiry during which the provider may still settle, and for which a replaced session
    ///         key stays valid: 1 day.
    function SETTLEMENT_GRACE() external view returns (uint256);

    /// @notice The longest a session may run from opening or top-up: 30 days.
    function MAX_DURATION() external view returns (uint256);
}

/// @title The Depinfer payment-session module
/// @notice Per-request billing with off-chain vouchers, as a stake module of the job market. A client escrows
///         a balance for one provider; it signs cumulative EIP-712 vouchers
///         `Voucher(bytes32 sessionId,uint256 cumulativeAmount,uint64 requestCount)` under the domain
///         `{name: "DepinferSessions", version: "1", chainId, verifyingContract: this}`; the provider answers each
///         request with an attestation
///         `Attestation(bytes32 sessionId,uint64 requestIndex,bytes32 model,bytes32 inputHash,bytes32 outputHash)`
///         signed by its signer key in the market, and settles its latest voucher once for many requests. What
///         it collects backs `collateralRatio ×` its value of its stake for the challenge window, drawn from the
///         provider's collateral pool with this module (locked in the market with `moduleLock`); a proven wrong
///         answer or an equivocation slashes it (`moduleSlash`) and refunds the client. A session's terms are not
///         stored: every call passes them back (`SessionTerms`, from `open` or `SessionOpened`). See
///         docs/protocol.md, "Payment sessions".
interface IPaymentSessions is IPaymentSessionsCore, IPaymentSessionsDisputes {}
