// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";

/// @notice EIP-712 digests for the signatures that tests produce with `vm.sign`.
library SigUtils {
    bytes32 internal constant PERMIT_TYPEHASH =
        keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)");

    bytes32 internal constant DELEGATION_TYPEHASH =
        keccak256("Delegation(address delegatee,uint256 nonce,uint256 expiry)");

    /// @notice The digest that `owner` signs to let `spender` spend `value` of `token` (ERC-2612),
    ///         at the owner's current nonce.
    function permitDigest(IERC20Permit token, address owner, address spender, uint256 value, uint256 deadline)
        internal
        view
        returns (bytes32)
    {
        bytes32 structHash =
            keccak256(abi.encode(PERMIT_TYPEHASH, owner, spender, value, token.nonces(owner), deadline));
        return MessageHashUtils.toTypedDataHash(token.DOMAIN_SEPARATOR(), structHash);
    }

    /// @notice The digest that a holder signs to delegate its votes to `delegatee` (ERC-5805
    ///         `delegateBySig`) under the token's `domainSeparator`.
    function delegationDigest(bytes32 domainSeparator, address delegatee, uint256 nonce, uint256 expiry)
        internal
        pure
        returns (bytes32)
    {
        bytes32 structHash = keccak256(abi.encode(DELEGATION_TYPEHASH, delegatee, nonce, expiry));
        return MessageHashUtils.toTypedDataHash(domainSeparator, structHash);
    }

    /// @notice The EIP-2098 compact form (`r`, `vs`) of a 65-byte `r ‖ s ‖ v` signature, as
    ///         `ResultSubmitted` carries it: `vs = s | (v − 27) << 255`.
    function compact(bytes memory signature) internal pure returns (bytes32 r, bytes32 vs) {
        require(signature.length == 65, "SigUtils: not a 65-byte signature");
        bytes32 s;
        uint8 v;
        assembly ("memory-safe") {
            r := mload(add(signature, 0x20))
            s := mload(add(signature, 0x40))
            v := byte(0, mload(add(signature, 0x60)))
        }
        vs = s | bytes32(uint256(v - 27) << 255);
    }

    /// @notice `ResultSubmitted`'s data for `outputHash` and `signature`: `abi.encode(outputHash, r, vs)`.
    function resultData(bytes32 outputHash, bytes memory signature) internal pure returns (bytes memory) {
        (bytes32 r, bytes32 vs) = compact(signature);
        return abi.encode(outputHash, r, vs);
    }
}
