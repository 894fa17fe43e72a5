// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccessManaged} from "@openzeppelin/contracts/access/manager/IAccessManaged.sol";

import {IRedundancyModuleErrors, IRedundancyModuleEvents} from "../../../contracts/interfaces/IRedundancyModule.sol";
import {FeeOnTransferToken as FotToken} from "../../../contracts/mocks/FeeOnTransferToken.sol";
import {MockERC20} from "../../../contracts/mocks/MockERC20.sol";
import {ModelId} from "../../../contracts/types/Ids.sol";
import {RedundancyModule} from "../../../contracts/verifiers/RedundancyModule.sol";
import {RedundancyFixture} from "../utils/RedundancyFixture.sol";

/// @notice Unit tests of the redundancy (k of n) module: every revert, each deadline on both sides of its
///         last second, every settlement path and its money. Tree: test/contracts/tree/Redundancy.tree.
contract RedundancyTest is RedundancyFixture, IRedundancyModuleErrors, IRedundancyModuleEvents {
    bytes32 internal constant BAD = keccak256("bad");

    // ================================================================== constructor

    function test_constructor_boundsEachSetting() public {
        vm.expectRevert(RedundancyZeroAddress.selector);
        new RedundancyModule(address(0), market, REVEAL, APPEAL, ARBITRATION, LIVENESS_BPS);
        vm.expectRevert(abi.encodeWithSelector(RedundancyConfigOutOfBounds.selector, "revealPeriod", 599, 600, 7 days));
        new RedundancyModule(address(manager), market, 599, APPEAL, ARBITRATION, LIVENESS_BPS);
        vm.expectRevert(
            abi.encodeWithSelector(RedundancyConfigOutOfBounds.selector, "appealPeriod", 7 days + 1, 600, 7 days)
        );
        new RedundancyModule(address(manager), market, REVEAL, 7 days + 1, ARBITRATION, LIVENESS_BPS);
        vm.expectRevert(
            abi.encodeWithSelector(
                RedundancyConfigOutOfBounds.selector, "arbitrationPeriod", 1 days - 1, 1 days, 14 days
            )
        );
        new RedundancyModule(address(manager), market, REVEAL, APPEAL, 1 days - 1, LIVENESS_BPS);
        vm.expectRevert(
            abi.encodeWithSelector(RedundancyConfigOutOfBounds.selector, "livenessRewardBps", 5_001, 0, 5_000)
        );
        new RedundancyModule(address(manager), market, REVEAL, APPEAL, ARBITRATION, 5_001);
        // The bounds themselves are accepted.
        new RedundancyModule(address(manager), market, 600, 7 days, 14 days, 5_000);
    }

    // ================================================================== request

    function test_request_escrowsNamesAndSnapshots() public {
        uint256 before = usdc.balanceOf(client);
        uint256 id = _req(3, modelId);
        assertEq(id, 1, "first id");
        assertEq(usdc.balanceOf(client), before - 3 * PRICE, "k x price pulled");
        assertEq(usdc.balanceOf(address(rm)), 3 * PRICE, "held by the module");
        assertEq(rm.escrowed(address(usdc)), 3 * PRICE, "escrow");
        RedundancyModule.Request memory r = rm.requestOf(id);
        assertEq(r.client, client, "client");
        assertEq(r.k, 3, "k");
        assertEq(uint256(r.status), uint256(RequestStatus.Open), "open");
        assertEq(uint256(r.mode), uint256(Determinism.EXACT), "mode");
        assertEq(r.collateral, COLLATERAL, "collateral at 10x");
        assertEq(r.feeBps, 100, "fee snapshot");
        assertEq(r.revealDeadline, r.commitDeadline + REVEAL, "reveal deadline");
        for (uint256 i; i < 3; ++i) {
            assertEq(rm.seatOf(id, i).provider, ps[i].account, "seat provider");
            assertEq(uint256(_seat(id, i)), uint256(SeatStatus.Named), "named");
        }
        assertEq(_locked(0), 0, "nothing locked before a commit");
    }

    function test_request_emitsRequested() public {
        RedundancyModule.RequestParams memory p = _params(modelId);
        address[] memory a = _accounts(2);
        vm.expectEmit(address(rm));
        emit RedundancyRequested(1, client, modelId, address(usdc), PRICE, COLLATERAL, p.commitDeadline, p.inputHash, a);
        vm.prank(client);
        rm.request(p, a);
    }

    function test_request_providerCountOutOfRangeReverts() public {
        RedundancyModule.RequestParams memory p = _params(modelId);
        address[] memory one = _accounts(1);
        vm.expectRevert(abi.encodeWithSelector(RedundancyProviderCount.selector, 1, 2, 8));
        vm.prank(client);
        rm.request(p, one);
        address[] memory nine = new address[](9);
        vm.expectRevert(abi.encodeWithSelector(RedundancyProviderCount.selector, 9, 2, 8));
        vm.prank(client);
        rm.request(p, nine);
    }

    function test_request_zeroPriceReverts() public {
        RedundancyModule.RequestParams memory p = _params(modelId);
        p.price = 0;
        address[] memory a = _accounts(2);
        vm.expectRevert(RedundancyZeroPrice.selector);
        vm.prank(client);
        rm.request(p, a);
    }

    function test_request_deadlineEdges() public {
        RedundancyModule.RequestParams memory p = _params(modelId);
        address[] memory a = _accounts(2);
        uint256 t = block.timestamp;
        p.commitDeadline = uint40(t);
        vm.expectRevert(abi.encodeWithSelector(RedundancyBadDeadline.selector, t, t + 1, t + 30 days));
        vm.prank(client);
        rm.request(p, a);
        p.commitDeadline = uint40(t + 30 days + 1);
        vm.expectRevert(abi.encodeWithSelector(RedundancyBadDeadline.selector, t + 30 days + 1, t + 1, t + 30 days));
        vm.prank(client);
        rm.request(p, a);
        p.commitDeadline = uint40(t + 1);
        vm.prank(client);
        rm.request(p, a);
        p.commitDeadline = uint40(t + 30 days);
        vm.prank(client);
        rm.request(p, a);
        assertEq(rm.requestCount(), 2, "both edges accepted");
    }

    function test_request_unregisteredOrNoneModelReverts() public {
        address[] memory a = _accounts(2);
        RedundancyModule.RequestParams memory p = _params(ModelId.wrap(keccak256("nope")));
        vm.expectRevert(
            abi.encodeWithSelector(RedundancyModelUnsupported.selector, p.model, Determinism.EXACT, false)
        );
        vm.prank(client);
        rm.request(p, a);
        ModelId none = market.registerModel(keccak256("w-n"), keccak256("r-n"), Determinism.NONE, "ipfs://n");
        p.model = none;
        vm.expectRevert(abi.encodeWithSelector(RedundancyModelUnsupported.selector, none, Determinism.NONE, true));
        vm.prank(client);
        rm.request(p, a);
    }

    function test_request_tokenNotAllowedReverts() public {
        RedundancyModule.RequestParams memory p = _params(modelId);
        p.token = address(new MockERC20("X", "X", 6));
        address[] memory a = _accounts(2);
        vm.expectRevert(abi.encodeWithSelector(RedundancyTokenNotAllowed.selector, p.token));
        vm.prank(client);
        rm.request(p, a);
    }

    function test_request_collateralOutOfRangeReverts() public {
        MockERC20 cheap = new MockERC20("C", "C", 6);
        market.configurePaymentToken(address(cheap), true, 1, 1); // 1 unit backs 1e-18 stake units
        RedundancyModule.RequestParams memory p = _params(modelId);
        p.token = address(cheap);
        address[] memory a = _accounts(2);
        vm.expectRevert(abi.encodeWithSelector(RedundancyCollateralOutOfRange.selector, 0));
        vm.prank(client);
        rm.request(p, a);
        market.configurePaymentToken(address(cheap), true, 1, 1e36); // the market's highest rate
        p.price = type(uint96).max;
        uint256 huge = uint256(type(uint96).max) * 100_000 * 1e36 / 1e22;
        vm.expectRevert(abi.encodeWithSelector(RedundancyCollateralOutOfRange.selector, huge));
        vm.prank(client);
        rm.request(p, a);
    }

    function test_request_ineligibleProviderReverts() public {
        RedundancyModule.RequestParams memory p = _params(modelId);
        address[] memory a = _accounts(2);
        // unregistered
        a[1] = stranger;
        vm.expectRevert(abi.encodeWithSelector(RedundancyProviderIneligible.selector, stranger, modelId, p.token, PRICE));
        vm.prank(client);
        rm.request(p, a);
        // no active offer
        a[1] = ps[1].account;
        vm.prank(ps[1].account);
        market.setOffer(modelId, address(usdc), PRICE, 60, false);
        vm.expectRevert(abi.encodeWithSelector(RedundancyProviderIneligible.selector, a[1], modelId, p.token, PRICE));
        vm.prank(client);
        rm.request(p, a);
        // offer above the price
        vm.prank(ps[1].account);
        market.setOffer(modelId, address(usdc), PRICE + 1, 60, true);
        vm.expectRevert(abi.encodeWithSelector(RedundancyProviderIneligible.selector, a[1], modelId, p.token, PRICE));
        vm.prank(client);
        rm.request(p, a);
        // offer in another token
        MockERC20 other = new MockERC20("O", "O", 6);
        market.configurePaymentToken(address(other), true, 1, STAKE_RATE);
        vm.prank(ps[1].account);
        market.setOffer(modelId, address(other), PRICE, 60, true);
        vm.expectRevert(abi.encodeWithSelector(RedundancyProviderIneligible.selector, a[1], modelId, p.token, PRICE));
        vm.prank(client);
        rm.request(p, a);
    }

    function test_request_sameAccountTwiceReverts() public {
        RedundancyModule.RequestParams memory p = _params(modelId);
        address[] memory a = _accounts(3);
        a[2] = a[0];
        vm.expectRevert(abi.encodeWithSelector(RedundancyNotDistinct.selector, a[0], a[0], a[0]));
        vm.prank(client);
        rm.request(p, a);
    }

    /// @dev Two accounts of one operator (one signer key) never count as two providers.
    function test_request_sharedSignerKeyReverts() public {
        vm.prank(ps[1].account);
        market.updateProvider(ps[0].signer, "x"); // bob now signs with alice's key
        RedundancyModule.RequestParams memory p = _params(modelId);
        address[] memory a = _accounts(2);
        vm.expectRevert(abi.encodeWithSelector(RedundancyNotDistinct.selector, a[0], a[1], ps[0].signer));
        vm.prank(client);
        rm.request(p, a);
    }

    function test_request_keyIsAnotherAccountReverts() public {
        vm.prank(ps[1].account);
        market.updateProvider(ps[0].account, "x"); // bob's key is alice's account
        RedundancyModule.RequestParams memory p = _params(modelId);
        address[] memory a = _accounts(2);
        vm.expectRevert(abi.encodeWithSelector(RedundancyNotDistinct.selector, a[0], a[1], a[0]));
        vm.prank(client);
        rm.request(p, a);
        a[0] = ps[1].account;
        a[1] = ps[0].account; // the other order: the earlier seat's key is the later seat's account
        vm.expectRevert(abi.encodeWithSelector(RedundancyNotDistinct.selector, a[0], a[1], a[1]));
        vm.prank(client);
        rm.request(p, a);
    }

    function test_request_feeOnTransferTokenReverts() public {
        FotToken fot = new FotToken();
        market.configurePaymentToken(address(fot), true, 1, STAKE_RATE);
        for (uint256 i; i < 2; ++i) {
            vm.prank(ps[i].account);
            market.setOffer(modelId, address(fot), PRICE, 60, true);
        }
        fot.mint(client, 100 * USDC);
        vm.prank(client);
        fot.approve(address(rm), type(uint256).max);
        RedundancyModule.RequestParams memory p = _params(modelId);
        p.token = address(fot);
        address[] memory a = _accounts(2);
        uint256 total = 2 * uint256(PRICE);
        vm.expectRevert(abi.encodeWithSelector(RedundancyTransferMismatch.selector, total, total - total / 100));
        vm.prank(client);
        rm.request(p, a);
    }

    // ================================================================== commit

    function test_commit_locksCollateralWithinAllowance() public {
        uint256 id = _req(2, modelId);
        vm.expectEmit(address(rm));
        emit RedundancyCommitted(id, 0, ps[0].account);
        _commit(id, 0, OUT);
        assertEq(_locked(0), COLLATERAL, "module lock");
        assertEq(market.provider(ps[0].account).locked, COLLATERAL, "provider lock");
        assertEq(rm.seatOf(id, 0).signer, ps[0].signer, "key snapshot");
        assertEq(rm.requestOf(id).committed, 1, "count");
    }

    function test_commit_lastCommitStartsRevealPhase() public {
        uint256 id = _req(2, modelId);
        _commit(id, 0, OUT);
        vm.warp(block.timestamp + 10);
        _commit(id, 1, OUT);
        assertEq(rm.requestOf(id).revealDeadline, block.timestamp + REVEAL, "reveal deadline moved up");
    }

    function test_commit_unknownRequestReverts() public {
        vm.expectRevert(abi.encodeWithSelector(RedundancyUnknownRequest.selector, 7));
        rm.commit(7, 0, OUT);
    }

    function test_commit_afterSettleReverts() public {
        uint256 id = _req(2, modelId);
        vm.warp(block.timestamp + COMMIT_IN + REVEAL + 1);
        rm.settle(id);
        vm.expectRevert(abi.encodeWithSelector(RedundancyWrongStatus.selector, id, RequestStatus.Settled));
        vm.prank(ps[0].account);
        rm.commit(id, 0, OUT);
    }

    function test_commit_unknownSeatReverts() public {
        uint256 id = _req(2, modelId);
        vm.expectRevert(abi.encodeWithSelector(RedundancyUnknownSeat.selector, id, 2, 2));
        vm.prank(ps[2].account);
        rm.commit(id, 2, OUT);
    }

    function test_commit_notSeatProviderReverts() public {
        uint256 id = _req(2, modelId);
        vm.expectRevert(abi.encodeWithSelector(RedundancyNotSeatProvider.selector, id, 0, ps[1].account));
        vm.prank(ps[1].account);
        rm.commit(id, 0, OUT);
    }

    function test_commit_twiceReverts() public {
        uint256 id = _req(2, modelId);
        _commit(id, 0, OUT);
        vm.expectRevert(abi.encodeWithSelector(RedundancySeatWrongStatus.selector, id, 0, SeatStatus.Committed));
        vm.prank(ps[0].account);
        rm.commit(id, 0, OUT_B);
        assertEq(_locked(0), COLLATERAL, "locked once");
    }

    function test_commit_deadlineEdge() public {
        uint256 id = _req(3, modelId);
        uint256 d = rm.requestOf(id).commitDeadline;
        vm.warp(d);
        _commit(id, 0, OUT); // the last second is open
        vm.warp(d + 1);
        bytes32 c = rm.commitmentOf(id, 1, ps[1].account, OUT, _salt(id, 1));
        vm.expectRevert(abi.encodeWithSelector(RedundancyCommitClosed.selector, id, d, d + 1));
        vm.prank(ps[1].account);
        rm.commit(id, 1, c);
    }

    function test_commit_zeroCommitmentReverts() public {
        uint256 id = _req(2, modelId);
        vm.expectRevert(RedundancyZeroCommitment.selector);
        vm.prank(ps[0].account);
        rm.commit(id, 0, bytes32(0));
    }

    /// @dev Distinct at the request, then one rotates onto the other's key: the second commit is refused.
    function test_commit_keyRotatedOntoCommittedSeatReverts() public {
        uint256 id = _req(2, modelId);
        _commit(id, 0, OUT);
        vm.prank(ps[1].account);
        market.updateProvider(ps[0].signer, "x");
        bytes32 c = rm.commitmentOf(id, 1, ps[1].account, OUT, _salt(id, 1));
        vm.expectRevert(abi.encodeWithSelector(RedundancyNotDistinct.selector, ps[0].account, ps[1].account, ps[0].signer));
        vm.prank(ps[1].account);
        rm.commit(id, 1, c);
        // and its key onto the other's account
        vm.prank(ps[1].account);
        market.updateProvider(ps[0].account, "y");
        vm.expectRevert(abi.encodeWithSelector(RedundancyNotDistinct.selector, ps[0].account, ps[1].account, ps[0].account));
        vm.prank(ps[1].account);
        rm.commit(id, 1, c);
    }

    function test_commit_beyondAllowanceReverts() public {
        vm.prank(ps[0].account);
        market.setModuleAllowance(address(rm), COLLATERAL - 1);
        uint256 id = _req(2, modelId);
        bytes32 c = rm.commitmentOf(id, 0, ps[0].account, OUT, _salt(id, 0));
        vm.expectRevert(
            abi.encodeWithSelector(ModuleAllowanceExceeded.selector, address(rm), ps[0].account, COLLATERAL, COLLATERAL - 1)
        );
        vm.prank(ps[0].account);
        rm.commit(id, 0, c);
    }

    function test_commit_whilePausedReverts() public {
        uint256 id = _req(2, modelId);
        vm.prank(guardian);
        market.pause();
        bytes32 c = rm.commitmentOf(id, 0, ps[0].account, OUT, _salt(id, 0));
        vm.expectRevert(abi.encodeWithSignature("EnforcedPause()"));
        vm.prank(ps[0].account);
        rm.commit(id, 0, c);
    }

    // ================================================================== reveal

    function test_reveal_notOpenUntilAllCommittedOrDeadline() public {
        uint256 id = _req(3, modelId);
        _commit(id, 0, OUT);
        _commit(id, 1, OUT);
        uint256 d = rm.requestOf(id).commitDeadline;
        vm.warp(d);
        vm.expectRevert(abi.encodeWithSelector(RedundancyRevealNotOpen.selector, id, d, d));
        _reveal(id, 0, OUT);
        vm.warp(d + 1);
        _reveal(id, 0, OUT); // the first second after the commit deadline
        assertEq(uint256(_seat(id, 0)), uint256(SeatStatus.Revealed), "revealed");
    }

    function test_reveal_deadlineEdge() public {
        uint256 id = _req(2, modelId);
        _commit(id, 0, OUT);
        _commit(id, 1, OUT);
        uint256 rd = rm.requestOf(id).revealDeadline;
        vm.warp(rd);
        _reveal(id, 0, OUT);
        vm.warp(rd + 1);
        vm.expectRevert(abi.encodeWithSelector(RedundancyRevealClosed.selector, id, rd, rd + 1));
        _reveal(id, 1, OUT);
    }

    function test_reveal_wrongStatusAndSeatRevert() public {
        uint256 id = _req(2, modelId);
        vm.expectRevert(abi.encodeWithSelector(RedundancySeatWrongStatus.selector, id, 0, SeatStatus.Named));
        _reveal(id, 0, OUT);
        vm.expectRevert(abi.encodeWithSelector(RedundancyUnknownSeat.selector, id, 5, 2));
        rm.reveal(id, 5, OUT, bytes32(0));
        vm.expectRevert(abi.encodeWithSelector(RedundancyUnknownRequest.selector, 9));
        rm.reveal(9, 0, OUT, bytes32(0));
        _commit(id, 0, OUT);
        _commit(id, 1, OUT);
        _reveal(id, 0, OUT);
        vm.expectRevert(abi.encodeWithSelector(RedundancySeatWrongStatus.selector, id, 0, SeatStatus.Revealed));
        _reveal(id, 0, OUT);
    }

    function test_reveal_mismatchReverts() public {
        uint256 id = _req(2, modelId);
        _commit(id, 0, OUT);
        _commit(id, 1, OUT);
        vm.expectRevert(abi.encodeWithSelector(RedundancyCommitmentMismatch.selector, id, 0));
        _reveal(id, 0, OUT_B); // another output
        vm.expectRevert(abi.encodeWithSelector(RedundancyCommitmentMismatch.selector, id, 0));
        rm.reveal(id, 0, OUT, bytes32(uint256(1))); // another salt
    }

    function test_reveal_anyoneMayRelay() public {
        uint256 id = _req(2, modelId);
        _commit(id, 0, OUT);
        _commit(id, 1, OUT);
        vm.expectEmit(address(rm));
        emit RedundancyRevealed(id, 0, ps[0].account, OUT);
        vm.prank(stranger);
        _reveal(id, 0, OUT);
    }

    /// @dev The copier posts the honest seat's commitment as its own, then, once the honest seat revealed,
    ///      replays its output and salt: the commitment binds seat and provider, so the copy never opens, and
    ///      the copier is slashed for not revealing.
    function test_reveal_copiedCommitmentCannotBeOpened() public {
        uint256 id = _req(2, modelId);
        _commit(id, 0, OUT);
        bytes32 honest = rm.seatOf(id, 0).value;
        vm.prank(ps[1].account);
        rm.commit(id, 1, honest);
        _reveal(id, 0, OUT);
        vm.expectRevert(abi.encodeWithSelector(RedundancyCommitmentMismatch.selector, id, 1));
        rm.reveal(id, 1, OUT, _salt(id, 0));
        vm.warp(rm.requestOf(id).revealDeadline + 1);
        rm.settle(id);
        assertEq(uint256(_seat(id, 0)), uint256(SeatStatus.Paid), "honest paid");
        assertEq(uint256(_seat(id, 1)), uint256(SeatStatus.Slashed), "copier slashed");
        assertEq(_staked(1), STAKE - COLLATERAL, "copier lost its collateral");
    }

    // ================================================================== settle: reveal phase

    function test_settle_agreementPaysEveryone() public {
        uint256 id = _req(3, tolerantModel);
        _run(id, _outs3(OUT, OUT, OUT));
        vm.expectEmit(address(rm));
        emit RedundancySeatPaid(id, 0, ps[0].account, PAYOUT, FEE);
        rm.settle(id); // early: all revealed
        assertEq(uint256(_status(id)), uint256(RequestStatus.Settled), "settled");
        for (uint256 i; i < 3; ++i) {
            assertEq(rm.claimable(ps[i].account, address(usdc)), PAYOUT, "payout");
            assertEq(_locked(i), 0, "released");
            assertEq(_staked(i), STAKE, "unslashed");
        }
        assertEq(rm.feesAccrued(address(usdc)), 3 * FEE, "fees");
        assertEq(rm.escrowed(address(usdc)), 0, "escrow spent");
        assertEq(rm.claimable(client, address(usdc)), 0, "no refund");
    }

    function test_settle_beforeRevealEndReverts() public {
        uint256 id = _req(3, modelId);
        _commit(id, 0, OUT);
        _commit(id, 1, OUT);
        uint256 rd = rm.requestOf(id).revealDeadline;
        // Not all committed, still in the commit phase.
        vm.expectRevert(abi.encodeWithSelector(RedundancyNotSettleable.selector, id, RequestStatus.Open, rd + 1));
        rm.settle(id);
        vm.warp(rm.requestOf(id).commitDeadline + 1);
        _reveal(id, 0, OUT);
        // One committed seat has not revealed: wait for the reveal deadline, to its last second.
        vm.warp(rd);
        vm.expectRevert(abi.encodeWithSelector(RedundancyNotSettleable.selector, id, RequestStatus.Open, rd + 1));
        rm.settle(id);
        vm.warp(rd + 1);
        rm.settle(id);
    }

    function test_settle_earlyWhenEveryCommitterRevealedAfterCommitDeadline() public {
        uint256 id = _req(3, modelId);
        _commit(id, 0, OUT);
        _commit(id, 1, OUT);
        vm.warp(rm.requestOf(id).commitDeadline + 1);
        _reveal(id, 0, OUT);
        _reveal(id, 1, OUT);
        rm.settle(id); // seat 2 never committed: absent, refunded, not slashed
        assertEq(uint256(_seat(id, 2)), uint256(SeatStatus.Absent), "absent");
        assertEq(rm.claimable(client, address(usdc)), PRICE, "absent seat refunded");
        assertEq(_staked(2), STAKE, "absent seat not slashed");
        assertEq(rm.claimable(ps[0].account, address(usdc)), PAYOUT, "paid");
    }

    function test_settle_unknownAndSettledRevert() public {
        vm.expectRevert(abi.encodeWithSelector(RedundancyUnknownRequest.selector, 1));
        rm.settle(1);
        uint256 id = _req(2, modelId);
        _run(id, _outs2(OUT, OUT));
        rm.settle(id);
        vm.expectRevert(abi.encodeWithSelector(RedundancyWrongStatus.selector, id, RequestStatus.Settled));
        rm.settle(id);
    }

    function test_settle_nobodyCommittedRefundsAll() public {
        uint256 id = _req(3, modelId);
        vm.warp(rm.requestOf(id).commitDeadline + 1);
        rm.settle(id);
        assertEq(rm.claimable(client, address(usdc)), 3 * PRICE, "full refund");
        assertEq(rm.escrowed(address(usdc)), 0, "escrow spent");
    }

    /// @dev Griefing by a silent member: it loses its whole collateral (half to the client), its price is
    ///      refunded, and the member that did the work is still paid.
    function test_settle_silentMemberSlashedOthersPaid() public {
        uint256 id = _req(2, modelId);
        _commit(id, 0, OUT);
        _commit(id, 1, OUT);
        _reveal(id, 0, OUT);
        vm.warp(rm.requestOf(id).revealDeadline + 1);
        uint256 treasuryBefore = market.treasuryAccrued(address(token));
        vm.expectEmit(address(rm));
        emit RedundancySeatSlashed(id, 1, ps[1].account, COLLATERAL, true);
        rm.settle(id);
        assertEq(_staked(1), STAKE - COLLATERAL, "silent slashed its collateral");
        assertEq(_locked(1), 0, "lock gone");
        assertEq(market.claimable(client, address(token)), COLLATERAL / 2, "half to the client");
        assertEq(market.treasuryAccrued(address(token)) - treasuryBefore, COLLATERAL / 2, "half to the treasury");
        assertEq(rm.claimable(client, address(usdc)), PRICE, "silent seat refunded");
        assertEq(rm.claimable(ps[0].account, address(usdc)), PAYOUT, "lone revealer paid");
    }

    function test_settle_exactMajorityContests() public {
        uint256 id = _req(3, modelId);
        _run(id, _outs3(OUT, OUT, BAD));
        vm.expectEmit(address(rm));
        emit RedundancyContested(id, OUT, block.timestamp + APPEAL);
        rm.settle(id);
        assertEq(uint256(_status(id)), uint256(RequestStatus.Contested), "contested");
        assertEq(rm.requestOf(id).majority, OUT, "majority");
        assertEq(_locked(2), COLLATERAL, "minority still locked");
    }

    function test_settle_contestEndsAfterAppealDeadline() public {
        uint256 id = _req(3, modelId);
        _run(id, _outs3(OUT, BAD, OUT));
        rm.settle(id);
        uint256 pd = rm.requestOf(id).phaseDeadline;
        vm.warp(pd);
        vm.expectRevert(abi.encodeWithSelector(RedundancyNotSettleable.selector, id, RequestStatus.Contested, pd + 1));
        rm.settle(id);
        vm.warp(pd + 1);
        uint256 treasuryBefore = market.treasuryAccrued(address(token));
        rm.settle(id);
        assertEq(uint256(_seat(id, 1)), uint256(SeatStatus.Slashed), "minority slashed");
        assertEq(_staked(1), STAKE - COLLATERAL, "its collateral");
        assertEq(market.treasuryAccrued(address(token)) - treasuryBefore, COLLATERAL, "all to the treasury");
        assertEq(market.claimable(client, address(token)), 0, "no fraud reward to anyone");
        assertEq(rm.claimable(ps[0].account, address(usdc)), PAYOUT, "majority paid");
        assertEq(rm.claimable(ps[2].account, address(usdc)), PAYOUT, "majority paid");
        assertEq(rm.claimable(client, address(usdc)), PRICE, "minority's price refunded");
        assertEq(rm.escrowed(address(usdc)), 0, "escrow spent");
    }

    function test_settle_exactTieGoesToArbitration() public {
        uint256 id = _req(2, modelId);
        _run(id, _outs2(OUT, BAD));
        vm.expectEmit(address(rm));
        emit RedundancyArbitrationOpened(id, address(0), block.timestamp + ARBITRATION);
        rm.settle(id);
        assertEq(uint256(_status(id)), uint256(RequestStatus.Arbitration), "arbitration");
    }

    function test_settle_tolerantDisagreementGoesToArbitration() public {
        uint256 id = _req(3, tolerantModel);
        _run(id, _outs3(OUT, OUT, BAD));
        rm.settle(id);
        assertEq(uint256(_status(id)), uint256(RequestStatus.Arbitration), "arbitration, not a self-decided slash");
    }

    function test_settle_arbitrationTimeoutReleasesAndRefunds() public {
        uint256 id = _req(2, modelId);
        _run(id, _outs2(OUT, BAD));
        rm.settle(id);
        uint256 pd = rm.requestOf(id).phaseDeadline;
        vm.warp(pd);
        vm.expectRevert(abi.encodeWithSelector(RedundancyNotSettleable.selector, id, RequestStatus.Arbitration, pd + 1));
        rm.settle(id);
        vm.warp(pd + 1);
        rm.settle(id);
        for (uint256 i; i < 2; ++i) {
            assertEq(uint256(_seat(id, i)), uint256(SeatStatus.Released), "released");
            assertEq(_locked(i), 0, "unlocked");
            assertEq(_staked(i), STAKE, "unslashed");
        }
        assertEq(rm.claimable(client, address(usdc)), 2 * PRICE, "client refunded");
    }

    // ================================================================== appeal

    function test_appeal_minoritySendsToArbitration() public {
        uint256 id = _req(3, modelId);
        _run(id, _outs3(OUT, OUT, BAD));
        rm.settle(id);
        uint256 pd = rm.requestOf(id).phaseDeadline;
        vm.warp(pd); // the last second
        vm.expectEmit(address(rm));
        emit RedundancyArbitrationOpened(id, ps[2].account, pd + ARBITRATION);
        vm.prank(ps[2].account);
        rm.appeal(id, 2);
        assertEq(uint256(_status(id)), uint256(RequestStatus.Arbitration), "arbitration");
    }

    function test_appeal_afterDeadlineReverts() public {
        uint256 id = _req(3, modelId);
        _run(id, _outs3(OUT, OUT, BAD));
        rm.settle(id);
        uint256 pd = rm.requestOf(id).phaseDeadline;
        vm.warp(pd + 1);
        vm.expectRevert(abi.encodeWithSelector(RedundancyPhaseClosed.selector, id, pd, pd + 1));
        vm.prank(ps[2].account);
        rm.appeal(id, 2);
    }

    function test_appeal_byMajorityOrStrangerReverts() public {
        uint256 id = _req(3, modelId);
        _run(id, _outs3(OUT, OUT, BAD));
        rm.settle(id);
        vm.expectRevert(abi.encodeWithSelector(RedundancyNotMinority.selector, id, 0));
        vm.prank(ps[0].account);
        rm.appeal(id, 0);
        vm.expectRevert(abi.encodeWithSelector(RedundancyNotSeatProvider.selector, id, 2, stranger));
        vm.prank(stranger);
        rm.appeal(id, 2);
        vm.expectRevert(abi.encodeWithSelector(RedundancyUnknownSeat.selector, id, 3, 3));
        rm.appeal(id, 3);
    }

    function test_appeal_whenNotContestedReverts() public {
        uint256 id = _req(2, modelId);
        vm.expectRevert(abi.encodeWithSelector(RedundancyWrongStatus.selector, id, RequestStatus.Open));
        vm.prank(ps[0].account);
        rm.appeal(id, 0);
    }

    /// @dev A framed provider (k − 1 colluders agree on a wrong output) appeals and the arbiter slashes the
    ///      colluders instead: the framing costs them 2 × collateral.
    function test_appeal_framedMinorityWinsArbitration() public {
        uint256 id = _req(3, modelId);
        _run(id, _outs3(BAD, BAD, OUT));
        rm.settle(id);
        vm.prank(ps[2].account);
        rm.appeal(id, 2);
        vm.prank(arbitrator);
        rm.rule(id, 1 << 2);
        assertEq(_staked(0), STAKE - COLLATERAL, "colluder slashed");
        assertEq(_staked(1), STAKE - COLLATERAL, "colluder slashed");
        assertEq(_staked(2), STAKE, "honest kept its stake");
        assertEq(rm.claimable(ps[2].account, address(usdc)), PAYOUT, "honest paid");
        assertEq(rm.claimable(client, address(usdc)), 2 * PRICE, "colluders' prices refunded");
    }

    // ================================================================== rule

    function test_rule_unauthorizedReverts() public {
        uint256 id = _req(2, modelId);
        _run(id, _outs2(OUT, BAD));
        rm.settle(id);
        vm.expectRevert(abi.encodeWithSelector(IAccessManaged.AccessManagedUnauthorized.selector, stranger));
        vm.prank(stranger);
        rm.rule(id, 1);
    }

    function test_rule_wrongStatusReverts() public {
        uint256 id = _req(2, modelId);
        vm.expectRevert(abi.encodeWithSelector(RedundancyWrongStatus.selector, id, RequestStatus.Open));
        vm.prank(arbitrator);
        rm.rule(id, 1);
    }

    function test_rule_maskOutsideRevealedReverts() public {
        uint256 id = _req(3, modelId);
        _commit(id, 0, OUT);
        _commit(id, 1, BAD);
        _commit(id, 2, OUT);
        _reveal(id, 0, OUT);
        _reveal(id, 1, BAD);
        vm.warp(rm.requestOf(id).revealDeadline + 1);
        rm.settle(id); // 1-1 with a silent third: arbitration
        vm.expectRevert(abi.encodeWithSelector(RedundancyRulingOutOfRange.selector, id, 4, 3));
        vm.prank(arbitrator);
        rm.rule(id, 4); // seat 2 never revealed
    }

    function test_rule_deadlineEdgeAndEffect() public {
        uint256 id = _req(2, tolerantModel);
        _run(id, _outs2(OUT, OUT_B));
        rm.settle(id);
        uint256 pd = rm.requestOf(id).phaseDeadline;
        uint256 snap = vm.snapshotState();
        vm.warp(pd + 1);
        vm.expectRevert(abi.encodeWithSelector(RedundancyPhaseClosed.selector, id, pd, pd + 1));
        vm.prank(arbitrator);
        rm.rule(id, 3);
        vm.revertToState(snap);
        vm.warp(pd);
        vm.expectEmit(address(rm));
        emit RedundancyRuled(id, 3, arbitrator);
        vm.prank(arbitrator);
        rm.rule(id, 3); // both acceptable under TOLERANT
        assertEq(rm.claimable(ps[0].account, address(usdc)), PAYOUT, "paid");
        assertEq(rm.claimable(ps[1].account, address(usdc)), PAYOUT, "paid");
        assertEq(_locked(0) + _locked(1), 0, "released");
    }

    // ================================================================== claim, fees

    function test_claim_paysAndZeroes() public {
        uint256 id = _req(2, modelId);
        _run(id, _outs2(OUT, OUT));
        rm.settle(id);
        vm.prank(ps[0].account);
        rm.claim(address(usdc), stranger);
        assertEq(usdc.balanceOf(stranger), PAYOUT, "sent to `to`");
        vm.expectRevert(abi.encodeWithSelector(RedundancyNothingToClaim.selector, ps[0].account, address(usdc)));
        vm.prank(ps[0].account);
        rm.claim(address(usdc), stranger);
        vm.expectRevert(RedundancyZeroAddress.selector);
        vm.prank(ps[1].account);
        rm.claim(address(usdc), address(0));
    }

    function test_withdrawFees_adminOnly() public {
        uint256 id = _req(2, modelId);
        _run(id, _outs2(OUT, OUT));
        rm.settle(id);
        vm.expectRevert(abi.encodeWithSelector(IAccessManaged.AccessManagedUnauthorized.selector, stranger));
        vm.prank(stranger);
        rm.withdrawFees(address(usdc), stranger);
        vm.expectRevert(RedundancyZeroAddress.selector);
        rm.withdrawFees(address(usdc), address(0));
        rm.withdrawFees(address(usdc), treasury); // this test contract is the ADMIN (Timelock stand-in)
        assertEq(usdc.balanceOf(treasury), 2 * FEE, "fees to the treasury");
        vm.expectRevert(abi.encodeWithSelector(RedundancyNothingToClaim.selector, address(rm), address(usdc)));
        rm.withdrawFees(address(usdc), treasury);
    }

    // ================================================================== the module boundary

    /// @dev Cutting the allowance after committing does not make the lock unslashable.
    function test_settle_allowanceCutAfterCommitStillSlashed() public {
        uint256 id = _req(2, modelId);
        _commit(id, 0, OUT);
        _commit(id, 1, OUT);
        vm.prank(ps[1].account);
        market.setModuleAllowance(address(rm), 0);
        _reveal(id, 0, OUT);
        vm.warp(rm.requestOf(id).revealDeadline + 1);
        rm.settle(id);
        assertEq(_staked(1), STAKE - COLLATERAL, "slashed");
    }

    /// @dev A retired module cannot slash; its requests still settle (releases instead), also after anyone
    ///      released its locks in the market.
    function test_settle_afterRetirementReleasesInsteadOfSlashing() public {
        uint256 id = _req(3, modelId);
        _run(id, _outs3(OUT, OUT, BAD));
        rm.settle(id);
        market.setModule(address(rm), false);
        market.releaseRetiredModuleLock(address(rm), ps[0].account);
        vm.warp(rm.requestOf(id).phaseDeadline + 1);
        rm.settle(id);
        assertEq(_staked(2), STAKE, "no slash once retired");
        assertEq(_locked(0) + _locked(1) + _locked(2), 0, "all released");
        assertEq(rm.claimable(ps[0].account, address(usdc)), PAYOUT, "majority still paid");
    }

    /// @dev Slashes take only the collateral locked for this request, whatever else the provider holds.
    function test_settle_slashBoundedByRequestCollateral() public {
        uint256 a = _req(2, modelId);
        uint256 b = _req(2, modelId);
        _commit(a, 0, OUT);
        _commit(a, 1, OUT);
        _commit(b, 0, OUT);
        _commit(b, 1, OUT);
        _reveal(a, 0, OUT);
        vm.warp(rm.requestOf(a).revealDeadline + 1);
        rm.settle(a);
        assertEq(_staked(1), STAKE - COLLATERAL, "one collateral");
        assertEq(_locked(1), COLLATERAL, "the other request's lock stays");
    }

    function _outs2(bytes32 a, bytes32 b) internal pure returns (bytes32[] memory o) {
        o = new bytes32[](2);
        (o[0], o[1]) = (a, b);
    }
}
