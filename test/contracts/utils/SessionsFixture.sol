// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Roles} from "../../../contracts/governance/Roles.sol";
import {IPaymentSessions, IPaymentSessionsTypes} from "../../../contracts/interfaces/IPaymentSessions.sol";
import {IPaymentSessionsDisputes, IPaymentSessionsErrors, IPaymentSessionsEvents} from "../../../contracts/interfaces/IPaymentSessions.sol";
import {PaymentSessions} from "../../../contracts/sessions/PaymentSessions.sol";
import {PaymentSessionsDisputes} from "../../../contracts/sessions/PaymentSessionsDisputes.sol";
import {ModelId} from "../../../contracts/types/Ids.sol";
import {UnitFixture} from "./UnitFixture.sol";

/// @notice The unit fixture plus a registered PaymentSessions module (its disputes ruled by the ARBITRATOR role),
///         alice's allowance for it, and helpers to open sessions and sign vouchers and attestations.
/// @dev Amounts: SPRICE 0.01 USDC per request; collateral 10x at 1 USDC ~ 1 token, so 1 USDC settled locks 10 tokens.
abstract contract SessionsFixture is UnitFixture, IPaymentSessionsTypes, IPaymentSessionsErrors, IPaymentSessionsEvents {
    IPaymentSessions internal sessions;
    uint96 internal constant SPRICE = uint96(USDC / 100);
    uint96 internal constant ESCROW = uint96(10 * USDC);
    uint256 internal constant GRACE = 1 days;
    uint256 internal constant SBOND = BOND_FLOOR; // max(5 × 0.01 USDC, 1 USDC floor)
    uint256 internal clientKey = uint256(keccak256("session client"));
    address internal sclient;
    uint64 internal sNonce;
    /// @dev The terms of every session opened through `_openWith`, by id (the contract does not store them).
    mapping(bytes32 sessionId => SessionTerms) internal terms;

    function setUp() public virtual override {
        super.setUp();
        address disputeCode = address(new PaymentSessionsDisputes(address(manager), market));
        sessions = IPaymentSessions(address(new PaymentSessions(address(manager), market, disputeCode)));
        bytes4[] memory sel = new bytes4[](2);
        sel[0] = IPaymentSessionsDisputes.resolveDispute.selector;
        sel[1] = IPaymentSessionsDisputes.claimArbitrationFees.selector;
        manager.setTargetFunctionRole(address(sessions), sel, Roles.ARBITRATOR);
        market.setModule(address(sessions), true);
        vm.prank(alice.account);
        market.setModuleAllowance(address(sessions), uint96(STAKE));
        sclient = vm.addr(clientKey);
        _fundSessions(sclient, 1_000_000 * USDC);
        _fundSessions(challenger, 1_000_000 * USDC);
    }

    function _fundSessions(address who, uint256 amount) internal {
        usdc.mint(who, amount);
        vm.prank(who);
        usdc.approve(address(sessions), type(uint256).max);
    }

    function _params(uint96 amount) internal returns (OpenParams memory p) {
        p = OpenParams({
            provider: alice.account,
            token: address(usdc),
            model: modelId,
            pricing: Pricing.PerRequest,
            maxPrice: SPRICE,
            amount: amount,
            expiry: uint40(block.timestamp + 1 days),
            signer: address(0),
            nonce: ++sNonce
        });
    }

    function _open(uint96 amount) internal returns (bytes32 id) {
        OpenParams memory p = _params(amount);
        vm.prank(sclient);
        id = _openWith(p);
    }

    /// @dev `sessions.open(p)` (the caller pranks first), remembering the terms it returns.
    function _openWith(OpenParams memory p) internal returns (bytes32 id) {
        SessionTerms memory t;
        (id, t) = sessions.open(p);
        terms[id] = t;
    }

    /// @dev The terms of session `id` (opened through `_openWith`).
    function _t(bytes32 id) internal view returns (SessionTerms memory) {
        return terms[id];
    }

    /// @dev The terms of the session that dispute `disputeId` is about.
    function _dt(bytes32 disputeId) internal view returns (SessionTerms memory) {
        return terms[sessions.sessionDispute(disputeId).sessionId];
    }

    /// @dev What backs pending settlements in `provider_`'s pool with the module.
    function _poolUsed(address provider_) internal view returns (uint256) {
        return sessions.collateralPool(provider_).used;
    }

    function _sig(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }

    function _voucher(bytes32 id, uint256 amount, uint64 count) internal view returns (bytes memory) {
        return _sig(clientKey, sessions.voucherDigest(id, amount, count));
    }

    function _attest(uint256 key, bytes32 id, uint64 index, bytes32 input, bytes32 output)
        internal
        view
        returns (bytes memory)
    {
        return _sig(key, sessions.attestationDigest(id, index, modelId, input, output));
    }

    function _settle(bytes32 id, uint256 amount, uint64 count) internal {
        bytes memory sig = _voucher(id, amount, count);
        vm.prank(alice.account);
        sessions.settle(_t(id), amount, count, sig);
    }

    /// @dev Stake-token collateral for `amount` of USDC at 10x and 1 USDC ~ 1 token.
    function _coll(uint256 amount) internal pure returns (uint256) {
        return amount * 10 * 1e12;
    }

    function _moduleLocked(address provider_) internal view returns (uint256) {
        return market.moduleStake(address(sessions), provider_).locked;
    }

    function _expiry(bytes32 id) internal view returns (uint256) {
        return sessions.session(_t(id)).expiry;
    }

    function _model() internal view returns (ModelId) {
        return modelId;
    }
}
