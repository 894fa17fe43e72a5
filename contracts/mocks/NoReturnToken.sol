// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";

/// @title A USDT-style token for tests
/// @notice TEST ONLY: anyone can mint. Models Tether (USDT) on Ethereum mainnet, which predates
///         the final ERC-20 text:
///         - `transfer`, `transferFrom` and `approve` return nothing, so calling them through the
///           standard `IERC20` interface reverts when Solidity decodes the missing `bool`. Callers
///           must use `SafeERC20`;
///         - `approve` reverts when both the current and the new allowance are non-zero (USDT's
///           guard against the approve race), so callers must reset to zero first or use
///           `SafeERC20.forceApprove`.
///         Failures revert (with the ERC-6093 errors); they never return false.
/// @dev Written from scratch rather than on OpenZeppelin's `ERC20`, whose functions return `bool`.
///      It therefore does not implement `IERC20`.
contract NoReturnToken is IERC20Errors {
    string public constant name = "No Return Token";
    string public constant symbol = "NRT";
    uint8 public constant decimals = 18;

    uint256 public totalSupply;
    mapping(address account => uint256) public balanceOf;
    mapping(address owner => mapping(address spender => uint256)) public allowance;

    /// @notice `approve` was asked to change a non-zero allowance to another non-zero value.
    error NoReturnTokenApproveFromNonZero(address owner, address spender, uint256 currentAllowance);

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    /// @notice Mints `amount` to `to`. Callable by anyone.
    function mint(address to, uint256 amount) external {
        require(to != address(0), ERC20InvalidReceiver(address(0)));
        totalSupply += amount;
        balanceOf[to] += amount;
        emit Transfer(address(0), to, amount);
    }

    /// @notice Moves `amount` from the caller to `to`. Returns nothing.
    function transfer(address to, uint256 amount) external {
        _transfer(msg.sender, to, amount);
    }

    /// @notice Moves `amount` from `from` to `to` using the caller's allowance. Returns nothing.
    /// @dev An allowance of `type(uint256).max` is not decreased.
    function transferFrom(address from, address to, uint256 amount) external {
        uint256 allowed = allowance[from][msg.sender];
        if (allowed != type(uint256).max) {
            require(allowed >= amount, ERC20InsufficientAllowance(msg.sender, allowed, amount));
            allowance[from][msg.sender] = allowed - amount;
        }
        _transfer(from, to, amount);
    }

    /// @notice Sets the caller's allowance for `spender` to `amount`. Returns nothing.
    /// @dev Reverts with `NoReturnTokenApproveFromNonZero` if both the current allowance and
    ///      `amount` are non-zero.
    function approve(address spender, uint256 amount) external {
        uint256 current = allowance[msg.sender][spender];
        require(amount == 0 || current == 0, NoReturnTokenApproveFromNonZero(msg.sender, spender, current));
        allowance[msg.sender][spender] = amount;
        emit Approval(msg.sender, spender, amount);
    }

    function _transfer(address from, address to, uint256 amount) private {
        require(to != address(0), ERC20InvalidReceiver(address(0)));
        uint256 balance = balanceOf[from];
        require(balance >= amount, ERC20InsufficientBalance(from, balance, amount));
        balanceOf[from] = balance - amount;
        balanceOf[to] += amount;
        emit Transfer(from, to, amount);
    }
}
