// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";

import {IJobMarket, IJobMarketTypes} from "../interfaces/IJobMarket.sol";
import {IVerifier} from "../interfaces/IVerifier.sol";
import {JobLib} from "../libraries/JobLib.sol";
import {JobId} from "../types/Ids.sol";

/// @title Arbitrated verification (v1)
/// @notice A governance-appointed arbitrator (the ARBITRATOR role in the AccessManager) rules on
///         disputes of the job classes this module serves. It is a module of the market
///         (`setModule`), and its power is bounded by the market: it picks one of three outcomes, and
///         the winning challenger, for a dispute routed to it, before its deadline; the amounts moved
///         (slash, refund, shares, bonds, its own fee) are fixed by the job's parameter snapshot in the
///         market, never by the arbitrator. The loser pays this module `disputeFeeBps` (of the slash,
///         or of each bond), which the arbitrator withdraws with `claimFees`. Past the deadline anyone
///         cancels the dispute in the market: the client is refunded and every bond returned.
contract ArbitratedVerifier is IVerifier, AccessManaged {
    /// @notice The market this module serves.
    IJobMarket public immutable market;

    /// @notice Raised when anyone but the market reports a dispute.
    error ArbitratedVerifierNotMarket(address caller);

    /// @notice A dispute awaits the arbitrator's ruling until `deadline`.
    event ArbitrationRequested(JobId indexed jobId, address indexed challenger, uint256 deadline);

    /// @notice The arbitrator ruled; `reason` is its published rationale (for example a content hash).
    event ArbitrationRuled(
        JobId indexed jobId, IJobMarketTypes.Outcome outcome, uint256 winner, address indexed arbitrator, string reason
    );

    /// @notice Arbitration fees earned by this module were withdrawn.
    event ArbitrationFeesClaimed(address indexed token, address indexed to, uint256 amount);

    constructor(address authority, IJobMarket market_) AccessManaged(authority) {
        market = market_;
    }

    /// @inheritdoc IVerifier
    function onDisputeOpened(JobId jobId, IJobMarketTypes.Job calldata, address challenger, uint256 deadline)
        external
    {
        require(msg.sender == address(market), ArbitratedVerifierNotMarket(msg.sender));
        emit ArbitrationRequested(jobId, challenger, deadline);
    }

    /// @notice Rules on the open dispute of `job` on its merits (a dispute with no evidence is ruled
    ///         like any other).
    /// @param winner When upheld, the index (in `market.disputeChallengers`) of the challenger whose
    ///        evidence proved the fault; it alone gets the reward.
    /// @dev Restricted to the ARBITRATOR role. Reverts with the market's `JobWrongStatus` if there is
    ///      no open dispute, `DisputeNotVerifier` if another module holds it, `ModuleNotActive` once this
    ///      module is retired, `DisputeResolutionClosed` after the deadline, or `DisputeUnknownChallenger`.
    function rule(
        IJobMarketTypes.Job calldata job,
        IJobMarketTypes.Outcome outcome,
        uint256 winner,
        string calldata reason
    ) external restricted {
        market.resolveDispute(job, outcome, winner);
        emit ArbitrationRuled(JobLib.id(job), outcome, winner, msg.sender, reason);
    }

    /// @notice Withdraws this module's arbitration fees in `token` (the job's token, or the stake token
    ///         for upheld disputes) to `to`.
    /// @dev Restricted (the ARBITRATOR role, or as governance configures). Reverts with the market's
    ///      `NothingToClaim` or `ZeroAddress`.
    function claimFees(address token, address to) external restricted returns (uint256 amount) {
        amount = market.claim(token, to);
        emit ArbitrationFeesClaimed(token, to, amount);
    }
}
