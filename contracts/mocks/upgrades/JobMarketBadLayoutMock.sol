// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";

/// @notice Test-only: an INCOMPATIBLE upgrade. It reuses the market's storage namespace but puts a
///         new field first, shifting every field after it. The upgrade check must refuse it.
/// @custom:oz-upgrades-from contracts/core/JobMarket.sol:JobMarket
contract JobMarketBadLayoutMock is Initializable, UUPSUpgradeable {
    /// @custom:storage-location erc7201:depinfer.storage.JobMarket
    struct JobMarketStorage {
        uint256 inserted;
        address stakeToken;
    }

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    function initialize() external initializer {}

    function _authorizeUpgrade(address) internal override {}
}
