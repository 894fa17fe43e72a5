// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessManager} from "@openzeppelin/contracts/access/manager/AccessManager.sol";
import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {GovernorCountingSimple} from "@openzeppelin/contracts/governance/extensions/GovernorCountingSimple.sol";
import {Votes} from "@openzeppelin/contracts/governance/utils/Votes.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

import {DepinferGovernor} from "../../contracts/governance/DepinferGovernor.sol";
import {DepinferTimelock} from "../../contracts/governance/DepinferTimelock.sol";
import {DepinferToken} from "../../contracts/governance/DepinferToken.sol";
import {Roles} from "../../contracts/governance/Roles.sol";
import {SigUtils} from "./utils/SigUtils.sol";
import {Test} from "./utils/Test.sol";

/// @dev Values shared by the governance suites. Times are in seconds: the token's clock is the
///      block timestamp.
abstract contract GovernanceFixture is Test {
    uint256 internal constant START = 1_700_000_000;
    uint256 internal constant SUPPLY = 1_000_000_000e18;

    uint48 internal constant VOTING_DELAY = 1 days;
    uint32 internal constant VOTING_PERIOD = 1 weeks;
    uint256 internal constant PROPOSAL_THRESHOLD = 1_000_000e18; // 0.1% of the supply
    uint256 internal constant QUORUM_PERCENT = 4;
    uint256 internal constant TIMELOCK_DELAY = 2 days;

    uint256 internal constant ALICE_KEY = 0xA11CE;

    DepinferToken internal token;
    address internal alice;
    address internal bob = makeAddr("bob");
    address internal carol = makeAddr("carol");

    function _deployToken() internal {
        vm.warp(START);
        alice = vm.addr(ALICE_KEY);
        token = new DepinferToken("Depinfer", "DPI", alice, SUPPLY);
    }

    function _single(address account) internal pure returns (address[] memory accounts) {
        accounts = new address[](1);
        accounts[0] = account;
    }
}

