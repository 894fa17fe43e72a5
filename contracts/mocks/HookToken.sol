// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice The callback that `HookToken` makes into registered contracts.
interface ITokenHook {
    /// @notice Called by `HookToken` when the implementer sends or receives tokens.
    /// @param from The holder the tokens are taken from. On the sending side (before balances
    ///        move) this is the implementer itself; on the receiving side (after they move) it is
    ///        the sender.
    /// @param amount The amount transferred.
    function onTokenTransfer(address from, uint256 amount) external;
}

/// @title An ERC-777-style token with transfer hooks, for tests
/// @notice TEST ONLY: anyone can mint and anyone can register hooks. Models ERC-777 (and other
///         callback tokens such as ERC-1363 or ERC-677), whose transfers hand control to the
///         parties. It is the tool for reentrancy tests:
///         - receiving side (`tokensReceived`): after every `transfer` and `transferFrom`, the
///           recipient's hook is called, once its balance has been credited. A contract paying
///           out to an attacker hands control to the attacker mid-function;
///         - sending side (`tokensToSend`): before `transferFrom` moves anything, the holder's
///           hook is called. A contract pulling a deposit from an attacker hands control to the
///           attacker before the tokens arrive.
///         A hook runs only for an address registered with `setHook` that has code. Mints and
///         burns call no hooks. Reverts in a hook propagate.
contract HookToken is ERC20 {
    /// @notice Whether an address's hook is enabled.
    mapping(address target => bool) public hasHook;

    /// @notice `target`'s hook was enabled or disabled.
    event HookSet(address indexed target, bool enabled);

    constructor() ERC20("Hook Token", "HOOK") {}

    /// @notice Mints `amount` to `to`, without calling any hook. Callable by anyone.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Enables or disables the hook of `target`. Callable by anyone.
    function setHook(address target, bool enabled) external {
        hasHook[target] = enabled;
        emit HookSet(target, enabled);
    }

    /// @inheritdoc ERC20
    /// @dev Calls the recipient's hook after the transfer.
    function transfer(address to, uint256 value) public override returns (bool) {
        address from = _msgSender();
        super.transfer(to, value);
        _callHook(to, from, value);
        return true;
    }

    /// @inheritdoc ERC20
    /// @dev Calls the holder's hook before the transfer and the recipient's hook after it.
    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        _callHook(from, from, value);
        super.transferFrom(from, to, value);
        _callHook(to, from, value);
        return true;
    }

    /// @dev Calls `target.onTokenTransfer(from, value)` if `target` has an enabled hook and code.
    function _callHook(address target, address from, uint256 value) private {
        if (hasHook[target] && target.code.length > 0) {
            ITokenHook(target).onTokenTransfer(from, value);
        }
    }
}
