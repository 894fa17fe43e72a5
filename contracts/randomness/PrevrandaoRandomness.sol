// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IRandomnessSource} from "../interfaces/IRandomnessSource.sol";

/// @title Per-epoch seeds from the beacon chain's RANDAO (L1 only)
/// @notice After an epoch ends, anyone calls `reveal(epoch)`; the first call stores
///         `keccak256(block.prevrandao, epoch, this, chainid)` of the block it lands in, and the seed never
///         changes afterwards.
///
///         Soundness, and its limits (docs/protocol.md 7.7):
///         - On Ethereum L1, `prevrandao` of a block is fixed by the previous slot, so it is public one block
///           ahead. A party that wants a particular seed can therefore choose the block in which it reveals,
///           among the blocks after the epoch's end, as long as nobody else reveals first. The seed is sound
///           only if at least one honest party reveals in the first block(s) after every epoch ends (a
///           keeper, or any verifier node, which earns from checks). The proposer of that block can still
///           bias it by one bit (publish the block, or miss the slot).
///         - On rollups `prevrandao` is chosen by the sequencer (often a constant): use a VRF there
///           (`VrfRandomnessAdapter`), never this contract.
contract PrevrandaoRandomness is IRandomnessSource {
    /// @notice Bounds on the epoch length, in seconds: long enough to group blocks, short enough that a
    ///         result's epoch ends well inside the smallest challenge window (1 h).
    uint256 public constant MIN_EPOCH_LENGTH = 60;
    uint256 public constant MAX_EPOCH_LENGTH = 30 minutes;

    /// @inheritdoc IRandomnessSource
    uint256 public immutable epochLength;

    mapping(uint64 epoch => bytes32) private _seeds;

    /// @notice The epoch length is outside `[MIN_EPOCH_LENGTH, MAX_EPOCH_LENGTH]`.
    error RandomnessEpochLengthOutOfBounds(uint256 epochLength, uint256 min, uint256 max);
    /// @notice `epoch` has not ended: its seed may not exist before `endsAt`.
    error RandomnessEpochNotEnded(uint64 epoch, uint256 endsAt, uint256 nowTime);
    /// @notice The seed of `epoch` was already revealed; it never changes.
    error RandomnessSeedAlreadyRevealed(uint64 epoch);

    constructor(uint256 epochLength_) {
        require(
            epochLength_ >= MIN_EPOCH_LENGTH && epochLength_ <= MAX_EPOCH_LENGTH,
            RandomnessEpochLengthOutOfBounds(epochLength_, MIN_EPOCH_LENGTH, MAX_EPOCH_LENGTH)
        );
        epochLength = epochLength_;
    }

    /// @notice Stores the seed of `epoch` from this block's `prevrandao`. Anyone may call, once the epoch
    ///         has ended; only the first call counts.
    /// @dev Reverts with `RandomnessEpochNotEnded` before `(epoch + 1) × epochLength`, or
    ///      `RandomnessSeedAlreadyRevealed` on a second call.
    /// @return seed The seed stored.
    function reveal(uint64 epoch) external returns (bytes32 seed) {
        uint256 endsAt = (uint256(epoch) + 1) * epochLength;
        require(block.timestamp >= endsAt, RandomnessEpochNotEnded(epoch, endsAt, block.timestamp));
        require(_seeds[epoch] == bytes32(0), RandomnessSeedAlreadyRevealed(epoch));
        seed = keccak256(abi.encode(block.prevrandao, epoch, address(this), block.chainid));
        // A zero hash is not a practical outcome; it would read as "not ready", so it is mapped away.
        if (seed == bytes32(0)) seed = bytes32(uint256(1));
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
