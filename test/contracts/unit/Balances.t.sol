// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {FeeOnTransferToken as FotToken} from "../../../contracts/mocks/FeeOnTransferToken.sol";
import {MockERC20} from "../../../contracts/mocks/MockERC20.sol";
import {JobId} from "../../../contracts/types/Ids.sol";
import {UnitFixture} from "../utils/UnitFixture.sol";

/// @notice Unit tests of the pull-based balances: deposit, claim, withdraw, collectFees,
///         sweepToTreasury, spending a balance on jobs, and solvency / exit after mixed activity.
/// @dev Error checklist (error -> test):
///  PaymentTokenNotAllowed  -> test_deposit_revertsForTokenNotAllowed
///  AmountZero              -> test_deposit_revertsForZero, test_withdraw_revertsForZero
///  FeeOnTransferToken      -> test_deposit_revertsForFeeOnTransferToken
///  EnforcedPause           -> test_deposit_revertsWhenPaused
///  ZeroAddress             -> test_claim_revertsForZeroRecipient, test_withdraw_revertsForZeroRecipient
///  NothingToClaim          -> test_claim_revertsWhenNothingToClaim, test_collectFees_revertsWhenNoneOwed,
///                             test_sweepToTreasury_revertsWhenNothingAccrued
///  ClaimExceedsBalance     -> test_withdraw_revertsAboveBalance
contract BalancesTest is UnitFixture {
    // ================================================================== deposit

    function test_deposit_creditsBalanceAndEmits() public {
        uint256 before = usdc.balanceOf(client);
        vm.expectEmit(address(market));
        emit Deposited(client, address(usdc), 7 * USDC);
        vm.prank(client);
        market.deposit(address(usdc), 7 * USDC);
        assertEq(market.claimable(client, address(usdc)), 7 * USDC, "credited");
        assertEq(usdc.balanceOf(client), before - 7 * USDC, "pulled");
        assertEq(usdc.balanceOf(address(market)), 7 * USDC, "held");
    }

    function test_deposit_revertsForTokenNotAllowed() public {
        MockERC20 dai = new MockERC20("DAI", "DAI", 18);
        vm.expectRevert(abi.encodeWithSelector(PaymentTokenNotAllowed.selector, address(dai)));
        vm.prank(client);
        market.deposit(address(dai), 1);
    }

    function test_deposit_revertsForZero() public {
        vm.expectRevert(abi.encodeWithSelector(AmountZero.selector));
        vm.prank(client);
        market.deposit(address(usdc), 0);
    }

    function test_deposit_revertsForFeeOnTransferToken() public {
        FotToken fot = new FotToken();
        market.configurePaymentToken(address(fot), true, 0, STAKE_RATE);
        fot.mint(client, 10_000);
        vm.prank(client);
        fot.approve(address(market), type(uint256).max);
        vm.expectRevert(abi.encodeWithSelector(FeeOnTransferToken.selector, address(fot), 10_000, 9_900));
        vm.prank(client);
        market.deposit(address(fot), 10_000);
    }

    function test_deposit_revertsWhenPaused() public {
        _pause();
        vm.expectRevert(abi.encodeWithSelector(EnforcedPause.selector));
        vm.prank(client);
        market.deposit(address(usdc), 1 * USDC);
    }

    // ================================================================== claim

    function test_claim_sendsWholeBalanceAndEmits() public {
        (, Job memory job) = _create(alice.account, PRICE);
        vm.prank(client);
        market.cancelJob(job);
        address to = makeAddr("client cold wallet");

        vm.expectEmit(address(market));
        emit Claimed(client, address(usdc), to, PRICE);
        vm.prank(client);
        uint256 amount = market.claim(address(usdc), to);

        assertEq(amount, PRICE, "returned");
        assertEq(usdc.balanceOf(to), PRICE, "sent to `to`");
        assertEq(market.claimable(client, address(usdc)), 0, "balance zeroed");
        assertEq(usdc.balanceOf(address(market)), 0, "market empty");
    }

    function test_claim_forwardsFeesOwed() public {
        (, Job memory job) = _submitted(alice, OUT);
        vm.prank(client);
        market.finalizeJob(job);

        vm.expectEmit(address(market));
        emit FeesCollected(alice.account, address(usdc), FEE);
        vm.expectEmit(address(market));
        emit Claimed(alice.account, address(usdc), alice.account, PAYOUT);
        vm.prank(alice.account);
        market.claim(address(usdc), alice.account);

        assertEq(usdc.balanceOf(alice.account), PAYOUT, "payout");
        assertEq(market.feesOwed(alice.account, address(usdc)), 0, "fees forwarded");
        assertEq(market.treasuryAccrued(address(usdc)), FEE, "to the treasury accrual");
        assertEq(usdc.balanceOf(address(market)), FEE, "only the fee is left");
    }

    function test_claim_revertsForZeroRecipient() public {
        vm.prank(client);
        market.deposit(address(usdc), 1 * USDC);
        vm.expectRevert(abi.encodeWithSelector(ZeroAddress.selector));
        vm.prank(client);
        market.claim(address(usdc), address(0));
    }

    function test_claim_revertsWhenNothingToClaim() public {
        vm.expectRevert(abi.encodeWithSelector(NothingToClaim.selector, stranger, address(usdc)));
        vm.prank(stranger);
        market.claim(address(usdc), stranger);
    }

    function test_claim_worksWhilePaused() public {
        vm.prank(client);
        market.deposit(address(usdc), 1 * USDC);
        _pause();
        vm.prank(client);
        assertEq(market.claim(address(usdc), client), 1 * USDC, "exits stay open");
    }

    function test_claim_paysStakeTokenRewards() public {
        (, Job memory job) = _disputed(alice);
        _rule(job, Outcome.Upheld);
        vm.startPrank(challenger);
        assertEq(market.claim(address(token), challenger), CHALLENGER_SHARE, "share of the slash");
        assertEq(market.claim(address(usdc), challenger), BOND, "bond back");
        vm.stopPrank();
        assertEq(token.balanceOf(challenger), CHALLENGER_SHARE, "stake token paid");
    }

    // ================================================================== withdraw

    function test_withdraw_sendsPartOfBalance() public {
        vm.prank(client);
        market.deposit(address(usdc), 10 * USDC);
        address to = makeAddr("to");
        vm.expectEmit(address(market));
        emit Claimed(client, address(usdc), to, 4 * USDC);
        vm.prank(client);
        market.withdraw(address(usdc), 4 * USDC, to);
        assertEq(market.claimable(client, address(usdc)), 6 * USDC, "rest kept");
        assertEq(usdc.balanceOf(to), 4 * USDC, "sent");
    }

    function test_withdraw_forwardsFeesOwed() public {
        (, Job memory job) = _submitted(alice, OUT);
        vm.prank(client);
        market.finalizeJob(job);
        vm.prank(alice.account);
        market.withdraw(address(usdc), 1, alice.account);
        assertEq(market.feesOwed(alice.account, address(usdc)), 0, "fees forwarded");
        assertEq(market.treasuryAccrued(address(usdc)), FEE, "accrued");
        assertEq(market.claimable(alice.account, address(usdc)), PAYOUT - 1, "rest kept");
    }

    function test_withdraw_revertsForZeroRecipient() public {
        vm.prank(client);
        market.deposit(address(usdc), 1 * USDC);
        vm.expectRevert(abi.encodeWithSelector(ZeroAddress.selector));
        vm.prank(client);
        market.withdraw(address(usdc), 1, address(0));
    }

    function test_withdraw_revertsForZero() public {
        vm.prank(client);
        market.deposit(address(usdc), 1 * USDC);
        vm.expectRevert(abi.encodeWithSelector(AmountZero.selector));
        vm.prank(client);
        market.withdraw(address(usdc), 0, client);
    }

    function test_withdraw_revertsAboveBalance() public {
        vm.prank(client);
        market.deposit(address(usdc), 1 * USDC);
        vm.expectRevert(
            abi.encodeWithSelector(ClaimExceedsBalance.selector, client, address(usdc), 1 * USDC + 1, 1 * USDC)
        );
        vm.prank(client);
        market.withdraw(address(usdc), 1 * USDC + 1, client);
    }

    // ================================================================== collectFees / sweepToTreasury

    function test_collectFees_byAnyoneMovesFeesToAccrual() public {
        (, Job memory job) = _submitted(alice, OUT);
        vm.prank(client);
        market.finalizeJob(job);
        vm.expectEmit(address(market));
        emit FeesCollected(alice.account, address(usdc), FEE);
        vm.prank(stranger);
        assertEq(market.collectFees(alice.account, address(usdc)), FEE, "returned");
        assertEq(market.feesOwed(alice.account, address(usdc)), 0, "cleared");
        assertEq(market.treasuryAccrued(address(usdc)), FEE, "accrued");
        assertEq(market.claimable(alice.account, address(usdc)), PAYOUT, "provider balance untouched");
    }

    function test_collectFees_revertsWhenNoneOwed() public {
        vm.expectRevert(abi.encodeWithSelector(NothingToClaim.selector, alice.account, address(usdc)));
        market.collectFees(alice.account, address(usdc));
    }

    function test_sweepToTreasury_creditsTreasury() public {
        (, Job memory job) = _submitted(alice, OUT);
        vm.prank(client);
        market.finalizeJob(job);
        market.collectFees(alice.account, address(usdc));

        vm.expectEmit(address(market));
        emit TreasurySwept(address(usdc), treasury, FEE);
        vm.prank(stranger);
        assertEq(market.sweepToTreasury(address(usdc)), FEE, "returned");
        assertEq(market.treasuryAccrued(address(usdc)), 0, "cleared");
        assertEq(market.claimable(treasury, address(usdc)), FEE, "treasury balance");
        vm.prank(treasury);
        market.claim(address(usdc), treasury);
        assertEq(usdc.balanceOf(treasury), FEE, "treasury paid");
    }

    function test_sweepToTreasury_revertsWhenNothingAccrued() public {
        vm.expectRevert(abi.encodeWithSelector(NothingToClaim.selector, treasury, address(usdc)));
        market.sweepToTreasury(address(usdc));
    }

    function test_sweepToTreasury_slashRemainderInStakeToken() public {
        (, Job memory job) = _disputed(alice);
        _rule(job, Outcome.Upheld);
        uint256 rest = COLLATERAL - CHALLENGER_SHARE - UPHELD_FEE; // after the challenger and the verifier module
        assertEq(market.sweepToTreasury(address(token)), rest, "slash remainder");
        assertEq(market.claimable(treasury, address(token)), rest, "treasury balance");
    }

    // ================================================================== balances fund jobs

    function test_createJobFromBalance_spendsARefund() public {
        (, Job memory job) = _create(alice.account, PRICE);
        vm.prank(client);
        market.cancelJob(job);
        JobRequest memory r = _request(alice.account, PRICE);
        vm.prank(client);
        (JobId id,) = market.createJobFromBalance(r, "");
        _assertStatus(id, JobStatus.Created, "funded by the refund");
        assertEq(market.claimable(client, address(usdc)), 0, "spent");
        assertEq(usdc.balanceOf(address(market)), PRICE, "one escrow held, not two");
    }

    // ================================================================== solvency and exit

    /// @dev Settles one job of every kind; returns the one left open.
    function _settleEveryKind(ProviderKey memory bob) internal returns (Job memory open) {
        (, Job memory fin) = _submitted(alice, OUT); // finalized
        (, Job memory up) = _disputed(bob); //          upheld: bob slashed, the module paid from the slash
        (, Job memory rej) = _disputed(alice); //       rejected: the module paid from the bond
        (, Job memory drw) = _disputed(alice); //       draw: the module paid from the bond, the rest returned
        (, Job memory tmo) = _disputed(alice); //       timed out: client refunded, bond returned
        (, Job memory can) = _create(alice.account, PRICE); // cancelled
        (, Job memory exp) = _accepted(alice); //       expired with liveness slash
        (, open) = _create(address(0), PRICE); //       still open
        vm.prank(client);
        market.finalizeJob(fin);
        _rule(up, Outcome.Upheld);
        _rule(rej, Outcome.Rejected);
        _rule(drw, Outcome.Draw);
        vm.prank(client);
        market.cancelJob(can);
        vm.warp(uint256(exp.deadline) + 1);
        market.expireJob(exp);
        vm.warp(block.timestamp + RESOLUTION);
        market.cancelDispute(tmo);
    }

    function _stakeOwed(ProviderKey memory bob) internal view returns (uint256) {
        return uint256(market.provider(alice.account).staked) + market.provider(bob.account).staked
            + market.claimable(client, address(token)) + market.claimable(challenger, address(token))
            + market.claimable(address(verifier), address(token)) + market.treasuryAccrued(address(token));
    }

    /// @dev After every kind of settlement, the market holds exactly what it owes, and once everyone
    ///      (the verifier module included) has pulled, it holds nothing but the remaining stake.
    function test_balances_solventAndEveryoneCanExit() public {
        ProviderKey memory bob = _provider("bob", STAKE);
        Job memory open = _settleEveryKind(bob);

        // usdc: escrow of the open job + every balance + owed fees + accrual
        uint256 owedUsdc = open.price + market.claimable(client, address(usdc))
            + market.claimable(challenger, address(usdc)) + market.claimable(alice.account, address(usdc))
            + market.claimable(address(verifier), address(usdc)) + market.feesOwed(alice.account, address(usdc))
            + market.treasuryAccrued(address(usdc));
        assertEq(usdc.balanceOf(address(market)), owedUsdc, "usdc: held == owed");
        assertEq(owedUsdc, 8 * PRICE + 4 * BOND, "eight escrows and four bonds came in");
        assertEq(market.claimable(address(verifier), address(usdc)), 2 * DISPUTE_FEE, "two failed challenges paid");
        // stake token: stakes + balances + accrual
        assertEq(token.balanceOf(address(market)), _stakeOwed(bob), "stake: held == owed");
        assertEq(_stakeOwed(bob), 2 * STAKE, "nothing created or lost");
        _assertProvider(alice.account, STAKE - LIVENESS, 0, 0);

        // everyone exits
        vm.prank(client);
        market.cancelJob(open);
        vm.startPrank(client);
        market.claim(address(usdc), client);
        market.claim(address(token), client);
        vm.stopPrank();
        vm.startPrank(challenger);
        market.claim(address(usdc), challenger);
        market.claim(address(token), challenger);
        vm.stopPrank();
        vm.prank(alice.account);
        market.claim(address(usdc), alice.account);
        vm.startPrank(arbitrator);
        verifier.claimFees(address(usdc), arbitrator);
        verifier.claimFees(address(token), arbitrator);
        vm.stopPrank();
        market.sweepToTreasury(address(usdc));
        market.sweepToTreasury(address(token));
        vm.startPrank(treasury);
        market.claim(address(usdc), treasury);
        market.claim(address(token), treasury);
        vm.stopPrank();
        assertEq(usdc.balanceOf(address(market)), 0, "no usdc left behind");
        assertEq(
            token.balanceOf(address(market)),
            uint256(market.provider(alice.account).staked) + market.provider(bob.account).staked,
            "only stake left"
        );
    }
}
