// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IJobMarketTypes} from "../interfaces/IJobMarket.sol";
import {JobId} from "../types/Ids.sol";

/// @title Job math and identity
/// @notice Units: `price`, fees and bonds are payment-token units; `collateral` and slashes are
///         stake-token units; `*Bps` are basis points (10_000 = 1x); `stakeRate` is stake-token
///         units per payment-token unit, scaled by `RATE_SCALE` (1e18). All rounding is down,
///         which favours the party that is paid the remainder (the provider for fees, the
///         treasury for challenger shares), never creating value.
library JobLib {
    uint256 internal constant BPS = 10_000;
    uint256 internal constant RATE_SCALE = 1e18;

    /// @notice The id of a job: the hash of its ABI-encoded terms.
    /// @dev `Job` is a static struct, so its calldata is exactly its ABI encoding (ten words): hashing
    ///      those bytes as they are skips the validate-and-re-encode of `abi.encode(job)`: about 1,000
    ///      gas a job in `finalizeJobs` (5,236 against 6,316 of execution per job, at 40 jobs). Terms with
    ///      dirty high bits hash to an id no job has (`JobUnknown`); `idMem` hashes clean values at creation.
    function id(IJobMarketTypes.Job calldata job) internal pure returns (JobId jobId) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            calldatacopy(ptr, job, 0x140)
            jobId := keccak256(ptr, 0x140)
        }
    }

    /// @notice The terms settlement needs, read straight from the job's calldata without re-validation.
    /// @dev Sound only once `id(job)` has matched a stored job: the id is the hash of these very bytes,
    ///      and stored jobs were hashed from clean values at creation, so every field is in range.
    function settlementTerms(IJobMarketTypes.Job calldata job)
        internal
        pure
        returns (address client, address token, uint256 price, uint256 collateral)
    {
        assembly ("memory-safe") {
            client := calldataload(job)
            token := calldataload(add(job, 0x40))
            price := calldataload(add(job, 0x60))
            collateral := calldataload(add(job, 0x80))
        }
    }

    /// @notice The id of a job held in memory (at creation).
    /// @dev A memory struct of value types is its ten words in order, each written clean (Solidity clears
    ///      the unused high bits of every value it stores to memory), which is exactly `abi.encode(job)`:
    ///      hashing it in place saves the copy (the fuzz tests compare both).
    function idMem(IJobMarketTypes.Job memory job) internal pure returns (JobId jobId) {
        assembly ("memory-safe") {
            jobId := keccak256(job, 0x140)
        }
    }

    /// @notice Stake-token collateral for a price: `price × ratioBps / BPS × stakeRate / RATE_SCALE`.
    /// @dev Cannot overflow: price < 2^96, ratioBps < 2^32, stakeRate < 2^128.
    function collateralFor(uint256 price, uint256 ratioBps, uint256 stakeRate) internal pure returns (uint256) {
        return price * ratioBps * stakeRate / (BPS * RATE_SCALE);
    }

    /// @notice `amount × bps / BPS`, rounded down.
    function bpsOf(uint256 amount, uint256 bps) internal pure returns (uint256) {
        return amount * bps / BPS;
    }

    /// @notice The dispute bond: `max(price × bondRatioBps / BPS, floor)`, in payment-token units.
    function bondFor(uint256 price, uint256 bondRatioBps, uint256 floor) internal pure returns (uint256) {
        uint256 bond = bpsOf(price, bondRatioBps);
        return bond > floor ? bond : floor;
    }

    /// @notice The liveness slash for a job, in stake-token units: `livenessSlashBps` of the price,
    ///         expressed through the collateral (which is `collateralRatioBps` of the price), so it
    ///         never exceeds the collateral while `livenessSlashBps ≤ collateralRatioBps`.
    function livenessSlash(uint256 collateral, uint256 livenessSlashBps, uint256 collateralRatioBps)
        internal
        pure
        returns (uint256)
    {
        return collateral * livenessSlashBps / collateralRatioBps;
    }
}
