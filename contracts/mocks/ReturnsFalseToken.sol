// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title A token that reports failure by returning false
/// @notice TEST ONLY: anyone can mint and anyone can set the flag. Models older tokens (ZRX, BAT,
///         ...) that signal a failed transfer by returning `false` instead of reverting. While
///         `failTransfers` is set, `transfer` and `transferFrom` move nothing, spend no allowance
///         and return `false`; a caller that ignores the return value credits a deposit that
///         never arrived. While it is clear, the token behaves normally.
contract ReturnsFalseToken is ERC20 {
    /// @notice Whether `transfer` and `transferFrom` currently fail by returning `false`.
    bool public failTransfers;

    constructor() ERC20("Returns False Token", "RFT") {}

    /// @notice Mints `amount` to `to`. Callable by anyone.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Sets whether transfers fail. Callable by anyone.
    function setFailTransfers(bool fail) external {
        failTransfers = fail;
    }

    /// @inheritdoc ERC20
    /// @dev Returns `false` without moving funds while `failTransfers` is set.
    function transfer(address to, uint256 value) public override returns (bool) {
        if (failTransfers) return false;
        return super.transfer(to, value);
    }

    /// @inheritdoc ERC20
    /// @dev Returns `false` without moving funds or spending allowance while `failTransfers` is set.
    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        if (failTransfers) return false;
        return super.transferFrom(from, to, value);
    }
}
