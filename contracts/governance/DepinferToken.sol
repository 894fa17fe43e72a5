// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {Time} from "@openzeppelin/contracts/utils/types/Time.sol";

/// @title Depinfer protocol token
/// @notice The governance token: a fixed-supply ERC-20 with ERC-2612 permits and ERC-5805 votes.
///         The whole supply is minted once, in the constructor; there is no mint function.
/// @dev The votes clock is the block timestamp (ERC-6372 `mode=timestamp`), not the block number,
///      because block numbers on L2s are neither regular nor always the L2's own. The governor
///      reads this clock, so its voting delay and period are in seconds.
///      Holders have no votes until they delegate, to themselves or to someone else.
contract DepinferToken is ERC20, ERC20Permit, ERC20Votes {
    /// @notice The constructor was given the zero address as the initial holder.
    error DepinferTokenZeroHolder();

    /// @notice Deploys the token and mints `initialSupply` (in wei, 18 decimals) to `initialHolder`.
    /// @dev Reverts with `DepinferTokenZeroHolder` if `initialHolder` is the zero address, and with
    ///      `ERC20ExceededSafeSupply` if `initialSupply` exceeds `type(uint208).max`.
    constructor(string memory name_, string memory symbol_, address initialHolder, uint256 initialSupply)
        ERC20(name_, symbol_)
        ERC20Permit(name_)
    {
        require(initialHolder != address(0), DepinferTokenZeroHolder());
        _mint(initialHolder, initialSupply);
    }

    /// @notice The current timepoint of the votes clock: the block timestamp.
    function clock() public view override returns (uint48) {
        return Time.timestamp();
    }

    /// @notice The ERC-6372 description of the clock.
    // solhint-disable-next-line func-name-mixedcase
    function CLOCK_MODE() public pure override returns (string memory) {
        return "mode=timestamp";
    }

    /// @inheritdoc ERC20Permit
    function nonces(address owner) public view override(ERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }

    /// @dev Moves balances (ERC20) and then the delegates' voting units (ERC20Votes).
    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Votes) {
        super._update(from, to, value);
    }
}