/// @notice DepinferToken: fixed supply, permits, timestamp-clocked votes.
contract DepinferTokenTest is GovernanceFixture {
    function setUp() public {
        _deployToken();
    }

    // --- constructor ---

    function test_constructor_mintsSupplyToHolder() public view {
        assertEq(token.totalSupply(), SUPPLY, "total supply");
        assertEq(token.balanceOf(alice), SUPPLY, "holder balance");
        assertEq(keccak256(bytes(token.name())), keccak256("Depinfer"), "name");
        assertEq(keccak256(bytes(token.symbol())), keccak256("DPI"), "symbol");
        assertEq(token.decimals(), 18, "decimals");
    }

    function test_constructor_revertsOnZeroHolder() public {
        vm.expectRevert(abi.encodeWithSelector(DepinferToken.DepinferTokenZeroHolder.selector));
        new DepinferToken("Depinfer", "DPI", address(0), SUPPLY);
    }

    function testFuzz_constructor_mintsAnySupply(address holder, uint256 supply) public {
        vm.assume(holder != address(0));
        supply = bound(supply, 0, type(uint208).max);
        DepinferToken fresh = new DepinferToken("Depinfer", "DPI", holder, supply);
        assertEq(fresh.balanceOf(holder), supply, "holder balance");
        assertEq(fresh.totalSupply(), supply, "total supply");
    }

    // --- clock ---

    function test_clock_isBlockTimestamp() public {
        assertEq(token.clock(), START, "clock at start");
        vm.warp(START + 123 days);
        assertEq(token.clock(), START + 123 days, "clock after warp");
        assertEq(keccak256(bytes(token.CLOCK_MODE())), keccak256("mode=timestamp"), "clock mode");
    }

    // --- delegate / getVotes ---

    function test_getVotes_isZeroUntilDelegated() public view {
        assertEq(token.getVotes(alice), 0, "votes before delegation");
        assertEq(token.delegates(alice), address(0), "delegate");
    }

    function test_delegate_givesBalanceAsVotes() public {
        vm.prank(alice);
        token.delegate(bob);
        assertEq(token.delegates(alice), bob, "delegate");
        assertEq(token.getVotes(bob), SUPPLY, "delegatee votes");
        assertEq(token.getVotes(alice), 0, "delegator votes");
    }

    function test_delegateBySig_delegatesForSigner() public {
        uint256 expiry = START + 1 hours;
        bytes32 digest = SigUtils.delegationDigest(token.DOMAIN_SEPARATOR(), carol, 0, expiry);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(ALICE_KEY, digest);

        vm.prank(bob); // anyone may relay the signature
        token.delegateBySig(carol, 0, expiry, v, r, s);

        assertEq(token.delegates(alice), carol, "delegate");
        assertEq(token.getVotes(carol), SUPPLY, "delegatee votes");
        assertEq(token.nonces(alice), 1, "nonce used");
    }

    function testFuzz_transfer_movesVotesBetweenDelegates(uint256 amount) public {
        amount = bound(amount, 0, SUPPLY);
        vm.prank(alice);
        token.delegate(alice);
        vm.prank(bob);
        token.delegate(carol);

        vm.prank(alice);
        token.transfer(bob, amount);

        assertEq(token.getVotes(alice), SUPPLY - amount, "sender's delegate");
        assertEq(token.getVotes(carol), amount, "recipient's delegate");
        assertEq(token.getVotes(bob), 0, "recipient delegated away");
    }

    function test_getPastVotes_readsCheckpointsByTimestamp() public {
        vm.prank(alice);
        token.delegate(alice);

        vm.warp(START + 1 days);
        vm.prank(alice);
        token.transfer(bob, 100e18);

        vm.warp(START + 2 days);
        assertEq(token.getPastVotes(alice, START - 1), 0, "before delegation");
        assertEq(token.getPastVotes(alice, START), SUPPLY, "at delegation");
        assertEq(token.getPastVotes(alice, START + 1 days - 1), SUPPLY, "just before transfer");
        assertEq(token.getPastVotes(alice, START + 1 days), SUPPLY - 100e18, "at transfer");
        assertEq(token.getPastTotalSupply(START + 1 days), SUPPLY, "past total supply");
    }

    function test_getPastVotes_revertsOnFutureTimepoint() public {
        vm.expectRevert(abi.encodeWithSelector(Votes.ERC5805FutureLookup.selector, START, uint48(START)));
        token.getPastVotes(alice, START);
    }

    // --- permit ---

    function test_permit_setsAllowanceFromSignature() public {
        uint256 deadline = START + 1 hours;
        bytes32 digest = SigUtils.permitDigest(token, alice, bob, 500e18, deadline);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(ALICE_KEY, digest);

        token.permit(alice, bob, 500e18, deadline, v, r, s);

        assertEq(token.allowance(alice, bob), 500e18, "allowance");
        assertEq(token.nonces(alice), 1, "nonce used");
        vm.prank(bob);
        token.transferFrom(alice, bob, 500e18);
        assertEq(token.balanceOf(bob), 500e18, "spent");
    }

    function test_permit_revertsAfterDeadline() public {
        uint256 deadline = START - 1;
        bytes32 digest = SigUtils.permitDigest(token, alice, bob, 1, deadline);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(ALICE_KEY, digest);

        vm.expectRevert(abi.encodeWithSelector(ERC20Permit.ERC2612ExpiredSignature.selector, deadline));
        token.permit(alice, bob, 1, deadline, v, r, s);
    }

    function test_permit_revertsOnWrongSigner() public {
        uint256 wrongKey = 0xB0B;
        uint256 deadline = START + 1 hours;
        bytes32 digest = SigUtils.permitDigest(token, alice, bob, 1, deadline);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(wrongKey, digest);

        vm.expectRevert(
            abi.encodeWithSelector(ERC20Permit.ERC2612InvalidSigner.selector, vm.addr(wrongKey), alice)
        );
        token.permit(alice, bob, 1, deadline, v, r, s);
    }
}

