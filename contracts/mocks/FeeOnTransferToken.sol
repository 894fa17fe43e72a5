// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title A fee-on-transfer token for tests
/// @notice TEST ONLY: anyone can mint. Models tokens such as PAXG or STA that take a fee on each
///         transfer: 1% of every `transfer` and `transferFrom` is burned, so the recipient
///         receives less than the amount sent and a contract that credits the requested amount
///         instead of its balance change becomes insolvent. Mints and burns take no fee. The fee
///         rounds down, so transfers of fewer than 100 wei are free.
contract FeeOnTransferToken is ERC20 {
    /// @notice The fee, in basis points of the amount transferred.
    uint256 public constant FEE_BPS = 100;

    uint256 private constant _BPS = 10_000;

    constructor() ERC20("Fee On Transfer Token", "FOT") {}

    /// @notice Mints `amount` to `to`, without fee. Callable by anyone.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice The fee taken from a transfer of `amount`.
    function feeOf(uint256 amount) public pure returns (uint256) {
        return amount * FEE_BPS / _BPS;
    }

    /// @dev On a transfer between two accounts, burns the fee from the sender and moves the rest.
    ///      `from` is debited the full `value`; `to` is credited `value - feeOf(value)`.
    function _update(address from, address to, uint256 value) internal override {
        if (from == address(0) || to == address(0)) {
            super._update(from, to, value);
            return;
        }
        uint256 fee = feeOf(value);
        super._update(from, address(0), fee);
        super._update(from, to, value - fee);
    }
}
