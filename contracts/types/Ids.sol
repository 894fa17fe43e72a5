// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice Identifies one job. It is `keccak256(abi.encode(job))` of the job's immutable terms
///         (`IJobMarketTypes.Job`), so the id itself commits to client, provider, token, price,
///         collateral, model, input, deadline, parameter snapshot and nonce.
type JobId is bytes32;

/// @notice Identifies one model. It is
///         `keccak256(abi.encode(weightsHash, runtimeDigest, determinism))`: a commitment to what runs.
type ModelId is bytes32;

using {eqJobId as ==} for JobId global;
using {eqModelId as ==} for ModelId global;

function eqJobId(JobId a, JobId b) pure returns (bool) {
    return JobId.unwrap(a) == JobId.unwrap(b);
}

function eqModelId(ModelId a, ModelId b) pure returns (bool) {
    return ModelId.unwrap(a) == ModelId.unwrap(b);
}