/// @notice DepinferTimelock: the one-day floor on the minimum delay.
contract DepinferTimelockTest is GovernanceFixture {
    DepinferTimelock internal timelock;

    function setUp() public {
        vm.warp(START);
        // This test contract is the proposer, so it can schedule operations directly.
        timelock = new DepinferTimelock(TIMELOCK_DELAY, _single(address(this)), _single(address(0)), address(0));
    }

    // --- constructor ---

    function test_constructor_setsMinDelayAndRoles() public view {
        assertEq(timelock.getMinDelay(), TIMELOCK_DELAY, "min delay");
        assertEq(timelock.MIN_DELAY_FLOOR(), 1 days, "floor");
        assertTrue(timelock.hasRole(timelock.PROPOSER_ROLE(), address(this)), "proposer");
        assertTrue(timelock.hasRole(timelock.CANCELLER_ROLE(), address(this)), "canceller");
        assertTrue(timelock.hasRole(timelock.EXECUTOR_ROLE(), address(0)), "open executor");
        assertTrue(timelock.hasRole(timelock.DEFAULT_ADMIN_ROLE(), address(timelock)), "self-administered");
    }

    function test_constructor_acceptsFloor() public {
        DepinferTimelock fresh = new DepinferTimelock(1 days, new address[](0), new address[](0), address(0));
        assertEq(fresh.getMinDelay(), 1 days, "min delay");
    }

    function testFuzz_constructor_revertsBelowFloor(uint256 delay) public {
        delay = bound(delay, 0, 1 days - 1);
        vm.expectRevert(
            abi.encodeWithSelector(DepinferTimelock.DepinferTimelockDelayTooShort.selector, delay, 1 days)
        );
        new DepinferTimelock(delay, new address[](0), new address[](0), address(0));
    }

    // --- updateDelay ---

    function test_updateDelay_revertsWhenCallerIsNotTimelock() public {
        vm.expectRevert(abi.encodeWithSelector(TimelockController.TimelockUnauthorizedCaller.selector, address(this)));
        timelock.updateDelay(3 days);
    }

    function testFuzz_updateDelay_revertsBelowFloor(uint256 delay) public {
        delay = bound(delay, 0, 1 days - 1);
        vm.prank(address(timelock));
        vm.expectRevert(
            abi.encodeWithSelector(DepinferTimelock.DepinferTimelockDelayTooShort.selector, delay, 1 days)
        );
        timelock.updateDelay(delay);
    }

    function test_updateDelay_acceptsFloor() public {
        vm.prank(address(timelock));
        timelock.updateDelay(1 days);
        assertEq(timelock.getMinDelay(), 1 days, "min delay");
    }

    function test_updateDelay_updatesThroughScheduledOperation() public {
        bytes memory data = abi.encodeCall(DepinferTimelock.updateDelay, (5 days));
        timelock.schedule(address(timelock), 0, data, bytes32(0), bytes32(0), TIMELOCK_DELAY);

        vm.warp(START + TIMELOCK_DELAY);
        vm.expectEmit(address(timelock));
        emit TimelockController.MinDelayChange(TIMELOCK_DELAY, 5 days);
        timelock.execute(address(timelock), 0, data, bytes32(0), bytes32(0));

        assertEq(timelock.getMinDelay(), 5 days, "min delay");
    }

    function test_updateDelay_revertsBelowFloorThroughScheduledOperation() public {
        bytes memory data = abi.encodeCall(DepinferTimelock.updateDelay, (1 hours));
        timelock.schedule(address(timelock), 0, data, bytes32(0), bytes32(0), TIMELOCK_DELAY);

        vm.warp(START + TIMELOCK_DELAY);
        vm.expectRevert(
            abi.encodeWithSelector(DepinferTimelock.DepinferTimelockDelayTooShort.selector, 1 hours, 1 days)
        );
        timelock.execute(address(timelock), 0, data, bytes32(0), bytes32(0));
    }
}

