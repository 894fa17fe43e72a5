// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {JobId, ModelId} from "../types/Ids.sol";

/// @title EIP-712 attestation of a result
/// @notice A provider's signer key signs
///         `Attestation(bytes32 jobId,bytes32 model,bytes32 inputHash,bytes32 outputHash,address provider)`
///         under the domain `{name: "Depinfer", version: "1", chainId, verifyingContract}`. The domain
///         binds chain and deployment; the job id binds the job's full terms.
library AttestationLib {
    bytes32 internal constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 internal constant NAME_HASH = keccak256("Depinfer");
    bytes32 internal constant VERSION_HASH = keccak256("1");
    string internal constant NAME = "Depinfer";
    string internal constant VERSION = "1";

    bytes32 internal constant ATTESTATION_TYPEHASH = keccak256(
        "Attestation(bytes32 jobId,bytes32 model,bytes32 inputHash,bytes32 outputHash,address provider)"
    );

    /// @notice The domain separator for `verifyingContract` on the current chain.
    function domainSeparator(address verifyingContract) internal view returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, NAME_HASH, VERSION_HASH, block.chainid, verifyingContract));
    }

    /// @notice The EIP-712 digest to sign.
    function digest(
        address verifyingContract,
        JobId jobId,
        ModelId model,
        bytes32 inputHash,
        bytes32 outputHash,
        address provider
    ) internal view returns (bytes32) {
        bytes32 structHash = keccak256(abi.encode(ATTESTATION_TYPEHASH, jobId, model, inputHash, outputHash, provider));
        return keccak256(abi.encodePacked(hex"1901", domainSeparator(verifyingContract), structHash));
    }

    /// @notice The EIP-712 digest to sign, under a domain separator computed once (for batches).
    function digestIn(
        bytes32 domain,
        JobId jobId,
        ModelId model,
        bytes32 inputHash,
        bytes32 outputHash,
        address provider
    ) internal pure returns (bytes32) {
        bytes32 structHash = keccak256(abi.encode(ATTESTATION_TYPEHASH, jobId, model, inputHash, outputHash, provider));
        return keccak256(abi.encodePacked(hex"1901", domain, structHash));
    }
}
