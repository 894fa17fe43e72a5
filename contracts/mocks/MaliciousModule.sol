// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IJobMarket, IJobMarketTypes} from "../interfaces/IJobMarket.sol";
import {IVerifier} from "../interfaces/IVerifier.sol";
import {JobId} from "../types/Ids.sol";

/// @title A module that tries to abuse its authority
/// @notice TEST ONLY, never deployed. Once governance registers it (`setModule`), anyone can make it
///         call the market's module API with any arguments: lock, release or slash any provider's
///         stake, resolve any dispute, spend or claim any balance. Tests use it to show that the market,
///         not the module, bounds what a module can do. It also serves as a verifier: it accepts every
///         `onDisputeOpened` and rules only when told to.
contract MaliciousModule is IVerifier {
    /// @notice The market it is (or was) a module of.
    IJobMarket public immutable market;

    constructor(IJobMarket market_) {
        market = market_;
    }

    /// @inheritdoc IVerifier
    /// @dev Accepts every call, from anyone: it is the market that must route disputes correctly.
    function onDisputeOpened(JobId, IJobMarketTypes.Job calldata, address, uint256) external {}

    /// @notice Locks `amount` of `provider`'s stake for this module.
    function lock(address provider, uint256 amount) external {
        market.moduleLock(provider, amount);
    }

    /// @notice Releases `amount` of what this module locked of `provider`'s stake.
    function release(address provider, uint256 amount) external {
        market.moduleRelease(provider, amount);
    }

    /// @notice Slashes `amount` of `provider`'s stake, `rewardBps` of it to `beneficiary`.
    function slash(address provider, uint256 amount, address beneficiary, uint256 rewardBps)
        external
        returns (uint256 reward)
    {
        return market.moduleSlash(provider, amount, beneficiary, rewardBps);
    }

    /// @notice Resolves the dispute of `job` with `outcome`, naming challenger `winner`.
    function resolve(IJobMarketTypes.Job calldata job, IJobMarketTypes.Outcome outcome, uint256 winner) external {
        market.resolveDispute(job, outcome, winner);
    }

    /// @notice Tries to withdraw `amount` of `token` (someone else's claimable balance) to `to`.
    function withdrawFrom(address token, uint256 amount, address to) external {
        market.withdraw(token, amount, to);
    }

    /// @notice Tries to claim the market's `token` to `to`.
    function claimTo(address token, address to) external returns (uint256) {
        return market.claim(token, to);
    }

    /// @notice Tries to pay for a job out of a balance it does not have.
    function createJobFromBalance(IJobMarketTypes.JobRequest calldata request) external {
        market.createJobFromBalance(request, "");
    }

    /// @notice Tries to give back `provider`'s locked stake through the retired-module path while active.
    function releaseOwnLock(address provider) external {
        market.releaseRetiredModuleLock(address(this), provider);
    }
}