/// @notice DepinferGovernor wired to the token and the timelock as in production.
/// @dev The proposal lifecycle under test:
///      when proposed, it is Pending until the snapshot (proposal time + voting delay) has passed;
///      then Active until the deadline (snapshot + voting period) has passed;
///      then Defeated if quorum (For + Abstain) is not reached or For <= Against, else Succeeded;
///      when queued, it is Queued, and can be executed once the timelock delay has passed;
///      when executed, it is Executed, or the execution reverts with the target's error.
contract DepinferGovernorTest is GovernanceFixture {
    DepinferTimelock internal timelock;
    DepinferGovernor internal governor;
    address internal guardian = makeAddr("guardian");

    function setUp() public {
        _deployToken();
        vm.prank(alice);
        token.delegate(alice);

        // Deployed with this contract as temporary admin, which wires the governor in and then
        // renounces, as the deployment script does.
        timelock = new DepinferTimelock(TIMELOCK_DELAY, new address[](0), _single(address(0)), address(this));
        governor = new DepinferGovernor(
            token, timelock, VOTING_DELAY, VOTING_PERIOD, PROPOSAL_THRESHOLD, QUORUM_PERCENT
        );
        timelock.grantRole(timelock.PROPOSER_ROLE(), address(governor));
        timelock.grantRole(timelock.CANCELLER_ROLE(), address(governor));
        timelock.grantRole(timelock.CANCELLER_ROLE(), guardian);
        timelock.renounceRole(timelock.DEFAULT_ADMIN_ROLE(), address(this));

        // Votes are read at `clock() - 1` when proposing: let the delegation settle.
        vm.warp(START + 1);
    }

    // --- constructor ---

    function test_constructor_setsParameters() public view {
        assertEq(keccak256(bytes(governor.name())), keccak256("DepinferGovernor"), "name");
        assertEq(address(governor.token()), address(token), "token");
        assertEq(governor.timelock(), address(timelock), "timelock");
        assertEq(governor.votingDelay(), VOTING_DELAY, "voting delay");
        assertEq(governor.votingPeriod(), VOTING_PERIOD, "voting period");
        assertEq(governor.proposalThreshold(), PROPOSAL_THRESHOLD, "proposal threshold");
        assertEq(governor.quorumNumerator(), QUORUM_PERCENT, "quorum numerator");
        assertFalse(timelock.hasRole(timelock.DEFAULT_ADMIN_ROLE(), address(this)), "deployer admin renounced");
    }

    function test_clock_followsTokenTimestampClock() public view {
        assertEq(governor.clock(), block.timestamp, "clock");
        assertEq(keccak256(bytes(governor.CLOCK_MODE())), keccak256("mode=timestamp"), "clock mode");
    }

    function test_quorum_isPercentOfPastSupply() public view {
        assertEq(governor.quorum(START), SUPPLY * QUORUM_PERCENT / 100, "quorum");
    }

    // --- propose ---

    function test_propose_setsSnapshotAndDeadlineInSeconds() public {
        (uint256 proposalId,,,,) = _proposeUpdateDelay(3 days);

        assertEq(governor.proposalSnapshot(proposalId), block.timestamp + VOTING_DELAY, "snapshot");
        assertEq(governor.proposalDeadline(proposalId), block.timestamp + VOTING_DELAY + VOTING_PERIOD, "deadline");
        assertEq(governor.proposalProposer(proposalId), alice, "proposer");
        assertTrue(governor.state(proposalId) == IGovernor.ProposalState.Pending, "pending");
    }

    function test_propose_revertsBelowThreshold() public {
        vm.prank(alice);
        token.transfer(bob, PROPOSAL_THRESHOLD - 1);
        vm.prank(bob);
        token.delegate(bob);
        vm.warp(block.timestamp + 1);

        (address[] memory targets, uint256[] memory values, bytes[] memory calldatas) = _updateDelayCall(3 days);
        vm.expectRevert(
            abi.encodeWithSelector(
                IGovernor.GovernorInsufficientProposerVotes.selector, bob, PROPOSAL_THRESHOLD - 1, PROPOSAL_THRESHOLD
            )
        );
        vm.prank(bob);
        governor.propose(targets, values, calldatas, "too small");
    }

    // --- castVote ---

    function test_castVote_revertsWhilePending() public {
        (uint256 proposalId,,,,) = _proposeUpdateDelay(3 days);
        vm.expectRevert(
            abi.encodeWithSelector(
                IGovernor.GovernorUnexpectedProposalState.selector,
                proposalId,
                IGovernor.ProposalState.Pending,
                bytes32(1 << uint8(IGovernor.ProposalState.Active))
            )
        );
        vm.prank(alice);
        governor.castVote(proposalId, uint8(GovernorCountingSimple.VoteType.For));
    }

    function test_castVote_countsWeightAtSnapshot() public {
        (uint256 proposalId,,,,) = _proposeUpdateDelay(3 days);
        vm.warp(governor.proposalSnapshot(proposalId) + 1);

        // Tokens moved after the snapshot do not change the vote's weight.
        vm.prank(alice);
        token.transfer(bob, SUPPLY / 2);

        vm.prank(alice);
        governor.castVote(proposalId, uint8(GovernorCountingSimple.VoteType.For));

        (uint256 against, uint256 forVotes, uint256 abstain) = governor.proposalVotes(proposalId);
        assertEq(forVotes, SUPPLY, "for");
        assertEq(against, 0, "against");
        assertEq(abstain, 0, "abstain");
        assertTrue(governor.hasVoted(proposalId, alice), "has voted");
    }

    // --- state ---

    function test_state_isDefeatedWithoutQuorum() public {
        uint256 belowQuorum = SUPPLY * QUORUM_PERCENT / 100 - 1;
        vm.prank(alice);
        token.transfer(bob, belowQuorum);
        vm.prank(bob);
        token.delegate(bob);
        vm.warp(block.timestamp + 1);

        (uint256 proposalId,,,,) = _proposeUpdateDelay(3 days);
        vm.warp(governor.proposalSnapshot(proposalId) + 1);
        vm.prank(bob);
        governor.castVote(proposalId, uint8(GovernorCountingSimple.VoteType.For));

        vm.warp(governor.proposalDeadline(proposalId) + 1);
        assertTrue(governor.state(proposalId) == IGovernor.ProposalState.Defeated, "defeated");
    }

    // --- full lifecycle ---

    function test_execute_runsPassedProposalThroughTimelock() public {
        // One proposal, two governance actions: raise the timelock delay, lengthen the voting period.
        address[] memory targets = new address[](2);
        uint256[] memory values = new uint256[](2);
        bytes[] memory calldatas = new bytes[](2);
        targets[0] = address(timelock);
        calldatas[0] = abi.encodeCall(DepinferTimelock.updateDelay, (3 days));
        targets[1] = address(governor);
        calldatas[1] = abi.encodeCall(governor.setVotingPeriod, (2 weeks));
        string memory description = "DIP-1: raise the timelock delay and lengthen voting";
        bytes32 descriptionHash = keccak256(bytes(description));

        vm.prank(alice);
        uint256 proposalId = governor.propose(targets, values, calldatas, description);
        assertTrue(governor.state(proposalId) == IGovernor.ProposalState.Pending, "pending");

        vm.warp(governor.proposalSnapshot(proposalId) + 1);
        assertTrue(governor.state(proposalId) == IGovernor.ProposalState.Active, "active");
        vm.prank(alice);
        governor.castVote(proposalId, uint8(GovernorCountingSimple.VoteType.For));

        vm.warp(governor.proposalDeadline(proposalId) + 1);
        assertTrue(governor.state(proposalId) == IGovernor.ProposalState.Succeeded, "succeeded");
        assertTrue(governor.proposalNeedsQueuing(proposalId), "needs queuing");

        governor.queue(targets, values, calldatas, descriptionHash);
        assertTrue(governor.state(proposalId) == IGovernor.ProposalState.Queued, "queued");
        uint256 eta = governor.proposalEta(proposalId);
        assertEq(eta, block.timestamp + TIMELOCK_DELAY, "eta");

        // Not executable before the timelock delay has passed. (The governor salts the timelock
        // operation with its own address, as `GovernorTimelockControl._timelockSalt` does.)
        bytes32 operationId = timelock.hashOperationBatch(
            targets, values, calldatas, bytes32(0), bytes20(address(governor)) ^ descriptionHash
        );
        vm.warp(eta - 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                TimelockController.TimelockUnexpectedOperationState.selector,
                operationId,
                bytes32(1 << uint8(TimelockController.OperationState.Ready))
            )
        );
        governor.execute(targets, values, calldatas, descriptionHash);

        vm.warp(eta);
        governor.execute(targets, values, calldatas, descriptionHash);

        assertTrue(governor.state(proposalId) == IGovernor.ProposalState.Executed, "executed");
        assertEq(timelock.getMinDelay(), 3 days, "timelock delay");
        assertEq(governor.votingPeriod(), 2 weeks, "voting period");
    }

    function test_execute_revertsWhenProposalSetsDelayBelowFloor() public {
        (
            uint256 proposalId,
            address[] memory targets,
            uint256[] memory values,
            bytes[] memory calldatas,
            bytes32 descriptionHash
        ) = _proposeUpdateDelay(12 hours);
        _passAndQueue(proposalId, targets, values, calldatas, descriptionHash);

        vm.warp(governor.proposalEta(proposalId));
        vm.expectRevert(
            abi.encodeWithSelector(DepinferTimelock.DepinferTimelockDelayTooShort.selector, 12 hours, 1 days)
        );
        governor.execute(targets, values, calldatas, descriptionHash);
        assertEq(timelock.getMinDelay(), TIMELOCK_DELAY, "delay unchanged");
    }

    function test_setVotingPeriod_revertsWhenCallerIsNotTimelock() public {
        vm.expectRevert(abi.encodeWithSelector(IGovernor.GovernorOnlyExecutor.selector, alice));
        vm.prank(alice);
        governor.setVotingPeriod(1 days);
    }

    // --- the guardian's veto (Timelock CANCELLER_ROLE) ---

    function test_cancel_byGuardian_stopsQueuedProposal() public {
        (
            uint256 proposalId,
            address[] memory targets,
            uint256[] memory values,
            bytes[] memory calldatas,
            bytes32 descriptionHash
        ) = _proposeUpdateDelay(3 days);
        _passAndQueue(proposalId, targets, values, calldatas, descriptionHash);
        bytes32 operationId = timelock.hashOperationBatch(
            targets, values, calldatas, bytes32(0), bytes20(address(governor)) ^ descriptionHash
        );
        assertTrue(timelock.isOperationPending(operationId), "queued in the timelock");

        vm.prank(guardian);
        timelock.cancel(operationId);

        assertTrue(governor.state(proposalId) == IGovernor.ProposalState.Canceled, "canceled");
        vm.warp(governor.proposalEta(proposalId));
        vm.expectRevert(
            abi.encodeWithSelector(
                IGovernor.GovernorUnexpectedProposalState.selector,
                proposalId,
                IGovernor.ProposalState.Canceled,
                bytes32(1 << uint8(IGovernor.ProposalState.Queued))
            )
        );
        governor.execute(targets, values, calldatas, descriptionHash);
        assertEq(timelock.getMinDelay(), TIMELOCK_DELAY, "delay unchanged");
    }

    function test_cancel_revertsWhenCallerIsNotCanceller() public {
        (
            uint256 proposalId,
            address[] memory targets,
            uint256[] memory values,
            bytes[] memory calldatas,
            bytes32 descriptionHash
        ) = _proposeUpdateDelay(3 days);
        _passAndQueue(proposalId, targets, values, calldatas, descriptionHash);
        bytes32 operationId = timelock.hashOperationBatch(
            targets, values, calldatas, bytes32(0), bytes20(address(governor)) ^ descriptionHash
        );
        bytes32 cancellerRole = timelock.CANCELLER_ROLE();
        vm.expectRevert(abi.encodeWithSignature("AccessControlUnauthorizedAccount(address,bytes32)", alice, cancellerRole));
        vm.prank(alice);
        timelock.cancel(operationId);
        assertTrue(timelock.isOperationPending(operationId), "still queued");
    }

    function test_grantRole_revertsForGuardian() public {
        // The veto is all the guardian holds in the timelock: it cannot hand out roles.
        bytes32 adminRole = timelock.DEFAULT_ADMIN_ROLE();
        bytes32 proposerRole = timelock.PROPOSER_ROLE();
        vm.expectRevert(abi.encodeWithSignature("AccessControlUnauthorizedAccount(address,bytes32)", guardian, adminRole));
        vm.prank(guardian);
        timelock.grantRole(proposerRole, guardian);
        assertFalse(timelock.hasRole(adminRole, guardian), "guardian is no admin");
    }

    // --- Roles ---

    function test_roles_matchAccessManagerRoles() public {
        AccessManager manager = new AccessManager(address(timelock));
        assertEq(Roles.ADMIN, manager.ADMIN_ROLE(), "ADMIN");
        assertEq(Roles.PUBLIC, manager.PUBLIC_ROLE(), "PUBLIC");
        (bool isAdmin,) = manager.hasRole(Roles.ADMIN, address(timelock));
        assertTrue(isAdmin, "timelock holds ADMIN");
    }

    // --- helpers ---

    function _updateDelayCall(uint256 newDelay)
        internal
        view
        returns (address[] memory targets, uint256[] memory values, bytes[] memory calldatas)
    {
        targets = _single(address(timelock));
        values = new uint256[](1);
        calldatas = new bytes[](1);
        calldatas[0] = abi.encodeCall(DepinferTimelock.updateDelay, (newDelay));
    }

    function _proposeUpdateDelay(uint256 newDelay)
        internal
        returns (
            uint256 proposalId,
            address[] memory targets,
            uint256[] memory values,
            bytes[] memory calldatas,
            bytes32 descriptionHash
        )
    {
        (targets, values, calldatas) = _updateDelayCall(newDelay);
        string memory description = "Update the timelock delay";
        descriptionHash = keccak256(bytes(description));
        vm.prank(alice);
        proposalId = governor.propose(targets, values, calldatas, description);
    }

    /// @dev Votes For with alice's whole supply, lets the vote end and queues the proposal.
    function _passAndQueue(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal {
        vm.warp(governor.proposalSnapshot(proposalId) + 1);
        vm.prank(alice);
        governor.castVote(proposalId, uint8(GovernorCountingSimple.VoteType.For));
        vm.warp(governor.proposalDeadline(proposalId) + 1);
        governor.queue(targets, values, calldatas, descriptionHash);
    }
}
