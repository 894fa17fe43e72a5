// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IVrfCoordinator} from "../randomness/VrfRandomnessAdapter.sol";

/// @notice The consumer side of a VRF coordinator's callback.
interface IVrfConsumer {
    function rawFulfillRandomWords(uint256 requestId, uint256[] calldata randomWords) external;
}

/// @title A VRF coordinator that answers when the test says so
/// @notice TEST ONLY, never deployed. Records each request (ids from 1) and fulfils it with the words the
///         test passes; no proof, no subscription.
contract MockVrfCoordinator is IVrfCoordinator {
    struct Request {
        address consumer;
        bytes32 keyHash;
        uint256 subscriptionId;
        uint32 numWords;
    }

    uint256 public lastRequestId;
    mapping(uint256 requestId => Request) public requests;

    /// @inheritdoc IVrfCoordinator
    function requestRandomWords(bytes32 keyHash, uint256 subscriptionId, uint16, uint32, uint32 numWords)
        external
        returns (uint256 requestId)
    {
        requestId = ++lastRequestId;
        requests[requestId] = Request(msg.sender, keyHash, subscriptionId, numWords);
    }

    /// @notice Calls back the consumer of `requestId` with `words`.
    function fulfill(uint256 requestId, uint256[] calldata words) external {
        IVrfConsumer(requests[requestId].consumer).rawFulfillRandomWords(requestId, words);
    }
}
