// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IRandomnessSource} from "../interfaces/IRandomnessSource.sol";

/// @title The coordinator side of a VRF service
/// @notice The request half of Chainlink VRF's coordinator, reduced to plain arguments. The coordinator
///         later calls back `rawFulfillRandomWords(requestId, randomWords)` on the requester, with words
///         that come with a proof the coordinator checked (a VRF), so neither the requester nor the oracle
///         can choose them; the oracle can only withhold them.
interface IVrfCoordinator {
    function requestRandomWords(
        bytes32 keyHash,
        uint256 subscriptionId,
        uint16 requestConfirmations,
        uint32 callbackGasLimit,
        uint32 numWords
    ) external returns (uint256 requestId);
}

/// @title Per-epoch seeds from a VRF coordinator (for rollups)
/// @notice After an epoch ends, anyone calls `request(epoch)`; the coordinator answers with
///         `rawFulfillRandomWords`, and the seed of the epoch is `keccak256(word, epoch)`. One request per
///         epoch, and the first answer is final. Use this where `prevrandao` is chosen by a sequencer.
///
///         Caveats (docs/protocol.md 7.7): the oracle cannot bias a seed but can withhold it, and a request
///         that is never fulfilled (a failed callback, an empty subscription) leaves its epoch without a
///         seed: sampled jobs of that epoch are then never checked. There is no retry, on purpose: a retry
///         would let a withholding oracle pick the better of two answers.
/// @dev A shape to build on, tested with a mock coordinator; the subscription is funded and the adapter
///      added as its consumer off-chain.
contract VrfRandomnessAdapter is IRandomnessSource {
    /// @notice Bounds on the epoch length, in seconds (see `PrevrandaoRandomness`).
    uint256 public constant MIN_EPOCH_LENGTH = 60;
    uint256 public constant MAX_EPOCH_LENGTH = 30 minutes;

    IVrfCoordinator public immutable coordinator;
    bytes32 public immutable keyHash;
    uint256 public immutable subscriptionId;
    uint16 public immutable requestConfirmations;
    uint32 public immutable callbackGasLimit;

    /// @inheritdoc IRandomnessSource
    uint256 public immutable epochLength;

    mapping(uint64 epoch => bytes32) private _seeds;
    /// @notice The request made for each epoch (zero: none).
    mapping(uint64 epoch => uint256) public requestOf;
    /// @dev The epoch of each pending request, plus one (zero: not pending).
    mapping(uint256 requestId => uint72) private _pending;

    /// @notice The epoch length is outside `[MIN_EPOCH_LENGTH, MAX_EPOCH_LENGTH]`.
    error RandomnessEpochLengthOutOfBounds(uint256 epochLength, uint256 min, uint256 max);
    error RandomnessZeroCoordinator();
    /// @notice `epoch` has not ended: its seed may not be asked for before `endsAt`.
    error RandomnessEpochNotEnded(uint64 epoch, uint256 endsAt, uint256 nowTime);
    /// @notice A request for `epoch` was already made (`requestId`); the first answer is final.
    error RandomnessAlreadyRequested(uint64 epoch, uint256 requestId);
    /// @notice Only the coordinator fulfils requests.
    error RandomnessNotCoordinator(address caller);
    /// @notice `requestId` is not a pending request of this adapter.
    error RandomnessUnknownRequest(uint256 requestId);
    /// @notice The coordinator answered with no words.
    error RandomnessNoWords(uint256 requestId);

    /// @notice A seed for `epoch` was requested from the coordinator.
    event RandomnessRequested(uint64 indexed epoch, uint256 indexed requestId, address indexed by);

    constructor(
        IVrfCoordinator coordinator_,
        bytes32 keyHash_,
        uint256 subscriptionId_,
        uint16 requestConfirmations_,
        uint32 callbackGasLimit_,
        uint256 epochLength_
    ) {
        require(address(coordinator_) != address(0), RandomnessZeroCoordinator());
        require(
            epochLength_ >= MIN_EPOCH_LENGTH && epochLength_ <= MAX_EPOCH_LENGTH,
            RandomnessEpochLengthOutOfBounds(epochLength_, MIN_EPOCH_LENGTH, MAX_EPOCH_LENGTH)
        );
        coordinator = coordinator_;
        keyHash = keyHash_;
        subscriptionId = subscriptionId_;
        requestConfirmations = requestConfirmations_;
        callbackGasLimit = callbackGasLimit_;
        epochLength = epochLength_;
    }

    /// @notice Asks the coordinator for the seed of `epoch`. Anyone may call, once the epoch has ended,
    ///         once per epoch.
    /// @dev Reverts with `RandomnessEpochNotEnded` or `RandomnessAlreadyRequested` (and whatever the
    ///      coordinator reverts with, e.g. an unfunded subscription).
    /// @return requestId The coordinator's id of the request.
    function request(uint64 epoch) external returns (uint256 requestId) {
        uint256 endsAt = (uint256(epoch) + 1) * epochLength;
        require(block.timestamp >= endsAt, RandomnessEpochNotEnded(epoch, endsAt, block.timestamp));
        uint256 previous = requestOf[epoch];
        require(previous == 0 && _seeds[epoch] == bytes32(0), RandomnessAlreadyRequested(epoch, previous));
        requestId = coordinator.requestRandomWords(keyHash, subscriptionId, requestConfirmations, callbackGasLimit, 1);
        requestOf[epoch] = requestId;
        _pending[requestId] = uint72(epoch) + 1;
        emit RandomnessRequested(epoch, requestId, msg.sender);
    }

    /// @notice The coordinator's answer to a request: sets the seed of the request's epoch.
    /// @dev Callable by the coordinator only (`RandomnessNotCoordinator`). Reverts with
    ///      `RandomnessUnknownRequest` for a request that is not pending (never made, or already answered),
    ///      or `RandomnessNoWords`.
    function rawFulfillRandomWords(uint256 requestId, uint256[] calldata randomWords) external {
        require(msg.sender == address(coordinator), RandomnessNotCoordinator(msg.sender));
        uint256 pending = _pending[requestId];
        require(pending != 0, RandomnessUnknownRequest(requestId));
        require(randomWords.length != 0, RandomnessNoWords(requestId));
        delete _pending[requestId];
        uint64 epoch = uint64(pending - 1);
        bytes32 seed = keccak256(abi.encode(randomWords[0], epoch));
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
