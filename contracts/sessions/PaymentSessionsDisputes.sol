// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IJobMarket, IJobMarketErrors, IJobMarketTypes} from "../interfaces/IJobMarket.sol";
import {IPaymentSessionsDisputes} from "../interfaces/IPaymentSessions.sol";
import {JobLib} from "../libraries/JobLib.sol";
import {ModelId} from "../types/Ids.sol";
import {PaymentSessionsBase} from "./PaymentSessionsBase.sol";

/// @title The dispute functions of the payment-session module, run by `PaymentSessions` with delegatecall
/// @notice Never called at its own address (`onlyDelegated`): it has no storage of its own that matters. See
///         `PaymentSessions` and docs/protocol.md, "Payment sessions".
contract PaymentSessionsDisputes is PaymentSessionsBase, IPaymentSessionsDisputes {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    /// @param authority The protocol's AccessManager (the same as `PaymentSessions`').
    /// @param market_ The job market (the same as `PaymentSessions`').
    constructor(address authority, IJobMarket market_) PaymentSessionsBase(authority, market_) {}

    // ================================================================== disputes

    /// @inheritdoc IPaymentSessionsDisputes
    function disputeRequest(
        SessionTerms memory t,
        uint64 requestIndex,
        bytes32 inputHash,
        bytes32 outputHash,
        bytes calldata signature,
        string calldata evidence
    ) external onlyDelegated nonReentrant returns (bytes32 disputeId) {
        bytes32 sessionId = _checkDispute(t, requestIndex, inputHash, outputHash, signature);
        uint256 bond;
        uint256 deadline;
        (disputeId, bond, deadline) = _recordDispute(t, sessionId, requestIndex);
        _pullExact(t.token, msg.sender, bond);
        emit SessionRequestDisputed(
            disputeId, sessionId, msg.sender, requestIndex, inputHash, outputHash, bond, deadline, evidence
        );
    }

    /// @dev The checks of `disputeRequest`; counts the dispute in the session's ledger.
    function _checkDispute(
        SessionTerms memory t,
        uint64 requestIndex,
        bytes32 inputHash,
        bytes32 outputHash,
        bytes calldata signature
    ) private returns (bytes32 sessionId) {
        SessionState memory s;
        (sessionId, s) = _load(t);
        SessionLedger memory l = _ledger(sessionId, s);
        _requireDisputable(t, sessionId, s, l, requestIndex);
        _requireAttestedBy(t, sessionId, requestIndex, t.model, inputHash, outputHash, signature);
        l.openDisputes += 1;
        _saveLedger(sessionId, s, l);
    }

    /// @dev A settled, unreleased request, inside the window of the latest settlement, and not by its provider.
    function _requireDisputable(
        SessionTerms memory t,
        bytes32 sessionId,
        SessionState memory s,
        SessionLedger memory l,
        uint64 requestIndex
    ) private view {
        require(
            requestIndex >= l.releasedRequests && requestIndex < s.settledRequests,
            SessionRequestNotDisputable(sessionId, requestIndex, l.releasedRequests, s.settledRequests)
        );
        require(block.timestamp <= s.unlockAt, SessionChallengeWindowClosed(sessionId, s.unlockAt, block.timestamp));
        require(
            msg.sender != t.provider && msg.sender != _market.provider(t.provider).signer,
            SessionDisputeByProvider(sessionId, msg.sender)
        );
    }

    function _recordDispute(SessionTerms memory t, bytes32 sessionId, uint64 requestIndex)
        private
        returns (bytes32 disputeId, uint256 bond, uint256 deadline)
    {
        disputeId = keccak256(abi.encode(sessionId, requestIndex));
        SessionDispute storage d = _s().disputes[disputeId];
        require(d.status == DisputeStatus.None, SessionDisputeExists(disputeId));
        (IJobMarketTypes.Params memory params,) = _market.params();
        bond = JobLib.bondFor(t.maxPrice, params.bondRatioBps, _market.paymentToken(t.token).bondFloor);
        deadline = block.timestamp + params.disputeResolutionPeriod;
        d.sessionId = sessionId;
        d.challenger = msg.sender;
        d.bond = bond.toUint96();
        d.deadline = uint40(deadline);
        d.requestIndex = uint32(requestIndex); // < settledRequests, a uint32
        d.status = DisputeStatus.Open;
    }

    /// @inheritdoc IPaymentSessionsDisputes
    function resolveDispute(
        SessionTerms memory t,
        bytes32 disputeId,
        IJobMarketTypes.Outcome outcome,
        string calldata reason
    ) external onlyDelegated restricted nonReentrant {
        (bytes32 sessionId, SessionDispute storage d) = _openDispute(t, disputeId);
        require(
            block.timestamp <= d.deadline, SessionDisputeResolutionClosed(disputeId, d.deadline, block.timestamp)
        );
        (uint256 slashed, uint256 refunded) = _rule(t, sessionId, d, outcome);
        emit SessionDisputeResolved(disputeId, sessionId, outcome, slashed, refunded, msg.sender, reason);
    }

    /// @dev Applies a ruling: the arbitration fee comes out of the bond whatever the outcome; see `resolveDispute`.
    function _rule(SessionTerms memory t, bytes32 sessionId, SessionDispute storage d, IJobMarketTypes.Outcome outcome)
        private
        returns (uint256 slashed, uint256 refunded)
    {
        PaymentSessionsStorage storage $ = _s();
        (IJobMarketTypes.Params memory params,) = _market.params();
        address token = t.token;
        uint256 bond = d.bond;
        uint256 fee = JobLib.bpsOf(bond, params.disputeFeeBps);
        $.arbitrationFees[token] += fee;
        $.ledgers[sessionId].openDisputes -= 1;
        if (outcome == IJobMarketTypes.Outcome.Upheld) {
            d.status = DisputeStatus.Upheld;
            $.claimable[d.challenger][token] += bond - fee;
            (slashed, refunded) = _punish(t, sessionId, d.challenger, params.challengerShareBps);
        } else if (outcome == IJobMarketTypes.Outcome.Rejected) {
            d.status = DisputeStatus.Rejected;
            $.claimable[t.provider][token] += bond - fee;
        } else {
            d.status = DisputeStatus.Draw;
            $.claimable[d.challenger][token] += bond - fee;
        }
    }

    /// @inheritdoc IPaymentSessionsDisputes
    function cancelDispute(SessionTerms memory t, bytes32 disputeId) external onlyDelegated nonReentrant {
        PaymentSessionsStorage storage $ = _s();
        (bytes32 sessionId, SessionDispute storage d) = _openDispute(t, disputeId);
        require(
            block.timestamp > d.deadline, SessionDisputeResolutionPending(disputeId, d.deadline, block.timestamp)
        );
        d.status = DisputeStatus.Cancelled;
        $.ledgers[sessionId].openDisputes -= 1;
        $.claimable[d.challenger][t.token] += d.bond;
        // Nothing was proven: no slash, the collateral goes back to the provider's pool. Nothing was ruled
        // either, so the pending settlement goes back to the client, as a job's escrow does.
        (uint256 refunded, uint256 collateral) = _refundPending(t, sessionId);
        if (collateral != 0) $.pools[t.provider].used -= uint96(collateral);
        emit SessionDisputeCancelled(disputeId, sessionId, refunded);
    }

    /// @inheritdoc IPaymentSessionsDisputes
    function reportEquivocation(
        SessionTerms memory t,
        uint64 requestIndex,
        SignedAttestation calldata a,
        SignedAttestation calldata b
    ) external onlyDelegated nonReentrant {
        (bytes32 sessionId, SessionState memory s) = _load(t);
        SessionStatus status = s.status;
        require(status == SessionStatus.Open || status == SessionStatus.Closed, SessionWrongStatus(sessionId, status));
        require(
            status == SessionStatus.Open || s.settled != _ledger(sessionId, s).released,
            SessionNothingAtStake(sessionId)
        );
        require(
            ModelId.unwrap(a.model) != ModelId.unwrap(b.model) || a.inputHash != b.inputHash
                || a.outputHash != b.outputHash,
            SessionEquivocationSameAttestation(sessionId, requestIndex)
        );
        _requireAttestedBy(t, sessionId, requestIndex, a.model, a.inputHash, a.outputHash, a.signature);
        _requireAttestedBy(t, sessionId, requestIndex, b.model, b.inputHash, b.outputHash, b.signature);
        (IJobMarketTypes.Params memory params,) = _market.params();
        (uint256 slashed, uint256 refunded) = _punish(t, sessionId, msg.sender, params.challengerShareBps);
        emit SessionEquivocationProven(sessionId, requestIndex, msg.sender, slashed, refunded);
    }

    /// @inheritdoc IPaymentSessionsDisputes
    function claimArbitrationFees(address token, address to) external onlyDelegated restricted nonReentrant returns (uint256 amount) {
        PaymentSessionsStorage storage $ = _s();
        amount = $.arbitrationFees[token];
        require(amount != 0, SessionNothingToClaim(address(this), token));
        $.arbitrationFees[token] = 0;
        IERC20(token).safeTransfer(to, amount);
        emit SessionArbitrationFeesClaimed(token, to, amount);
    }


    /// @inheritdoc IPaymentSessionsDisputes
    function session(SessionTerms memory t) external view returns (Session memory v) {
        bytes32 sessionId = _idOf(t);
        PaymentSessionsStorage storage $ = _s();
        SessionState memory s = $.states[sessionId];
        if (s.status == SessionStatus.None) return v;
        SessionLedger memory l = $.ledgers[sessionId];
        SessionKeys memory k = s.keyChanged ? $.keys[sessionId] : SessionKeys(t.signer, 0, address(0));
        v.client = t.client;
        v.expiry = s.expiry;
        v.status = s.status;
        v.pricing = t.pricing;
        v.signerEpoch = t.signerEpoch;
        v.openDisputes = l.openDisputes;
        v.protocolFeeBps = t.protocolFeeBps;
        v.provider = t.provider;
        v.maxPrice = t.maxPrice;
        v.token = t.token;
        v.settledRequests = s.settledRequests;
        v.releasedRequests = l.releasedRequests;
        v.model = t.model;
        v.escrow = s.unspentReturned ? s.settled : t.amount + l.toppedUp;
        v.settled = s.settled;
        v.unlockAt = s.unlockAt;
        v.collateral = uint96(_collateralFor(t, s.settled - l.released));
        v.released = l.released;
        v.signer = k.signer;
        v.prevSigner = k.prevSigner;
        v.prevSignerUntil = k.prevSignerUntil;
    }
}
