// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";

import {IJobMarket, IJobMarketTypes} from "../interfaces/IJobMarket.sol";
import {IVerifier} from "../interfaces/IVerifier.sol";
import {JobLib} from "../libraries/JobLib.sol";
import {JobId} from "../types/Ids.sol";

/// @title Arbitrated verification (v1)
/// @notice A governance-appointed arbitrator (the ARBITRATOR role in the AccessManager) rules on
///         disputes of the job classes this module serves. The arbitrator's power is bounded in
///         code: it picks one of three outcomes for a dispute that is open, before its deadline;
///         the amounts moved (slash, refund, shares, bond) are fixed by the job's parameter
///         snapshot in the market, never by the arbitrator. Past the deadline the challenger (or
///         anyone) cancels the dispute in the market and recovers the bond.
contract ArbitratedVerifier is IVerifier, AccessManaged {
    /// @notice The market this module serves.
    IJobMarket public immutable market;

    /// @notice Raised when anyone but the market reports a dispute.
    error ArbitratedVerifierNotMarket(address caller);

    /// @notice A dispute awaits the arbitrator's ruling until `deadline`.
    event ArbitrationRequested(JobId indexed jobId, address indexed challenger, uint256 deadline);

    /// @notice The arbitrator ruled; `reason` is its published rationale (for example a content hash).
    event ArbitrationRuled(JobId indexed jobId, IJobMarketTypes.Outcome outcome, address indexed arbitrator, string reason);

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

    /// @notice Rules on the open dispute of `job`.
    /// @dev Restricted to the ARBITRATOR role. Reverts with the market's `JobWrongStatus` if there is
    ///      no open dispute, `DisputeNotVerifier` if another module holds it, or
    ///      `DisputeResolutionClosed` after the deadline.
    function rule(IJobMarketTypes.Job calldata job, IJobMarketTypes.Outcome outcome, string calldata reason)
        external
        restricted
    {
        market.resolveDispute(job, outcome);
        emit ArbitrationRuled(JobLib.id(job), outcome, msg.sender, reason);
    }
}
