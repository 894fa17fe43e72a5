// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/// @title Depinfer timelock
/// @notice OpenZeppelin's `TimelockController` with a floor on its minimum delay: the delay
///         between a proposal passing and taking effect can never be set below one day, neither at
///         deployment nor later by governance. This guarantees users at least a day to exit
///         before any change that governance makes.
/// @dev The timelock is the admin of the protocol's AccessManager (`Roles.ADMIN`). The governor
///      holds its proposer and canceller roles; the guardian (`Roles.GUARDIAN`) also holds the
///      canceller role, a veto on queued operations. Only the timelock itself is its admin once the
///      deployment has handed over (scripts/deploy/Depinfer.ts).
contract DepinferTimelock is TimelockController {
    /// @notice The lowest minimum delay the timelock accepts, in seconds.
    uint256 public constant MIN_DELAY_FLOOR = 1 days;

    /// @notice `delay` (seconds) is below the floor `min` (seconds).
    error DepinferTimelockDelayTooShort(uint256 delay, uint256 min);

    /// @notice Deploys the timelock.
    /// @param minDelay The initial minimum delay for operations, in seconds; at least `MIN_DELAY_FLOOR`.
    /// @param proposers Accounts granted the proposer and canceller roles.
    /// @param executors Accounts granted the executor role; `address(0)` lets anyone execute.
    /// @param admin An optional account granted the admin role for initial set-up, to be
    ///        renounced afterwards; `address(0)` for none.
    /// @dev Reverts with `DepinferTimelockDelayTooShort` if `minDelay < MIN_DELAY_FLOOR`.
    constructor(uint256 minDelay, address[] memory proposers, address[] memory executors, address admin)
        TimelockController(minDelay, proposers, executors, admin)
    {
        _checkDelay(minDelay);
    }

    /// @notice Changes the minimum delay for future operations.
    /// @dev Only the timelock itself may call this, that is through a scheduled and executed
    ///      operation; otherwise it reverts with `TimelockUnauthorizedCaller`. Reverts with
    ///      `DepinferTimelockDelayTooShort` if `newDelay < MIN_DELAY_FLOOR`. Emits `MinDelayChange`.
    function updateDelay(uint256 newDelay) public override {
        _checkDelay(newDelay);
        super.updateDelay(newDelay);
    }

    /// @dev Reverts unless `delay` is at least the floor.
    function _checkDelay(uint256 delay) private pure {
        require(delay >= MIN_DELAY_FLOOR, DepinferTimelockDelayTooShort(delay, MIN_DELAY_FLOOR));
    }
}
