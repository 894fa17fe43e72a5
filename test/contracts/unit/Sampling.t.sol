// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccessManaged} from "@openzeppelin/contracts/access/manager/IAccessManaged.sol";

import {IRandomnessSource} from "../../../contracts/interfaces/IRandomnessSource.sol";
import {ISampledVerifierErrors, ISampledVerifierEvents, ISampledVerifierTypes} from "../../../contracts/interfaces/ISampledVerifier.sol";
import {MockRandomness} from "../../../contracts/mocks/MockRandomness.sol";
import {JobId, ModelId} from "../../../contracts/types/Ids.sol";
import {SampledVerifier} from "../../../contracts/verifiers/SampledVerifier.sol";
import {SampledVerifierChallenger} from "../../../contracts/verifiers/SampledVerifierChallenger.sol";
import {SampledVerifierExtension} from "../../../contracts/verifiers/SampledVerifierExtension.sol";
import {SamplingFixture} from "../utils/SamplingFixture.sol";

/// @notice The sampled re-execution verifier, round 0: the fund, enrolment, the draw, the assignment,
///         commit-reveal, a passed check, and the timeouts. Every revert, both sides of every window.
/// @dev Tree (when ..., given ..., it should ...):
///  sample(job, output, sig)
///   ├── given the job is not Submitted                    -> SamplingJobWrongStatus
///   ├── at the window's end -> opens; one second later    -> SamplingWindowClosed
///   ├── given the class is routed to another verifier      -> SamplingNotVerifierOf; NONE -> SamplingClassNotSupported
///   ├── given a bad signature / wrong output / a key retired before acceptance -> SamplingBadAttestation
///   ├── given the provider rotated its key after submitting -> still sampled (the old key is valid evidence)
///   ├── before the seed of the submission epoch exists      -> RandomnessSeedNotReady
///   ├── given draw ≥ rate                                   -> SamplingJobNotSampled(id, draw, rate); nothing stored
///   ├── given the fund cannot pay bond + tip + rewards      -> SamplingFundTooLow
///   └── else: the module is the dispute's challenger, the bond left the fund, the keeper is owed the tip,
///            3 rewards are reserved, one verifier is asked for with the seed of the current epoch
///  assign: wrong status -> SamplingCheckWrongStatus; seed missing -> RandomnessSeedNotReady; paused ->
///   SamplingMarketPaused; never the provider, its key-sharers, the client, a challenger, a late enrolee, a
///   verifier without an offer or lock; nobody eligible -> NoVerifierAvailable and Draw
///  commit: not running -> SamplingCheckWrongStatus; not assigned -> SamplingNotAssigned; at the deadline ok,
///   one second later SamplingPhaseClosed
///  reveal: before every commit -> SamplingRevealNotOpen; wrong salt/output -> SamplingCommitmentMismatch; at the
///   deadline ok, one second later SamplingPhaseClosed
///  resolve: round running -> SamplingRoundOpen (both sides of both deadlines); match -> Draw, paid, released,
///   passed + 1; no commit or no reveal -> slashed, replaced; out of replacements -> Draw
contract SamplingTest is SamplingFixture, ISampledVerifierErrors, ISampledVerifierEvents {
    // ================================================================== construction, parameters, fund

    function test_constructor_checks() public {
        SampledVerifierExtension ext = new SampledVerifierExtension(market, rng);
        MockRandomness other = new MockRandomness(EPOCH);
        vm.expectRevert(abi.encodeWithSelector(SamplingExtensionMismatch.selector, address(ext)));
        new SampledVerifier(address(manager), market, other, ext, _defaultParams());
        MockRandomness slow = new MockRandomness(30 minutes + 1);
        vm.expectRevert(abi.encodeWithSelector(SamplingEpochTooLong.selector, 30 minutes + 1, 30 minutes));
        new SampledVerifierExtension(market, slow);
        vm.expectRevert(SamplingZeroAddress.selector);
        new SampledVerifierExtension(market, MockRandomness(address(0)));
    }

    function test_extension_directCallReverts() public {
        SampledVerifierExtension ext = SampledVerifierExtension(svCore.extension());
        vm.expectRevert(SampledVerifierExtension.SampledVerifierExtensionDirectCall.selector);
        ext.fund(address(usdc), 1);
        vm.expectRevert(SampledVerifierExtension.SampledVerifierExtensionDirectCall.selector);
        ext.enrol(modelId);
    }

    function test_setParams_boundsEachField() public {
        ISampledVerifierTypes.Params memory p = _defaultParams();
        _expectParam(p, "samplingRateBps", 9, 10, 10_000);
        p = _defaultParams();
        p.samplingRateBps = 10_001;
        p.newProviderRateBps = 10_001;
        _expectRevertParams(p, "samplingRateBps", 10_001, 10, 10_000);
        p = _defaultParams();
        p.newProviderRateBps = 199; // below the base rate
        _expectRevertParams(p, "newProviderRateBps", 199, 200, 10_000);
        p = _defaultParams();
        p.newProviderChecks = 10_001;
        _expectRevertParams(p, "newProviderChecks", 10_001, 0, 10_000);
        p = _defaultParams();
        p.verifierRewardBps = 50_001;
        _expectRevertParams(p, "verifierRewardBps", 50_001, 0, 50_000);
        p = _defaultParams();
        p.keeperTipBps = 1_001;
        _expectRevertParams(p, "keeperTipBps", 1_001, 0, 1_000);
        p = _defaultParams();
        p.commitPeriod = 10 minutes - 1;
        _expectRevertParams(p, "commitPeriod", 10 minutes - 1, 10 minutes, 90 minutes);
        p.commitPeriod = 90 minutes + 1;
        _expectRevertParams(p, "commitPeriod", 90 minutes + 1, 10 minutes, 90 minutes);
        p = _defaultParams();
        p.revealPeriod = 90 minutes + 1;
        _expectRevertParams(p, "revealPeriod", 90 minutes + 1, 10 minutes, 90 minutes);
        p = _defaultParams();
        p.escalationVerifiers = 1;
        _expectRevertParams(p, "escalationVerifiers", 1, 2, 4);
        p.escalationVerifiers = 5;
        _expectRevertParams(p, "escalationVerifiers", 5, 2, 4);
        p = _defaultParams();
        p.verifierStake = 0;
        _expectRevertParams(p, "verifierStake", 0, 1, 1e27);
        p = _defaultParams();
        p.deterrenceBps = 10_000 - 1;
        _expectRevertParams(p, "deterrenceBps", 10_000 - 1, 10_000, 100_000);
        p.deterrenceBps = 100_000 + 1;
        _expectRevertParams(p, "deterrenceBps", 100_000 + 1, 10_000, 100_000);
        p = _defaultParams();
        p.bondReleaseDelay = 72 hours + 14 days - 1;
        _expectRevertParams(p, "bondReleaseDelay", 72 hours + 14 days - 1, 72 hours + 14 days, 60 days);
        p.bondReleaseDelay = 60 days + 1;
        _expectRevertParams(p, "bondReleaseDelay", 60 days + 1, 72 hours + 14 days, 60 days);

        // Both ends of every bound are accepted.
        p = ISampledVerifierTypes.Params(10, 10, 0, 0, 0, 10 minutes, 10 minutes, 2, 1, 10_000, 72 hours + 14 days);
        sv.setParams(p);
        p = ISampledVerifierTypes.Params(10_000, 10_000, 10_000, 50_000, 1_000, 90 minutes, 90 minutes, 4, 1e27, 100_000, 60 days);
        vm.expectEmit(address(sv));
        emit SamplingParamsUpdated(p);
        sv.setParams(p);
        assertEq(sv.params().verifierStake, 1e27, "stored");
        assertEq(sv.params().deterrenceBps, 100_000, "deterrence stored");
        assertEq(sv.params().bondReleaseDelay, 60 days, "delay stored");
    }

    function _expectParam(ISampledVerifierTypes.Params memory p, string memory name, uint256 v, uint256 lo, uint256 hi)
        internal
    {
        p.samplingRateBps = uint16(v);
        _expectRevertParams(p, name, v, lo, hi);
    }

    function _expectRevertParams(
        ISampledVerifierTypes.Params memory p,
        string memory name,
        uint256 v,
        uint256 lo,
        uint256 hi
    ) internal {
        vm.expectRevert(abi.encodeWithSelector(SamplingParamOutOfBounds.selector, name, v, lo, hi));
        sv.setParams(p);
    }

    function test_setParams_onlyGovernance() public {
        ISampledVerifierTypes.Params memory p = _defaultParams();
        vm.expectRevert(abi.encodeWithSelector(IAccessManaged.AccessManagedUnauthorized.selector, stranger));
        vm.prank(stranger);
        sv.setParams(p);
    }

    function test_fund_zeroReverts() public {
        vm.expectRevert(abi.encodeWithSelector(SamplingParamOutOfBounds.selector, "amount", 0, 1, type(uint256).max));
        sv.fund(address(usdc), 0);
    }

    function test_withdrawFund_checks() public {
        vm.expectRevert(abi.encodeWithSelector(IAccessManaged.AccessManagedUnauthorized.selector, stranger));
        vm.prank(stranger);
        sv.withdrawFund(address(usdc), 1, stranger);
        vm.expectRevert(SamplingZeroAddress.selector);
        sv.withdrawFund(address(usdc), 1, address(0));
        vm.expectRevert(abi.encodeWithSelector(SamplingFundTooLow.selector, address(usdc), FUND + 1, FUND));
        sv.withdrawFund(address(usdc), FUND + 1, treasury);
        sv.withdrawFund(address(usdc), FUND, treasury);
        assertEq(usdc.balanceOf(treasury), FUND, "withdrawn");
        (uint256 available,) = sv.fundOf(address(usdc));
        assertEq(available, 0, "empty");
    }

    function test_claimRewards_checks() public {
        vm.expectRevert(SamplingZeroAddress.selector);
        sv.claimRewards(address(usdc), address(0));
        vm.expectRevert(abi.encodeWithSelector(SamplingNothingOwed.selector, keeper, address(usdc)));
        vm.prank(keeper);
        sv.claimRewards(address(usdc), keeper);
    }

    // ================================================================== enrolment

    function test_enrol_checks() public {
        address nobody = makeAddr("nobody");
        vm.expectRevert(abi.encodeWithSelector(SamplingNotEligible.selector, nobody, modelId));
        vm.prank(nobody);
        sv.enrol(modelId);

        ProviderKey memory p = _provider("newcomer", STAKE);
        ModelId other = _registerModel("other weights", Determinism.EXACT);
        vm.expectRevert(abi.encodeWithSelector(SamplingNoOffer.selector, p.account, other));
        vm.prank(p.account);
        sv.enrol(other);

        vm.expectRevert(abi.encodeWithSelector(SamplingAllowanceTooLow.selector, p.account, 0, VSTAKE));
        vm.prank(p.account);
        sv.enrol(modelId);

        vm.startPrank(p.account);
        market.setModuleAllowance(address(sv), VSTAKE - 1);
        vm.expectRevert(abi.encodeWithSelector(SamplingAllowanceTooLow.selector, p.account, VSTAKE - 1, VSTAKE));
        sv.enrol(modelId);
        market.setModuleAllowance(address(sv), VSTAKE);
        vm.expectEmit(address(sv));
        emit VerifierEnrolled(modelId, p.account);
        sv.enrol(modelId);
        vm.expectRevert(abi.encodeWithSelector(SamplingAlreadyEnrolled.selector, p.account, modelId));
        sv.enrol(modelId);
        vm.stopPrank();
        assertEq(sv.verifierCount(modelId), 5, "five");
        assertEq(sv.verifierAt(modelId, 4), p.account, "last");
        assertEq(sv.enrolment(modelId, p.account).since, block.timestamp, "since");
    }

    function test_enrol_jailedReverts() public {
        ProviderKey memory p = _provider("jailbird", STAKE);
        _jailByEquivocation(p);
        vm.prank(p.account);
        market.setModuleAllowance(address(sv), VSTAKE);
        vm.expectRevert(abi.encodeWithSelector(SamplingNotEligible.selector, p.account, modelId));
        vm.prank(p.account);
        sv.enrol(modelId);
    }

    function test_unenrol_swapsTheLastIn() public {
        vm.expectRevert(abi.encodeWithSelector(SamplingNotEnrolled.selector, alice.account, modelId));
        vm.prank(alice.account);
        sv.unenrol(modelId);

        vm.expectEmit(address(sv));
        emit VerifierLeft(modelId, vs[1].account);
        vm.prank(vs[1].account);
        sv.unenrol(modelId);
        assertEq(sv.verifierCount(modelId), 3, "three");
        assertEq(sv.verifierAt(modelId, 1), vs[3].account, "last moved in");
        assertEq(sv.enrolment(modelId, vs[3].account).index, 2, "its index");
        assertEq(sv.enrolment(modelId, vs[1].account).index, 0, "gone");
        // The last one leaves: nothing to move.
        vm.prank(vs[2].account);
        sv.unenrol(modelId);
        assertEq(sv.verifierCount(modelId), 2, "two");
    }

    // ================================================================== sample

    function test_sample_opensTheDispute() public {
        (JobId id, Job memory job) = _drawn(alice, OUT);
        bytes memory sig = _sig(alice, id, job, OUT);
        (bool sampled, uint256 draw, uint256 base) = sv.isSampled(job);
        assertTrue(sampled, "drawn in the fund's band");
        assertEq(base, 200, "compared with samplingRateBps");
        // An unbonded job's rate: max(new-provider 10 %, ⌈2 × P_S / C⌉ = 20 %).
        uint256 rate = sv.samplingOf(job).rateBps;
        assertEq(rate, 2_000, "the job's rate");
        uint256 before = usdc.balanceOf(address(sv));

        vm.expectEmit(address(sv));
        emit AssignmentRequested(id, 0, 1, _epochOf(block.timestamp));
        vm.expectEmit(address(sv));
        emit JobSampled(id, alice.account, keeper, draw, rate, BOND, TIP);
        vm.prank(keeper);
        sv.sample(job, OUT, sig);

        _assertStatus(id, JobStatus.Disputed, "disputed");
        Dispute memory d = market.dispute(id);
        assertEq(d.challenger, address(sv), "the module challenges");
        assertEq(d.verifier, address(sv), "and judges");
        assertEq(usdc.balanceOf(address(sv)), before - BOND, "bond paid from the fund");
        assertEq(sv.owed(keeper, address(usdc)), TIP, "tip owed");
        (uint256 available, uint256 reserved) = sv.fundOf(address(usdc));
        assertEq(reserved, RESERVE, "rewards reserved");
        assertEq(available, FUND - BOND - TIP - RESERVE, "available");
        ISampledVerifierTypes.Check memory c = sv.checkOf(id);
        assertEq(uint256(c.status), uint256(ISampledVerifierTypes.CheckStatus.AwaitingSeed), "awaiting seed");
        assertEq(c.output, OUT, "output");
        assertEq(c.provider, alice.account, "provider");
        assertEq(c.listLength, 4, "snapshot of the list");
        assertEq(c.cutoff, block.timestamp, "cutoff");
        assertFalse(c.human, "module-opened");

        // The keeper takes its tip.
        vm.prank(keeper);
        sv.claimRewards(address(usdc), keeper);
        assertEq(usdc.balanceOf(keeper), TIP, "tip paid");
    }

    function test_sample_wrongStatusReverts() public {
        (JobId id, Job memory job) = _accepted(alice);
        vm.expectRevert(abi.encodeWithSelector(SamplingJobWrongStatus.selector, id, JobStatus.Accepted));
        sv.sample(job, OUT, "");
        _submit(alice, id, job, OUT);
        vm.prank(client);
        market.finalizeJob(job); // the client accepted the result: nothing left to check
        vm.expectRevert(abi.encodeWithSelector(SamplingJobWrongStatus.selector, id, JobStatus.Finalized));
        sv.sample(job, OUT, "");
    }

    function test_sample_windowBothSides() public {
        (JobId id, Job memory job) = _drawn(alice, OUT);
        uint256 endsAt = market.jobState(id).timestamp + WINDOW;
        bytes memory sig = _sig(alice, id, job, OUT);
        uint256 snap = vm.snapshotState();
        vm.warp(endsAt + 1);
        vm.expectRevert(abi.encodeWithSelector(SamplingWindowClosed.selector, id, endsAt, endsAt + 1));
        sv.sample(job, OUT, sig);
        vm.revertToState(snap);
        vm.warp(endsAt);
        sv.sample(job, OUT, sig);
        _assertStatus(id, JobStatus.Disputed, "sampled at the last second");
    }

    function test_sample_classRoutedElsewhereReverts() public {
        ModelId tolerant = _registerModel("tolerant", Determinism.TOLERANT);
        JobRequest memory r = _requestWith(alice.account, address(usdc), PRICE, tolerant);
        (JobId id, Job memory job) = _createFrom(client, r);
        vm.prank(alice.account);
        market.acceptJob(job);
        _submit(alice, id, job, OUT);
        bytes memory sig = _sig(alice, id, job, OUT);
        vm.expectRevert(
            abi.encodeWithSelector(SamplingNotVerifierOf.selector, tolerant, Determinism.TOLERANT, address(verifier))
        );
        sv.sample(job, OUT, sig);
        // NONE, routed here, is refused: there is nothing to re-run against.
        ModelId none = _registerModel("none", Determinism.NONE);
        market.setVerifier(Determinism.NONE, address(sv));
        r = _requestWith(alice.account, address(usdc), PRICE, none);
        (id, job) = _createFrom(client, r);
        vm.prank(alice.account);
        market.acceptJob(job);
        _submit(alice, id, job, OUT);
        sig = _sig(alice, id, job, OUT);
        vm.expectRevert(abi.encodeWithSelector(SamplingClassNotSupported.selector, id, Determinism.NONE));
        sv.sample(job, OUT, sig);
        // ... and so is a human dispute on it (openDispute reverts: governance must not route it here).
        vm.expectRevert(abi.encodeWithSelector(SamplingClassNotSupported.selector, id, Determinism.NONE));
        vm.prank(challenger);
        market.openDispute(job, "");
    }

    function test_sample_badAttestationReverts() public {
        (JobId id, Job memory job) = _drawn(alice, OUT);
        // Another output than the one the key signed.
        bytes memory sig = _sig(alice, id, job, OUT);
        address recovered = _recovered(id, job, OUT_B, alice.account, sig);
        vm.expectRevert(abi.encodeWithSelector(SamplingBadAttestation.selector, id, recovered));
        sv.sample(job, OUT_B, sig);
        // A stranger's key.
        uint256 strangerKey = 0xBEEF;
        bytes memory bad = _sign(strangerKey, id, job, OUT, alice.account);
        vm.expectRevert(abi.encodeWithSelector(SamplingBadAttestation.selector, id, vm.addr(strangerKey)));
        sv.sample(job, OUT, bad);
        // Not a signature at all.
        vm.expectRevert(abi.encodeWithSelector(SamplingBadAttestation.selector, id, address(0)));
        sv.sample(job, OUT, hex"1234");
    }

    function test_sample_keyRetiredBeforeAcceptanceReverts() public {
        // Alice rotates away from key 1 before accepting; a result signed by key 1 is no evidence for the job.
        uint256 k2 = uint256(keccak256("alice key 2"));
        vm.prank(alice.account);
        market.updateProvider(vm.addr(k2), "");
        (JobId id, Job memory job) = _accepted(alice);
        market.submitResult(job, OUT, _sign(k2, id, job, OUT, alice.account));
        uint64 e = _epochOf(block.timestamp);
        _seedDrawing(e, id, 200, true);
        vm.warp(_epochEnd(e));
        bytes memory oldSig = _sign(alice.signerKey, id, job, OUT, alice.account);
        bytes memory newSig = _sign(k2, id, job, OUT, alice.account);
        vm.expectRevert(abi.encodeWithSelector(SamplingBadAttestation.selector, id, alice.signer));
        sv.sample(job, OUT, oldSig);
        sv.sample(job, OUT, newSig);
    }

    function test_sample_providerRotatingAfterSubmitCannotDodge() public {
        (JobId id, Job memory job) = _drawn(alice, OUT);
        bytes memory sig = _sig(alice, id, job, OUT);
        vm.prank(alice.account);
        market.updateProvider(vm.addr(uint256(keccak256("fresh key"))), "");
        sv.sample(job, OUT, sig);
        _assertStatus(id, JobStatus.Disputed, "still sampled");
    }

    /// @dev Attack: after submitting, the provider names the module itself as its signer key, so that the
    ///      market refuses the module as a challenger (`DisputeByProvider`). The module opens the dispute
    ///      through its second challenger address instead; the money comes back to the fund all the same.
    function test_sample_providerNamingTheModuleAsKeyCannotDodge() public {
        (JobId id, Job memory job) = _drawn(alice, OUT);
        bytes memory sig = _sig(alice, id, job, OUT);
        vm.prank(alice.account);
        market.updateProvider(address(sv), "");
        sv.sample(job, OUT, sig);
        address agent = sv.secondChallenger();
        assertEq(market.dispute(id).challenger, agent, "opened through the second address");
        _assign(job, 0);
        _vote(job, 0, _one(OUT));
        sv.resolve(job);
        _assertStatus(id, JobStatus.Finalized, "checked and passed");
        assertEq(market.claimable(agent, address(usdc)), BOND - DISPUTE_FEE, "the bond, less the fee, at the agent");
        (uint256 available,) = sv.fundOf(address(usdc));
        assertEq(available, FUND - TIP - REWARD, "counted in the fund");
        // Withdrawing everything pulls it back from the agent.
        sv.withdrawFund(address(usdc), available, treasury);
        assertEq(usdc.balanceOf(treasury), available, "paid out");
        assertEq(market.claimable(agent, address(usdc)), 0, "swept");
        // Nobody else can use the agent.
        vm.expectRevert(abi.encodeWithSelector(SampledVerifierChallenger.SampledVerifierChallengerNotModule.selector, stranger));
        vm.prank(stranger);
        SampledVerifierChallenger(agent).open(job, 1);
    }

    function test_sample_seedNotReadyReverts() public {
        (JobId id, Job memory job) = _submitted(alice, OUT);
        uint64 e = _epochOf(block.timestamp);
        bytes memory sig = _sig(alice, id, job, OUT);
        vm.expectRevert(abi.encodeWithSelector(IRandomnessSource.RandomnessSeedNotReady.selector, e));
        sv.sample(job, OUT, sig);
        vm.expectRevert(abi.encodeWithSelector(IRandomnessSource.RandomnessSeedNotReady.selector, e));
        sv.isSampled(job);
    }

    function test_sample_notSampledRevertsAndStoresNothing() public {
        (JobId id, Job memory job) = _submitted(alice, OUT);
        uint64 e = _epochOf(block.timestamp);
        bytes32 seed = _seedDrawing(e, id, 2_000, false);
        vm.warp(_epochEnd(e));
        uint256 draw = _draw(seed, id);
        (bool sampled,,) = sv.isSampled(job);
        assertFalse(sampled, "not drawn");
        bytes memory sig = _sig(alice, id, job, OUT);
        vm.expectRevert(abi.encodeWithSelector(SamplingJobNotSampled.selector, id, draw, 2_000));
        sv.sample(job, OUT, sig);
        assertEq(uint256(_checkStatus(id)), 0, "nothing stored");
    }

    function test_sample_drawBoundary() public {
        // The draw is compared strictly: draw == rate is not sampled, draw == rate - 1 is.
        (JobId id, Job memory job) = _submitted(alice, OUT);
        uint64 e = _epochOf(block.timestamp);
        rng.setSeed(e, keccak256("any"));
        vm.warp(_epochEnd(e));
        uint256 draw = _draw(keccak256("any"), id);
        ISampledVerifierTypes.Params memory p = _defaultParams();
        p.newProviderChecks = 0;
        p.samplingRateBps = uint16(draw < 10 ? 10 : draw);
        p.newProviderRateBps = p.samplingRateBps;
        vm.assume(draw >= 10);
        sv.setParams(p);
        bytes memory sig = _sig(alice, id, job, OUT);
        vm.expectRevert(abi.encodeWithSelector(SamplingJobNotSampled.selector, id, draw, draw));
        sv.sample(job, OUT, sig);
        p.samplingRateBps = uint16(draw + 1);
        p.newProviderRateBps = p.samplingRateBps;
        sv.setParams(p);
        sv.sample(job, OUT, sig);
    }

    function test_sample_fundTooLowReverts() public {
        sv.withdrawFund(address(usdc), FUND - (BOND + TIP + RESERVE - 1), treasury);
        (JobId id, Job memory job) = _drawn(alice, OUT);
        bytes memory sig = _sig(alice, id, job, OUT);
        vm.expectRevert(
            abi.encodeWithSelector(SamplingFundTooLow.selector, address(usdc), BOND + TIP + RESERVE, BOND + TIP + RESERVE - 1)
        );
        sv.sample(job, OUT, sig);
        usdc.mint(address(this), 1);
        sv.fund(address(usdc), 1);
        sv.sample(job, OUT, sig);
    }

    function test_onDisputeOpened_onlyMarket() public {
        (JobId id, Job memory job) = _submitted(alice, OUT);
        vm.expectRevert(abi.encodeWithSelector(SamplingNotMarket.selector, stranger));
        vm.prank(stranger);
        svCore.onDisputeOpened(id, job, stranger, 0);
    }

    // ================================================================== assign

    function test_assign_drawsAnEligibleVerifierAndLocks() public {
        (JobId id, Job memory job) = _sampled(alice, OUT);
        _assign(job, 0);
        ISampledVerifierTypes.Check memory c = sv.checkOf(id);
        assertEq(uint256(c.status), uint256(ISampledVerifierTypes.CheckStatus.Running), "running");
        assertEq(c.assigned, 1, "one seat");
        address v = _assignedAt(id, 0);
        assertTrue(v != alice.account && v != address(0), "a verifier");
        assertEq(_moduleLocked(v), VSTAKE, "its stake locked");
        assertEq(c.commitDeadline, block.timestamp + 1 hours, "commit deadline");
        assertEq(c.revealDeadline, block.timestamp + 2 hours, "reveal deadline");
    }

    function test_assign_checks() public {
        (JobId id, Job memory job) = _submitted(alice, OUT);
        vm.expectRevert(abi.encodeWithSelector(SamplingCheckWrongStatus.selector, id, ISampledVerifierTypes.CheckStatus.None));
        sv.assign(job);
        (id, job) = _sampled(alice, OUT);
        uint64 e = uint64(sv.checkOf(id).seedEpoch);
        vm.expectRevert(abi.encodeWithSelector(IRandomnessSource.RandomnessSeedNotReady.selector, e));
        sv.assign(job);
        rng.setSeed(e, keccak256("s"));
        _pause();
        vm.expectRevert(SamplingMarketPaused.selector);
        sv.assign(job);
    }

    /// @dev A lone eligible verifier among ineligible ones is seated even when all eight random draws miss it:
    ///      the walk after them covers a short list. Before the walk such a seat was left empty (about one
    ///      escalation seat in twenty-five with three verifiers), and a lie was upheld on two votes, not three.
    function test_assign_walkFindsLoneEligibleAfterRandomMisses() public {
        for (uint256 i; i < 3; ++i) {
            vm.prank(vs[i].account);
            market.setOffer(modelId, address(usdc), PRICE, 60, false);
        }
        (JobId id, Job memory job) = _sampled(alice, OUT);
        uint64 e = uint64(sv.checkOf(id).seedEpoch);
        vm.warp(_epochEnd(e));
        bytes32 seed;
        for (uint256 i = 1;; ++i) {
            seed = keccak256(abi.encode("walk", i));
            bool hit;
            for (uint256 probe; probe < svCore.MAX_PROBES(); ++probe) {
                if (uint256(keccak256(abi.encode(seed, id, uint256(0), uint256(0), probe))) % vs.length == 3) hit = true;
            }
            if (!hit) break;
        }
        rng.setSeed(e, seed);
        sv.assign(job);
        assertEq(sv.checkOf(id).assigned, 1, "the seat is filled");
        assertEq(_assignedAt(id, 0), vs[3].account, "by the one verifier that can sit");
        assertEq(uint256(_checkStatus(id)), uint256(ISampledVerifierTypes.CheckStatus.Running), "running");
    }

    function test_assign_nobodyEligibleDraws() public {
        for (uint256 i; i < 4; ++i) {
            vm.prank(vs[i].account);
            sv.unenrol(modelId);
        }
        (JobId id, Job memory job) = _sampled(alice, OUT);
        uint64 e = uint64(sv.checkOf(id).seedEpoch);
        vm.warp(_epochEnd(e));
        rng.setSeed(e, keccak256("s"));
        vm.expectEmit(address(sv));
        emit NoVerifierAvailable(id, 0);
        sv.assign(job);
        _assertStatus(id, JobStatus.Finalized, "result stands");
        assertEq(uint256(_checkStatus(id)), uint256(ISampledVerifierTypes.CheckStatus.Closed), "closed");
        (uint256 available, uint256 reserved) = sv.fundOf(address(usdc));
        assertEq(reserved, 0, "reserve freed");
        assertEq(available, FUND - TIP, "the bond came back in full; only the tip was spent");
        assertEq(sv.passedChecks(alice.account), 0, "no check passed");
    }

    /// @dev Attack: the provider (or a sybil that shares its signer key, or the job's client) enrols to
    ///      verify its own job. None of them is ever drawn, whatever the seed.
    function test_assign_neverTheProviderItsKeyOrTheClient() public {
        for (uint256 i; i < 4; ++i) {
            vm.prank(vs[i].account);
            sv.unenrol(modelId);
        }
        // Alice herself.
        vm.startPrank(alice.account);
        market.setModuleAllowance(address(sv), VSTAKE);
        sv.enrol(modelId);
        vm.stopPrank();
        // A sybil that registered alice's signer key as its own.
        address sybil = makeAddr("sybil");
        token.transfer(sybil, STAKE);
        vm.startPrank(sybil);
        market.registerProvider(alice.signer, "");
        token.approve(address(market), type(uint256).max);
        market.stake(STAKE);
        market.setOffer(modelId, address(usdc), PRICE, 60, true);
        market.setModuleAllowance(address(sv), VSTAKE);
        sv.enrol(modelId);
        vm.stopPrank();
        // An account registered with alice's account as its key.
        address sybil2 = makeAddr("sybil2");
        token.transfer(sybil2, STAKE);
        vm.startPrank(sybil2);
        market.registerProvider(alice.account, "");
        token.approve(address(market), type(uint256).max);
        market.stake(STAKE);
        market.setOffer(modelId, address(usdc), PRICE, 60, true);
        market.setModuleAllowance(address(sv), VSTAKE);
        sv.enrol(modelId);
        vm.stopPrank();
        // The client as a provider.
        token.transfer(client, STAKE);
        vm.startPrank(client);
        market.registerProvider(makeAddr("client key"), "");
        token.approve(address(market), type(uint256).max);
        market.stake(STAKE);
        market.setOffer(modelId, address(usdc), PRICE, 60, true);
        market.setModuleAllowance(address(sv), VSTAKE);
        sv.enrol(modelId);
        vm.stopPrank();
        vm.warp(block.timestamp + 1);

        for (uint256 salt; salt < 4; ++salt) {
            (JobId id, Job memory job) = _sampled(alice, OUT);
            _assign(job, salt);
            assertEq(sv.checkOf(id).assigned, 0, "nobody drawn");
            _assertStatus(id, JobStatus.Finalized, "no check: the result stands");
        }
    }

    /// @dev Attack: a verifier that enrols after the draw was asked for (when the assigning seed may already
    ///      be known) is never drawn for it; the list's length is a snapshot.
    function test_assign_lateEnroleeNeverDrawn() public {
        for (uint256 i; i < 4; ++i) {
            vm.prank(vs[i].account);
            sv.unenrol(modelId);
        }
        (JobId id, Job memory job) = _sampled(alice, OUT);
        assertEq(sv.checkOf(id).listLength, 0, "empty snapshot");
        _verifier("late");
        _assign(job, 0);
        assertEq(sv.checkOf(id).assigned, 0, "the late enrolee was not drawn");
    }

    function test_assign_lateEnroleeSwappedIntoRangeSkipped() public {
        (JobId id, Job memory job) = _sampled(alice, OUT);
        // A newcomer enrols (appended past the snapshot), then verifier0 leaves: the newcomer moves into slot 0.
        vm.warp(block.timestamp + 1);
        ProviderKey memory late = _verifier("late");
        vm.prank(vs[0].account);
        sv.unenrol(modelId);
        assertEq(sv.verifierAt(modelId, 0), late.account, "moved in range");
        for (uint256 salt; salt < 6; ++salt) {
            uint256 snap = vm.snapshotState();
            _assign(job, salt);
            if (sv.checkOf(id).assigned == 1) assertTrue(_assignedAt(id, 0) != late.account, "never the newcomer");
            vm.revertToState(snap);
        }
    }

    function test_assign_verifierWithoutLockOrOfferSkipped() public {
        // Three verifiers cannot be locked (allowance cut, offer withdrawn, jailed); only verifier3 can.
        vm.prank(vs[0].account);
        market.setModuleAllowance(address(sv), 0);
        vm.prank(vs[1].account);
        market.setOffer(modelId, address(usdc), PRICE, 60, false);
        _jailByEquivocation(vs[2]);
        for (uint256 salt; salt < 4; ++salt) {
            (JobId id, Job memory job) = _sampled(alice, OUT);
            _assign(job, salt);
            if (sv.checkOf(id).assigned == 1) assertEq(_assignedAt(id, 0), vs[3].account, "only the able one");
        }
    }

    // ================================================================== commit, reveal, resolve: round 0

    function test_roundZero_matchPassesTheCheck() public {
        (JobId id, Job memory job) = _sampled(alice, OUT);
        _assign(job, 0);
        address v = _assignedAt(id, 0);
        uint256 vStake = market.provider(v).staked;
        _vote(job, 0, _one(OUT));

        vm.expectEmit(address(sv));
        emit VerifierRewarded(id, v, address(usdc), REWARD);
        vm.expectEmit(address(sv));
        emit CheckResolved(id, Outcome.Draw, 1, 0, false);
        sv.resolve(job);

        _assertStatus(id, JobStatus.Finalized, "the result stands and is paid");
        assertEq(market.claimable(alice.account, address(usdc)), PAYOUT, "provider paid");
        assertEq(_moduleLocked(v), 0, "verifier released");
        assertEq(market.provider(v).staked, vStake, "not slashed");
        assertEq(sv.owed(v, address(usdc)), REWARD, "verifier owed its reward");
        assertEq(sv.passedChecks(alice.account), 1, "one passed check");
        (uint256 available, uint256 reserved) = sv.fundOf(address(usdc));
        assertEq(reserved, 0, "reserve freed");
        assertEq(available, FUND - TIP - REWARD, "a passed check costs the fund the tip and one reward");
        // The bond sits in the market as the module's claimable balance, and is pulled back when needed.
        assertEq(market.claimable(address(sv), address(usdc)), BOND, "bond back, fee included");
        vm.prank(v);
        sv.claimRewards(address(usdc), v);
        assertEq(usdc.balanceOf(v), REWARD, "reward paid");
    }

    function test_commit_checks() public {
        (JobId id, Job memory job) = _sampled(alice, OUT);
        vm.expectRevert(
            abi.encodeWithSelector(SamplingCheckWrongStatus.selector, id, ISampledVerifierTypes.CheckStatus.AwaitingSeed)
        );
        sv.commit(job, bytes32(0));
        _assign(job, 0);
        vm.expectRevert(abi.encodeWithSelector(SamplingNotAssigned.selector, id, stranger));
        vm.prank(stranger);
        sv.commit(job, bytes32(0));
        uint256 deadline = sv.checkOf(id).commitDeadline;
        address v = _assignedAt(id, 0);
        uint256 snap = vm.snapshotState();
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(SamplingPhaseClosed.selector, id, deadline, deadline + 1));
        vm.prank(v);
        sv.commit(job, bytes32(0));
        vm.revertToState(snap);
        vm.warp(deadline);
        _commit(job, 0, OUT);
        // Committed: a second commit is refused (it is no longer an assigned, uncommitted vote).
        vm.expectRevert(abi.encodeWithSelector(SamplingNotAssigned.selector, id, v));
        vm.prank(v);
        sv.commit(job, bytes32(0));
    }

    function test_reveal_checks() public {
        (JobId id, Job memory job) = _sampled(alice, OUT);
        _assign(job, 0);
        address v = _assignedAt(id, 0);
        vm.expectRevert(abi.encodeWithSelector(SamplingNotAssigned.selector, id, v));
        vm.prank(v);
        sv.reveal(job, OUT, bytes32(0)); // not committed yet
        _commit(job, 0, OUT);
        bytes32 salt = keccak256(abi.encode("salt", v));
        bytes32 expected = _commitment(id, 0, v, OUT);
        bytes32 wrong = keccak256(abi.encode(id, uint256(0), v, OUT_B, salt));
        vm.expectRevert(abi.encodeWithSelector(SamplingCommitmentMismatch.selector, id, v, expected, wrong));
        vm.prank(v);
        sv.reveal(job, OUT_B, salt);
        uint256 deadline = sv.checkOf(id).revealDeadline;
        uint256 snap = vm.snapshotState();
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(SamplingPhaseClosed.selector, id, deadline, deadline + 1));
        vm.prank(v);
        sv.reveal(job, OUT, salt);
        vm.revertToState(snap);
        vm.warp(deadline);
        vm.expectEmit(address(sv));
        emit VoteRevealed(id, v, OUT, true);
        vm.prank(v);
        sv.reveal(job, OUT, salt);
    }

    function test_resolve_roundOpenBothDeadlines() public {
        (JobId id, Job memory job) = _sampled(alice, OUT);
        vm.expectRevert(
            abi.encodeWithSelector(SamplingCheckWrongStatus.selector, id, ISampledVerifierTypes.CheckStatus.AwaitingSeed)
        );
        sv.resolve(job);
        _assign(job, 0);
        ISampledVerifierTypes.Check memory c = sv.checkOf(id);
        vm.warp(c.commitDeadline);
        vm.expectRevert(abi.encodeWithSelector(SamplingRoundOpen.selector, id, c.commitDeadline, c.commitDeadline));
        sv.resolve(job);
        _commit(job, 0, OUT);
        vm.warp(c.revealDeadline);
        vm.expectRevert(abi.encodeWithSelector(SamplingRoundOpen.selector, id, c.revealDeadline, c.revealDeadline));
        sv.resolve(job);
    }

    /// @dev Attack: a drawn verifier stays silent (it would rather not spend the compute). It loses its stake,
    ///      all of it to the treasury, and another verifier is drawn.
    function test_resolve_noCommitSlashesAndReplaces() public {
        (JobId id, Job memory job) = _sampled(alice, OUT);
        _assign(job, 0);
        address lazy = _assignedAt(id, 0);
        uint256 staked = market.provider(lazy).staked;
        uint256 treasuryBefore = market.treasuryAccrued(address(token));
        vm.warp(sv.checkOf(id).commitDeadline + 1);
        vm.expectEmit(address(sv));
        emit VerifierSlashed(id, lazy, VSTAKE, true);
        sv.resolve(job);
        assertEq(market.provider(lazy).staked, staked - VSTAKE, "slashed");
        assertEq(_moduleLocked(lazy), 0, "lock gone");
        assertEq(market.treasuryAccrued(address(token)) - treasuryBefore, VSTAKE, "all to the treasury");
        ISampledVerifierTypes.Check memory c = sv.checkOf(id);
        assertEq(uint256(c.status), uint256(ISampledVerifierTypes.CheckStatus.AwaitingSeed), "replacement asked");
        assertEq(c.replacements, 1, "one replacement");
        _assign(job, 1);
        address next = _assignedAt(id, 1);
        assertTrue(next != lazy && next != address(0), "someone else");
        _vote(job, 1, _one(OUT));
        sv.resolve(job);
        _assertStatus(id, JobStatus.Finalized, "passed");
    }

    /// @dev Attack: a verifier commits, then withholds its reveal (say, after seeing it disagrees with
    ///      nobody it could copy). Slashed and replaced in round 0.
    function test_resolve_noRevealSlashesAndReplaces() public {
        (JobId id, Job memory job) = _sampled(alice, OUT);
        _assign(job, 0);
        address v = _assignedAt(id, 0);
        _commit(job, 0, OUT);
        vm.warp(sv.checkOf(id).revealDeadline + 1);
        sv.resolve(job);
        assertEq(uint256(sv.voteOf(id, 0).status), uint256(ISampledVerifierTypes.VoteStatus.Slashed), "slashed");
        assertEq(market.provider(v).staked, STAKE - VSTAKE, "stake taken");
        assertEq(uint256(_checkStatus(id)), uint256(ISampledVerifierTypes.CheckStatus.AwaitingSeed), "replacement");
    }

    /// @dev Attack: the drawn verifier cuts its allowance to zero after its stake was locked, then stays silent.
    ///      The locked stake stays slashable.
    function test_resolve_allowanceCutAfterLockStillSlashed() public {
        (JobId id, Job memory job) = _sampled(alice, OUT);
        _assign(job, 0);
        address v = _assignedAt(id, 0);
        vm.prank(v);
        market.setModuleAllowance(address(sv), 0);
        vm.warp(sv.checkOf(id).commitDeadline + 1);
        sv.resolve(job);
        assertEq(market.provider(v).staked, STAKE - VSTAKE, "slashed anyway");
    }

    function test_resolve_outOfReplacementsDraws() public {
        (JobId id, Job memory job) = _sampled(alice, OUT);
        for (uint256 i; i < 5; ++i) {
            _assign(job, i);
            if (_checkStatus(id) != ISampledVerifierTypes.CheckStatus.Running) break;
            vm.warp(sv.checkOf(id).commitDeadline + 1);
            sv.resolve(job);
        }
        // Four verifiers, each silent once, and MAX_REPLACEMENTS = 4: the check ends without a vote.
        _assertStatus(id, JobStatus.Finalized, "the result stands");
        assertEq(uint256(_checkStatus(id)), uint256(ISampledVerifierTypes.CheckStatus.Closed), "closed");
        (, uint256 reserved) = sv.fundOf(address(usdc));
        assertEq(reserved, 0, "reserve freed");
        assertEq(sv.passedChecks(alice.account), 0, "not a pass");
    }
}
