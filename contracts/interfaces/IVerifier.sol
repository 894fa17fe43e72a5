// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {JobId} from "../types/Ids.sol";
import {IJobMarketTypes} from "./IJobMarket.sol";

/// @title A verification module
/// @notice One module serves one class of jobs (set per determinism profile by governance). The
///         market calls `onDisputeOpened`; the module later calls `IJobMarket.resolveDispute` with
///         its verdict before the dispute's deadline. The core knows nothing else of how it decides,
///         so new kinds (sampled re-execution, redundancy, TEE, ZK) plug in without an upgrade.
interface IVerifier {
    /// @notice Called by the market when a dispute on `jobId` opens.
    /// @dev Must revert unless called by the market it serves.
    function onDisputeOpened(JobId jobId, IJobMarketTypes.Job calldata job, address challenger, uint256 deadline)
        external;
}
