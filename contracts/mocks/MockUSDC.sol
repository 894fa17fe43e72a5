// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

/// @title A USDC-like token for tests
/// @notice TEST ONLY: anyone can mint and anyone can edit the blocklist. Models two properties of
///         Circle's USDC: 6 decimals, and an issuer blocklist. As in USDC, a transfer, mint or
///         burn from or to a blocklisted address reverts, and so do `transferFrom` and `approve`
///         by or for a blocklisted spender (`permit` is not checked). A contract holding funds
///         for a user who gets blocklisted cannot pay that user out, and a push-payment to them
///         reverts the whole transaction; a blocklisted contract can neither send nor pull.
///         Tests use it to check that one blocked party cannot freeze the others.
contract MockUSDC is ERC20, ERC20Permit {
    /// @notice Whether an address is blocklisted.
    mapping(address account => bool) public isBlocklisted;

    /// @notice An operation involving the blocklisted `account` was attempted.
    error MockUSDCBlocked(address account);

    /// @notice `account` was added to the blocklist.
    event Blocklisted(address indexed account);

    /// @notice `account` was removed from the blocklist.
    event Unblocked(address indexed account);

    constructor() ERC20("USD Coin", "USDC") ERC20Permit("USD Coin") {}

    /// @notice Mints `amount` (6 decimals) to `to`. Callable by anyone.
    /// @dev Reverts with `MockUSDCBlocked` if `to` is blocklisted.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Adds `account` to the blocklist. Callable by anyone.
    function blocklist(address account) external {
        isBlocklisted[account] = true;
        emit Blocklisted(account);
    }

    /// @notice Removes `account` from the blocklist. Callable by anyone.
    function unblock(address account) external {
        isBlocklisted[account] = false;
        emit Unblocked(account);
    }

    /// @inheritdoc ERC20
    function decimals() public pure override returns (uint8) {
        return 6;
    }

    /// @inheritdoc ERC20
    /// @dev Reverts with `MockUSDCBlocked` if the caller (the spender), `from` or `to` is blocklisted.
    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        _requireNotBlocklisted(_msgSender());
        return super.transferFrom(from, to, value);
    }

    /// @inheritdoc ERC20
    /// @dev Reverts with `MockUSDCBlocked` if the caller or `spender` is blocklisted.
    function approve(address spender, uint256 value) public override returns (bool) {
        _requireNotBlocklisted(_msgSender());
        _requireNotBlocklisted(spender);
        return super.approve(spender, value);
    }

    /// @dev Reverts with `MockUSDCBlocked` if the sender or the recipient is blocklisted.
    function _update(address from, address to, uint256 value) internal override {
        _requireNotBlocklisted(from);
        _requireNotBlocklisted(to);
        super._update(from, to, value);
    }

    function _requireNotBlocklisted(address account) private view {
        require(!isBlocklisted[account], MockUSDCBlocked(account));
    }
}
