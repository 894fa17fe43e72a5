// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {JobMarketExtension} from "../../core/JobMarketExtension.sol";

/// @notice Test-only: a compatible periphery release (new code, same storage namespace and layout),
///         installed with `JobMarket.setExtension`. It serves everything `JobMarketExtension` does,
///         plus `version()`, through the market's fallback.
/// @custom:oz-upgrades-from contracts/core/JobMarketExtension.sol:JobMarketExtension
/// @custom:oz-upgrades-unsafe-allow missing-initializer constructor
contract JobMarketExtensionV2Mock is JobMarketExtension {
    constructor(address disputes_) JobMarketExtension(disputes_) {}

    function version() external pure returns (string memory) {
        return "2";
    }
}
