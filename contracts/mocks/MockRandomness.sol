// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IRandomnessSource} from "../interfaces/IRandomnessSource.sol";

/// @title A randomness source whose seeds the test sets
/// @notice TEST ONLY, never deployed. Anyone may set any epoch's seed, at any time, and overwrite it:
///         tests use it to force a draw (sampled or not) and a verifier assignment.
contract MockRandomness is IRandomnessSource {
    /// @inheritdoc IRandomnessSource
    uint256 public immutable epochLength;

    mapping(uint64 epoch => bytes32) private _seeds;

    constructor(uint256 epochLength_) {
        epochLength = epochLength_;
    }

    /// @notice Sets (or, with zero, clears) the seed of `epoch`.
    function setSeed(uint64 epoch, bytes32 seed) external {
        _seeds[epoch] = seed;
        emit RandomnessSeedSet(epoch, seed, msg.sender);
    }

    /// @inheritdoc IRandomnessSource
    function seedOf(uint64 epoch) external view returns (bytes32 seed) {
        seed = _seeds[epoch];
        require(seed != bytes32(0), RandomnessSeedNotReady(epoch));
    }

    /// @inheritdoc IRandomnessSource
    function isSeedReady(uint64 epoch) external view returns (bool) {
        return _seeds[epoch] != bytes32(0);
    }
}
