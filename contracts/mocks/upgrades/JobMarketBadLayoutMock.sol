// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";

/// @notice Test-only: an INCOMPATIBLE extension. It reuses the market's storage namespace but puts a
///         new field first, shifting every field after it. The release check must refuse it before
///         governance is ever asked to `setExtension` to it.
/// @custom:oz-upgrades-from contracts/core/JobMarketExtension.sol:JobMarketExtension
/// @custom:oz-upgrades-unsafe-allow missing-initializer
contract JobMarketBadLayoutMock is Initializable {
    /// @custom:storage-location erc7201:depinfer.storage.JobMarket
    struct JobMarketStorage {
        uint256 inserted;
        address stakeToken;
    }

    function version() external pure returns (string memory) {
        return "bad";
    }
}
