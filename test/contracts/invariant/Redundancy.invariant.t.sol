// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IRedundancyModuleTypes} from "../../../contracts/interfaces/IRedundancyModule.sol";
import {RedundancyFixture} from "../utils/RedundancyFixture.sol";
import {RedundancyHandler} from "./RedundancyHandler.sol";

/// @dev Declared in the test file so that the runner finds the handler's artifact (see Handler.sol).
contract RedundancyInvariantHandler is RedundancyHandler {
    constructor(Config memory c) RedundancyHandler(c) {}
}

/// @notice Invariants of the redundancy module under random interleavings (RedundancyHandler):
///         1. solvency: the module's token balance is exactly escrow + every claimable balance + fees, and
///            everything pulled in is either still held or was claimed out;
///         2. each request settles once, and once settled its payouts + refunds + fees equal its escrow
///            (`k × price`); before that they stay below it;
///         3. slashes stay within the collateral locked for a request: a provider's stake fell by exactly
///            `collateral` per seat it lost, and the module's lock on it is exactly `collateral` per open seat;
///         4. a provider is never counted twice: the seats that put stake at risk have pairwise distinct
///            accounts and signer keys (one's key never another's account), whatever keys were rotated;
///         and, after every run, exit liveness: past every deadline every request settles, every lock is
///         released, and everyone can claim until the module holds only the protocol fees.
contract RedundancyInvariantTest is RedundancyFixture {
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    RedundancyHandler internal handler;
    ProviderKey internal eve;

    function setUp() public override {
        super.setUp();
        eve = _provider("eve", STAKE);
        vm.startPrank(eve.account);
        market.setModuleAllowance(address(rm), type(uint96).max);
        market.setOffer(tolerantModel, address(usdc), PRICE, 60, true);
        vm.stopPrank();
        address[] memory a = new address[](5);
        for (uint256 i; i < 4; ++i) {
            a[i] = ps[i].account;
            vm.prank(ps[i].account);
            market.setModuleAllowance(address(rm), type(uint96).max);
        }
        a[4] = eve.account;
        ps.push(eve);
        handler = new RedundancyInvariantHandler(
            RedundancyHandler.Config({
                market: market,
                rm: rm,
                usdc: usdc,
                exactModel: modelId,
                tolerantModel: tolerantModel,
                client: client,
                arbitrator: arbitrator,
                providers: a
            })
        );
        // Offers at or below every price the handler asks.
        for (uint256 i; i < 5; ++i) {
            vm.startPrank(a[i]);
            market.setOffer(modelId, address(usdc), 1e6, 60, true);
            market.setOffer(tolerantModel, address(usdc), 1e6, 60, true);
            vm.stopPrank();
        }
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function targetSelectors() public view returns (FuzzSelector[] memory targets) {
        bytes4[] memory s = new bytes4[](14);
        uint256 i;
        s[i++] = RedundancyHandler.newRequest.selector;
        s[i++] = RedundancyHandler.newRequest.selector;
        s[i++] = RedundancyHandler.commit.selector;
        s[i++] = RedundancyHandler.commit.selector;
        s[i++] = RedundancyHandler.commit.selector;
        s[i++] = RedundancyHandler.reveal.selector;
        s[i++] = RedundancyHandler.reveal.selector;
        s[i++] = RedundancyHandler.settle.selector;
        s[i++] = RedundancyHandler.settle.selector;
        s[i++] = RedundancyHandler.appeal.selector;
        s[i++] = RedundancyHandler.rule.selector;
        s[i++] = RedundancyHandler.rotateEve.selector;
        s[i++] = RedundancyHandler.claim.selector;
        s[i++] = RedundancyHandler.warp.selector;
        targets = new FuzzSelector[](1);
        targets[0] = FuzzSelector(address(handler), s);
    }

    // ------------------------------------------------------------------ invariants

    function invariant_moduleSolvent() public view {
        uint256 owed = rm.escrowed(address(usdc)) + rm.feesAccrued(address(usdc)) + rm.claimable(client, address(usdc));
        for (uint256 i; i < ps.length; ++i) {
            owed += rm.claimable(ps[i].account, address(usdc));
        }
        uint256 held = usdc.balanceOf(address(rm));
        assertEq(held, owed, "balance != escrow + claimable + fees");
        assertEq(handler.deposited(), held + handler.claimedOut(), "pulled != held + claimed");
    }

    function invariant_settlesOnceAndSpendsEscrowExactly() public view {
        uint256 n = handler.idCount();
        for (uint256 j; j < n; ++j) {
            uint256 id = handler.ids(j);
            IRedundancyModuleTypes.Request memory r = rm.requestOf(id);
            uint256 escrow = uint256(r.k) * r.price;
            assertLe(handler.settledTimes(id), 1, "settled twice");
            if (r.status == IRedundancyModuleTypes.RequestStatus.Settled) {
                assertEq(handler.settledTimes(id), 1, "settled without a settling call");
                assertEq(handler.outflow(id), escrow, "payouts + refunds + fees != escrow");
                for (uint256 i; i < r.k; ++i) {
                    assertTrue(uint8(rm.seatOf(id, i).status) >= uint8(IRedundancyModuleTypes.SeatStatus.Paid), "open seat");
                }
            } else {
                assertLe(handler.outflow(id), escrow, "paid out more than escrowed");
            }
        }
    }

    function invariant_slashesWithinCollateral() public view {
        for (uint256 i; i < ps.length; ++i) {
            (uint256 open, uint256 lost) = _seats(ps[i].account);
            assertEq(STAKE - market.provider(ps[i].account).staked, lost, "stake fell by other than lost collateral");
            assertEq(market.moduleStake(address(rm), ps[i].account).locked, open, "lock != open seats' collateral");
            assertEq(market.provider(ps[i].account).locked, open, "provider lock != open seats' collateral");
        }
    }

    function invariant_neverCountedTwice() public view {
        uint256 n = handler.idCount();
        for (uint256 j; j < n; ++j) {
            uint256 id = handler.ids(j);
            uint256 k = rm.requestOf(id).k;
            for (uint256 a; a < k; ++a) {
                IRedundancyModuleTypes.Seat memory x = rm.seatOf(id, a);
                for (uint256 b = a + 1; b < k; ++b) {
                    IRedundancyModuleTypes.Seat memory y = rm.seatOf(id, b);
                    assertTrue(x.provider != y.provider, "one account, two seats");
                    if (!_staked(x) || !_staked(y)) continue;
                    assertTrue(x.signer != y.signer, "one key, two seats");
                    assertTrue(x.signer != y.provider && y.signer != x.provider, "a key is another seat's account");
                }
            }
        }
    }

    function afterInvariant() public {
        if (vm.envOr("DEPINFER_REDUNDANCY_STATS", uint256(0)) != 0 && handler.settles() != 0) {
            revert AssertEqUint(handler.settles(), handler.idCount(), "reached (settles, requests)");
        }
        handler.exitAll();
        uint256 n = handler.idCount();
        for (uint256 j; j < n; ++j) {
            uint256 id = handler.ids(j);
            assertEq(uint256(rm.requestOf(id).status), uint256(IRedundancyModuleTypes.RequestStatus.Settled), "open");
            assertEq(handler.outflow(id), uint256(rm.requestOf(id).k) * rm.requestOf(id).price, "escrow not spent");
        }
        for (uint256 i; i < ps.length; ++i) {
            assertEq(market.moduleStake(address(rm), ps[i].account).locked, 0, "stake still locked");
        }
        assertEq(rm.escrowed(address(usdc)), 0, "escrow left");
        assertEq(usdc.balanceOf(address(rm)), rm.feesAccrued(address(usdc)), "more than fees left");
    }

    // ------------------------------------------------------------------ helpers

    function _staked(IRedundancyModuleTypes.Seat memory s) internal pure returns (bool) {
        return s.status != IRedundancyModuleTypes.SeatStatus.Named && s.status != IRedundancyModuleTypes.SeatStatus.Absent;
    }

    /// @dev Collateral of `p`'s seats still holding stake, and of those it lost, over every request.
    function _seats(address p) internal view returns (uint256 open, uint256 lost) {
        uint256 n = handler.idCount();
        for (uint256 j; j < n; ++j) {
            uint256 id = handler.ids(j);
            IRedundancyModuleTypes.Request memory r = rm.requestOf(id);
            for (uint256 i; i < r.k; ++i) {
                IRedundancyModuleTypes.Seat memory s = rm.seatOf(id, i);
                if (s.provider != p) continue;
                if (s.status == IRedundancyModuleTypes.SeatStatus.Slashed) lost += r.collateral;
                else if (
                    s.status == IRedundancyModuleTypes.SeatStatus.Committed
                        || s.status == IRedundancyModuleTypes.SeatStatus.Revealed
                ) open += r.collateral;
            }
        }
    }
}
