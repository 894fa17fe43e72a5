// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";

import {MockERC20} from "../../../contracts/mocks/MockERC20.sol";
import {JobId, ModelId} from "../../../contracts/types/Ids.sol";
import {Vm} from "../utils/Test.sol";
import {UnitFixture} from "../utils/UnitFixture.sol";

/// @notice Unit tests of the job state machine, following test/contracts/tree/JobLifecycle.tree.
/// @dev Error checklist (error -> test). Errors of this machine covered elsewhere are marked with their file.
///  EnforcedPause             -> test_createJob_revertsWhenPaused, test_createJobWithPermit_revertsWhenPaused,
///                               test_createJobFromBalance_revertsWhenPaused, test_acceptJob_revertsWhenPaused,
///                               test_acceptAndSubmit_revertsWhenPaused
///  PaymentTokenNotAllowed    -> test_createJob_revertsForTokenNotAllowed
///  AmountZero                -> test_createJob_revertsForZeroPrice, test_createJob_revertsWhenCollateralRoundsToZero
///  AmountTooLarge            -> test_createJob_revertsWhenCollateralOverflowsUint96
///  JobDeadlineInPast         -> test_createJob_revertsForDeadlineNotInFuture
///  JobDeadlineTooFar         -> test_createJob_revertsForDeadlineTooFar
///  ModelNotRegistered        -> test_createJob_acceptsUnregisteredModelButNoOfferCanServeIt (from setOffer: createJob
///                               no longer checks the model, by design; see IJobMarketCore.createJob)
///  OfferNotActive            -> also test_createJob_acceptsUnregisteredModelButNoOfferCanServeIt
///  JobInputHashMismatch      -> test_createJob_revertsForInputHashMismatch
///  JobAlreadyExists          -> test_createJob_revertsForDuplicateJob, test_createJob_revertsForDuplicateOfSettledJob
///  ClaimExceedsBalance       -> test_createJobFromBalance_revertsWhenBalanceShort
///  JobWrongStatus            -> test_acceptJob_revertsForUnknownJob, test_acceptJob_revertsWhenAlreadyAccepted,
///                               test_submitResult_revertsWhenNotAccepted, test_submitResult_revertsWhenAlreadySubmitted,
///                               test_acceptAndSubmit_revertsWhenNotCreated, test_finalizeJob_revertsWhenNotSubmitted,
///                               test_finalizeJob_revertsWhenAlreadyFinalized, test_expireJob_revertsForOtherStatuses,
///                               test_cancelJob_revertsWhenNotCreated
///                               (finalizeJobs skips such jobs instead: test_finalizeJobs_skipsDuplicateJob,
///                               test_finalizeJobs_skipsJobsSettledSinceBatchWasBuilt)
///  JobDeadlinePassed         -> test_acceptJob_revertsAfterDeadline, test_submitResult_revertsAfterDeadline,
///                               test_acceptAndSubmit_revertsAfterDeadline
///  JobNotForProvider         -> test_acceptJob_revertsForOtherProvider
///  ProviderNotRegistered     -> test_acceptJob_revertsForUnregisteredProvider, test_acceptAndSubmit_revertsForUnregisteredProvider
///  ProviderInJail            -> test_acceptJob_revertsWhenProviderJailed, test_acceptAndSubmit_revertsWhenProviderJailed
///  ProviderBelowMinStake     -> test_acceptJob_revertsBelowMinStake, test_acceptAndSubmit_revertsBelowMinStake
///  StakeInsufficientFree     -> test_acceptJob_revertsWhenFreeStakeShort, test_acceptAndSubmit_revertsWhenFreeStakeShort
///  ProviderOffersPaused      -> test_acceptJob_revertsForOpenJobWhenOffersPaused
///  OfferNotActive            -> test_acceptJob_revertsForOpenJobWithoutActiveOffer
///  OfferTokenMismatch        -> test_acceptJob_revertsForOpenJobWithOfferInOtherToken
///  OfferPriceAboveJobPrice   -> test_acceptJob_revertsForOpenJobPricedBelowOffer
///  JobDeadlineBelowLatency   -> test_acceptJob_revertsForOpenJobWhenDeadlineBelowLatency
///                               (boundary: test_acceptJob_openJobAcceptsDeadlineExactlyAtLatency;
///                               direct jobs are not checked: test_acceptJob_directJobIgnoresLatency)
///  AttestationInvalidSignature -> test_submitResult_revertsForMalformedSignature, test_acceptAndSubmit_revertsForInvalidSignature
///                               (r = 0, v = 0, high s: Attacks.t.sol)
///  AttestationWrongSigner    -> test_submitResult_revertsForWrongSigner, test_submitResult_revertsForSignatureOfOtherOutput,
///                               test_submitResult_revertsForAttestationNamingOtherProvider,
///                               test_submitResult_revertsForPreviousSignerAfterRotation, test_acceptAndSubmit_revertsForWrongSigner
///  JobNotDirect              -> test_acceptAndSubmit_revertsForOpenJob
///  JobChallengeWindowOpen    -> test_finalizeJob_revertsWhileWindowOpen, test_finalizeJob_revertsForProviderWhileWindowOpen
///  BatchEmpty                -> test_finalizeJobs_revertsForEmptyBatch
///  BatchTooLarge             -> test_finalizeJobs_revertsForBatchTooLarge
///  JobDeadlineNotReached     -> test_expireJob_revertsForCreatedBeforeDeadline, test_expireJob_revertsForAcceptedBeforeDeadline,
///                               test_expireJob_revertsForJailedProviderBeforeDeadline
///  JobNotClient              -> test_cancelJob_revertsForNonClient
///  ERC20InsufficientAllowance (token) -> test_createJob_revertsWithoutAllowance
///  FeeOnTransferToken, SafeERC20FailedOperation, permit, msg.value -> Attacks.t.sol
///  JobUnknown                -> test_acceptJob_revertsForUnknownJob, test_expireJob_revertsForOtherStatuses,
///                               test_finalizeJobs_revertsForUnknownJob
contract JobLifecycleTest is UnitFixture {
    // ================================================================== createJob

    function test_createJob_escrowsPriceAndStoresCreated() public {
        JobRequest memory r = _request(alice.account, PRICE);
        Job memory expected = _expectedJob(client, r);
        JobId expectedId = _id(expected);
        uint256 clientBefore = usdc.balanceOf(client);

        vm.expectEmit(address(market));
        emit JobCreated(expectedId, client, alice.account, expected);
        vm.prank(client);
        (JobId id, Job memory job) = market.createJob(r, "");

        assertEq(JobId.unwrap(id), JobId.unwrap(expectedId), "id is the hash of the terms");
        assertEq(JobId.unwrap(market.jobIdOf(job)), JobId.unwrap(id), "jobIdOf");
        assertEq(job.client, client, "client");
        assertEq(job.provider, alice.account, "provider");
        assertEq(job.token, address(usdc), "token");
        assertEq(job.price, PRICE, "price");
        assertEq(job.collateral, COLLATERAL, "collateral = price x 10 x rate");
        assertEq(job.deadline, r.deadline, "deadline");
        assertEq(job.paramsVersion, 1, "params snapshot");
        assertEq(job.nonce, r.nonce, "nonce");
        JobState memory st = market.jobState(id);
        assertEq(uint256(st.status), uint256(JobStatus.Created), "status");
        assertEq(st.provider, address(0), "no provider yet");
        assertEq(st.timestamp, 0, "timestamp");
        assertEq(st.challengeWindow, 4 hours, "cached challenge window");
        assertEq(st.protocolFeeBps, 100, "cached protocol fee");
        assertEq(usdc.balanceOf(client), clientBefore - PRICE, "client paid price");
        assertEq(usdc.balanceOf(address(market)), PRICE, "market holds escrow");
        assertEq(market.claimable(client, address(usdc)), 0, "nothing claimable");
    }

    function test_createJob_emitsJobInputForInlineInput() public {
        bytes memory input = "prompt: the quick brown fox";
        JobRequest memory r = _request(address(0), PRICE);
        r.inputHash = sha256(input);
        Job memory expected = _expectedJob(client, r);

        vm.expectEmit(address(market));
        emit JobCreated(_id(expected), client, address(0), expected);
        vm.expectEmit(address(market));
        emit JobInput(_id(expected), input);
        vm.prank(client);
        market.createJob(r, input);
        _assertStatus(_id(expected), JobStatus.Created, "created");
    }

    function test_createJob_revertsWhenPaused() public {
        _pause();
        JobRequest memory r = _request(alice.account, PRICE);
        vm.expectRevert(abi.encodeWithSelector(EnforcedPause.selector));
        vm.prank(client);
        market.createJob(r, "");
    }

    function test_createJob_revertsForTokenNotAllowed() public {
        MockERC20 dai = new MockERC20("DAI", "DAI", 18);
        JobRequest memory r = _requestWith(alice.account, address(dai), PRICE, modelId);
        vm.expectRevert(abi.encodeWithSelector(PaymentTokenNotAllowed.selector, address(dai)));
        vm.prank(client);
        market.createJob(r, "");
    }

    function test_createJob_revertsForZeroPrice() public {
        JobRequest memory r = _request(alice.account, 0);
        vm.expectRevert(abi.encodeWithSelector(AmountZero.selector));
        vm.prank(client);
        market.createJob(r, "");
    }

    function test_createJob_revertsForDeadlineNotInFuture() public {
        JobRequest memory r = _request(alice.account, PRICE);
        r.deadline = uint40(block.timestamp);
        vm.expectRevert(abi.encodeWithSelector(JobDeadlineInPast.selector, block.timestamp, block.timestamp));
        vm.prank(client);
        market.createJob(r, "");
    }

    function test_createJob_revertsForDeadlineTooFar() public {
        JobRequest memory r = _request(alice.account, PRICE);
        r.deadline = uint40(block.timestamp + 30 days + 1);
        vm.expectRevert(abi.encodeWithSelector(JobDeadlineTooFar.selector, r.deadline, block.timestamp + 30 days));
        vm.prank(client);
        market.createJob(r, "");
    }

    function test_createJob_acceptsDeadlineAtMaxDuration() public {
        JobRequest memory r = _request(alice.account, PRICE);
        r.deadline = uint40(block.timestamp + 30 days);
        (JobId id,) = _createFrom(client, r);
        _assertStatus(id, JobStatus.Created, "created at the bound");
    }

    /// @dev createJob does not read the model registry (a storage read per job); an open job on an
    ///      unregistered model can never be accepted (offers need a registered model), a direct job only
    ///      with its provider's attestation.
    function test_createJob_acceptsUnregisteredModelButNoOfferCanServeIt() public {
        ModelId unknown = ModelId.wrap(keccak256("no such model"));
        JobRequest memory r = _requestWith(address(0), address(usdc), PRICE, unknown);
        (JobId id, Job memory job) = _createFrom(client, r);
        _assertStatus(id, JobStatus.Created, "created");
        vm.expectRevert(abi.encodeWithSelector(OfferNotActive.selector, alice.account, unknown));
        vm.prank(alice.account);
        market.acceptJob(job);
        vm.expectRevert(abi.encodeWithSelector(ModelNotRegistered.selector, unknown));
        vm.prank(alice.account);
        market.setOffer(unknown, address(usdc), PRICE, 60, true);
    }

    function test_createJob_revertsForInputHashMismatch() public {
        bytes memory input = "not the committed input";
        JobRequest memory r = _request(alice.account, PRICE);
        bytes32 computed = sha256(input);
        vm.expectRevert(abi.encodeWithSelector(JobInputHashMismatch.selector, r.inputHash, computed));
        vm.prank(client);
        market.createJob(r, input);
    }

    function test_createJob_revertsWhenCollateralRoundsToZero() public {
        MockERC20 dust = _allowedToken("DUST", 1, 0); // 1 / 1e18 stake units per token unit
        JobRequest memory r = _requestWith(alice.account, address(dust), PRICE, modelId);
        vm.expectRevert(abi.encodeWithSelector(AmountZero.selector));
        vm.prank(client);
        market.createJob(r, "");
    }

    function test_createJob_revertsWhenCollateralOverflowsUint96() public {
        uint96 price = 1e16; // collateral = 1e16 x 1e13 = 1e29 > 2^96
        JobRequest memory r = _request(alice.account, price);
        vm.expectRevert(abi.encodeWithSelector(AmountTooLarge.selector, uint256(1e29), uint256(type(uint96).max)));
        vm.prank(client);
        market.createJob(r, "");
    }

    function test_createJob_revertsForDuplicateJob() public {
        JobRequest memory r = _request(alice.account, PRICE);
        (JobId id,) = _createFrom(client, r);
        vm.expectRevert(abi.encodeWithSelector(JobAlreadyExists.selector, id));
        vm.prank(client);
        market.createJob(r, "");
    }

    function test_createJob_revertsForDuplicateOfSettledJob() public {
        JobRequest memory r = _request(alice.account, PRICE);
        (JobId id, Job memory job) = _createFrom(client, r);
        vm.prank(client);
        market.cancelJob(job);
        vm.expectRevert(abi.encodeWithSelector(JobAlreadyExists.selector, id));
        vm.prank(client);
        market.createJob(r, "");
    }

    function test_createJob_revertsWithoutAllowance() public {
        address fresh = makeAddr("fresh");
        usdc.mint(fresh, 100 * USDC);
        JobRequest memory r = _request(alice.account, PRICE);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(market), 0, PRICE)
        );
        vm.prank(fresh);
        market.createJob(r, "");
    }

    // ================================================================== createJobWithPermit (rest in Attacks.t.sol)

    function test_createJobWithPermit_revertsWhenPaused() public {
        _pause();
        JobRequest memory r = _request(alice.account, PRICE);
        vm.expectRevert(abi.encodeWithSelector(EnforcedPause.selector));
        vm.prank(client);
        market.createJobWithPermit(r, "", block.timestamp, 27, bytes32(0), bytes32(0));
    }

    // ================================================================== createJobFromBalance

    function test_createJobFromBalance_debitsBalance() public {
        vm.prank(client);
        market.deposit(address(usdc), 10 * USDC);
        uint256 marketBefore = usdc.balanceOf(address(market));
        uint256 clientBefore = usdc.balanceOf(client);
        JobRequest memory r = _request(alice.account, PRICE);
        Job memory expected = _expectedJob(client, r);

        vm.expectEmit(address(market));
        emit JobCreated(_id(expected), client, alice.account, expected);
        vm.prank(client);
        (JobId id,) = market.createJobFromBalance(r, "");

        _assertStatus(id, JobStatus.Created, "created");
        assertEq(market.claimable(client, address(usdc)), 10 * USDC - PRICE, "balance debited");
        assertEq(usdc.balanceOf(address(market)), marketBefore, "no token moved in");
        assertEq(usdc.balanceOf(client), clientBefore, "no token moved out");
    }

    function test_createJobFromBalance_revertsWhenBalanceShort() public {
        vm.prank(client);
        market.deposit(address(usdc), 1 * USDC);
        JobRequest memory r = _request(alice.account, PRICE);
        vm.expectRevert(
            abi.encodeWithSelector(ClaimExceedsBalance.selector, client, address(usdc), uint256(PRICE), 1 * USDC)
        );
        vm.prank(client);
        market.createJobFromBalance(r, "");
    }

    function test_createJobFromBalance_revertsWhenPaused() public {
        vm.prank(client);
        market.deposit(address(usdc), 10 * USDC);
        _pause();
        JobRequest memory r = _request(alice.account, PRICE);
        vm.expectRevert(abi.encodeWithSelector(EnforcedPause.selector));
        vm.prank(client);
        market.createJobFromBalance(r, "");
    }

    // ================================================================== acceptJob: direct jobs

    function test_acceptJob_locksCollateralAndEmits() public {
        (JobId id, Job memory job) = _create(alice.account, PRICE);
        vm.expectEmit(address(market));
        emit JobAccepted(id, alice.account);
        vm.prank(alice.account);
        market.acceptJob(job);

        JobState memory st = market.jobState(id);
        assertEq(uint256(st.status), uint256(JobStatus.Accepted), "status");
        assertEq(st.provider, alice.account, "provider");
        assertEq(st.timestamp, block.timestamp, "accepted at");
        assertEq(st.signerEpoch, 0, "the provider's signer epoch at acceptance");
        _assertProvider(alice.account, STAKE, COLLATERAL, 0);
    }

    function test_acceptJob_revertsWhenPaused() public {
        (, Job memory job) = _create(alice.account, PRICE);
        _pause();
        vm.expectRevert(abi.encodeWithSelector(EnforcedPause.selector));
        vm.prank(alice.account);
        market.acceptJob(job);
    }

    function test_acceptJob_revertsForUnknownJob() public {
        JobRequest memory r = _request(alice.account, PRICE);
        Job memory never = _expectedJob(client, r); // never created
        vm.expectRevert(abi.encodeWithSelector(JobUnknown.selector, _id(never)));
        vm.prank(alice.account);
        market.acceptJob(never);
    }

    function test_acceptJob_revertsWhenAlreadyAccepted() public {
        (JobId id, Job memory job) = _accepted(alice);
        vm.expectRevert(abi.encodeWithSelector(JobWrongStatus.selector, id, JobStatus.Accepted));
        vm.prank(alice.account);
        market.acceptJob(job);
    }

    function test_acceptJob_revertsAfterDeadline() public {
        (JobId id, Job memory job) = _create(alice.account, PRICE);
        vm.warp(uint256(job.deadline) + 1);
        vm.expectRevert(abi.encodeWithSelector(JobDeadlinePassed.selector, id, job.deadline, block.timestamp));
        vm.prank(alice.account);
        market.acceptJob(job);
    }

    function test_acceptJob_succeedsAtDeadline() public {
        (JobId id, Job memory job) = _create(alice.account, PRICE);
        vm.warp(job.deadline);
        vm.prank(alice.account);
        market.acceptJob(job);
        _assertStatus(id, JobStatus.Accepted, "accepted at the deadline");
    }

    /// @dev A direct job names its provider, whose acceptance is its own judgement of the deadline:
    ///      the offer's maxLatency (60 s) is not checked, even with no time left at all.
    function test_acceptJob_directJobIgnoresLatency() public {
        (JobId id, Job memory job) = _create(alice.account, PRICE);
        vm.warp(uint256(job.deadline) - 1);
        vm.prank(alice.account);
        market.acceptJob(job);
        _assertStatus(id, JobStatus.Accepted, "direct job accepted with 1 s left");
    }

    function test_acceptJob_revertsForOtherProvider() public {
        ProviderKey memory bob = _provider("bob", STAKE);
        (JobId id, Job memory job) = _create(alice.account, PRICE);
        vm.expectRevert(abi.encodeWithSelector(JobNotForProvider.selector, id, bob.account, alice.account));
        vm.prank(bob.account);
        market.acceptJob(job);
    }

    function test_acceptJob_revertsForUnregisteredProvider() public {
        (, Job memory job) = _create(stranger, PRICE);
        vm.expectRevert(abi.encodeWithSelector(ProviderNotRegistered.selector, stranger));
        vm.prank(stranger);
        market.acceptJob(job);
    }

    function test_acceptJob_revertsWhenProviderJailed() public {
        uint256 until = _jailByFraud(alice);
        vm.warp(until - 1 hours); // still jailed; the job is created now so its deadline is ahead
        (, Job memory job) = _create(alice.account, PRICE);
        vm.expectRevert(abi.encodeWithSelector(ProviderInJail.selector, alice.account, until));
        vm.prank(alice.account);
        market.acceptJob(job);
    }

    function test_acceptJob_succeedsWhenJailEnds() public {
        uint256 until = _jailByFraud(alice);
        vm.warp(until);
        (JobId id, Job memory job) = _create(alice.account, PRICE);
        vm.prank(alice.account);
        market.acceptJob(job);
        _assertStatus(id, JobStatus.Accepted, "accepted once the jail ended");
    }

    function test_acceptJob_revertsBelowMinStake() public {
        ProviderKey memory low = _provider("low", 50 * TOKEN);
        (, Job memory job) = _create(low.account, PRICE);
        vm.expectRevert(
            abi.encodeWithSelector(ProviderBelowMinStake.selector, low.account, 50 * TOKEN, uint256(MIN_STAKE))
        );
        vm.prank(low.account);
        market.acceptJob(job);
    }

    function test_acceptJob_revertsWhenFreeStakeShort() public {
        ProviderKey memory mid = _provider("mid", 130 * TOKEN);
        _accepted(mid); // locks 20: free = 110
        (, Job memory big) = _create(mid.account, uint96(12 * USDC)); // collateral 120
        vm.expectRevert(abi.encodeWithSelector(StakeInsufficientFree.selector, mid.account, 120 * TOKEN, 110 * TOKEN));
        vm.prank(mid.account);
        market.acceptJob(big);
    }

    function test_acceptJob_directIgnoresPausedOffers() public {
        vm.prank(alice.account);
        market.setOffersPaused(true);
        (JobId id,) = _accepted(alice);
        _assertStatus(id, JobStatus.Accepted, "direct job accepted with offers paused");
    }

    // ================================================================== acceptJob: open jobs

    function test_acceptJob_openJobGoesToFirstEligibleProvider() public {
        ProviderKey memory bob = _provider("bob", STAKE);
        (JobId id, Job memory job) = _create(address(0), PRICE);

        vm.expectEmit(address(market));
        emit JobAccepted(id, bob.account);
        vm.prank(bob.account);
        market.acceptJob(job);
        assertEq(market.jobState(id).provider, bob.account, "bob took it");
        _assertProvider(bob.account, STAKE, COLLATERAL, 0);

        vm.expectRevert(abi.encodeWithSelector(JobWrongStatus.selector, id, JobStatus.Accepted));
        vm.prank(alice.account);
        market.acceptJob(job);
        _assertProvider(alice.account, STAKE, 0, 0);
    }

    function test_acceptJob_openJobAcceptsOfferBelowJobPrice() public {
        (JobId id, Job memory job) = _create(address(0), PRICE + 1);
        vm.prank(alice.account);
        market.acceptJob(job);
        _assertStatus(id, JobStatus.Accepted, "offer price <= job price");
    }

    function test_acceptJob_revertsForOpenJobWhenOffersPaused() public {
        vm.prank(alice.account);
        market.setOffersPaused(true);
        (, Job memory job) = _create(address(0), PRICE);
        vm.expectRevert(abi.encodeWithSelector(ProviderOffersPaused.selector, alice.account));
        vm.prank(alice.account);
        market.acceptJob(job);
    }

    function test_acceptJob_revertsForOpenJobWithoutActiveOffer() public {
        vm.prank(alice.account);
        market.setOffer(modelId, address(usdc), PRICE, 60, false);
        (, Job memory job) = _create(address(0), PRICE);
        vm.expectRevert(abi.encodeWithSelector(OfferNotActive.selector, alice.account, modelId));
        vm.prank(alice.account);
        market.acceptJob(job);
    }

    function test_acceptJob_revertsForOpenJobWithOfferInOtherToken() public {
        MockERC20 dai = _allowedToken("DAI", STAKE_RATE, 0);
        vm.prank(alice.account);
        market.setOffer(modelId, address(dai), PRICE, 60, true);
        (, Job memory job) = _create(address(0), PRICE);
        vm.expectRevert(
            abi.encodeWithSelector(OfferTokenMismatch.selector, alice.account, modelId, address(dai), address(usdc))
        );
        vm.prank(alice.account);
        market.acceptJob(job);
    }

    /// @dev An open job must leave the accepting provider its offer's maxLatency, so nobody takes (and
    ///      is slashed for) a deadline it could not meet. One second short reverts...
    function test_acceptJob_revertsForOpenJobWhenDeadlineBelowLatency() public {
        (JobId id, Job memory job) = _create(address(0), PRICE);
        vm.warp(uint256(job.deadline) - 59); // earliest = now + 60 = deadline + 1
        vm.expectRevert(
            abi.encodeWithSelector(JobDeadlineBelowLatency.selector, id, job.deadline, uint256(job.deadline) + 1)
        );
        vm.prank(alice.account);
        market.acceptJob(job);
        _assertProvider(alice.account, STAKE, 0, 0);
    }

    /// @dev ...and exactly maxLatency before the deadline is enough.
    function test_acceptJob_openJobAcceptsDeadlineExactlyAtLatency() public {
        (JobId id, Job memory job) = _create(address(0), PRICE);
        vm.warp(uint256(job.deadline) - 60);
        vm.prank(alice.account);
        market.acceptJob(job);
        _assertStatus(id, JobStatus.Accepted, "deadline == now + maxLatency");
    }

    /// @dev The latency is the accepting provider's own: a slower offer cannot take a job a faster one can.
    function test_acceptJob_openJobLatencyIsTheCallersOffer() public {
        ProviderKey memory slow = _provider("slow", STAKE);
        vm.prank(slow.account);
        market.setOffer(modelId, address(usdc), PRICE, 2 hours, true);
        (JobId id, Job memory job) = _create(address(0), PRICE); // deadline now + 1 h
        vm.expectRevert(
            abi.encodeWithSelector(JobDeadlineBelowLatency.selector, id, job.deadline, block.timestamp + 2 hours)
        );
        vm.prank(slow.account);
        market.acceptJob(job);
        vm.prank(alice.account);
        market.acceptJob(job);
        assertEq(market.jobState(id).provider, alice.account, "the 60 s offer takes it");
    }

    function test_acceptJob_revertsForOpenJobPricedBelowOffer() public {
        (, Job memory job) = _create(address(0), PRICE - 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                OfferPriceAboveJobPrice.selector, alice.account, modelId, uint256(PRICE), uint256(PRICE - 1)
            )
        );
        vm.prank(alice.account);
        market.acceptJob(job);
    }

    // ================================================================== submitResult

    function test_submitResult_relayedByAnyone() public {
        (JobId id, Job memory job) = _accepted(alice);
        vm.warp(block.timestamp + 10 minutes);
        bytes memory sig = _sign(alice.signerKey, id, job, OUT, alice.account);

        vm.expectEmit(address(market));
        emit ResultSubmitted(id, alice.account, OUT, _r(sig), _vs(sig));
        vm.prank(stranger);
        market.submitResult(job, OUT, sig);

        JobState memory st = market.jobState(id);
        assertEq(uint256(st.status), uint256(JobStatus.Submitted), "status");
        assertEq(st.timestamp, block.timestamp, "window starts now");
        assertEq(st.provider, alice.account, "provider kept");
        _assertProvider(alice.account, STAKE, COLLATERAL, 0);
    }

    function test_submitResult_revertsWhenNotAccepted() public {
        (JobId id, Job memory job) = _create(alice.account, PRICE);
        bytes memory sig = _sign(alice.signerKey, id, job, OUT, alice.account);
        vm.expectRevert(abi.encodeWithSelector(JobWrongStatus.selector, id, JobStatus.Created));
        market.submitResult(job, OUT, sig);
    }

    function test_submitResult_revertsWhenAlreadySubmitted() public {
        (JobId id, Job memory job) = _submitted(alice, OUT);
        bytes memory sig = _sign(alice.signerKey, id, job, OUT_B, alice.account);
        vm.expectRevert(abi.encodeWithSelector(JobWrongStatus.selector, id, JobStatus.Submitted));
        market.submitResult(job, OUT_B, sig);
    }

    function test_submitResult_revertsAfterDeadline() public {
        (JobId id, Job memory job) = _accepted(alice);
        bytes memory sig = _sign(alice.signerKey, id, job, OUT, alice.account);
        vm.warp(uint256(job.deadline) + 1);
        vm.expectRevert(abi.encodeWithSelector(JobDeadlinePassed.selector, id, job.deadline, block.timestamp));
        market.submitResult(job, OUT, sig);
    }

    function test_submitResult_succeedsAtDeadline() public {
        (JobId id, Job memory job) = _accepted(alice);
        vm.warp(job.deadline);
        _submit(alice, id, job, OUT);
        _assertStatus(id, JobStatus.Submitted, "submitted at the deadline");
    }

    function test_submitResult_revertsForMalformedSignature() public {
        (JobId id, Job memory job) = _accepted(alice);
        bytes memory sig = _sign(alice.signerKey, id, job, OUT, alice.account);
        bytes memory short = new bytes(64);
        for (uint256 i; i < 64; ++i) {
            short[i] = sig[i];
        }
        vm.expectRevert(abi.encodeWithSelector(AttestationInvalidSignature.selector, id));
        market.submitResult(job, OUT, short);
    }

    function test_submitResult_revertsForWrongSigner() public {
        ProviderKey memory bob = _provider("bob", STAKE);
        (JobId id, Job memory job) = _accepted(alice);
        bytes memory sig = _sign(bob.signerKey, id, job, OUT, alice.account);
        vm.expectRevert(abi.encodeWithSelector(AttestationWrongSigner.selector, id, bob.signer, alice.signer));
        market.submitResult(job, OUT, sig);
    }

    function test_submitResult_revertsForSignatureOfOtherOutput() public {
        (JobId id, Job memory job) = _accepted(alice);
        bytes memory sig = _sign(alice.signerKey, id, job, OUT, alice.account);
        address recovered = _recovered(id, job, OUT_B, alice.account, sig);
        vm.expectRevert(abi.encodeWithSelector(AttestationWrongSigner.selector, id, recovered, alice.signer));
        market.submitResult(job, OUT_B, sig);
    }

    /// @dev Two providers share one signer key; an attestation names its provider, so one cannot be
    ///      credited with the other's work.
    function test_submitResult_revertsForAttestationNamingOtherProvider() public {
        address carol = makeAddr("carol");
        token.transfer(carol, STAKE);
        vm.startPrank(carol);
        market.registerProvider(alice.signer, "");
        token.approve(address(market), type(uint256).max);
        market.stake(STAKE);
        market.setOffer(modelId, address(usdc), PRICE, 60, true);
        vm.stopPrank();
        (JobId id, Job memory job) = _create(address(0), PRICE);
        vm.prank(carol);
        market.acceptJob(job);

        bytes memory forAlice = _sign(alice.signerKey, id, job, OUT, alice.account);
        address recovered = _recovered(id, job, OUT, carol, forAlice);
        vm.expectRevert(abi.encodeWithSelector(AttestationWrongSigner.selector, id, recovered, alice.signer));
        market.submitResult(job, OUT, forAlice);

        bytes memory forCarol = _sign(alice.signerKey, id, job, OUT, carol);
        market.submitResult(job, OUT, forCarol);
        _assertStatus(id, JobStatus.Submitted, "the attestation naming carol works");
    }

    function test_submitResult_revertsForPreviousSignerAfterRotation() public {
        (JobId id, Job memory job) = _accepted(alice);
        uint256 newKey = uint256(keccak256("alice new signer"));
        address newSigner = vm.addr(newKey);
        vm.prank(alice.account);
        market.updateProvider(newSigner, "");

        bytes memory oldSig = _sign(alice.signerKey, id, job, OUT, alice.account);
        vm.expectRevert(abi.encodeWithSelector(AttestationWrongSigner.selector, id, alice.signer, newSigner));
        market.submitResult(job, OUT, oldSig);

        bytes memory newSig = _sign(newKey, id, job, OUT, alice.account);
        market.submitResult(job, OUT, newSig);
        _assertStatus(id, JobStatus.Submitted, "new key works");
    }

    function test_submitResult_worksWhilePaused() public {
        (JobId id, Job memory job) = _accepted(alice);
        _pause();
        _submit(alice, id, job, OUT);
        _assertStatus(id, JobStatus.Submitted, "exits stay open");
    }

    // ================================================================== acceptAndSubmit

    function test_acceptAndSubmit_relayedByThirdParty() public {
        (JobId id, Job memory job) = _create(alice.account, PRICE);
        bytes memory sig = _sign(alice.signerKey, id, job, OUT, alice.account);

        vm.expectEmit(address(market));
        emit ResultSubmitted(id, alice.account, OUT, _r(sig), _vs(sig));
        vm.recordLogs();
        vm.prank(stranger);
        market.acceptAndSubmit(job, OUT, sig);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs.length, 1, "one event only");
        assertEq(logs[0].topics[0], ResultSubmitted.selector, "ResultSubmitted without JobAccepted marks this path");

        JobState memory st = market.jobState(id);
        assertEq(uint256(st.status), uint256(JobStatus.Submitted), "status");
        assertEq(st.provider, alice.account, "provider");
        assertEq(st.timestamp, block.timestamp, "window starts now");
        _assertProvider(alice.account, STAKE, COLLATERAL, 0);
    }

    function test_acceptAndSubmit_revertsWhenPaused() public {
        (JobId id, Job memory job) = _create(alice.account, PRICE);
        bytes memory sig = _sign(alice.signerKey, id, job, OUT, alice.account);
        _pause();
        vm.expectRevert(abi.encodeWithSelector(EnforcedPause.selector));
        market.acceptAndSubmit(job, OUT, sig);
    }

    function test_acceptAndSubmit_revertsWhenNotCreated() public {
        (JobId id, Job memory job) = _accepted(alice);
        bytes memory sig = _sign(alice.signerKey, id, job, OUT, alice.account);
        vm.expectRevert(abi.encodeWithSelector(JobWrongStatus.selector, id, JobStatus.Accepted));
        market.acceptAndSubmit(job, OUT, sig);
    }

    function test_acceptAndSubmit_revertsForOpenJob() public {
        (JobId id, Job memory job) = _create(address(0), PRICE);
        bytes memory sig = _sign(alice.signerKey, id, job, OUT, alice.account);
        vm.expectRevert(abi.encodeWithSelector(JobNotDirect.selector, id));
        market.acceptAndSubmit(job, OUT, sig);
    }

    function test_acceptAndSubmit_revertsAfterDeadline() public {
        (JobId id, Job memory job) = _create(alice.account, PRICE);
        bytes memory sig = _sign(alice.signerKey, id, job, OUT, alice.account);
        vm.warp(uint256(job.deadline) + 1);
        vm.expectRevert(abi.encodeWithSelector(JobDeadlinePassed.selector, id, job.deadline, block.timestamp));
        market.acceptAndSubmit(job, OUT, sig);
    }

    function test_acceptAndSubmit_revertsForUnregisteredProvider() public {
        uint256 key = uint256(keccak256("stranger key"));
        (JobId id, Job memory job) = _create(stranger, PRICE);
        bytes memory sig = _sign(key, id, job, OUT, stranger);
        vm.expectRevert(abi.encodeWithSelector(ProviderNotRegistered.selector, stranger));
        market.acceptAndSubmit(job, OUT, sig);
    }

    function test_acceptAndSubmit_revertsWhenProviderJailed() public {
        uint256 until = _jailByFraud(alice);
        (JobId id, Job memory job) = _create(alice.account, PRICE);
        bytes memory sig = _sign(alice.signerKey, id, job, OUT, alice.account);
        vm.expectRevert(abi.encodeWithSelector(ProviderInJail.selector, alice.account, until));
        market.acceptAndSubmit(job, OUT, sig);
    }

    function test_acceptAndSubmit_revertsBelowMinStake() public {
        ProviderKey memory low = _provider("low", 50 * TOKEN);
        (JobId id, Job memory job) = _create(low.account, PRICE);
        bytes memory sig = _sign(low.signerKey, id, job, OUT, low.account);
        vm.expectRevert(
            abi.encodeWithSelector(ProviderBelowMinStake.selector, low.account, 50 * TOKEN, uint256(MIN_STAKE))
        );
        market.acceptAndSubmit(job, OUT, sig);
    }

    function test_acceptAndSubmit_revertsWhenFreeStakeShort() public {
        ProviderKey memory mid = _provider("mid", 110 * TOKEN);
        (JobId id, Job memory job) = _create(mid.account, uint96(12 * USDC)); // collateral 120
        bytes memory sig = _sign(mid.signerKey, id, job, OUT, mid.account);
        vm.expectRevert(abi.encodeWithSelector(StakeInsufficientFree.selector, mid.account, 120 * TOKEN, 110 * TOKEN));
        market.acceptAndSubmit(job, OUT, sig);
    }

    function test_acceptAndSubmit_revertsForWrongSigner() public {
        ProviderKey memory bob = _provider("bob", STAKE);
        (JobId id, Job memory job) = _create(alice.account, PRICE);
        bytes memory sig = _sign(bob.signerKey, id, job, OUT, alice.account);
        vm.expectRevert(abi.encodeWithSelector(AttestationWrongSigner.selector, id, bob.signer, alice.signer));
        market.acceptAndSubmit(job, OUT, sig);
        _assertProvider(alice.account, STAKE, 0, 0);
    }

    function test_acceptAndSubmit_revertsForInvalidSignature() public {
        (JobId id, Job memory job) = _create(alice.account, PRICE);
        bytes memory sig = _sign(alice.signerKey, id, job, OUT, alice.account);
        sig[64] = bytes1(uint8(0)); // v = 0
        vm.expectRevert(abi.encodeWithSelector(AttestationInvalidSignature.selector, id));
        market.acceptAndSubmit(job, OUT, sig);
    }

    // ================================================================== finalizeJob

    function test_finalizeJob_byClientEarly() public {
        (JobId id, Job memory job) = _submitted(alice, OUT);
        vm.expectEmit(address(market));
        emit JobFinalized(id, alice.account);
        vm.prank(client);
        market.finalizeJob(job);

        JobState memory st = market.jobState(id);
        assertEq(uint256(st.status), uint256(JobStatus.Finalized), "status");
        assertEq(st.timestamp, block.timestamp, "settled at");
        assertEq(market.claimable(alice.account, address(usdc)), PAYOUT, "provider payout");
        assertEq(market.feesOwed(alice.account, address(usdc)), FEE, "fee owed by the provider");
        assertEq(market.treasuryAccrued(address(usdc)), 0, "not collected yet");
        assertEq(market.claimable(client, address(usdc)), 0, "no refund");
        _assertProvider(alice.account, STAKE, 0, 0);
        assertEq(usdc.balanceOf(address(market)), PRICE, "tokens stay until claimed");
    }

    function test_finalizeJob_byAnyoneAfterWindow() public {
        (JobId id, Job memory job) = _submitted(alice, OUT);
        vm.warp(block.timestamp + WINDOW + 1);
        vm.expectEmit(address(market));
        emit JobFinalized(id, alice.account);
        vm.prank(stranger);
        market.finalizeJob(job);
        _assertStatus(id, JobStatus.Finalized, "finalized");
        assertEq(market.claimable(alice.account, address(usdc)), PAYOUT, "provider payout");
        assertEq(market.feesOwed(alice.account, address(usdc)), FEE, "fee owed");
        _assertProvider(alice.account, STAKE, 0, 0);
    }

    function test_finalizeJob_revertsWhileWindowOpen() public {
        (JobId id, Job memory job) = _submitted(alice, OUT);
        uint256 endsAt = block.timestamp + WINDOW;
        vm.warp(endsAt);
        vm.expectRevert(abi.encodeWithSelector(JobChallengeWindowOpen.selector, id, endsAt, endsAt));
        vm.prank(stranger);
        market.finalizeJob(job);
    }

    function test_finalizeJob_revertsForProviderWhileWindowOpen() public {
        (JobId id, Job memory job) = _submitted(alice, OUT);
        uint256 endsAt = block.timestamp + WINDOW;
        vm.expectRevert(abi.encodeWithSelector(JobChallengeWindowOpen.selector, id, endsAt, block.timestamp));
        vm.prank(alice.account);
        market.finalizeJob(job);
    }

    function test_finalizeJob_revertsWhenNotSubmitted() public {
        (JobId id, Job memory job) = _accepted(alice);
        vm.expectRevert(abi.encodeWithSelector(JobWrongStatus.selector, id, JobStatus.Accepted));
        vm.prank(client);
        market.finalizeJob(job);
    }

    function test_finalizeJob_revertsWhenDisputed() public {
        (JobId id, Job memory job) = _disputed(alice);
        vm.warp(block.timestamp + WINDOW + 1);
        vm.expectRevert(abi.encodeWithSelector(JobWrongStatus.selector, id, JobStatus.Disputed));
        vm.prank(client);
        market.finalizeJob(job);
    }

    function test_finalizeJob_revertsWhenAlreadyFinalized() public {
        (JobId id, Job memory job) = _submitted(alice, OUT);
        vm.prank(client);
        market.finalizeJob(job);
        vm.expectRevert(abi.encodeWithSelector(JobWrongStatus.selector, id, JobStatus.Finalized));
        vm.prank(client);
        market.finalizeJob(job);
        assertEq(market.claimable(alice.account, address(usdc)), PAYOUT, "paid once");
    }

    function test_finalizeJob_worksWhilePaused() public {
        (JobId id, Job memory job) = _submitted(alice, OUT);
        _pause();
        vm.prank(client);
        market.finalizeJob(job);
        _assertStatus(id, JobStatus.Finalized, "exits stay open");
    }

    // ================================================================== finalizeJobs

    function test_finalizeJobs_revertsForEmptyBatch() public {
        Job[] memory jobs = new Job[](0);
        vm.expectRevert(abi.encodeWithSelector(BatchEmpty.selector));
        market.finalizeJobs(jobs);
    }

    function test_finalizeJobs_revertsForBatchTooLarge() public {
        Job[] memory jobs = new Job[](257);
        vm.expectRevert(abi.encodeWithSelector(BatchTooLarge.selector, uint256(257), uint256(256)));
        market.finalizeJobs(jobs);
    }

    function test_finalizeJobs_creditsEachProviderExactly() public {
        ProviderKey memory bob = _provider("bob", STAKE);
        Job[] memory jobs = new Job[](4);
        JobId[] memory ids = new JobId[](4);
        (ids[0], jobs[0]) = _submitted(alice, OUT);
        (ids[1], jobs[1]) = _submitted(alice, OUT);
        (ids[2], jobs[2]) = _submitted(bob, OUT);
        (ids[3], jobs[3]) = _submitted(alice, OUT); // alice again: a second run
        vm.warp(block.timestamp + WINDOW + 1);

        vm.expectEmit(address(market));
        emit JobsFinalized(ids); // one event for the batch, in order
        vm.prank(stranger);
        market.finalizeJobs(jobs);

        for (uint256 i; i < 4; ++i) {
            _assertStatus(ids[i], JobStatus.Finalized, "finalized");
        }
        assertEq(market.claimable(alice.account, address(usdc)), 3 * PAYOUT, "alice: three payouts");
        assertEq(market.claimable(bob.account, address(usdc)), PAYOUT, "bob: one payout");
        assertEq(market.feesOwed(alice.account, address(usdc)), 3 * FEE, "alice owes three fees");
        assertEq(market.feesOwed(bob.account, address(usdc)), FEE, "bob owes one fee");
        _assertProvider(alice.account, STAKE, 0, 0);
        _assertProvider(bob.account, STAKE, 0, 0);
    }

    function test_finalizeJobs_byClientEarly() public {
        Job[] memory jobs = new Job[](2);
        (, jobs[0]) = _submitted(alice, OUT);
        (, jobs[1]) = _submitted(alice, OUT);
        vm.prank(client);
        market.finalizeJobs(jobs);
        assertEq(market.claimable(alice.account, address(usdc)), 2 * PAYOUT, "paid");
        _assertProvider(alice.account, STAKE, 0, 0);
    }

    function test_finalizeJobs_revertsWholeBatchIfOneCannotSettle() public {
        Job[] memory jobs = new Job[](2);
        JobId[] memory ids = new JobId[](2);
        (ids[0], jobs[0]) = _submitted(alice, OUT);
        vm.warp(block.timestamp + WINDOW + 1);
        (ids[1], jobs[1]) = _submitted(alice, OUT); // window still open
        uint256 endsAt = block.timestamp + WINDOW;
        vm.expectRevert(abi.encodeWithSelector(JobChallengeWindowOpen.selector, ids[1], endsAt, block.timestamp));
        vm.prank(stranger);
        market.finalizeJobs(jobs);
        _assertStatus(ids[0], JobStatus.Submitted, "first job not settled either");
        assertEq(market.claimable(alice.account, address(usdc)), 0, "nothing paid");
    }

    /// @dev The same job twice used to revert the whole batch; the second copy is now skipped, and the
    ///      job is paid once.
    function test_finalizeJobs_skipsDuplicateJob() public {
        Job[] memory jobs = new Job[](2);
        JobId id;
        (id, jobs[0]) = _submitted(alice, OUT);
        jobs[1] = jobs[0];
        JobId[] memory done = new JobId[](1);
        done[0] = id;
        vm.expectEmit(address(market));
        emit JobFinalizeSkipped(id, JobStatus.Finalized);
        vm.expectEmit(address(market));
        emit JobsFinalized(done);
        vm.prank(client);
        assertEq(market.finalizeJobs(jobs), 1, "finalized once");
        assertEq(market.claimable(alice.account, address(usdc)), PAYOUT, "paid once");
        assertEq(market.feesOwed(alice.account, address(usdc)), FEE, "fee once");
        _assertProvider(alice.account, STAKE, 0, 0);
    }

    /// @dev A keeper's batch built before some of its jobs were settled (finalized early by the client,
    ///      disputed, slashed) still settles the rest instead of reverting.
    function test_finalizeJobs_skipsJobsSettledSinceBatchWasBuilt() public {
        Job[] memory jobs = new Job[](4);
        JobId[] memory ids = new JobId[](4);
        (ids[0], jobs[0]) = _submitted(alice, OUT);
        (ids[1], jobs[1]) = _submitted(alice, OUT);
        (ids[2], jobs[2]) = _submitted(alice, OUT);
        (ids[3], jobs[3]) = _submitted(alice, OUT);
        vm.prank(client);
        market.finalizeJob(jobs[1]); // finalized early
        vm.prank(challenger);
        market.openDispute(jobs[2], ""); // disputed
        market.reportEquivocation(
            jobs[3],
            OUT,
            _sign(alice.signerKey, ids[3], jobs[3], OUT, alice.account),
            OUT_B,
            _sign(alice.signerKey, ids[3], jobs[3], OUT_B, alice.account)
        ); // slashed
        vm.warp(block.timestamp + WINDOW + 1);

        JobId[] memory done = new JobId[](1);
        done[0] = ids[0];
        vm.expectEmit(address(market));
        emit JobFinalizeSkipped(ids[1], JobStatus.Finalized);
        vm.expectEmit(address(market));
        emit JobFinalizeSkipped(ids[2], JobStatus.Disputed);
        vm.expectEmit(address(market));
        emit JobFinalizeSkipped(ids[3], JobStatus.Slashed);
        vm.expectEmit(address(market));
        emit JobsFinalized(done); // only the job that was still Submitted
        vm.prank(stranger);
        assertEq(market.finalizeJobs(jobs), 1, "one finalized, three skipped");

        _assertStatus(ids[0], JobStatus.Finalized, "finalized");
        _assertStatus(ids[2], JobStatus.Disputed, "the dispute is untouched");
        assertEq(market.claimable(alice.account, address(usdc)), 2 * PAYOUT, "early + batch, nothing twice");
        _assertProvider(alice.account, STAKE - COLLATERAL, COLLATERAL, 0); // the disputed job's lock stays
    }

    /// @dev Terms that match no job are a caller's mistake, not a race: they still revert the batch.
    function test_finalizeJobs_revertsForUnknownJob() public {
        Job[] memory jobs = new Job[](2);
        (, jobs[0]) = _submitted(alice, OUT);
        jobs[1] = abi.decode(abi.encode(jobs[0]), (Job)); // a copy, not an alias
        jobs[1].nonce += 1; // never created
        vm.expectRevert(abi.encodeWithSelector(JobUnknown.selector, _id(jobs[1])));
        vm.prank(client);
        market.finalizeJobs(jobs);
        _assertStatus(_id(jobs[0]), JobStatus.Submitted, "nothing settled");
    }

    // ================================================================== expireJob

    function test_expireJob_createdAfterDeadlineRefundsClient() public {
        (JobId id, Job memory job) = _create(alice.account, PRICE);
        vm.warp(uint256(job.deadline) + 1);
        vm.expectEmit(address(market));
        emit JobExpired(id, client, PRICE, 0);
        vm.prank(stranger);
        market.expireJob(job);

        JobState memory st = market.jobState(id);
        assertEq(uint256(st.status), uint256(JobStatus.Expired), "status");
        assertEq(st.timestamp, block.timestamp, "settled at");
        assertEq(market.claimable(client, address(usdc)), PRICE, "refund");
        assertEq(market.claimable(client, address(token)), 0, "no slash");
        _assertProvider(alice.account, STAKE, 0, 0);
    }

    function test_expireJob_revertsForCreatedBeforeDeadline() public {
        (JobId id, Job memory job) = _create(alice.account, PRICE);
        vm.warp(job.deadline);
        vm.expectRevert(abi.encodeWithSelector(JobDeadlineNotReached.selector, id, job.deadline, block.timestamp));
        market.expireJob(job);
    }

    function test_expireJob_acceptedAfterDeadlineSlashesLiveness() public {
        (JobId id, Job memory job) = _accepted(alice);
        vm.warp(uint256(job.deadline) + 1);
        vm.expectEmit(address(market));
        emit ProviderSlashed(alice.account, id, LIVENESS);
        vm.expectEmit(address(market));
        emit JobExpired(id, client, PRICE, LIVENESS);
        vm.prank(stranger);
        market.expireJob(job);

        _assertStatus(id, JobStatus.Expired, "expired");
        assertEq(market.claimable(client, address(usdc)), PRICE, "price refunded");
        assertEq(market.claimable(client, address(token)), LIVENESS_TO_CLIENT, "client: challengerShare of the slash");
        assertEq(market.treasuryAccrued(address(token)), LIVENESS - LIVENESS_TO_CLIENT, "treasury: the rest");
        _assertProvider(alice.account, STAKE - LIVENESS, 0, 0);
        ProviderInfo memory info = market.provider(alice.account);
        assertEq(info.livenessMisses, 1, "one miss");
        assertEq(info.missWindowStart, block.timestamp, "miss window starts");
        assertEq(info.jailedUntil, 0, "not jailed");
    }

    function test_expireJob_revertsForAcceptedBeforeDeadline() public {
        (JobId id, Job memory job) = _accepted(alice);
        vm.warp(job.deadline);
        vm.expectRevert(abi.encodeWithSelector(JobDeadlineNotReached.selector, id, job.deadline, block.timestamp));
        market.expireJob(job);
    }

    function test_expireJob_thirdMissIn24hJailsProvider() public {
        for (uint256 i; i < 3; ++i) {
            (JobId id, Job memory job) = _accepted(alice);
            vm.warp(uint256(job.deadline) + 1);
            if (i == 2) {
                vm.expectEmit(address(market));
                emit ProviderJailed(alice.account, block.timestamp + 24 hours);
                vm.expectEmit(address(market));
                emit ProviderSlashed(alice.account, id, LIVENESS);
            }
            market.expireJob(job);
        }
        ProviderInfo memory info = market.provider(alice.account);
        assertEq(info.jailedUntil, block.timestamp + 24 hours, "jailed 24 h");
        assertEq(info.livenessMisses, 0, "count reset");
        assertEq(info.staked, STAKE - 3 * LIVENESS, "three slashes");
        assertEq(market.claimable(client, address(token)), 3 * LIVENESS_TO_CLIENT, "client got its shares");
        assertEq(market.treasuryAccrued(address(token)), 3 * (LIVENESS - LIVENESS_TO_CLIENT), "treasury the rest");
    }

    function test_expireJob_missesOutside24hDoNotJail() public {
        for (uint256 i; i < 3; ++i) {
            if (i == 2) vm.warp(market.provider(alice.account).missWindowStart + 24 hours + 1);
            (, Job memory job) = _accepted(alice);
            vm.warp(uint256(job.deadline) + 1);
            market.expireJob(job);
        }
        ProviderInfo memory info = market.provider(alice.account);
        assertEq(info.jailedUntil, 0, "not jailed");
        assertEq(info.livenessMisses, 1, "new window, one miss");
        assertEq(info.missWindowStart, block.timestamp, "window restarted");
    }

    /// @dev A jailed provider's job used to be released at once, with no slash: a jail the provider
    ///      brought on itself waived the liveness slash. Now a jail changes nothing: not at the jail,
    ///      not at the deadline, and one second past the deadline the job expires with the slash.
    function test_expireJob_revertsForJailedProviderBeforeDeadline() public {
        (JobId id, Job memory job) = _accepted(alice);
        _jailByFraud(alice); // another job: alice loses its collateral and is jailed
        vm.expectRevert(abi.encodeWithSelector(JobDeadlineNotReached.selector, id, job.deadline, block.timestamp));
        vm.prank(stranger);
        market.expireJob(job);
        vm.warp(job.deadline);
        vm.expectRevert(abi.encodeWithSelector(JobDeadlineNotReached.selector, id, job.deadline, block.timestamp));
        vm.prank(stranger);
        market.expireJob(job);
        _assertProvider(alice.account, STAKE - COLLATERAL, COLLATERAL, 0);

        vm.warp(uint256(job.deadline) + 1);
        vm.expectEmit(address(market));
        emit ProviderSlashed(alice.account, id, LIVENESS);
        vm.expectEmit(address(market));
        emit JobExpired(id, client, PRICE, LIVENESS);
        vm.prank(stranger);
        market.expireJob(job);

        _assertStatus(id, JobStatus.Expired, "expired");
        _assertProvider(alice.account, STAKE - COLLATERAL - LIVENESS, 0, 0);
        assertEq(market.claimable(client, address(usdc)), 2 * PRICE, "this refund + the fraud refund");
        assertEq(market.claimable(client, address(token)), LIVENESS_TO_CLIENT, "client share of the liveness slash");
        assertEq(market.provider(alice.account).livenessMisses, 1, "the miss counts");
    }

    /// @dev Until its deadline a jailed provider may still deliver the job it accepted (the jail only
    ///      stops new acceptances); once delivered, it cannot be expired.
    function test_expireJob_jailedProviderCanStillDeliverAtDeadline() public {
        (JobId id, Job memory job) = _accepted(alice);
        _jailByFraud(alice);
        vm.warp(job.deadline);
        _submit(alice, id, job, OUT);
        _assertStatus(id, JobStatus.Submitted, "delivered while jailed");
        vm.warp(uint256(job.deadline) + 1);
        vm.expectRevert(abi.encodeWithSelector(JobWrongStatus.selector, id, JobStatus.Submitted));
        market.expireJob(job);
    }

    function test_expireJob_revertsForOtherStatuses() public {
        // None
        JobRequest memory r = _request(alice.account, PRICE);
        Job memory never = _expectedJob(client, r);
        vm.warp(uint256(never.deadline) + 1);
        vm.expectRevert(abi.encodeWithSelector(JobUnknown.selector, _id(never)));
        market.expireJob(never);

        // Submitted, Disputed, Finalized, Cancelled, Slashed
        (JobId sub, Job memory subJob) = _submitted(alice, OUT);
        (JobId dis, Job memory disJob) = _disputed(alice);
        (JobId fin, Job memory finJob) = _submitted(alice, OUT);
        vm.prank(client);
        market.finalizeJob(finJob);
        (JobId can, Job memory canJob) = _create(alice.account, PRICE);
        vm.prank(client);
        market.cancelJob(canJob);
        (JobId sla, Job memory slaJob) = _disputed(alice);
        _rule(slaJob, Outcome.Upheld);
        vm.warp(block.timestamp + JOB_DURATION + 1); // past every deadline

        vm.expectRevert(abi.encodeWithSelector(JobWrongStatus.selector, sub, JobStatus.Submitted));
        market.expireJob(subJob);
        vm.expectRevert(abi.encodeWithSelector(JobWrongStatus.selector, dis, JobStatus.Disputed));
        market.expireJob(disJob);
        vm.expectRevert(abi.encodeWithSelector(JobWrongStatus.selector, fin, JobStatus.Finalized));
        market.expireJob(finJob);
        vm.expectRevert(abi.encodeWithSelector(JobWrongStatus.selector, can, JobStatus.Cancelled));
        market.expireJob(canJob);
        vm.expectRevert(abi.encodeWithSelector(JobWrongStatus.selector, sla, JobStatus.Slashed));
        market.expireJob(slaJob);

        // Expired
        (JobId exp, Job memory expJob) = _create(alice.account, PRICE);
        vm.warp(uint256(expJob.deadline) + 1);
        market.expireJob(expJob);
        vm.expectRevert(abi.encodeWithSelector(JobWrongStatus.selector, exp, JobStatus.Expired));
        market.expireJob(expJob);
    }

    // ================================================================== cancelJob

    function test_cancelJob_refundsClient() public {
        (JobId id, Job memory job) = _create(alice.account, PRICE);
        vm.expectEmit(address(market));
        emit JobCancelled(id, client, PRICE);
        vm.prank(client);
        market.cancelJob(job);

        JobState memory st = market.jobState(id);
        assertEq(uint256(st.status), uint256(JobStatus.Cancelled), "status");
        assertEq(st.timestamp, block.timestamp, "settled at");
        assertEq(market.claimable(client, address(usdc)), PRICE, "refund");
    }

    function test_cancelJob_worksAfterDeadlineAndWhilePaused() public {
        (JobId id, Job memory job) = _create(address(0), PRICE);
        vm.warp(uint256(job.deadline) + 1);
        _pause();
        vm.prank(client);
        market.cancelJob(job);
        _assertStatus(id, JobStatus.Cancelled, "cancelled");
        assertEq(market.claimable(client, address(usdc)), PRICE, "refund");
    }

    function test_cancelJob_revertsForNonClient() public {
        (JobId id, Job memory job) = _create(alice.account, PRICE);
        vm.expectRevert(abi.encodeWithSelector(JobNotClient.selector, id, alice.account, client));
        vm.prank(alice.account);
        market.cancelJob(job);
    }

    function test_cancelJob_revertsWhenNotCreated() public {
        (JobId id, Job memory job) = _accepted(alice);
        vm.expectRevert(abi.encodeWithSelector(JobWrongStatus.selector, id, JobStatus.Accepted));
        vm.prank(client);
        market.cancelJob(job);
        _assertProvider(alice.account, STAKE, COLLATERAL, 0);
        assertEq(market.claimable(client, address(usdc)), 0, "no refund");
    }
}
