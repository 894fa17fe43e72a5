// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IJobMarket, IJobMarketTypes} from "../interfaces/IJobMarket.sol";
import {IPaymentSessions} from "../interfaces/IPaymentSessions.sol";
import {JobLib} from "../libraries/JobLib.sol";
import {ModelId} from "../types/Ids.sol";

/// @title Payment sessions: per-request billing with signed vouchers, a stake module of the job market
/// @notice Custody: this contract holds the sessions' payment tokens (escrow, pending settlements, bonds,
///         claimable balances, fees); the market holds the providers' stake and locks, releases and slashes it
///         only as far as the provider's allowance for this module goes (`setModuleAllowance`). Governance
///         registers it with `setModule(this, true)` and retires it the same way; retired, it can no longer
///         settle (the lock fails) nor slash, and anyone releases what it still locks in the market.
///         State machine, money flows and attacks: docs/protocol.md, "Payment sessions".
contract PaymentSessions is IPaymentSessions, AccessManaged, EIP712, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    /// @inheritdoc IPaymentSessions
    uint256 public constant SETTLEMENT_GRACE = 1 days;
    /// @inheritdoc IPaymentSessions
    uint256 public constant MAX_DURATION = 30 days;

    bytes32 internal constant VOUCHER_TYPEHASH =
        keccak256("Voucher(bytes32 sessionId,uint256 cumulativeAmount,uint64 requestCount)");
    bytes32 internal constant ATTESTATION_TYPEHASH = keccak256(
        "Attestation(bytes32 sessionId,uint64 requestIndex,bytes32 model,bytes32 inputHash,bytes32 outputHash)"
    );

    IJobMarket internal immutable _market;

    /// @custom:storage-location erc7201:depinfer.storage.PaymentSessions
    struct PaymentSessionsStorage {
        mapping(bytes32 sessionId => Session) sessions;
        mapping(bytes32 disputeId => SessionDispute) disputes;
        mapping(address account => mapping(address token => uint256)) claimable;
        mapping(address token => uint256) protocolFees;
        mapping(address token => uint256) arbitrationFees;
    }

    // keccak256(abi.encode(uint256(keccak256("depinfer.storage.PaymentSessions")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0xdf64b31c4b96cb054d47d50ac91a3833c405154e9780ab6785e13a62996deb00;

    function _s() private pure returns (PaymentSessionsStorage storage $) {
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }

    /// @param authority The protocol's AccessManager (maps `resolveDispute` and `claimArbitrationFees` to ARBITRATOR).
    /// @param market_ The job market whose stake backs the sessions.
    constructor(address authority, IJobMarket market_) AccessManaged(authority) EIP712("DepinferSessions", "1") {
        _market = market_;
    }

    // ================================================================== client

    /// @inheritdoc IPaymentSessions
    function open(OpenParams calldata p) external nonReentrant returns (bytes32 sessionId) {
        sessionId = sessionIdOf(msg.sender, p.nonce);
        PaymentSessionsStorage storage $ = _s();
        Session storage s = $.sessions[sessionId];
        require(s.status == SessionStatus.None, SessionAlreadyExists(sessionId));
        require(p.amount != 0, SessionAmountZero());
        require(p.maxPrice != 0, SessionPriceZero());
        require(
            p.expiry > block.timestamp && p.expiry <= block.timestamp + MAX_DURATION,
            SessionExpiryOutOfRange(p.expiry, block.timestamp + 1, block.timestamp + MAX_DURATION)
        );
        require(_market.paymentToken(p.token).allowed, SessionTokenNotAllowed(p.token));
        IJobMarketTypes.Offer memory o = _market.offer(p.provider, p.model);
        require(o.active, SessionOfferNotActive(p.provider, p.model));
        require(o.token == p.token, SessionOfferTokenMismatch(p.provider, p.model, o.token, p.token));
        require(p.maxPrice <= o.price, SessionPriceAboveOffer(p.provider, p.model, p.maxPrice, o.price));
        (IJobMarketTypes.Params memory params,) = _market.params();

        s.client = msg.sender;
        s.expiry = p.expiry;
        s.status = SessionStatus.Open;
        s.pricing = p.pricing;
        s.signerEpoch = _market.provider(p.provider).signerEpoch;
        s.protocolFeeBps = params.protocolFeeBps;
        s.provider = p.provider;
        s.maxPrice = p.maxPrice;
        s.token = p.token;
        s.model = p.model;
        s.escrow = p.amount;
        if (p.signer != address(0)) s.signer = p.signer;

        _pullExact(p.token, msg.sender, p.amount);
        emit SessionOpened(
            sessionId, msg.sender, p.provider, p.token, p.model, p.pricing, p.maxPrice, p.amount, p.expiry, p.signer
        );
    }

    /// @inheritdoc IPaymentSessions
    function topUp(bytes32 sessionId, uint96 amount, uint40 expiry) external nonReentrant {
        Session storage s = _session(sessionId);
        require(msg.sender == s.client, SessionNotClient(sessionId, msg.sender, s.client));
        require(s.status == SessionStatus.Open, SessionWrongStatus(sessionId, s.status));
        require(block.timestamp <= s.expiry, SessionExpired(sessionId, s.expiry, block.timestamp));
        if (expiry != 0) {
            require(
                expiry >= s.expiry && expiry <= block.timestamp + MAX_DURATION,
                SessionExpiryOutOfRange(expiry, s.expiry, block.timestamp + MAX_DURATION)
            );
            s.expiry = expiry;
        }
        uint256 escrow = uint256(s.escrow) + amount;
        require(escrow <= type(uint96).max, SessionEscrowTooLarge(escrow, type(uint96).max));
        s.escrow = uint96(escrow);
        if (amount != 0) _pullExact(s.token, msg.sender, amount);
        emit SessionToppedUp(sessionId, amount, escrow, s.expiry);
    }

    /// @inheritdoc IPaymentSessions
    function setSessionSigner(bytes32 sessionId, address signer) external {
        Session storage s = _session(sessionId);
        require(msg.sender == s.client, SessionNotClient(sessionId, msg.sender, s.client));
        require(s.status == SessionStatus.Open, SessionWrongStatus(sessionId, s.status));
        require(block.timestamp <= s.expiry, SessionExpired(sessionId, s.expiry, block.timestamp));
        require(
            block.timestamp > s.prevSignerUntil, SessionSignerChangePending(sessionId, s.prevSigner, s.prevSignerUntil)
        );
        address previous = s.signer;
        uint256 until = block.timestamp + SETTLEMENT_GRACE;
        s.prevSigner = previous;
        s.prevSignerUntil = uint40(until);
        s.signer = signer;
        emit SessionSignerChanged(sessionId, signer, previous, until);
    }

    /// @inheritdoc IPaymentSessions
    function reclaim(bytes32 sessionId) external nonReentrant returns (uint256 refund) {
        Session storage s = _session(sessionId);
        address client = s.client;
        require(msg.sender == client, SessionNotClient(sessionId, msg.sender, client));
        SessionStatus status = s.status;
        if (status == SessionStatus.Open) {
            uint256 availableAt = uint256(s.expiry) + SETTLEMENT_GRACE + 1;
            require(block.timestamp >= availableAt, SessionReclaimTooEarly(sessionId, availableAt, block.timestamp));
        } else {
            // A slashed session returns its unspent escrow at once; a closed one has none left.
            require(status == SessionStatus.Slashed && s.escrow != s.settled, SessionWrongStatus(sessionId, status));
        }
        refund = _closeEscrow(s);
        s.status = status == SessionStatus.Open ? SessionStatus.Closed : status;
        IERC20(s.token).safeTransfer(client, refund);
        emit SessionClosed(sessionId, msg.sender, refund);
    }

    // ================================================================== provider

    /// @inheritdoc IPaymentSessions
    function settle(bytes32 sessionId, uint256 cumulativeAmount, uint64 requestCount, bytes calldata signature)
        external
        nonReentrant
    {
        Session storage s = _session(sessionId);
        _requireVoucher(s, sessionId, cumulativeAmount, requestCount, signature);
        (uint256 collected, uint256 collateral, uint256 unlockAt) = _collect(s, cumulativeAmount, requestCount);
        emit SessionSettled(sessionId, s.provider, cumulativeAmount, requestCount, collected, collateral, unlockAt);
    }

    /// @dev Every check on a voucher: session open and in time, amount increasing, within escrow and price,
    ///      signed by the client or a valid session key under this chain's and this contract's domain.
    function _requireVoucher(
        Session storage s,
        bytes32 sessionId,
        uint256 cumulativeAmount,
        uint64 requestCount,
        bytes calldata signature
    ) private view {
        SessionStatus status = s.status;
        require(status != SessionStatus.Closed, SessionIsClosed(sessionId));
        require(status == SessionStatus.Open, SessionWrongStatus(sessionId, status));
        uint256 deadline = uint256(s.expiry) + SETTLEMENT_GRACE;
        require(block.timestamp <= deadline, SessionSettlementClosed(sessionId, deadline, block.timestamp));
        uint256 settled = s.settled;
        require(cumulativeAmount > settled, SessionVoucherNotIncreasing(sessionId, cumulativeAmount, settled));
        require(
            requestCount >= s.settledRequests,
            SessionVoucherRequestCountDecreasing(sessionId, requestCount, s.settledRequests)
        );
        require(cumulativeAmount <= s.escrow, SessionVoucherAboveEscrow(sessionId, cumulativeAmount, s.escrow));
        if (s.pricing == Pricing.PerRequest) {
            uint256 maxAmount = uint256(requestCount) * s.maxPrice;
            require(cumulativeAmount <= maxAmount, SessionVoucherAbovePrice(sessionId, cumulativeAmount, maxAmount));
        }
        address signer = _recover(sessionId, voucherDigest(sessionId, cumulativeAmount, requestCount), signature);
        require(_isVoucherSigner(s, signer), SessionVoucherWrongSigner(sessionId, signer));
    }

    /// @dev Records a checked voucher and locks `collateralRatio ×` the value it adds, at the token's stake rate.
    function _collect(Session storage s, uint256 cumulativeAmount, uint64 requestCount)
        private
        returns (uint256 collected, uint256 collateral, uint256 unlockAt)
    {
        collected = cumulativeAmount - s.settled;
        (IJobMarketTypes.Params memory params,) = _market.params();
        collateral =
            JobLib.collateralFor(collected, params.collateralRatioBps, _market.paymentToken(s.token).stakeRate);
        unlockAt = block.timestamp + params.challengeWindow;
        s.settled = uint96(cumulativeAmount); // ≤ escrow, a uint96
        s.settledRequests = uint256(requestCount).toUint32();
        s.unlockAt = uint40(unlockAt);
        if (collateral != 0) {
            s.collateral = (uint256(s.collateral) + collateral).toUint96();
            _market.moduleLock(s.provider, collateral);
        }
    }

    /// @inheritdoc IPaymentSessions
    function close(bytes32 sessionId) external returns (uint256 refund) {
        Session storage s = _session(sessionId);
        require(msg.sender == s.provider, SessionNotProvider(sessionId, msg.sender, s.provider));
        require(s.status == SessionStatus.Open, SessionWrongStatus(sessionId, s.status));
        refund = _closeEscrow(s);
        s.status = SessionStatus.Closed;
        // Credited, not sent: a client the token blocks cannot stop its provider from closing.
        if (refund != 0) _s().claimable[s.client][s.token] += refund;
        emit SessionClosed(sessionId, msg.sender, refund);
    }

    /// @inheritdoc IPaymentSessions
    function release(bytes32 sessionId) external nonReentrant {
        Session storage s = _session(sessionId);
        require(block.timestamp > s.unlockAt, SessionReleaseTooEarly(sessionId, s.unlockAt, block.timestamp));
        require(s.openDisputes == 0, SessionDisputesOpen(sessionId, s.openDisputes));
        uint256 pending = uint256(s.settled) - s.released;
        uint256 collateral = s.collateral;
        require(pending != 0 || collateral != 0, SessionNothingToRelease(sessionId));
        address provider = s.provider;
        uint256 fee = JobLib.bpsOf(pending, s.protocolFeeBps);
        s.released = s.settled;
        s.releasedRequests = s.settledRequests;
        s.collateral = 0;
        PaymentSessionsStorage storage $ = _s();
        if (pending != 0) {
            $.claimable[provider][s.token] += pending - fee;
            $.protocolFees[s.token] += fee;
        }
        if (collateral != 0) _market.moduleRelease(provider, collateral);
        emit SessionReleased(sessionId, provider, pending - fee, fee, collateral);
    }

    // ================================================================== disputes

    /// @inheritdoc IPaymentSessions
    function disputeRequest(
        bytes32 sessionId,
        uint64 requestIndex,
        bytes32 inputHash,
        bytes32 outputHash,
        bytes calldata signature,
        string calldata evidence
    ) external nonReentrant returns (bytes32 disputeId) {
        Session storage s = _session(sessionId);
        _requireDisputable(s, sessionId, requestIndex);
        _requireAttestedBy(s, sessionId, requestIndex, s.model, inputHash, outputHash, signature);
        uint256 bond;
        uint256 deadline;
        (disputeId, bond, deadline) = _recordDispute(s, sessionId, requestIndex);
        _pullExact(s.token, msg.sender, bond);
        emit SessionRequestDisputed(
            disputeId, sessionId, msg.sender, requestIndex, inputHash, outputHash, bond, deadline, evidence
        );
    }

    /// @dev A settled, unreleased request, inside the window of the latest settlement, and not by its provider.
    function _requireDisputable(Session storage s, bytes32 sessionId, uint64 requestIndex) private view {
        require(
            requestIndex >= s.releasedRequests && requestIndex < s.settledRequests,
            SessionRequestNotDisputable(sessionId, requestIndex, s.releasedRequests, s.settledRequests)
        );
        require(block.timestamp <= s.unlockAt, SessionChallengeWindowClosed(sessionId, s.unlockAt, block.timestamp));
        address provider = s.provider;
        require(
            msg.sender != provider && msg.sender != _market.provider(provider).signer,
            SessionDisputeByProvider(sessionId, msg.sender)
        );
    }

    function _recordDispute(Session storage s, bytes32 sessionId, uint64 requestIndex)
        private
        returns (bytes32 disputeId, uint256 bond, uint256 deadline)
    {
        disputeId = keccak256(abi.encode(sessionId, requestIndex));
        SessionDispute storage d = _s().disputes[disputeId];
        require(d.status == DisputeStatus.None, SessionDisputeExists(disputeId));
        (IJobMarketTypes.Params memory params,) = _market.params();
        bond = JobLib.bondFor(s.maxPrice, params.bondRatioBps, _market.paymentToken(s.token).bondFloor);
        deadline = block.timestamp + params.disputeResolutionPeriod;
        d.sessionId = sessionId;
        d.challenger = msg.sender;
        d.bond = bond.toUint96();
        d.deadline = uint40(deadline);
        d.requestIndex = uint32(requestIndex); // < settledRequests, a uint32
        d.status = DisputeStatus.Open;
        s.openDisputes += 1;
    }

    /// @inheritdoc IPaymentSessions
    function resolveDispute(bytes32 disputeId, IJobMarketTypes.Outcome outcome, string calldata reason)
        external
        restricted
        nonReentrant
    {
        SessionDispute storage d = _openDispute(disputeId);
        require(
            block.timestamp <= d.deadline, SessionDisputeResolutionClosed(disputeId, d.deadline, block.timestamp)
        );
        (uint256 slashed, uint256 refunded) = _rule(d, outcome);
        emit SessionDisputeResolved(disputeId, d.sessionId, outcome, slashed, refunded, msg.sender, reason);
    }

    /// @dev Applies a ruling: the arbitration fee comes out of the bond whatever the outcome; see `resolveDispute`.
    function _rule(SessionDispute storage d, IJobMarketTypes.Outcome outcome)
        private
        returns (uint256 slashed, uint256 refunded)
    {
        PaymentSessionsStorage storage $ = _s();
        Session storage s = $.sessions[d.sessionId];
        (IJobMarketTypes.Params memory params,) = _market.params();
        address token = s.token;
        uint256 bond = d.bond;
        uint256 fee = JobLib.bpsOf(bond, params.disputeFeeBps);
        $.arbitrationFees[token] += fee;
        s.openDisputes -= 1;
        if (outcome == IJobMarketTypes.Outcome.Upheld) {
            d.status = DisputeStatus.Upheld;
            $.claimable[d.challenger][token] += bond - fee;
            (slashed, refunded) = _punish(s, d.challenger, params.challengerShareBps);
        } else if (outcome == IJobMarketTypes.Outcome.Rejected) {
            d.status = DisputeStatus.Rejected;
            $.claimable[s.provider][token] += bond - fee;
        } else {
            d.status = DisputeStatus.Draw;
            $.claimable[d.challenger][token] += bond - fee;
        }
    }

    /// @inheritdoc IPaymentSessions
    function cancelDispute(bytes32 disputeId) external nonReentrant {
        PaymentSessionsStorage storage $ = _s();
        SessionDispute storage d = _openDispute(disputeId);
        require(
            block.timestamp > d.deadline, SessionDisputeResolutionPending(disputeId, d.deadline, block.timestamp)
        );
        bytes32 sessionId = d.sessionId;
        Session storage s = $.sessions[sessionId];
        d.status = DisputeStatus.Cancelled;
        s.openDisputes -= 1;
        $.claimable[d.challenger][s.token] += d.bond;
        // Nothing was proven: no slash; the collateral unlocks with the next `release`. Nothing was ruled
        // either, so the pending settlement goes back to the client, as a job's escrow does.
        uint256 refunded = _refundPending(s);
        emit SessionDisputeCancelled(disputeId, sessionId, refunded);
    }

    /// @inheritdoc IPaymentSessions
    function reportEquivocation(
        bytes32 sessionId,
        uint64 requestIndex,
        SignedAttestation calldata a,
        SignedAttestation calldata b
    ) external nonReentrant {
        Session storage s = _session(sessionId);
        SessionStatus status = s.status;
        require(status == SessionStatus.Open || status == SessionStatus.Closed, SessionWrongStatus(sessionId, status));
        require(
            status == SessionStatus.Open || s.collateral != 0 || s.settled != s.released,
            SessionNothingAtStake(sessionId)
        );
        require(
            ModelId.unwrap(a.model) != ModelId.unwrap(b.model) || a.inputHash != b.inputHash
                || a.outputHash != b.outputHash,
            SessionEquivocationSameAttestation(sessionId, requestIndex)
        );
        _requireAttestedBy(s, sessionId, requestIndex, a.model, a.inputHash, a.outputHash, a.signature);
        _requireAttestedBy(s, sessionId, requestIndex, b.model, b.inputHash, b.outputHash, b.signature);
        (IJobMarketTypes.Params memory params,) = _market.params();
        (uint256 slashed, uint256 refunded) = _punish(s, msg.sender, params.challengerShareBps);
        emit SessionEquivocationProven(sessionId, requestIndex, msg.sender, slashed, refunded);
    }

    // ================================================================== balances

    /// @inheritdoc IPaymentSessions
    function claim(address token, address to) external nonReentrant returns (uint256 amount) {
        PaymentSessionsStorage storage $ = _s();
        amount = $.claimable[msg.sender][token];
        require(amount != 0, SessionNothingToClaim(msg.sender, token));
        $.claimable[msg.sender][token] = 0;
        IERC20(token).safeTransfer(to, amount);
        emit SessionFundsClaimed(msg.sender, token, to, amount);
    }

    /// @inheritdoc IPaymentSessions
    function sweepFees(address token) external nonReentrant returns (uint256 amount) {
        PaymentSessionsStorage storage $ = _s();
        amount = $.protocolFees[token];
        require(amount != 0, SessionNothingToClaim(address(this), token));
        $.protocolFees[token] = 0;
        (, address treasury,,,) = _market.settings();
        IERC20(token).safeTransfer(treasury, amount);
        emit SessionFeesSwept(token, treasury, amount);
    }

    /// @inheritdoc IPaymentSessions
    function claimArbitrationFees(address token, address to) external restricted nonReentrant returns (uint256 amount) {
        PaymentSessionsStorage storage $ = _s();
        amount = $.arbitrationFees[token];
        require(amount != 0, SessionNothingToClaim(address(this), token));
        $.arbitrationFees[token] = 0;
        IERC20(token).safeTransfer(to, amount);
        emit SessionArbitrationFeesClaimed(token, to, amount);
    }

    // ================================================================== views

    /// @inheritdoc IPaymentSessions
    function session(bytes32 sessionId) external view returns (Session memory) {
        return _s().sessions[sessionId];
    }

    /// @inheritdoc IPaymentSessions
    function sessionDispute(bytes32 disputeId) external view returns (SessionDispute memory) {
        return _s().disputes[disputeId];
    }

    /// @inheritdoc IPaymentSessions
    function sessionIdOf(address client, uint64 nonce) public view returns (bytes32) {
        return keccak256(abi.encode(block.chainid, address(this), client, nonce));
    }

    /// @inheritdoc IPaymentSessions
    function voucherDigest(bytes32 sessionId, uint256 cumulativeAmount, uint64 requestCount)
        public
        view
        returns (bytes32)
    {
        return _hashTypedDataV4(keccak256(abi.encode(VOUCHER_TYPEHASH, sessionId, cumulativeAmount, requestCount)));
    }

    /// @inheritdoc IPaymentSessions
    function attestationDigest(
        bytes32 sessionId,
        uint64 requestIndex,
        ModelId model,
        bytes32 inputHash,
        bytes32 outputHash
    ) public view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(abi.encode(ATTESTATION_TYPEHASH, sessionId, requestIndex, model, inputHash, outputHash))
        );
    }

    /// @inheritdoc IPaymentSessions
    function claimable(address account, address token) external view returns (uint256) {
        return _s().claimable[account][token];
    }

    /// @inheritdoc IPaymentSessions
    function feesAccrued(address token) external view returns (uint256 protocolFees, uint256 arbitrationFees) {
        PaymentSessionsStorage storage $ = _s();
        return ($.protocolFees[token], $.arbitrationFees[token]);
    }

    /// @inheritdoc IPaymentSessions
    function market() external view returns (address) {
        return address(_market);
    }

    // ================================================================== internal

    function _session(bytes32 sessionId) private view returns (Session storage s) {
        s = _s().sessions[sessionId];
        require(s.status != SessionStatus.None, SessionUnknown(sessionId));
    }

    function _openDispute(bytes32 disputeId) private view returns (SessionDispute storage d) {
        d = _s().disputes[disputeId];
        require(d.status == DisputeStatus.Open, SessionDisputeNotOpen(disputeId, d.status));
    }

    /// @dev Ends the escrow: what was never settled leaves the session (`escrow = settled`); returns it.
    function _closeEscrow(Session storage s) private returns (uint256 unspent) {
        unspent = uint256(s.escrow) - s.settled;
        s.escrow = s.settled;
    }

    /// @dev A proven fault: slashes all the session's collateral (the reward to `beneficiary`), refunds the pending
    ///      settlement and, while open, freezes the session (`Slashed`: no more vouchers; the client reclaims the
    ///      unspent escrow at once).
    function _punish(Session storage s, address beneficiary, uint256 rewardBps)
        private
        returns (uint256 slashed, uint256 refunded)
    {
        if (s.status == SessionStatus.Open) s.status = SessionStatus.Slashed;
        refunded = _refundPending(s);
        slashed = s.collateral;
        if (slashed != 0) {
            s.collateral = 0;
            _market.moduleSlash(s.provider, slashed, beneficiary, rewardBps);
        }
    }

    /// @dev Credits the client with the settled value not yet released, and marks it released.
    function _refundPending(Session storage s) private returns (uint256 refunded) {
        refunded = uint256(s.settled) - s.released;
        s.released = s.settled;
        s.releasedRequests = s.settledRequests;
        if (refunded != 0) _s().claimable[s.client][s.token] += refunded;
    }

    function _isVoucherSigner(Session storage s, address signer) private view returns (bool) {
        if (signer == s.client) return true;
        address sessionKey = s.signer;
        if (sessionKey != address(0) && signer == sessionKey) return true;
        address prev = s.prevSigner;
        return prev != address(0) && signer == prev && block.timestamp <= s.prevSignerUntil;
    }

    /// @dev Reverts unless `signature` is the session's provider's attestation, by a signer key of the provider
    ///      that became its signer at or after the session opened (a key retired before cannot be used against it).
    function _requireAttestedBy(
        Session storage s,
        bytes32 sessionId,
        uint64 requestIndex,
        ModelId model,
        bytes32 inputHash,
        bytes32 outputHash,
        bytes calldata signature
    ) private view {
        address signer =
            _recover(sessionId, attestationDigest(sessionId, requestIndex, model, inputHash, outputHash), signature);
        uint256 keyEpoch = _market.signerKeyEpoch(s.provider, signer);
        require(keyEpoch > s.signerEpoch, SessionAttestationWrongSigner(sessionId, signer));
    }

    function _recover(bytes32 sessionId, bytes32 digest, bytes calldata signature) private pure returns (address) {
        (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecoverCalldata(digest, signature);
        require(err == ECDSA.RecoverError.NoError, SessionSignatureInvalid(sessionId));
        return signer;
    }

    /// @dev Pulls exactly `amount`, refusing a token that delivers less (fee on transfer).
    function _pullExact(address token, address from, uint256 amount) private {
        uint256 before = IERC20(token).balanceOf(address(this));
        IERC20(token).safeTransferFrom(from, address(this), amount);
        uint256 received = IERC20(token).balanceOf(address(this)) - before;
        require(received == amount, SessionFeeOnTransferToken(token, amount, received));
    }
}
