// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

import {IJobMarket, IJobMarketTypes} from "../interfaces/IJobMarket.sol";

/// @title The sampled re-execution verifier's second challenger address
/// @notice The market refuses a dispute from the provider's current signer key (`DisputeByProvider`), and a
///         provider may name any address as its key. A provider that named the `SampledVerifier` itself would
///         make every draw of its jobs revert. The module then opens the dispute through this contract, which
///         it deployed and alone controls: a provider has one key at a time, so it cannot block both.
///         Whatever the market credits this contract (the bond back, a challenger's reward) is swept to the
///         module, which counts it in its fund.
contract SampledVerifierChallenger {
    using SafeERC20 for IERC20;

    /// @notice The `SampledVerifier` that deployed it.
    address public immutable module;
    IJobMarket public immutable market;

    /// @notice Only the module may use it.
    error SampledVerifierChallengerNotModule(address caller);

    constructor(IJobMarket market_) {
        module = msg.sender;
        market = market_;
    }

    /// @notice Opens the dispute of `job` with `bond` of the job's token, which the module sent here first.
    /// @dev Module only (`SampledVerifierChallengerNotModule`); reverts as the market's `openDispute`.
    function open(IJobMarketTypes.Job calldata job, uint256 bond) external {
        require(msg.sender == module, SampledVerifierChallengerNotModule(msg.sender));
        IERC20(job.token).forceApprove(address(market), bond);
        market.openDispute(job, "sampled re-execution");
    }

    /// @notice Sends what the market holds for this contract in `token` to the module. Anyone may call.
    /// @return amount What was swept (zero when nothing was held).
    function sweep(address token) external returns (uint256 amount) {
        if (market.claimable(address(this), token) == 0) return 0;
        amount = market.claim(token, module);
    }
}
