// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccessManaged} from "@openzeppelin/contracts/access/manager/IAccessManaged.sol";

import {Roles} from "../../../contracts/governance/Roles.sol";
import {JobId, ModelId} from "../../../contracts/types/Ids.sol";
import {ArbitratedVerifier} from "../../../contracts/verifiers/ArbitratedVerifier.sol";
import {UnitFixture} from "../utils/UnitFixture.sol";

/// @notice Regression tests for the dispute findings of the security review that commit 365ec64
///         closed: dispute squatting (the provider, its keys and its sybils) and the economics of
///         arbitration (who pays the verifier module, what a timeout does, retired modules). Each test
///         asserts what an honest party observes through the ABI, with exact-second boundaries on both
///         sides of every time rule. The comment above each group says what the old contracts (commit
///         ba0d4ae) did, and so which assertion would have failed there.
/// @dev Tree (when ..., given ..., it should ...):
///  openDispute / joinDispute
///   ├── given the caller is the provider, its current key or a retired key -> revert DisputeByProvider
///   ├── given an unregistered model                   -> revert ModelNotRegistered
///   ├── given the class's verifier was retired         -> revert ModuleNotActive
///   └── joinDispute
///        ├── at the resolution deadline                 -> join; one second later -> DisputeResolutionClosed
///        ├── given the caller already challenges         -> DisputeAlreadyJoined
///        └── given four challengers                      -> DisputeFull(id, 4)
///  rule (resolveDispute)
///   ├── Upheld, winner = a joiner   -> slash; winner: bond + challengerShareBps of the slash; others: bond;
///   │                                  module: disputeFeeBps of the slash (stake token); treasury the rest
///   ├── Upheld, winner out of range -> DisputeUnknownChallenger
///   ├── Rejected                    -> module: disputeFeeBps of each bond; provider: the rest and the price
///   ├── Draw                        -> module: disputeFeeBps of each bond; challengers: the rest; provider paid
///   ├── given params changed since the job was created -> the job's snapshot decides
///   └── given the module was retired -> ModuleNotActive; the dispute times out
///  cancelDispute: at the deadline -> DisputeResolutionPending; one second later -> client refunded,
///   collateral unlocked, bonds returned, provider and module unpaid, job Cancelled
///  claimFees: the role holder moves the module's balance to a recipient; anyone else AccessManagedUnauthorized
///  setVerifier: a non-module -> ModuleNotActive
contract ArbitrationTest is UnitFixture {
    uint256 internal constant BPS = 10_000;
    uint256 internal constant SHARE_BPS = 5_000; // default challengerShareBps
    uint256 internal constant FEE_BPS = 3_000; // default disputeFeeBps
    uint256 internal constant REWARD = COLLATERAL * SHARE_BPS / BPS; // 10 tokens
    /// @dev The arbitration fee per challenger when upheld: `disputeFeeBps` of its bond, in stake at the
    ///      job's rate (C / P over the 10x collateral ratio): 1 USDC of fee -> 1 token.
    uint256 internal constant MODULE_FEE = DISPUTE_FEE * COLLATERAL * BPS / (PRICE * 100_000); // 1 token
    uint256 internal constant K2 = uint256(keccak256("alice signer key 2"));
    string internal constant EVIDENCE = "ipfs://bafy-real-evidence";

    address internal sybil = makeAddr("sybil");
    address internal feeRecipient = makeAddr("fee recipient");

    event ArbitrationFeesClaimed(address indexed token, address indexed to, uint256 amount);

    function setUp() public override {
        super.setUp();
        _fundClient(sybil, 1_000 * USDC);
    }

    // ================================================================== helpers

    function _open(address who, Job memory job, string memory evidence) internal {
        vm.prank(who);
        market.openDispute(job, evidence);
    }

    function _join(address who, Job memory job, string memory evidence) internal {
        vm.prank(who);
        market.joinDispute(job, evidence);
    }

    function _ruleWinner(Job memory job, Outcome outcome, uint256 winner) internal {
        vm.prank(arbitrator);
        verifier.rule(job, outcome, winner, "reason");
    }

    /// @dev A funded challenger named `name`.
    function _challenger(string memory name) internal returns (address who) {
        who = makeAddr(name);
        _fundClient(who, 1_000 * USDC);
    }

    /// @dev Stake-token holdings of alice and her sybil, in and out of the market.
    function _partyStake() internal view returns (uint256) {
        ProviderInfo memory info = market.provider(alice.account);
        return uint256(info.staked) + info.thawing + token.balanceOf(alice.account)
            + market.claimable(alice.account, address(token)) + token.balanceOf(sybil)
            + market.claimable(sybil, address(token));
    }

    /// @dev Payment-token holdings of alice and her sybil, in and out of the market.
    function _partyUsdc() internal view returns (uint256) {
        return usdc.balanceOf(alice.account) + market.claimable(alice.account, address(usdc)) + usdc.balanceOf(sybil)
            + market.claimable(sybil, address(usdc));
    }

    function _usdcWealth(address who) internal view returns (uint256) {
        return usdc.balanceOf(who) + market.claimable(who, address(usdc));
    }

    // ================================================================== 4. dispute squatting
    // OLD (ba0d4ae): openDispute had no caller check, so the provider could dispute its own job; a
    // dispute had one challenger, so whoever opened first (a sybil of the provider, with no evidence)
    // locked every real challenger out (JobWrongStatus(Disputed)) and collected challengerShareBps of
    // the slash when upheld: the provider's party lost half the collateral, not all of it. There was
    // no joinDispute, no winner argument and no DisputeByProvider, DisputeFull, DisputeAlreadyJoined
    // or DisputeUnknownChallenger.

    /// @dev Old contracts (ba0d4ae): anyone, the provider included, could open the dispute on its own job.
    function test_openDispute_refusesProviderAndItsSigner() public {
        address k2 = vm.addr(K2);
        vm.prank(alice.account);
        market.updateProvider(k2, "https://provider.example"); // K1 retired, K2 current
        (JobId id, Job memory job) = _accepted(alice);
        market.submitResult(job, OUT, _sign(K2, id, job, OUT, alice.account));
        address[2] memory selves = [alice.account, k2];

        for (uint256 i; i < 2; ++i) {
            _fundClient(selves[i], 1_000 * USDC);
            vm.expectRevert(abi.encodeWithSelector(DisputeByProvider.selector, id, selves[i]));
            _open(selves[i], job, EVIDENCE);
        }
        _assertStatus(id, JobStatus.Submitted, "no self-dispute opened");
    }

    function test_joinDispute_refusesProviderAndItsSigner() public {
        address k2 = vm.addr(K2);
        vm.prank(alice.account);
        market.updateProvider(k2, "https://provider.example");
        (JobId id, Job memory job) = _accepted(alice);
        market.submitResult(job, OUT, _sign(K2, id, job, OUT, alice.account));
        _open(challenger, job, EVIDENCE);
        address[2] memory selves = [alice.account, k2];

        for (uint256 i; i < 2; ++i) {
            _fundClient(selves[i], 1_000 * USDC);
            vm.expectRevert(abi.encodeWithSelector(DisputeByProvider.selector, id, selves[i]));
            _join(selves[i], job, EVIDENCE);
        }
        assertEq(market.dispute(id).challengers, 1, "nobody joined");
    }

    /// @dev A provider can name any address as its key. If every address it ever named were refused,
    ///      it could shut a chosen watchdog out by naming it and rotating away; only the current key is
    ///      refused, so the watchdog disputes as soon as the provider moves on (and the provider cannot
    ///      submit anything while a key it does not hold is current).
    function test_openDispute_retiredKeyNamedByProviderCanStillDispute() public {
        address watchdog = challenger;
        vm.startPrank(alice.account);
        market.updateProvider(watchdog, "https://provider.example"); // names the watchdog as its key
        market.updateProvider(vm.addr(K2), "https://provider.example"); // and moves on
        vm.stopPrank();
        (JobId id, Job memory job) = _accepted(alice);
        market.submitResult(job, OUT, _sign(K2, id, job, OUT, alice.account));

        _open(watchdog, job, EVIDENCE);
        _assertStatus(id, JobStatus.Disputed, "the watchdog's dispute is open");
        assertEq(market.dispute(id).challenger, watchdog, "opened by the watchdog");
    }

    function test_rule_sybilOpenerGetsOnlyItsBondRealChallengerTheReward() public {
        (JobId id, Job memory job) = _submitted(alice, OUT);
        uint256 partyStakeBefore = _partyStake();
        uint256 partyUsdcBefore = _partyUsdc();
        uint256 challengerUsdcBefore = _usdcWealth(challenger);

        _open(sybil, job, ""); // squats with no evidence
        vm.expectEmit(address(market));
        emit DisputeJoined(id, challenger, 1, BOND, EVIDENCE);
        _join(challenger, job, EVIDENCE);
        address[] memory cs = market.disputeChallengers(id);
        assertEq(cs.length, 2, "two challengers");
        assertEq(cs[0], sybil, "opener first");
        assertEq(cs[1], challenger, "joiner second");

        vm.expectEmit(address(market));
        emit DisputeResolved(id, Outcome.Upheld, challenger, COLLATERAL, REWARD, 2 * MODULE_FEE);
        _ruleWinner(job, Outcome.Upheld, 1);

        _assertStatus(id, JobStatus.Slashed, "slashed");
        assertEq(market.claimable(challenger, address(usdc)), BOND, "winner: bond back");
        assertEq(market.claimable(challenger, address(token)), REWARD, "winner: challengerShareBps of the slash");
        assertEq(_usdcWealth(challenger), challengerUsdcBefore, "winner: no bond lost");
        assertEq(market.claimable(sybil, address(usdc)), BOND, "sybil: bond back");
        assertEq(market.claimable(sybil, address(token)), 0, "sybil: no reward");
        assertEq(market.claimable(address(verifier), address(token)), 2 * MODULE_FEE, "module: the fee of both bonds");
        assertEq(market.treasuryAccrued(address(token)), COLLATERAL - REWARD - 2 * MODULE_FEE, "treasury: the rest");
        _assertProvider(alice.account, STAKE - COLLATERAL, 0, 0);
        assertEq(market.claimable(client, address(usdc)), PRICE, "client refunded");
        assertEq(partyStakeBefore - _partyStake(), COLLATERAL, "provider + sybil lose the whole collateral");
        assertEq(_partyUsdc(), partyUsdcBefore, "and win nothing in the payment token");
    }

    /// @dev Residual risk, pinned: once a sybil has opened, the provider can end the dispute itself by
    ///      proving its own equivocation, and the equivocation reward goes to the FIRST challenger (the
    ///      sybil), not to the winning evidence; the real challenger gets its bond back and nothing
    ///      else. The party still loses (1 − challengerShareBps) of the collateral, the same floor as a
    ///      provider reporting itself before any dispute, so the fault does not pay; but a real
    ///      challenger joining a squatted dispute cannot count on the reward.
    function test_reportEquivocation_squattedDisputeStillCostsTheProviderAtLeastHalf() public {
        (JobId id, Job memory job) = _submitted(alice, OUT);
        uint256 partyStakeBefore = _partyStake();
        _open(sybil, job, "");
        _join(challenger, job, EVIDENCE);

        bytes memory sigA = _sign(alice.signerKey, id, job, OUT, alice.account);
        bytes memory sigB = _sign(alice.signerKey, id, job, OUT_B, alice.account);
        vm.expectEmit(address(market));
        emit DisputeCancelled(id, 2 * BOND);
        vm.prank(alice.account);
        market.reportEquivocation(job, OUT, sigA, OUT_B, sigB);

        _assertStatus(id, JobStatus.Slashed, "slashed");
        assertEq(market.claimable(sybil, address(token)), REWARD, "the first challenger takes the reward");
        assertEq(market.claimable(challenger, address(token)), 0, "the real challenger gets none");
        assertEq(market.claimable(challenger, address(usdc)), BOND, "only its bond back");
        uint256 lost = partyStakeBefore - _partyStake();
        assertEq(lost, COLLATERAL - REWARD, "the party loses the slash less the reward");
        assertGe(lost, COLLATERAL / 2, "at least half the collateral: the fault does not pay");
    }

    function test_joinDispute_fifthChallengerRevertsDisputeFull() public {
        (JobId id, Job memory job) = _submitted(alice, OUT);
        _open(challenger, job, EVIDENCE);
        _join(_challenger("c2"), job, EVIDENCE);
        _join(_challenger("c3"), job, EVIDENCE);
        _join(_challenger("c4"), job, EVIDENCE);
        address fifth = _challenger("c5");

        vm.expectRevert(abi.encodeWithSelector(DisputeFull.selector, id, 4));
        _join(fifth, job, EVIDENCE);

        assertEq(market.dispute(id).challengers, 4, "four challengers");
        assertEq(market.claimable(fifth, address(usdc)) + usdc.balanceOf(fifth), 1_000 * USDC, "no bond taken");
    }

    /// @dev Residual risk, pinned: four sybils fill the dispute before a real challenger can join
    ///      (DisputeFull), so the reward goes to a sybil whatever the arbitrator thinks of the real
    ///      evidence. Their bonds all come back when upheld; the party still loses
    ///      (1 − challengerShareBps) of the collateral: the fault does not pay.
    function test_joinDispute_sybilsFillingTheDisputeStillLoseHalf() public {
        (JobId id, Job memory job) = _submitted(alice, OUT);
        uint256 partyStakeBefore = _partyStake();
        _open(sybil, job, "");
        for (uint256 i; i < 3; ++i) {
            // the sybil's other accounts: funded by the sybil, so counted in the party through it
            address s = makeAddr(string.concat("sybil", vm.toString(i)));
            _fundClient(s, BOND);
            _join(s, job, "");
        }
        vm.expectRevert(abi.encodeWithSelector(DisputeFull.selector, id, 4));
        _join(challenger, job, EVIDENCE);

        _ruleWinner(job, Outcome.Upheld, 0);
        assertEq(market.claimable(sybil, address(token)), REWARD, "a sybil wins the reward");
        assertGe(partyStakeBefore - _partyStake(), COLLATERAL / 2, "at least half the collateral");
        assertEq(partyStakeBefore - _partyStake(), COLLATERAL - REWARD, "exactly the slash less the reward");
    }

    function test_joinDispute_alreadyJoinedReverts() public {
        (JobId id, Job memory job) = _submitted(alice, OUT);
        _open(challenger, job, EVIDENCE);
        address joiner = _challenger("joiner");
        _join(joiner, job, EVIDENCE);

        vm.expectRevert(abi.encodeWithSelector(DisputeAlreadyJoined.selector, id, challenger));
        _join(challenger, job, EVIDENCE);
        vm.expectRevert(abi.encodeWithSelector(DisputeAlreadyJoined.selector, id, joiner));
        _join(joiner, job, EVIDENCE);
        assertEq(market.dispute(id).challengers, 2, "two challengers");
    }

    function test_joinDispute_atDeadlineJoinsOneSecondLaterReverts() public {
        (JobId id, Job memory job) = _submitted(alice, OUT);
        _open(challenger, job, EVIDENCE);
        uint256 deadline = market.dispute(id).deadline;
        assertEq(deadline, block.timestamp + RESOLUTION, "deadline");

        vm.warp(deadline);
        _join(_challenger("on time"), job, EVIDENCE);
        vm.warp(deadline + 1);
        address late = _challenger("late");
        vm.expectRevert(abi.encodeWithSelector(DisputeResolutionClosed.selector, id, deadline, deadline + 1));
        _join(late, job, EVIDENCE);
        assertEq(market.dispute(id).challengers, 2, "the late one was refused");
    }

    function test_rule_unknownWinnerRevertsDisputeUnknownChallenger() public {
        (JobId id, Job memory job) = _submitted(alice, OUT);
        _open(challenger, job, EVIDENCE);
        _join(_challenger("joiner"), job, EVIDENCE);

        vm.expectRevert(abi.encodeWithSelector(DisputeUnknownChallenger.selector, id, 2, 2));
        _ruleWinner(job, Outcome.Upheld, 2);

        _ruleWinner(job, Outcome.Rejected, 2); // the index is ignored unless upheld
        _assertStatus(id, JobStatus.Finalized, "rejected");
    }

    function test_openDispute_unregisteredModelReverts() public {
        ModelId unregistered = ModelId.wrap(keccak256("never registered"));
        JobRequest memory r = _requestWith(alice.account, address(usdc), PRICE, unregistered);
        (JobId id, Job memory job) = _createFrom(client, r);
        vm.prank(alice.account);
        market.acceptJob(job);
        _submit(alice, id, job, OUT);

        vm.expectRevert(abi.encodeWithSelector(ModelNotRegistered.selector, unregistered));
        _open(challenger, job, EVIDENCE);
    }

    // ================================================================== 5. arbitration economics
    // OLD (ba0d4ae): the verifier module was paid nothing. Rejected sent disputeFeeBps of the bond to
    // the treasury; Draw returned the whole bond (a frivolous dispute cost nothing but froze the
    // provider's pay for the resolution period); a dispute nobody ruled on was cancelled by paying the
    // provider as if the result stood (a possibly wrong result was paid, the bond returned). There was
    // no claimFees, no module registry (setVerifier took any address, and a retired verifier kept
    // ruling on the disputes it held) and no ModuleNotActive.

    function test_rule_upheldPaysModuleFeeOfSlashInStakeToken() public {
        (JobId id, Job memory job) = _submitted(alice, OUT);
        _open(challenger, job, EVIDENCE);

        vm.expectEmit(address(market));
        emit DisputeResolved(id, Outcome.Upheld, challenger, COLLATERAL, REWARD, MODULE_FEE);
        _ruleWinner(job, Outcome.Upheld, 0);

        assertEq(market.claimable(address(verifier), address(token)), MODULE_FEE, "module: disputeFeeBps of the bond, paid from the slash");
        assertEq(market.claimable(address(verifier), address(usdc)), 0, "module: nothing in the job's token");
        assertEq(market.claimable(challenger, address(token)), REWARD, "challenger's share");
        assertEq(market.claimable(challenger, address(usdc)), BOND, "bond back");
        assertEq(market.treasuryAccrued(address(token)), COLLATERAL - REWARD - MODULE_FEE, "treasury");
        assertEq(market.claimable(client, address(usdc)), PRICE, "client refunded");
        _assertProvider(alice.account, STAKE - COLLATERAL, 0, 0);
    }

    function test_rule_rejectedPaysModuleFeeOfEachBondAndProviderTheRest() public {
        (JobId id, Job memory job) = _submitted(alice, OUT);
        address second = _challenger("second");
        _open(challenger, job, EVIDENCE);
        _join(second, job, EVIDENCE);

        vm.expectEmit(address(market));
        emit JobFinalized(id, alice.account);
        vm.expectEmit(address(market));
        emit DisputeResolved(id, Outcome.Rejected, address(0), 0, 0, 2 * DISPUTE_FEE);
        _ruleWinner(job, Outcome.Rejected, 0);

        _assertStatus(id, JobStatus.Finalized, "result stands");
        assertEq(market.claimable(address(verifier), address(usdc)), 2 * DISPUTE_FEE, "module: fee of each bond");
        assertEq(market.claimable(address(verifier), address(token)), 0, "module: no stake token");
        assertEq(
            market.claimable(alice.account, address(usdc)), PAYOUT + 2 * (BOND - DISPUTE_FEE), "provider: pay + bonds"
        );
        assertEq(market.claimable(challenger, address(usdc)), 0, "challenger loses its bond");
        assertEq(market.claimable(second, address(usdc)), 0, "so does the joiner");
        assertEq(market.treasuryAccrued(address(usdc)), 0, "treasury: nothing from the bonds");
        _assertProvider(alice.account, STAKE, 0, 0);
    }

    function test_rule_drawCostsEachChallengerExactlyTheFee() public {
        (JobId id, Job memory job) = _submitted(alice, OUT);
        address second = _challenger("second");
        uint256 firstBefore = _usdcWealth(challenger);
        uint256 secondBefore = _usdcWealth(second);
        _open(challenger, job, "");
        _join(second, job, "");

        vm.expectEmit(address(market));
        emit DisputeResolved(id, Outcome.Draw, address(0), 0, 0, 2 * DISPUTE_FEE);
        _ruleWinner(job, Outcome.Draw, 1);

        _assertStatus(id, JobStatus.Finalized, "result stands");
        assertEq(market.claimable(challenger, address(usdc)), BOND - DISPUTE_FEE, "bond less the fee");
        assertEq(market.claimable(second, address(usdc)), BOND - DISPUTE_FEE, "bond less the fee");
        assertEq(firstBefore - _usdcWealth(challenger), DISPUTE_FEE, "a frivolous dispute costs exactly the fee");
        assertEq(secondBefore - _usdcWealth(second), DISPUTE_FEE, "for every challenger");
        assertEq(market.claimable(address(verifier), address(usdc)), 2 * DISPUTE_FEE, "module: the fees");
        assertEq(market.claimable(alice.account, address(usdc)), PAYOUT, "provider paid for the job");
        _assertProvider(alice.account, STAKE, 0, 0);
    }

    function test_rule_paramChangeMidDisputeKeepsJobSnapshot() public {
        (JobId id, Job memory job) = _submitted(alice, OUT);
        _open(challenger, job, EVIDENCE);
        (Params memory p,) = market.params();
        p.disputeFeeBps = 5_000;
        p.challengerShareBps = 1_000;
        market.setParams(p);

        vm.expectEmit(address(market));
        emit DisputeResolved(id, Outcome.Upheld, challenger, COLLATERAL, REWARD, MODULE_FEE);
        _ruleWinner(job, Outcome.Upheld, 0);
        assertEq(market.claimable(address(verifier), address(token)), MODULE_FEE, "the job's v1 fee");
    }

    function test_cancelDispute_atDeadlinePendingThenRefundsEveryone() public {
        (JobId id, Job memory job) = _submitted(alice, OUT);
        address second = _challenger("second");
        _open(challenger, job, EVIDENCE);
        _join(second, job, EVIDENCE);
        uint256 deadline = market.dispute(id).deadline;

        vm.warp(deadline);
        vm.expectRevert(abi.encodeWithSelector(DisputeResolutionPending.selector, id, deadline, deadline));
        market.cancelDispute(job);

        vm.warp(deadline + 1);
        vm.expectEmit(address(market));
        emit DisputeCancelled(id, 2 * BOND);
        vm.expectEmit(address(market));
        emit JobCancelled(id, client, PRICE);
        vm.prank(stranger);
        market.cancelDispute(job);

        _assertStatus(id, JobStatus.Cancelled, "cancelled");
        assertEq(market.claimable(client, address(usdc)), PRICE, "client refunded");
        _assertProvider(alice.account, STAKE, 0, 0); // collateral unlocked, nothing slashed
        assertEq(market.claimable(alice.account, address(usdc)), 0, "provider unpaid");
        assertEq(market.feesOwed(alice.account, address(usdc)), 0, "no protocol fee either");
        assertEq(market.claimable(challenger, address(usdc)), BOND, "bond back");
        assertEq(market.claimable(second, address(usdc)), BOND, "bond back");
        assertEq(market.claimable(address(verifier), address(usdc)), 0, "module unpaid");
        assertEq(market.claimable(address(verifier), address(token)), 0, "module unpaid");
        assertEq(market.dispute(id).challengers, 0, "dispute cleared");

        vm.expectRevert(abi.encodeWithSelector(JobWrongStatus.selector, id, JobStatus.Cancelled));
        _ruleWinner(job, Outcome.Upheld, 0);
    }

    function test_claimFees_movesModuleFeesToRecipient() public {
        (, Job memory rejected) = _submitted(alice, OUT);
        _open(challenger, rejected, EVIDENCE);
        _ruleWinner(rejected, Outcome.Rejected, 0);
        (, Job memory upheld) = _submitted(alice, OUT);
        _open(challenger, upheld, EVIDENCE);
        _ruleWinner(upheld, Outcome.Upheld, 0);

        // The fixture wires claimFees to the ARBITRATOR role, as deployments do.
        vm.expectRevert(abi.encodeWithSelector(IAccessManaged.AccessManagedUnauthorized.selector, stranger));
        vm.prank(stranger);
        verifier.claimFees(address(usdc), stranger);

        vm.expectEmit(address(verifier));
        emit ArbitrationFeesClaimed(address(usdc), feeRecipient, DISPUTE_FEE);
        vm.prank(arbitrator);
        assertEq(verifier.claimFees(address(usdc), feeRecipient), DISPUTE_FEE, "usdc fee");
        vm.prank(arbitrator);
        assertEq(verifier.claimFees(address(token), feeRecipient), MODULE_FEE, "stake-token fee");

        assertEq(usdc.balanceOf(feeRecipient), DISPUTE_FEE, "recipient got the bond fee");
        assertEq(token.balanceOf(feeRecipient), MODULE_FEE, "recipient got the slash fee");
        assertEq(market.claimable(address(verifier), address(usdc)), 0, "module balance emptied");
        assertEq(market.claimable(address(verifier), address(token)), 0, "module balance emptied");
        vm.expectRevert(abi.encodeWithSelector(NothingToClaim.selector, address(verifier), address(usdc)));
        vm.prank(arbitrator);
        verifier.claimFees(address(usdc), feeRecipient);
    }

    function test_rule_retiredModuleCannotRuleAndDisputeTimesOutToRefund() public {
        (JobId id, Job memory job) = _submitted(alice, OUT);
        _open(challenger, job, EVIDENCE);
        uint256 deadline = market.dispute(id).deadline;
        market.setModule(address(verifier), false);

        vm.expectRevert(abi.encodeWithSelector(ModuleNotActive.selector, address(verifier)));
        _ruleWinner(job, Outcome.Upheld, 0);
        (, Job memory other) = _submitted(alice, OUT);
        vm.expectRevert(abi.encodeWithSelector(ModuleNotActive.selector, address(verifier)));
        _open(challenger, other, EVIDENCE);

        vm.warp(deadline + 1);
        market.cancelDispute(job);
        _assertStatus(id, JobStatus.Cancelled, "timed out");
        assertEq(market.claimable(client, address(usdc)), PRICE, "client refunded");
        assertEq(market.claimable(challenger, address(usdc)), BOND, "bond back");
        _assertProvider(alice.account, STAKE, COLLATERAL, 0); // only the other job's collateral is locked
        assertEq(market.claimable(address(verifier), address(token)), 0, "retired module unpaid");
    }

    function test_setVerifier_refusesNonModule() public {
        ArbitratedVerifier unregistered = new ArbitratedVerifier(address(manager), market);

        vm.expectRevert(abi.encodeWithSelector(ModuleNotActive.selector, address(unregistered)));
        market.setVerifier(Determinism.EXACT, address(unregistered));
        assertEq(market.verifierOf(Determinism.EXACT), address(verifier), "unchanged");

        market.setModule(address(unregistered), true);
        market.setVerifier(Determinism.EXACT, address(unregistered));
        assertEq(market.verifierOf(Determinism.EXACT), address(unregistered), "a module is accepted");
        market.setVerifier(Determinism.EXACT, address(0));
        assertEq(market.verifierOf(Determinism.EXACT), address(0), "zero disables disputes");
    }
}
