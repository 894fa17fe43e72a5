// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title A source of per-epoch random seeds
/// @notice Time is cut into epochs of `epochLength()` seconds: epoch `e` covers
///         `[e × epochLength, (e + 1) × epochLength)`. The seed of an epoch can exist only after the
///         epoch has ended, so nobody knows it while something that happens during the epoch (a result
///         committed, a verifier enrolled) can still be changed. A seed never changes once it exists.
///         Consumers (the sampled re-execution verifier) compute the epoch of a timestamp as
///         `timestamp / epochLength()`.
interface IRandomnessSource {
    /// @notice The seed of `epoch` does not exist yet (the epoch has not ended, or nobody revealed or
    ///         fulfilled it yet).
    error RandomnessSeedNotReady(uint64 epoch);

    /// @notice The seed of `epoch` became known.
    /// @param by Who made it known (the revealer, or the VRF coordinator).
    event RandomnessSeedSet(uint64 indexed epoch, bytes32 seed, address indexed by);

    /// @notice The length of an epoch, in seconds. Never changes.
    function epochLength() external view returns (uint256);

    /// @notice The seed of `epoch`. Never zero.
    /// @dev Reverts with `RandomnessSeedNotReady(epoch)` while it does not exist.
    function seedOf(uint64 epoch) external view returns (bytes32);

    /// @notice Whether the seed of `epoch` exists.
    function isSeedReady(uint64 epoch) external view returns (bool);
}
