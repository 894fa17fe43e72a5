// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Roles} from "../../../contracts/governance/Roles.sol";
import {IRedundancyModule, IRedundancyModuleTypes} from "../../../contracts/interfaces/IRedundancyModule.sol";
import {ModelId} from "../../../contracts/types/Ids.sol";
import {RedundancyModule} from "../../../contracts/verifiers/RedundancyModule.sol";
import {UnitFixture} from "./UnitFixture.sol";

/// @notice The unit fixture plus a registered RedundancyModule (reveal 1 h, appeal 1 h, arbitration 1 d,
///         50 % of a liveness slash to the client), the ARBITRATOR wired to `rule`, four staked providers with
///         an allowance for the module (alice, bob, carol, dave), a TOLERANT model they all offer, and helpers
///         that drive a request through commit and reveal.
/// @dev Amounts at the defaults: PRICE 2 USDC per seat, collateral 20 tokens per seat, fee 1 %.
abstract contract RedundancyFixture is UnitFixture, IRedundancyModuleTypes {
    uint32 internal constant REVEAL = 1 hours;
    uint32 internal constant APPEAL = 1 hours;
    uint32 internal constant ARBITRATION = 1 days;
    uint16 internal constant LIVENESS_BPS = 5_000;
    uint40 internal constant COMMIT_IN = 1 hours;

    RedundancyModule internal rm;
    ModelId internal tolerantModel;
    ProviderKey[] internal ps; // ps[0] is alice
    uint256 internal saltNonce;

    function setUp() public virtual override {
        super.setUp();
        rm = new RedundancyModule(address(manager), market, REVEAL, APPEAL, ARBITRATION, LIVENESS_BPS);
        market.setModule(address(rm), true);
        bytes4[] memory sel = new bytes4[](1);
        sel[0] = RedundancyModule.rule.selector;
        manager.setTargetFunctionRole(address(rm), sel, Roles.ARBITRATOR);
        tolerantModel =
            market.registerModel(keccak256("weights-t"), keccak256("runtime-t"), Determinism.TOLERANT, "ipfs://t");
        ps.push(alice);
        ps.push(_provider("bob", STAKE));
        ps.push(_provider("carol", STAKE));
        ps.push(_provider("dave", STAKE));
        for (uint256 i; i < ps.length; ++i) {
            vm.startPrank(ps[i].account);
            market.setModuleAllowance(address(rm), COLLATERAL * 10);
            market.setOffer(tolerantModel, address(usdc), PRICE, 60, true);
            vm.stopPrank();
        }
        vm.prank(client);
        usdc.approve(address(rm), type(uint256).max);
    }

    function _params(ModelId model_) internal view returns (IRedundancyModuleTypes.RequestParams memory) {
        return IRedundancyModuleTypes.RequestParams({
            model: model_,
            token: address(usdc),
            price: PRICE,
            inputHash: sha256("input"),
            commitDeadline: uint40(block.timestamp + COMMIT_IN)
        });
    }

    function _accounts(uint256 k) internal view returns (address[] memory a) {
        a = new address[](k);
        for (uint256 i; i < k; ++i) {
            a[i] = ps[i].account;
        }
    }

    /// @dev A request for the first `k` providers on `model_`, by the client.
    function _req(uint256 k, ModelId model_) internal returns (uint256 id) {
        IRedundancyModuleTypes.RequestParams memory p = _params(model_);
        address[] memory a = _accounts(k);
        vm.prank(client);
        id = rm.request(p, a);
    }

    function _salt(uint256 id, uint256 seat) internal pure returns (bytes32) {
        return keccak256(abi.encode("salt", id, seat));
    }

    function _commit(uint256 id, uint256 seat, bytes32 output) internal {
        bytes32 c = rm.commitmentOf(id, seat, ps[seat].account, output, _salt(id, seat));
        vm.prank(ps[seat].account);
        rm.commit(id, seat, c);
    }

    function _reveal(uint256 id, uint256 seat, bytes32 output) internal {
        rm.reveal(id, seat, output, _salt(id, seat));
    }

    /// @dev Every seat commits and reveals its output in `outs`.
    function _run(uint256 id, bytes32[] memory outs) internal {
        for (uint256 i; i < outs.length; ++i) {
            _commit(id, i, outs[i]);
        }
        for (uint256 i; i < outs.length; ++i) {
            _reveal(id, i, outs[i]);
        }
    }

    function _outs3(bytes32 a, bytes32 b, bytes32 c) internal pure returns (bytes32[] memory o) {
        o = new bytes32[](3);
        (o[0], o[1], o[2]) = (a, b, c);
    }

    function _status(uint256 id) internal view returns (IRedundancyModuleTypes.RequestStatus) {
        return rm.requestOf(id).status;
    }

    function _seat(uint256 id, uint256 seat) internal view returns (IRedundancyModuleTypes.SeatStatus) {
        return rm.seatOf(id, seat).status;
    }

    function _locked(uint256 i) internal view returns (uint256) {
        return market.moduleStake(address(rm), ps[i].account).locked;
    }

    function _staked(uint256 i) internal view returns (uint256) {
        return market.provider(ps[i].account).staked;
    }
}
