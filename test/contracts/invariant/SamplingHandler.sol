// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IJobMarket, IJobMarketTypes} from "../../../contracts/interfaces/IJobMarket.sol";
import {ISampledVerifier, ISampledVerifierTypes} from "../../../contracts/interfaces/ISampledVerifier.sol";
import {MockRandomness} from "../../../contracts/mocks/MockRandomness.sol";
import {MockUSDC} from "../../../contracts/mocks/MockUSDC.sol";
import {JobId, ModelId} from "../../../contracts/types/Ids.sol";
import {Test} from "../utils/Test.sol";

/// @notice Drives the sampled re-execution verifier at random: jobs of one provider (honest or lying) drawn
///         and sampled, verifiers drawn, committing, revealing (agreeing or not), staying silent, leaving,
///         cutting their allowance, claiming; humans joining the module's disputes; time passing. Inputs are
///         bounded; calls that the contracts refuse are tolerated (try/catch), as an attacker's would be.
/// @dev Plain storage, not immutables: the runner finds a handler's artifact by comparing deployed code,
///      which inlined immutables defeat (see Handler.sol).
contract SamplingHandler is Test, IJobMarketTypes {
    IJobMarket public market;
    ISampledVerifier public sv;
    MockRandomness public rng;
    MockUSDC public usdc;
    ModelId public model;
    address public client;
    address public provider;
    uint256 internal providerKey;
    address public joiner;
    address public keeper;
    uint256 public epoch;

    address[] public verifiers;
    Job[] internal jobs;
    mapping(JobId => mapping(uint256 => bytes32)) internal committed;
    mapping(JobId => JobStatus) public terminalSeen;
    uint256 public ok;
    /// @dev What the calls reached (to check that runs go deep): reveals that landed, checks that closed by a ruling.
    uint256 public reveals;
    uint256 public rulings;
    uint256 public exposures;
    uint256 internal nonce;
    /// @dev Ghosts of the sampling bond (the provider's) and of the caller-funded checks (this handler funds).
    uint256 public bondPosted;
    uint256 public bondWithdrawn;
    uint256 public funded;
    uint256 public funderClaimed;
    uint256 public funderClaimedStake;
    uint256 public fundedChecks;

    bytes32 internal constant OUT = keccak256("out");
    bytes32 internal constant WRONG = keccak256("wrong");

    struct Config {
        IJobMarket market;
        ISampledVerifier sv;
        MockRandomness rng;
        MockUSDC usdc;
        ModelId model;
        address client;
        address provider;
        uint256 providerKey;
        address joiner;
        address keeper;
        address[] verifiers;
    }

    constructor(Config memory c) {
        market = c.market;
        sv = c.sv;
        rng = c.rng;
        usdc = c.usdc;
        model = c.model;
        client = c.client;
        provider = c.provider;
        providerKey = c.providerKey;
        joiner = c.joiner;
        keeper = c.keeper;
        verifiers = c.verifiers;
        epoch = c.rng.epochLength();
        c.usdc.approve(address(c.sv), type(uint256).max);
    }

    // ------------------------------------------------------------------ views for the invariants

    function jobCount() external view returns (uint256) {
        return jobs.length;
    }

    function jobAt(uint256 i) external view returns (Job memory) {
        return jobs[i];
    }

    function verifierCount() external view returns (uint256) {
        return verifiers.length;
    }

    // ------------------------------------------------------------------ actions

    /// @dev A job of the provider, submitted (with OUT, or WRONG when it lies), drawn in the fund's band
    ///      (below `samplingRateBps`), sampled by the keeper.
    function sampleNewJob(bool lies) external {
        _newDrawnJob(lies, false);
    }

    /// @dev A job drawn in the caller-paid band (the new-provider band [samplingRateBps, newProviderRateBps)),
    ///      its check funded by this handler.
    function fundNewJob(bool lies) external {
        _newDrawnJob(lies, true);
    }

    function _newDrawnJob(bool lies, bool paid) internal {
        JobRequest memory r = JobRequest({
            provider: provider,
            token: address(usdc),
            price: uint96(2e6),
            model: model,
            inputHash: sha256(abi.encode("input", ++nonce)),
            deadline: uint40(block.timestamp + 1 hours),
            nonce: uint64(nonce)
        });
        vm.prank(client);
        try market.createJob(r, "") returns (JobId id, Job memory job) {
            vm.prank(provider);
            try market.acceptJob(job) {} catch { return; }
            bytes32 output = lies ? WRONG : OUT;
            bytes32 digest = market.attestationDigest(id, job.model, job.inputHash, output, provider);
            (uint8 v, bytes32 rr, bytes32 s) = vm.sign(providerKey, digest);
            bytes memory sig = abi.encodePacked(rr, s, v);
            market.submitResult(job, output, sig);
            _seedBand(id, paid);
            if (paid) {
                uint256 before = usdc.balanceOf(address(this));
                try sv.fundCheck(job, output, sig) {
                    jobs.push(job);
                    funded += before - usdc.balanceOf(address(this));
                    ++fundedChecks;
                    ++ok;
                } catch {}
            } else {
                vm.prank(keeper);
                try sv.sample(job, output, sig) {
                    jobs.push(job);
                    ++ok;
                } catch {}
            }
        } catch {}
    }

    /// @dev Seeds the job's submission epoch so that its draw is in the fund's band or the caller's; ends it.
    function _seedBand(JobId id, bool paid) internal {
        uint64 e = uint64(block.timestamp / epoch);
        ISampledVerifierTypes.Params memory p = sv.params();
        uint256 lo = paid ? p.samplingRateBps : 0;
        uint256 hi = paid ? p.newProviderRateBps : p.samplingRateBps;
        for (uint256 i = 1;; ++i) {
            bytes32 seed = keccak256(abi.encode(nonce, i));
            uint256 d = uint256(keccak256(abi.encode(seed, id))) % 10_000;
            if (d >= lo && d < hi) {
                rng.setSeed(e, seed);
                break;
            }
        }
        vm.warp((uint256(e) + 1) * epoch);
    }

    // ------------------------------------------------------------------ the provider's sampling bond

    function postBond(uint256 amount) external {
        amount = bound(amount, 1, 50e18);
        vm.prank(provider);
        try sv.postBond(amount) {
            bondPosted += amount;
            ++ok;
        } catch {}
    }

    function requestBondRelease() external {
        vm.prank(provider);
        try sv.requestBondRelease() {
            ++ok;
        } catch {}
    }

    /// @dev Waits for the release (a long jump: every open dispute runs out) and withdraws.
    function withdrawBond() external {
        _withdrawBond();
    }

    function _withdrawBond() internal {
        ISampledVerifierTypes.Bond memory b = sv.bondOf(provider);
        if (b.releaseAt != 0 && block.timestamp < b.releaseAt) vm.warp(b.releaseAt);
        uint256 before = market.moduleStake(address(sv), provider).locked;
        vm.prank(provider);
        try sv.withdrawBond() {
            bondWithdrawn += before - market.moduleStake(address(sv), provider).locked;
            ++ok;
        } catch {}
    }

    /// @dev The funder collects what it is owed: refunds in USDC, winnings in stake.
    function claimFunder(bool stake) external {
        (address stakeToken,,,,) = market.settings();
        address t = stake ? stakeToken : address(usdc);
        uint256 amount = sv.owed(address(this), t);
        if (amount == 0) return;
        sv.claimRewards(t, address(this));
        if (stake) funderClaimedStake += amount;
        else funderClaimed += amount;
    }

    function assign(uint256 i, uint256 salt) external {
        if (jobs.length == 0) return;
        Job memory job = jobs[i % jobs.length];
        ISampledVerifierTypes.Check memory c = sv.checkOf(_id(job));
        if (c.status != ISampledVerifierTypes.CheckStatus.AwaitingSeed) return;
        uint256 end = (uint256(c.seedEpoch) + 1) * epoch;
        if (block.timestamp < end) vm.warp(end);
        if (!rng.isSeedReady(uint64(c.seedEpoch))) rng.setSeed(uint64(c.seedEpoch), keccak256(abi.encode(salt)));
        try sv.assign(job) {
            ++ok;
        } catch {}
    }

    function commit(uint256 i, uint256 seat, bool wrong) external {
        (Job memory job, JobId id, uint256 index, address v, bool found) = _seat(i, seat);
        if (!found) return;
        bytes32 output = wrong ? WRONG : OUT;
        uint256 round = sv.voteOf(id, index).round;
        vm.prank(v);
        try sv.commit(job, keccak256(abi.encode(id, round, v, output, bytes32(index)))) {
            committed[id][index] = output;
            ++ok;
        } catch {}
    }

    function reveal(uint256 i, uint256 seat) external {
        (Job memory job, JobId id, uint256 index, address v, bool found) = _seat(i, seat);
        if (!found) return;
        vm.prank(v);
        try sv.reveal(job, committed[id][index], bytes32(index)) {
            ++ok;
            ++reveals;
        } catch {}
    }

    function resolve(uint256 i) external {
        if (jobs.length == 0) return;
        Job memory job = jobs[i % jobs.length];
        try sv.resolve(job) {
            ++ok;
            if (sv.checkOf(_id(job)).status == ISampledVerifierTypes.CheckStatus.Closed) ++rulings;
        } catch {}
        _record(job);
    }

    /// @dev The PLANTER (this handler holds the role) exposes a check: its round 0 escalates whatever it answered.
    function expose(uint256 i) external {
        if (jobs.length == 0) return;
        try sv.expose(jobs[i % jobs.length]) {
            ++ok;
            ++exposures;
        } catch {}
    }

    /// @dev A human joins the module's dispute (it pays a fee on a Draw, gets its bond back when upheld).
    function join(uint256 i) external {
        if (jobs.length == 0) return;
        vm.prank(joiner);
        try market.joinDispute(jobs[i % jobs.length], "") {
            ++ok;
        } catch {}
    }

    function cancelDispute(uint256 i) external {
        if (jobs.length == 0) return;
        Job memory job = jobs[i % jobs.length];
        try market.cancelDispute(job) {
            ++ok;
        } catch {}
        _record(job);
    }

    function toggleEnrolment(uint256 k) external {
        address v = verifiers[k % verifiers.length];
        vm.startPrank(v);
        if (sv.enrolment(model, v).index == 0) {
            try sv.enrol(model) {} catch {}
        } else {
            sv.unenrol(model);
        }
        vm.stopPrank();
    }

    function setAllowance(uint256 k, uint96 allowance) external {
        address v = verifiers[k % verifiers.length];
        vm.prank(v);
        market.setModuleAllowance(address(sv), uint96(bound(allowance, 0, 400e18)));
    }

    function claimRewards(uint256 k) external {
        address v = k % 5 == 4 ? keeper : verifiers[k % verifiers.length];
        vm.prank(v);
        try sv.claimRewards(address(usdc), v) {
            ++ok;
        } catch {}
    }

    function warp(uint256 dt) external {
        vm.warp(block.timestamp + bound(dt, 1, 3 hours));
    }

    // ------------------------------------------------------------------ exit

    /// @dev Ends everything: past every deadline, every check moved on until closed, every dispute
    ///      cancelled; then every verifier leaves and claims.
    function exitAll() external {
        vm.warp(block.timestamp + 15 days);
        for (uint256 i; i < jobs.length; ++i) {
            Job memory job = jobs[i];
            JobId id = _id(job);
            ISampledVerifierTypes.Check memory c = sv.checkOf(id);
            if (c.status == ISampledVerifierTypes.CheckStatus.AwaitingSeed) {
                if (!rng.isSeedReady(uint64(c.seedEpoch))) rng.setSeed(uint64(c.seedEpoch), keccak256("exit"));
                sv.assign(job);
            } else if (c.status == ISampledVerifierTypes.CheckStatus.Running) {
                sv.resolve(job);
            }
            if (market.jobState(id).status == JobStatus.Disputed) market.cancelDispute(job);
            _record(job);
        }
        for (uint256 k; k < verifiers.length; ++k) {
            address v = verifiers[k];
            vm.startPrank(v);
            if (sv.enrolment(model, v).index != 0) sv.unenrol(model);
            if (sv.owed(v, address(usdc)) != 0) sv.claimRewards(address(usdc), v);
            vm.stopPrank();
        }
        if (sv.owed(keeper, address(usdc)) != 0) {
            vm.prank(keeper);
            sv.claimRewards(address(usdc), keeper);
        }
        // The provider gets its bond back; the funder collects.
        if (sv.bondOf(provider).amount != 0) {
            if (sv.bondOf(provider).releaseAt == 0) {
                vm.prank(provider);
                sv.requestBondRelease();
            }
            _withdrawBond();
        }
        this.claimFunder(false);
        this.claimFunder(true);
    }

    // ------------------------------------------------------------------ internals

    function _id(Job memory job) internal pure returns (JobId) {
        return JobId.wrap(keccak256(abi.encode(job)));
    }

    /// @dev Remembers the first terminal status each job reached, to check it never changes.
    function _record(Job memory job) internal {
        JobId id = _id(job);
        JobStatus s = market.jobState(id).status;
        if (terminalSeen[id] == JobStatus.None && s != JobStatus.Disputed && s != JobStatus.Submitted) {
            terminalSeen[id] = s;
        }
    }

    /// @dev A seat of the current round of a running check.
    function _seat(uint256 i, uint256 seat)
        internal
        view
        returns (Job memory job, JobId id, uint256 index, address v, bool found)
    {
        if (jobs.length == 0) return (job, id, 0, address(0), false);
        job = jobs[i % jobs.length];
        id = _id(job);
        ISampledVerifierTypes.Check memory c = sv.checkOf(id);
        if (c.status != ISampledVerifierTypes.CheckStatus.Running || c.assigned == c.roundFirst) {
            return (job, id, 0, address(0), false);
        }
        index = c.roundFirst + seat % (c.assigned - c.roundFirst);
        v = sv.voteOf(id, index).verifier;
        found = true;
    }
}
