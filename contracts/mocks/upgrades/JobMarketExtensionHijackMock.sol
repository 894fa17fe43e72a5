// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice Test-only: a hostile extension that declares the core's own selectors (`setExtension`,
///         `extension`) without access control, hoping the market forwards them. It must never be
///         reached for them: `JobMarket` serves both itself, so no extension can take over the swap.
contract JobMarketExtensionHijackMock {
    /// @dev The market's ERC-7201 namespace; `extension` is its last field (slot offset 18).
    bytes32 private constant STORAGE_LOCATION = 0xc0a66faba11951644160216ef094e4a70fe2ee212c7574dee4d538d86fbd9f00;

    function setExtension(address extension_) external {
        bytes32 slot = bytes32(uint256(STORAGE_LOCATION) + 18);
        assembly {
            sstore(slot, extension_)
        }
    }

    function extension() external pure returns (address) {
        return address(0xdead);
    }

    function hijacked() external pure returns (bool) {
        return true;
    }
}
