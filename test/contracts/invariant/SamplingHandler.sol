// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IJobMarket, IJobMarketTypes} from "../../../contracts/interfaces/IJobMarket.sol";
import {ISampledVerifier, ISampledVerifierTypes} from "../../../contracts/interfaces/ISampledVerifier.sol";
import {MockRandomness} from "../../../contracts/mocks/MockRandomness.sol";
import {MockUSDC} from "../../../contracts/mocks/MockUSDC.sol";
import {JobId, ModelId} from "../../../contracts/types/Ids.sol";
import {Test} from "../utils/Test.sol";

/// @notice Drives the sampled re-execution verifier at random: jobs of one provider (honest or lying) of an
///         EXACT or a TOLERANT model, drawn and sampled, verifiers drawn, committing, revealing (agreeing, the
///         provider's lie, or a third "close" output), staying silent, leaving, cutting their allowance,
///         claiming; humans joining the module's disputes; the arbiter ruling on TOLERANT checks and rejecting
///         votes as junk; time passing. Inputs are bounded; calls that the contracts refuse are tolerated
///         (try/catch), as an attacker's would be.
/// @dev Plain storage, not immutables: the runner finds a handler's artifact by comparing deployed code,
///      which inlined immutables defeat (see Handler.sol).
contract SamplingHandler is Test, IJobMarketTypes {
    IJobMarket public market;
    ISampledVerifier public sv;
    MockRandomness public rng;
    MockUSDC public usdc;
    ModelId public model;
    /// @dev The TOLERANT model: a mismatch goes to the arbiter (`rule`, `rejectVote`, played by this handler).
    ModelId public tolerantModel;
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
    /// @dev Checks `resolve` sent to the arbiter; rulings of the arbiter that landed (`rule` on a live dispute), those that upheld the provider's output
    ///      while a vote equal to it was revealed (a copier slashed), and votes rejected as junk.
    uint256 public awaitings;
    uint256 public arbitrations;
    uint256 public copiersUpheld;
    uint256 public rejections;
    /// @dev Every vote `rejectVote` took, in order: it must stay slashed and never be paid.
    JobId[] internal rejectedIds;
    uint256[] internal rejectedIndexes;
    /// @dev USDC each account claimed from the module (its `owed` that left), to total what it was paid.
    mapping(address => uint256) public claimedBy;
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
    /// @dev A third output: within tolerance of OUT or junk, as the arbiter rules; never equal to either.
    bytes32 internal constant CLOSE = keccak256("close");

    struct Config {
        IJobMarket market;
        ISampledVerifier sv;
        MockRandomness rng;
        MockUSDC usdc;
        ModelId model;
        ModelId tolerantModel;
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
        tolerantModel = c.tolerantModel;
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

    function rejectedCount() external view returns (uint256) {
        return rejectedIds.length;
    }

    function rejectedAt(uint256 k) external view returns (JobId, uint256) {
        return (rejectedIds[k], rejectedIndexes[k]);
    }

    // ------------------------------------------------------------------ actions

    /// @dev A job of the provider (of the TOLERANT model when `tolerant`), submitted (with OUT, or WRONG when it
    ///      lies), drawn in the fund's band (below `samplingRateBps`), sampled by the keeper.
    function sampleNewJob(bool lies, bool tolerant) external {
        _newDrawnJob(lies, false, tolerant);
    }

    /// @dev A job drawn in the caller-paid band (the new-provider band [samplingRateBps, newProviderRateBps)),
    ///      its check funded by this handler.
    function fundNewJob(bool lies, bool tolerant) external {
        _newDrawnJob(lies, true, tolerant);
    }

    function _newDrawnJob(bool lies, bool paid, bool tolerant) internal {
        JobRequest memory r = JobRequest({
            provider: provider,
            token: address(usdc),
            price: uint96(2e6),
            model: tolerant ? tolerantModel : model,
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
        (bool found, uint256 j) = _pick(i, ISampledVerifierTypes.CheckStatus.AwaitingSeed);
        if (!found) return;
        Job memory job = jobs[j];
        ISampledVerifierTypes.Check memory c = sv.checkOf(_id(job));
        uint256 end = (uint256(c.seedEpoch) + 1) * epoch;
        if (block.timestamp < end) vm.warp(end);
        if (!rng.isSeedReady(uint64(c.seedEpoch))) rng.setSeed(uint64(c.seedEpoch), keccak256(abi.encode(salt)));
        try sv.assign(job) {
            ++ok;
        } catch {}
    }

    /// @dev `kind` % 4: 0 OUT (the honest output), 1 WRONG (the lying provider's), 2 CLOSE (a third one), 3 the
    ///      provider's output whatever it is (a lazy verifier that copies it instead of re-running).
    function commit(uint256 i, uint256 seat, uint8 kind) external {
        (Job memory job, JobId id, uint256 index, address v, bool found) = _seat(i, seat, ISampledVerifierTypes.VoteStatus.Assigned);
        if (!found) return;
        kind %= 4;
        bytes32 output = kind == 0 ? OUT : kind == 1 ? WRONG : kind == 2 ? CLOSE : sv.checkOf(id).output;
        uint256 round = sv.voteOf(id, index).round;
        vm.prank(v);
        try sv.commit(job, keccak256(abi.encode(id, round, v, output, bytes32(index)))) {
            committed[id][index] = output;
            ++ok;
        } catch {}
    }

    function reveal(uint256 i, uint256 seat) external {
        (Job memory job, JobId id, uint256 index, address v, bool found) = _seat(i, seat, ISampledVerifierTypes.VoteStatus.Committed);
        if (!found) return;
        vm.prank(v);
        try sv.reveal(job, committed[id][index], bytes32(index)) {
            ++ok;
            ++reveals;
        } catch {}
    }

    /// @dev Resolves job `i / 2` whatever its check's status (even `i`), or the first running check from `i / 2`.
    function resolve(uint256 i) external {
        if (jobs.length == 0) return;
        uint256 j = (i / 2) % jobs.length;
        if (i % 2 == 1) {
            (bool running, uint256 r) = _pick(i / 2, ISampledVerifierTypes.CheckStatus.Running);
            if (running) j = r;
        }
        Job memory job = jobs[j];
        try sv.resolve(job) {
            ++ok;
            ISampledVerifierTypes.CheckStatus st = sv.checkOf(_id(job)).status;
            if (st == ISampledVerifierTypes.CheckStatus.Closed) ++rulings;
            else if (st == ISampledVerifierTypes.CheckStatus.AwaitingArbitration) ++awaitings;
        } catch {}
        _record(job);
    }

    /// @dev The PLANTER (this handler holds the role) exposes a check, the first from `i` in round 0 whose votes are
    ///      all in (else the first running one): its round 0 escalates (EXACT) or goes to the arbiter (TOLERANT)
    ///      whatever it answered.
    function expose(uint256 i) external {
        (bool found, uint256 j) = _exposable(i);
        if (!found) (found, j) = _pick(i, ISampledVerifierTypes.CheckStatus.Running);
        if (!found) return;
        try sv.expose(jobs[j]) {
            ++ok;
            ++exposures;
        } catch {}
    }

    /// @dev The ARBITRATOR (this handler holds the role) rules on the first check from `i` awaiting it. After the
    ///      dispute's deadline the check closes unruled.
    function rule(uint256 i, bool providerStands) external {
        (bool found, uint256 j) = _pick(i, ISampledVerifierTypes.CheckStatus.AwaitingArbitration);
        if (!found) return;
        Job memory job = jobs[j];
        JobId id = _id(job);
        bool live = market.dispute(id).deadline >= block.timestamp;
        bool copier = !providerStands && _revealedEqual(id);
        try sv.rule(job, providerStands) {
            ++ok;
            if (live) {
                ++arbitrations;
                if (copier) ++copiersUpheld;
            }
        } catch {}
        _record(job);
    }

    /// @dev The ARBITRATOR rejects vote `index` (any assigned index, or one past them) of the first check from
    ///      `i` awaiting it; the contract refuses a vote that is not a revealed output differing from the provider's.
    function rejectVote(uint256 i, uint256 index) external {
        (bool found, uint256 j) = _pick(i, ISampledVerifierTypes.CheckStatus.AwaitingArbitration);
        if (!found) return;
        Job memory job = jobs[j];
        JobId id = _id(job);
        index %= uint256(sv.checkOf(id).assigned) + 1;
        try sv.rejectVote(job, index) {
            ++ok;
            ++rejections;
            rejectedIds.push(id);
            rejectedIndexes.push(index);
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

    /// @dev Verifier `k` % n joins or leaves the EXACT model, or the TOLERANT one (by `k` / n).
    function toggleEnrolment(uint256 k) external {
        address v = verifiers[k % verifiers.length];
        ModelId m = (k / verifiers.length) % 2 == 0 ? model : tolerantModel;
        vm.startPrank(v);
        if (sv.enrolment(m, v).index == 0) {
            try sv.enrol(m) {} catch {}
        } else {
            sv.unenrol(m);
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
        _claim(v);
    }

    function _claim(address v) internal {
        uint256 amount = sv.owed(v, address(usdc));
        vm.prank(v);
        try sv.claimRewards(address(usdc), v) {
            claimedBy[v] += amount;
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
            } else if (
                c.status == ISampledVerifierTypes.CheckStatus.Running
                    || c.status == ISampledVerifierTypes.CheckStatus.AwaitingArbitration
            ) {
                // Past the dispute's deadline a check awaiting the arbiter closes unruled.
                sv.resolve(job);
            }
            if (market.jobState(id).status == JobStatus.Disputed) market.cancelDispute(job);
            _record(job);
        }
        for (uint256 k; k < verifiers.length; ++k) {
            address v = verifiers[k];
            vm.startPrank(v);
            if (sv.enrolment(model, v).index != 0) sv.unenrol(model);
            if (sv.enrolment(tolerantModel, v).index != 0) sv.unenrol(tolerantModel);
            vm.stopPrank();
            if (sv.owed(v, address(usdc)) != 0) _claim(v);
        }
        if (sv.owed(keeper, address(usdc)) != 0) _claim(keeper);
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

    /// @dev The first job from `i` (cyclically) whose check is in `status`.
    function _pick(uint256 i, ISampledVerifierTypes.CheckStatus status) internal view returns (bool, uint256) {
        uint256 n = jobs.length;
        for (uint256 k; k < n; ++k) {
            uint256 j = (i + k) % n;
            if (sv.checkOf(_id(jobs[j])).status == status) return (true, j);
        }
        return (false, 0);
    }

    /// @dev The first running check from `i` in round 0, not exposed, with a vote and none left to commit.
    function _exposable(uint256 i) internal view returns (bool, uint256) {
        uint256 n = jobs.length;
        for (uint256 k; k < n; ++k) {
            uint256 j = (i + k) % n;
            JobId id = _id(jobs[j]);
            ISampledVerifierTypes.Check memory c = sv.checkOf(id);
            if (c.status != ISampledVerifierTypes.CheckStatus.Running || c.round != 0 || c.exposed) continue;
            (uint256 waiting,) = _inRound(id, c, ISampledVerifierTypes.VoteStatus.Assigned);
            (uint256 pending,) = _inRound(id, c, ISampledVerifierTypes.VoteStatus.Committed);
            (uint256 revealed,) = _inRound(id, c, ISampledVerifierTypes.VoteStatus.Revealed);
            if (waiting == 0 && pending + revealed != 0) return (true, j);
        }
        return (false, 0);
    }

    /// @dev Whether a revealed vote of the check equals the provider's output.
    function _revealedEqual(JobId id) internal view returns (bool) {
        ISampledVerifierTypes.Check memory c = sv.checkOf(id);
        for (uint256 i; i < c.assigned; ++i) {
            ISampledVerifierTypes.Vote memory v = sv.voteOf(id, i);
            if (v.status == ISampledVerifierTypes.VoteStatus.Revealed && v.output == c.output) return true;
        }
        return false;
    }

    /// @dev A seat of the current round of the first running check from `i` that has a vote in `want` (Assigned:
    ///      one still to commit; Committed: one to reveal, once nobody in the round is left to commit), `seat`
    ///      choosing among them; else any seat of the first running check (a call the contract may refuse).
    function _seat(uint256 i, uint256 seat, ISampledVerifierTypes.VoteStatus want)
        internal
        view
        returns (Job memory job, JobId id, uint256 index, address v, bool found)
    {
        (found, index, job) = _findSeat(i, seat, want);
        if (!found) {
            (bool running, uint256 j) = _pick(i, ISampledVerifierTypes.CheckStatus.Running);
            if (!running) return (job, id, 0, address(0), false);
            job = jobs[j];
            ISampledVerifierTypes.Check memory c = sv.checkOf(_id(job));
            if (c.assigned == c.roundFirst) return (job, _id(job), 0, address(0), false);
            index = c.roundFirst + seat % (c.assigned - c.roundFirst);
            found = true;
        }
        id = _id(job);
        v = sv.voteOf(id, index).verifier;
    }

    function _findSeat(uint256 i, uint256 seat, ISampledVerifierTypes.VoteStatus want)
        internal
        view
        returns (bool, uint256 index, Job memory job)
    {
        uint256 n = jobs.length;
        for (uint256 k; k < n; ++k) {
            job = jobs[(i + k) % n];
            JobId id = _id(job);
            ISampledVerifierTypes.Check memory c = sv.checkOf(id);
            if (c.status != ISampledVerifierTypes.CheckStatus.Running) continue;
            (uint256 count, bool blocked) = _inRound(id, c, want);
            if (count == 0 || blocked) continue;
            uint256 pick = seat % count;
            for (index = c.roundFirst; index < c.assigned; ++index) {
                if (sv.voteOf(id, index).status != want) continue;
                if (pick == 0) break;
                --pick;
            }
            return (true, index, job);
        }
        return (false, 0, job);
    }

    /// @dev Votes of the current round in `want`; `blocked` when revealing waits on a vote still to commit.
    function _inRound(JobId id, ISampledVerifierTypes.Check memory c, ISampledVerifierTypes.VoteStatus want)
        internal
        view
        returns (uint256 count, bool blocked)
    {
        for (uint256 x = c.roundFirst; x < c.assigned; ++x) {
            ISampledVerifierTypes.VoteStatus st = sv.voteOf(id, x).status;
            if (st == want) ++count;
            if (want == ISampledVerifierTypes.VoteStatus.Committed && st == ISampledVerifierTypes.VoteStatus.Assigned) {
                blocked = true;
            }
        }
    }
}
