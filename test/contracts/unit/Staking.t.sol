// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {FeeOnTransferToken as FotToken} from "../../../contracts/mocks/FeeOnTransferToken.sol";
import {IJobMarket} from "../../../contracts/interfaces/IJobMarket.sol";
import {JobId} from "../../../contracts/types/Ids.sol";
import {UnitFixture} from "../utils/UnitFixture.sol";

/// @notice Unit tests of staking: stake, requestUnstake, withdrawStake, the bounded thaw queue, and
///         the rule that thawing stake no longer backs jobs but stays slashable.
/// @dev Error checklist (error -> test):
///  ProviderNotRegistered   -> test_stake_revertsForUnregistered
///  AmountZero              -> test_stake_revertsForZero, test_requestUnstake_revertsForZero
///  AmountTooLarge          -> test_stake_revertsAboveUint96Room
///  EnforcedPause           -> test_stake_revertsWhenPaused
///  FeeOnTransferToken      -> test_stake_revertsForFeeOnTransferStakeToken
///  StakeInsufficientFree   -> test_requestUnstake_revertsAboveFree, test_requestUnstake_revertsForUnregistered
///  StakeThawQueueFull      -> test_requestUnstake_revertsWhenQueueFull
///  StakeNothingToWithdraw  -> test_withdrawStake_revertsWithEmptyQueue, test_withdrawStake_revertsBeforeReady,
///                             test_withdrawStake_slashedEmptyRequestLeavesQueue
///  ProviderBelowMinStake   -> test_requestUnstake_thawingStakeNoLongerBacksJobs
contract StakingTest is UnitFixture {
    // ================================================================== stake

    function test_stake_addsToStakeAndEmits() public {
        ProviderKey memory p = _provider("fresh", 0);
        token.transfer(p.account, 500 * TOKEN);
        uint256 marketBefore = token.balanceOf(address(market));

        vm.expectEmit(address(market));
        emit Staked(p.account, 500 * TOKEN);
        vm.prank(p.account);
        market.stake(500 * TOKEN);

        _assertProvider(p.account, 500 * TOKEN, 0, 0);
        assertEq(token.balanceOf(p.account), 0, "pulled");
        assertEq(token.balanceOf(address(market)), marketBefore + 500 * TOKEN, "held");
    }

    function test_stake_addsToExistingStake() public {
        token.transfer(alice.account, 1 * TOKEN);
        vm.prank(alice.account);
        market.stake(1 * TOKEN);
        _assertProvider(alice.account, STAKE + TOKEN, 0, 0);
    }

    function test_stake_revertsForUnregistered() public {
        token.transfer(stranger, 10 * TOKEN);
        vm.prank(stranger);
        token.approve(address(market), type(uint256).max);
        vm.expectRevert(abi.encodeWithSelector(ProviderNotRegistered.selector, stranger));
        vm.prank(stranger);
        market.stake(10 * TOKEN);
    }

    function test_stake_revertsForZero() public {
        vm.expectRevert(abi.encodeWithSelector(AmountZero.selector));
        vm.prank(alice.account);
        market.stake(0);
    }

    function test_stake_revertsAboveUint96Room() public {
        vm.prank(alice.account);
        market.requestUnstake(100 * TOKEN); // thawing counts against the room too
        uint256 room = uint256(type(uint96).max) - STAKE;
        vm.expectRevert(abi.encodeWithSelector(AmountTooLarge.selector, room + 1, room));
        vm.prank(alice.account);
        market.stake(room + 1);
    }

    function test_stake_revertsWhenPaused() public {
        token.transfer(alice.account, 1 * TOKEN);
        _pause();
        vm.expectRevert(abi.encodeWithSelector(EnforcedPause.selector));
        vm.prank(alice.account);
        market.stake(1 * TOKEN);
    }

    function test_stake_revertsForFeeOnTransferStakeToken() public {
        FotToken fot = new FotToken();
        IJobMarket m2 = _deployMarket(address(manager), address(fot));
        address p = makeAddr("fot provider");
        fot.mint(p, 1_000);
        vm.startPrank(p);
        m2.registerProvider(p, "");
        fot.approve(address(m2), type(uint256).max);
        vm.expectRevert(abi.encodeWithSelector(FeeOnTransferToken.selector, address(fot), 1_000, 990));
        m2.stake(1_000);
        vm.stopPrank();
    }

    // ================================================================== requestUnstake

    function test_requestUnstake_queuesThaw() public {
        uint256 readyAt = block.timestamp + THAWING;
        vm.expectEmit(address(market));
        emit UnstakeRequested(alice.account, 100 * TOKEN, readyAt);
        vm.prank(alice.account);
        market.requestUnstake(100 * TOKEN);

        _assertProvider(alice.account, STAKE - 100 * TOKEN, 0, 100 * TOKEN);
        ThawRequest[] memory q = market.thawRequests(alice.account);
        assertEq(q.length, 1, "one request");
        assertEq(q[0].amount, 100 * TOKEN, "amount");
        assertEq(q[0].readyAt, readyAt, "ready after thawingPeriod");
        assertEq(token.balanceOf(alice.account), 0, "nothing paid yet");
    }

    function test_requestUnstake_revertsForZero() public {
        vm.expectRevert(abi.encodeWithSelector(AmountZero.selector));
        vm.prank(alice.account);
        market.requestUnstake(0);
    }

    function test_requestUnstake_revertsAboveFree() public {
        _accepted(alice); // locks COLLATERAL
        vm.expectRevert(
            abi.encodeWithSelector(StakeInsufficientFree.selector, alice.account, STAKE, STAKE - COLLATERAL)
        );
        vm.prank(alice.account);
        market.requestUnstake(STAKE);
    }

    function test_requestUnstake_allFreeStake() public {
        _accepted(alice);
        vm.prank(alice.account);
        market.requestUnstake(STAKE - COLLATERAL);
        _assertProvider(alice.account, COLLATERAL, COLLATERAL, STAKE - COLLATERAL);
    }

    function test_requestUnstake_revertsForUnregistered() public {
        vm.expectRevert(abi.encodeWithSelector(StakeInsufficientFree.selector, stranger, 1, 0));
        vm.prank(stranger);
        market.requestUnstake(1);
    }

    function test_requestUnstake_revertsWhenQueueFull() public {
        vm.startPrank(alice.account);
        for (uint256 i; i < 8; ++i) {
            market.requestUnstake(1 * TOKEN);
        }
        vm.expectRevert(abi.encodeWithSelector(StakeThawQueueFull.selector, alice.account, uint256(8)));
        market.requestUnstake(1 * TOKEN);
        vm.stopPrank();
        assertEq(market.thawRequests(alice.account).length, 8, "bounded");
    }

    function test_requestUnstake_worksWhilePaused() public {
        _pause();
        vm.prank(alice.account);
        market.requestUnstake(1 * TOKEN);
        _assertProvider(alice.account, STAKE - TOKEN, 0, TOKEN);
    }

    function test_requestUnstake_usesCurrentThawingPeriod() public {
        market.setThawingPeriod(20 days);
        vm.prank(alice.account);
        market.requestUnstake(1 * TOKEN);
        assertEq(market.thawRequests(alice.account)[0].readyAt, block.timestamp + 20 days, "new period");
    }

    function test_requestUnstake_thawingStakeNoLongerBacksJobs() public {
        vm.prank(alice.account);
        market.requestUnstake(950 * TOKEN);
        (, Job memory job) = _create(alice.account, PRICE);
        vm.expectRevert(
            abi.encodeWithSelector(ProviderBelowMinStake.selector, alice.account, 50 * TOKEN, uint256(MIN_STAKE))
        );
        vm.prank(alice.account);
        market.acceptJob(job);
    }

    // ================================================================== withdrawStake

    function test_withdrawStake_revertsWithEmptyQueue() public {
        vm.expectRevert(abi.encodeWithSelector(StakeNothingToWithdraw.selector, alice.account, 0));
        vm.prank(alice.account);
        market.withdrawStake();
    }

    function test_withdrawStake_revertsBeforeReady() public {
        vm.prank(alice.account);
        market.requestUnstake(100 * TOKEN);
        uint256 readyAt = block.timestamp + THAWING;
        vm.warp(readyAt - 1);
        vm.expectRevert(abi.encodeWithSelector(StakeNothingToWithdraw.selector, alice.account, readyAt));
        vm.prank(alice.account);
        market.withdrawStake();
    }

    function test_withdrawStake_atReadyAtPaysOut() public {
        vm.prank(alice.account);
        market.requestUnstake(100 * TOKEN);
        vm.warp(block.timestamp + THAWING);
        vm.expectEmit(address(market));
        emit StakeWithdrawn(alice.account, 100 * TOKEN);
        vm.prank(alice.account);
        uint256 amount = market.withdrawStake();

        assertEq(amount, 100 * TOKEN, "returned");
        assertEq(token.balanceOf(alice.account), 100 * TOKEN, "paid");
        _assertProvider(alice.account, STAKE - 100 * TOKEN, 0, 0);
        assertEq(market.thawRequests(alice.account).length, 0, "queue empty");
    }

    function test_withdrawStake_withdrawsOnlyMaturedInOrder() public {
        uint256 t0 = block.timestamp;
        vm.prank(alice.account);
        market.requestUnstake(10 * TOKEN);
        vm.warp(t0 + 1 days);
        vm.prank(alice.account);
        market.requestUnstake(20 * TOKEN);
        vm.warp(t0 + 2 days);
        vm.prank(alice.account);
        market.requestUnstake(40 * TOKEN);

        vm.warp(t0 + 1 days + THAWING);
        vm.prank(alice.account);
        assertEq(market.withdrawStake(), 30 * TOKEN, "first two matured");
        ThawRequest[] memory q = market.thawRequests(alice.account);
        assertEq(q.length, 1, "one left");
        assertEq(q[0].amount, 40 * TOKEN, "the newest");
        _assertProvider(alice.account, STAKE - 70 * TOKEN, 0, 40 * TOKEN);

        vm.expectRevert(abi.encodeWithSelector(StakeNothingToWithdraw.selector, alice.account, t0 + 2 days + THAWING));
        vm.prank(alice.account);
        market.withdrawStake();
    }

    function test_withdrawStake_worksWhilePaused() public {
        vm.prank(alice.account);
        market.requestUnstake(100 * TOKEN);
        _pause();
        vm.warp(block.timestamp + THAWING);
        vm.prank(alice.account);
        assertEq(market.withdrawStake(), 100 * TOKEN, "exits stay open");
    }

    function test_withdrawStake_freesQueueSlots() public {
        vm.startPrank(alice.account);
        for (uint256 i; i < 8; ++i) {
            market.requestUnstake(1 * TOKEN);
        }
        vm.warp(block.timestamp + THAWING);
        market.withdrawStake();
        market.requestUnstake(1 * TOKEN);
        vm.stopPrank();
        assertEq(market.thawRequests(alice.account).length, 1, "slot reused");
    }

    /// @dev The queue's uint8 indices wrap after 256 requests; wrap it in the middle of a full queue.
    function test_withdrawStake_queueIndexWrapsAround() public {
        uint256 unit = 1e15;
        uint256 total;
        vm.startPrank(alice.account);
        for (uint256 i; i < 4; ++i) {
            market.requestUnstake(unit);
        }
        vm.warp(block.timestamp + THAWING);
        total += market.withdrawStake();
        for (uint256 round; round < 32; ++round) {
            for (uint256 i; i < 8; ++i) {
                market.requestUnstake((i + 1) * unit);
            }
            ThawRequest[] memory q = market.thawRequests(alice.account);
            assertEq(q.length, 8, "full queue");
            for (uint256 i; i < 8; ++i) {
                assertEq(q[i].amount, (i + 1) * unit, "oldest first");
            }
            vm.warp(block.timestamp + THAWING);
            assertEq(market.withdrawStake(), 36 * unit, "whole round");
            total += 36 * unit;
        }
        vm.stopPrank();
        ProviderInfo memory info = market.provider(alice.account);
        assertEq(info.thawHead, (4 + 32 * 8) % 256, "head wrapped");
        assertEq(info.thawTail, info.thawHead, "empty");
        assertEq(total, 4 * unit + 32 * 36 * unit, "total");
        assertEq(token.balanceOf(alice.account), total, "all paid");
        _assertProvider(alice.account, STAKE - total, 0, 0);
    }

    /// @dev A thaw request emptied by an equivocation slash still leaves the queue once matured.
    function test_withdrawStake_slashedEmptyRequestLeavesQueue() public {
        uint256 t0 = block.timestamp;
        (JobId id, Job memory job) = _accepted(alice);
        vm.prank(alice.account);
        market.requestUnstake(STAKE - COLLATERAL); // r0, ready t0 + 14 d
        _submit(alice, id, job, OUT);
        vm.prank(client);
        market.finalizeJob(job);
        vm.warp(t0 + 1 days);
        vm.prank(alice.account);
        market.requestUnstake(COLLATERAL); // r1, ready t0 + 15 d; nothing free is left
        bytes memory sigA = _sign(alice.signerKey, id, job, OUT, alice.account);
        bytes memory sigB = _sign(alice.signerKey, id, job, OUT_B, alice.account);
        market.reportEquivocation(job, OUT, sigA, OUT_B, sigB); // takes r1 whole
        _assertProvider(alice.account, 0, 0, STAKE - COLLATERAL);

        vm.warp(t0 + THAWING);
        vm.prank(alice.account);
        assertEq(market.withdrawStake(), STAKE - COLLATERAL, "r0 paid in full");

        vm.warp(t0 + 1 days + THAWING);
        vm.recordLogs();
        vm.prank(alice.account);
        assertEq(market.withdrawStake(), 0, "r1 was slashed to zero");
        assertEq(vm.getRecordedLogs().length, 0, "no transfer, no event");
        assertEq(market.thawRequests(alice.account).length, 0, "but it left the queue");
        assertEq(token.balanceOf(alice.account), STAKE - COLLATERAL, "balance");

        vm.expectRevert(abi.encodeWithSelector(StakeNothingToWithdraw.selector, alice.account, 0));
        vm.prank(alice.account);
        market.withdrawStake();
    }

    /// @dev Exit liveness: an unslashed provider gets all its stake back after thawing, and its earnings.
    function test_withdrawStake_unslashedProviderExitsInFull() public {
        (, Job memory job) = _submitted(alice, OUT);
        vm.warp(block.timestamp + WINDOW + 1);
        market.finalizeJob(job);
        vm.startPrank(alice.account);
        market.requestUnstake(STAKE);
        vm.warp(block.timestamp + THAWING);
        assertEq(market.withdrawStake(), STAKE, "all stake");
        market.claim(address(usdc), alice.account);
        vm.stopPrank();
        assertEq(token.balanceOf(alice.account), STAKE, "stake back");
        assertEq(usdc.balanceOf(alice.account), PAYOUT, "earnings");
        _assertProvider(alice.account, 0, 0, 0);
    }
}
