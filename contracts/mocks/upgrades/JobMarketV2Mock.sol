// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {JobMarket} from "../../core/JobMarket.sol";

/// @notice Test-only: a compatible upgrade (new code, same storage namespace and layout).
/// @custom:oz-upgrades-from contracts/core/JobMarket.sol:JobMarket
/// @custom:oz-upgrades-unsafe-allow missing-initializer
contract JobMarketV2Mock is JobMarket {
    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor(address extension_) JobMarket(extension_) {}

    function version() external pure returns (string memory) {
        return "2";
    }
}
