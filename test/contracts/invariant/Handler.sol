// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";

import {IJobMarket, IJobMarketCore, IJobMarketErrors, IJobMarketExtension, IJobMarketTypes} from
    "../../../contracts/interfaces/IJobMarket.sol";
import {MockUSDC} from "../../../contracts/mocks/MockUSDC.sol";
import {JobId, ModelId} from "../../../contracts/types/Ids.sol";
import {ArbitratedVerifier} from "../../../contracts/verifiers/ArbitratedVerifier.sol";
import {SigUtils} from "../utils/SigUtils.sol";
import {Test} from "../utils/Test.sol";

/// @title Invariant handler for the job market
/// @notice Drives the market through bounded actions of several clients, providers (with signer
///         keys), challengers, the arbitrator, the guardian and governance, and keeps an
///         independent ghost model of everything the market owes: claimable balances, treasury
///         accruals, stakes and thaw queues, escrow and bonds of open jobs, per-job settlement and
///         slash amounts, token flows in and out. The model is written from DESIGN.md and the
///         NatSpec of `IJobMarket`, not from the implementation.
/// @dev Reverts inside a handler call do not fail an invariant campaign, so every check made here
///      is recorded as a flag in one of the categories below, and the invariant functions assert
///      that no flag was raised. Each action pre-computes whether the market must accept the call
///      (`expected`); an unexpected revert or an unexpected success is a violation. After every
///      successful action the accounts and providers it touched are compared with the model.
contract Handler is Test, IJobMarketTypes {
    using SafeERC20 for IERC20;

    // ================================================================== violation categories

    uint256 public constant EXPECT = 0; //   a call succeeded or failed against the spec
    uint256 public constant SOLVENCY = 1; // a transfer moved an amount other than the one owed
    uint256 public constant SETTLE = 2; //   a settlement credited other amounts, or a state moved backwards
    uint256 public constant SLASH = 3; //    a slash took other than the model's amount
    uint256 public constant SPLIT = 4; //    a slash was split other than reward + treasury share
    uint256 public constant STAKE = 5; //    stake, lock or thaw accounting diverged
    uint256 public constant EXIT = 6; //     an exit (refund, finalize, cancel, withdraw, claim) was blocked
    uint256 public constant PARAMS = 7; //   governance accepted an out-of-bounds value or rejected a valid one
    uint256 public constant SIG = 8; //      a signature or evidence was accepted twice or from the wrong key
    uint256 public constant OWNER = 9; //    someone else lowered an account's balance, or an unauthorized call passed
    uint256 public constant CATEGORIES = 10;

    uint256[10] public flags;
    string[10] public firstFlag;

    // ================================================================== deployment

    struct Config {
        IJobMarket market;
        ArbitratedVerifier verifier;
        MockUSDC usdc;
        address stakeToken;
        address[] tokens; //  allow-listed payment tokens (may include the stake token)
        ModelId[] models; //  one per determinism class: EXACT, TOLERANT, NONE (no verifier)
        address treasury;
        address arbitrator;
        address guardian;
    }

    // Plain storage, not immutables: the runner finds the handler's artifact by comparing deployed
    // code, and a hundred inlined immutable addresses make that comparison fail.
    IJobMarket public market;
    ArbitratedVerifier public verifier;
    MockUSDC public usdc;
    address public stakeToken;
    address public treasury;
    address public arbitrator;
    address public guardian;
    address public keeper = makeAddr("keeper");
    /// @notice Where blocklisted accounts send their USDC when they claim.
    address public rescue = makeAddr("rescue");

    address[] public tokens;
    ModelId[] public models;
    Determinism[] internal determinismOf;
    address[] public clients;
    uint256[] internal clientKeys;
    address[] public providers;
    address[] public challengers;
    /// @notice Every account that can hold a claimable balance.
    address[] public accounts;
    mapping(address token => uint256) public bondFloorOf;
    mapping(address token => uint256) public stakeRateOf;

    uint256 internal constant BPS = 10_000;
    uint256 internal constant SIGNER_KEYS = 3; // keys a provider rotates between
    uint256 internal constant MAX_THAWS = 8;
    uint256 internal constant POST_SETTLEMENT_REPORT_WINDOW = 3 days;
    uint256 internal constant SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;

    // ================================================================== ghost model

    struct ProviderGhost {
        uint256 index;
        uint256 staked;
        uint256 locked;
        uint256 thawing;
        uint8 head;
        uint8 tail;
        uint8 signerIdx;
        uint8 prevIdx;
        bool hasPrev;
        uint256 signerChangedAt;
    }

    struct Thaw {
        uint256 amount;
        uint256 readyAt;
    }

    struct JobGhost {
        JobStatus status;
        address provider;
        address challenger;
        uint256 bond;
        uint256 submittedAt;
        uint256 settledAt;
        uint256 disputeDeadline;
        bytes32 output;
        uint8 settleCount; //        escrow settlements (payout or refund)
        uint8 slashCount;
        uint8 submitCount;
        uint8 equivocationCount;
        bool postSettlementSlash;
        uint256 payout; //           to the provider, payment token
        uint256 refund; //           to the client, payment token
        uint256 fee; //              to the treasury, payment token
        uint256 slashed; //          stake token
        uint256 reward; //           stake token, to the challenger or reporter
        uint256 treasuryShare; //    stake token
        uint256 livenessPaid; //     stake token, to the client
    }

    struct Evidence {
        bytes32 outA;
        bytes sigA;
        bytes32 outB;
        bytes sigB;
    }

    uint256 public gTime;
    uint32 public gVersion;
    mapping(uint32 version => Params) internal gParamsAt;
    uint256 public gThawing;
    uint256 public gMinStake;
    bool public gPaused;
    uint256 internal gNonce;

    mapping(address provider => ProviderGhost) internal gp;
    mapping(address provider => mapping(uint8 index => Thaw)) internal gThaw;
    mapping(address account => mapping(address token => uint256)) public gClaimable;
    mapping(address token => uint256) public gAccrued;
    /// @notice Protocol fees a provider's earnings owe, not yet forwarded to `treasuryAccrued`.
    mapping(address account => mapping(address token => uint256)) public gFeesOwed;
    mapping(address token => uint256) public gEscrow; //  price of jobs not yet settled
    mapping(address token => uint256) public gBonds; //   bonds of open disputes
    mapping(address token => uint256) public gIn; //      pulled into the market by its functions
    mapping(address token => uint256) public gOut; //     paid out by the market
    mapping(address token => uint256) public gDonated; // sent to the market directly (never owed)
    mapping(address token => uint256) public gDeposited;
    mapping(address token => uint256) public gClaimed;
    uint256 public gStakeIn;
    uint256 public gStakeOut;
    uint256 public gSlashedFraud;
    uint256 public gSlashedLiveness;
    uint256 public gRewards;
    uint256 public gTreasuryShares;

    Job[] internal jobs;
    mapping(uint256 => JobGhost) internal gj;
    mapping(uint256 => bytes) internal submittedSig;
    mapping(uint256 => Evidence) internal evidence;

    /// @notice Fee bps seen on finalized jobs, so the test can check the fee cap held per job.
    uint256 public maxFeeBpsSeen;

    // ================================================================== per-action bookkeeping

    address internal actor; // the account the current call is made as
    address[] internal touchedA;
    address[] internal touchedT;
    address[] internal touchedP;

    mapping(bytes32 action => uint256) internal okCalls;
    uint256 public totalOk;
    mapping(bytes4 selector => uint256) public tried;
    uint256 public totalCalls;
    /// @notice Matured thaw requests that `withdrawStake` did not pay because an older request in
    ///         the FIFO queue had not matured yet (possible after `thawingPeriod` is lowered).
    uint256 public gMaturedButQueued;

    constructor(Config memory c) {
        market = c.market;
        verifier = c.verifier;
        usdc = c.usdc;
        stakeToken = c.stakeToken;
        treasury = c.treasury;
        arbitrator = c.arbitrator;
        guardian = c.guardian;
        tokens = c.tokens;
        models = c.models;
        for (uint256 i; i < c.models.length; ++i) {
            determinismOf.push(c.market.model(c.models[i]).determinism);
        }
        for (uint256 i; i < c.tokens.length; ++i) {
            TokenConfig memory t = c.market.paymentToken(c.tokens[i]);
            bondFloorOf[c.tokens[i]] = t.bondFloor;
            stakeRateOf[c.tokens[i]] = t.stakeRate;
        }
        (Params memory p, uint32 v) = c.market.params();
        gVersion = v;
        gParamsAt[v] = p;
        (,, uint32 thawing, uint96 minStake, bool paused) = c.market.settings();
        gThawing = thawing;
        gMinStake = minStake;
        gPaused = paused;
        gTime = block.timestamp;
    }

    /// @notice Creates the actors: 3 clients (with keys, for permits), 3 providers registered and
    ///         staked with offers, 2 challengers. Needs a stash of the stake token first.
    function init(uint256 initialStake) external {
        require(accounts.length == 0, "init once");
        for (uint256 i; i < 3; ++i) {
            uint256 key = uint256(keccak256(abi.encode("depinfer.client", i)));
            address c = vm.addr(key);
            vm.label(c, string.concat("client", Strings.toString(i)));
            clients.push(c);
            clientKeys.push(key);
            accounts.push(c);
        }
        for (uint256 i; i < 3; ++i) {
            address p = makeAddr(string.concat("provider", Strings.toString(i)));
            providers.push(p);
            accounts.push(p);
            gp[p].index = i;
            vm.prank(p);
            market.registerProvider(vm.addr(_signerKey(i, 0)), "https://provider.example");
            _approveAll(p);
            IERC20(stakeToken).safeTransfer(p, initialStake);
            vm.prank(p);
            market.stake(initialStake);
            gp[p].staked = initialStake;
            gIn[stakeToken] += initialStake;
            gStakeIn += initialStake;
            for (uint256 m; m < models.length; ++m) {
                address t = tokens[(i + m) % tokens.length];
                vm.prank(p);
                market.setOffer(models[m], t, uint96(_unit(t) / 100), 60, true);
            }
        }
        for (uint256 i; i < 2; ++i) {
            address ch = makeAddr(string.concat("challenger", Strings.toString(i)));
            challengers.push(ch);
            accounts.push(ch);
        }
        accounts.push(treasury);
        for (uint256 i; i < 3; ++i) {
            _approveAll(clients[i]);
        }
        for (uint256 i; i < 2; ++i) {
            _approveAll(challengers[i]);
        }
    }

    modifier step() {
        vm.warp(gTime);
        delete touchedA;
        delete touchedT;
        delete touchedP;
        ++totalCalls;
        ++tried[msg.sig];
        if (gPaused && totalCalls >= unpauseAtCall) _togglePause();
        _;
    }

    // ================================================================== actions: staking

    function stake(uint256 pSeed, uint256 amount) external step {
        address p = providers[pSeed % providers.length];
        amount = bound(amount, 1, 20_000e18);
        IERC20(stakeToken).safeTransfer(p, amount);
        (bool s, bytes memory ret) = _as(p, address(market), abi.encodeCall(IJobMarketCore.stake, (amount)));
        if (!_check(!gPaused, s, ret, EXPECT, "stake")) return;
        gp[p].staked += amount;
        gIn[stakeToken] += amount;
        gStakeIn += amount;
        _touchP(p);
        _done("stake", STAKE);
    }

    function requestUnstake(uint256 pSeed, uint256 amount) external step {
        address p = providers[pSeed % providers.length];
        _requestUnstake(p, amount, EXPECT);
    }

    function withdrawStake(uint256 pSeed) external step {
        address p = providers[pSeed % providers.length];
        if (gp[p].head == gp[p].tail) return;
        _withdrawStake(p);
    }

    // ================================================================== actions: jobs
    // Each lifecycle action works on a job in the state it needs. When there is none, it first
    // advances a job through the previous step (create → accept → submit → dispute), so every call
    // makes progress and a 64-call run reaches disputes, rulings and equivocation proofs.

    struct CreateCtx {
        address client;
        uint256 clientIdx;
        uint256 mode; // 0 approve, 1 permit, 2 from balance
        bytes input;
        uint256 collateral;
        bool expected;
    }

    function createJob(
        uint256 cSeed,
        uint256 pSeed,
        uint256 tSeed,
        uint256 mSeed,
        uint256 priceSeed,
        uint256 dlSeed,
        uint256 mode
    ) external step {
        _createJob(cSeed, pSeed, tSeed, mSeed, priceSeed, dlSeed, mode);
    }

    function _createJob(
        uint256 cSeed,
        uint256 pSeed,
        uint256 tSeed,
        uint256 mSeed,
        uint256 priceSeed,
        uint256 dlSeed,
        uint256 mode
    ) internal returns (bool, uint256) {
        CreateCtx memory x;
        x.clientIdx = cSeed % clients.length;
        x.client = clients[x.clientIdx];
        x.mode = mode % 3;
        JobRequest memory r;
        r.token = tokens[tSeed % tokens.length];
        r.provider = pSeed % 4 == 3 ? address(0) : providers[pSeed % providers.length];
        r.model = models[mSeed % models.length];
        r.price = uint96(_price(priceSeed, r.token));
        r.deadline = uint40(_deadline(dlSeed));
        r.nonce = uint64(++gNonce);
        if ((mSeed >> 8) % 4 == 0) {
            x.input = abi.encodePacked("inline input ", gNonce);
            r.inputHash = sha256(x.input);
        } else {
            r.inputHash = keccak256(abi.encode("input", gNonce));
        }
        if (x.mode == 1 && !_hasPermit(r.token)) x.mode = 0;
        uint256 balance = gClaimable[x.client][r.token];
        if (x.mode == 2 && balance != 0 && balance < r.price) r.price = uint96(bound(r.price, 1, balance));

        Params memory cur = gParamsAt[gVersion];
        x.collateral = uint256(r.price) * cur.collateralRatioBps * stakeRateOf[r.token] / (BPS * 1e18);
        x.expected = !gPaused && r.deadline <= gTime + 30 days && x.collateral != 0
            && x.collateral <= type(uint96).max;

        bytes memory call;
        if (x.mode == 2) {
            x.expected = x.expected && balance >= r.price;
            call = abi.encodeCall(IJobMarketCore.createJobFromBalance, (r, x.input));
        } else {
            bool funded = _fund(x.client, r.token, r.price);
            x.expected = x.expected && funded && !_blocked(x.client, r.token);
            if (x.mode == 1) {
                call = _permitCall(x, r);
            } else {
                _ensureAllowance(x.client, r.token);
                call = abi.encodeCall(IJobMarketCore.createJob, (r, x.input));
            }
        }
        (bool s, bytes memory ret) = _as(x.client, address(market), call);
        if (x.mode == 1) _approve(x.client, r.token, type(uint256).max);
        if (!_check(x.expected, s, ret, EXPECT, "createJob")) return (false, 0);

        (JobId id, Job memory job) = abi.decode(ret, (JobId, Job));
        Job memory want = Job({
            client: x.client,
            provider: r.provider,
            token: r.token,
            price: r.price,
            collateral: uint96(x.collateral),
            model: r.model,
            inputHash: r.inputHash,
            deadline: r.deadline,
            paramsVersion: gVersion,
            nonce: r.nonce
        });
        if (keccak256(abi.encode(job)) != keccak256(abi.encode(want))) _flag(EXPECT, "createJob: terms differ from the request");
        if (JobId.unwrap(id) != keccak256(abi.encode(want))) _flag(EXPECT, "createJob: id is not keccak256(abi.encode(job))");
        jobs.push(want);
        uint256 j = jobs.length - 1;
        gj[j].status = JobStatus.Created;
        gEscrow[r.token] += r.price;
        if (x.mode == 2) _debit(x.client, r.token, r.price);
        else gIn[r.token] += r.price;
        _touch(x.client, r.token);
        _done(x.mode == 0 ? "createJob" : x.mode == 1 ? "createJobWithPermit" : "createJobFromBalance", EXPECT);
        return (true, j);
    }

    /// @dev A job with everyday terms (paid by approval or permit, deadline within 2 days), created
    ///      as a step towards a deeper state; `direct` names a provider.
    function _createFrom(uint256 seed, bool direct) internal returns (bool, uint256) {
        uint256 h = uint256(keccak256(abi.encode(seed, "create")));
        uint256 pSeed = direct ? ((h >> 8) % 3) * 4 : h >> 8;
        return _createJob(h, pSeed, h >> 16, h >> 24, h >> 32, ((h >> 40) << 4) | 2, (h >> 200) % 2);
    }

    function acceptJob(uint256 jSeed, uint256 pSeed) external step {
        _acceptJob(jSeed, pSeed);
    }

    function _acceptJob(uint256 jSeed, uint256 pSeed) internal returns (bool, uint256) {
        (uint256 j, bool found) = _pickWhere(jSeed, _mask(JobStatus.Created), LIVE);
        if (!found) (found, j) = _createFrom(jSeed, false);
        if (!found) return (false, 0);
        Job memory job = jobs[j];
        address p;
        bool expected = !gPaused && gTime <= job.deadline;
        if (job.provider == address(0)) {
            p = providers[pSeed % providers.length];
            expected = expected && _offerOk(p, job);
        } else if (pSeed % 8 == 0) {
            p = providers[(gp[job.provider].index + 1) % providers.length]; // not the designated one
            expected = false;
        } else {
            p = job.provider;
        }
        expected = expected && _canLock(p, job.collateral);
        (bool s, bytes memory ret) = _as(p, address(market), abi.encodeCall(IJobMarketCore.acceptJob, (job)));
        if (!_check(expected, s, ret, EXPECT, "acceptJob")) return (false, 0);
        gj[j].provider = p;
        gp[p].locked += job.collateral;
        _setStatus(j, JobStatus.Accepted);
        _touchP(p);
        _done("acceptJob", STAKE);
        return (true, j);
    }

    function submitResult(uint256 jSeed, uint256 outSeed, uint256 relayerSeed) external step {
        _submitResult(jSeed, outSeed, relayerSeed);
    }

    function _submitResult(uint256 jSeed, uint256 outSeed, uint256 relayerSeed) internal returns (bool, uint256) {
        (uint256 j, bool found) = _pickWhere(jSeed, _mask(JobStatus.Accepted), LIVE);
        if (!found) (found, j) = _acceptJob(jSeed, jSeed >> 3);
        if (!found) return (false, 0);
        Job memory job = jobs[j];
        address p = gj[j].provider;
        bytes32 out = keccak256(abi.encode("output", outSeed));
        bytes memory sig = _attest(_currentKey(p), job, out, p);
        address relayer = accounts[relayerSeed % accounts.length];
        (bool s, bytes memory ret) =
            _as(relayer, address(market), abi.encodeCall(IJobMarketCore.submitResult, (job, out, sig)));
        if (!_check(gTime <= job.deadline, s, ret, EXPECT, "submitResult")) return (false, 0);
        _recordSubmission(j, out, sig);
        _done("submitResult", SETTLE);
        // The same attestation can never be used again, for this job or another one.
        _mustFail(relayer, abi.encodeCall(IJobMarketCore.submitResult, (job, out, sig)), "submitResult replayed");
        _mustFail(relayer, abi.encodeCall(IJobMarketCore.acceptAndSubmit, (job, out, sig)), "acceptAndSubmit replayed");
        return (true, j);
    }

    function acceptAndSubmit(uint256 jSeed, uint256 outSeed, uint256 relayerSeed) external step {
        (uint256 j, bool found) = _pickWhere(jSeed, _mask(JobStatus.Created), DIRECT_LIVE);
        if (!found) (found, j) = _createFrom(jSeed, true);
        if (!found) return;
        Job memory job = jobs[j];
        address p = job.provider;
        bytes32 out = keccak256(abi.encode("output", outSeed));
        bytes memory sig = _attest(_currentKey(p), job, out, p);
        address relayer = accounts[relayerSeed % accounts.length];
        bool expected = !gPaused && gTime <= job.deadline && _canLock(p, job.collateral);
        (bool s, bytes memory ret) =
            _as(relayer, address(market), abi.encodeCall(IJobMarketCore.acceptAndSubmit, (job, out, sig)));
        if (!_check(expected, s, ret, EXPECT, "acceptAndSubmit")) return;
        gj[j].provider = p;
        gp[p].locked += job.collateral;
        _touchP(p);
        _recordSubmission(j, out, sig);
        _done("acceptAndSubmit", STAKE);
        _mustFail(relayer, abi.encodeCall(IJobMarketCore.acceptAndSubmit, (job, out, sig)), "acceptAndSubmit replayed");
    }

    function finalizeJob(uint256 jSeed, bool asClient) external step {
        (uint256 j, bool found) = _pick(jSeed, _mask(JobStatus.Submitted));
        if (!found) (found, j) = _submitResult(jSeed, jSeed >> 5, jSeed >> 7);
        if (!found) return;
        _finalize(j, asClient ? jobs[j].client : keeper);
    }

    function finalizeJobs(uint256 jSeed, uint256 n, bool withDuplicate) external step {
        n = bound(n, 1, 6);
        uint256[] memory picked = new uint256[](n);
        uint256 count;
        uint256 len = jobs.length;
        for (uint256 k; k < len && count < n; ++k) {
            uint256 j = (jSeed + k) % len;
            if (gj[j].status == JobStatus.Submitted && gTime > gj[j].submittedAt + _snap(j).challengeWindow) {
                picked[count++] = j;
            }
        }
        if (count == 0) return;
        Job[] memory batch = new Job[](withDuplicate ? count + 1 : count);
        for (uint256 k; k < count; ++k) {
            batch[k] = jobs[picked[k]];
        }
        if (withDuplicate) {
            // A job listed twice in one batch must not be paid twice: the whole batch reverts.
            batch[count] = batch[0];
            _mustFailCat(keeper, address(market), abi.encodeCall(IJobMarketCore.finalizeJobs, (batch)), SETTLE, "finalizeJobs paid a duplicate");
            return;
        }
        (bool s, bytes memory ret) = _as(keeper, address(market), abi.encodeCall(IJobMarketCore.finalizeJobs, (batch)));
        if (!_check(true, s, ret, EXIT, "finalizeJobs")) return;
        for (uint256 k; k < count; ++k) {
            _modelResultStands(picked[k]);
        }
        _done("finalizeJobs", SETTLE);
    }

    function expireJob(uint256 jSeed, uint256 callerSeed) external step {
        uint256 mask = _mask(JobStatus.Created) | _mask(JobStatus.Accepted);
        (uint256 j, bool found) = _pickWhere(jSeed, mask, LATE);
        if (!found) (j, found) = _pick(jSeed, mask);
        if (!found) return;
        _expire(j, accounts[callerSeed % accounts.length]);
    }

    function cancelJob(uint256 jSeed, bool asClient) external step {
        (uint256 j, bool found) = _pick(jSeed, _mask(JobStatus.Created));
        if (!found) (found, j) = _createFrom(jSeed, false);
        if (!found) return;
        _cancel(j, asClient ? jobs[j].client : keeper);
    }

    // ================================================================== actions: disputes

    function openDispute(uint256 jSeed, uint256 chSeed) external step {
        _openDispute(jSeed, chSeed);
    }

    function _openDispute(uint256 jSeed, uint256 chSeed) internal returns (bool, uint256) {
        (uint256 j, bool found) = _pickWhere(jSeed, _mask(JobStatus.Submitted), IN_WINDOW);
        if (!found) (found, j) = _submitResult(jSeed, jSeed >> 5, jSeed >> 7);
        if (!found) return (false, 0);
        Job memory job = jobs[j];
        Params memory snap = _snap(j);
        address ch = challengers[chSeed % challengers.length];
        uint256 bond = uint256(job.price) * snap.bondRatioBps / BPS;
        if (bond < bondFloorOf[job.token]) bond = bondFloorOf[job.token];
        bool expected = gTime <= gj[j].submittedAt + snap.challengeWindow
            && _verifierOf(job.model) != address(0) && bond <= type(uint96).max;
        bool funded = _fund(ch, job.token, bond);
        expected = expected && funded && !_blocked(ch, job.token);
        (bool s, bytes memory ret) = _as(ch, address(market), abi.encodeCall(IJobMarketExtension.openDispute, (job)));
        if (!_check(expected, s, ret, EXPECT, "openDispute")) return (false, 0);
        if (abi.decode(ret, (uint256)) != bond) _flag(EXPECT, "openDispute: bond is not max(price x ratio, floor)");
        JobGhost storage g = gj[j];
        g.challenger = ch;
        g.bond = bond;
        g.disputeDeadline = gTime + snap.disputeResolutionPeriod;
        gBonds[job.token] += bond;
        gIn[job.token] += bond;
        _setStatus(j, JobStatus.Disputed);
        _done("openDispute", SETTLE);
        return (true, j);
    }

    function resolveDispute(uint256 jSeed, uint256 outcomeSeed) external step {
        (uint256 j, bool found) = _pick(jSeed, _mask(JobStatus.Disputed));
        if (!found) (found, j) = _openDispute(jSeed, jSeed >> 3);
        if (!found) return;
        _resolve(j, Outcome(outcomeSeed % 3));
    }

    function cancelDispute(uint256 jSeed, uint256 callerSeed) external step {
        (uint256 j, bool found) = _pick(jSeed, _mask(JobStatus.Disputed));
        if (!found) (found, j) = _openDispute(jSeed, jSeed >> 3);
        if (!found) return;
        _cancelDispute(j, accounts[callerSeed % accounts.length]);
    }

    struct EquivocationCtx {
        address p;
        address reporter;
        uint8 keyA;
        uint8 keyB;
        bool expected;
        bytes32 outA;
        bytes32 outB;
        bytes sigA;
        bytes sigB;
    }

    function reportEquivocation(uint256 jSeed, uint256 reporterSeed, uint256 outSeed, uint256 keySeed) external step {
        uint256 mask = _mask(JobStatus.Accepted) | _mask(JobStatus.Submitted) | _mask(JobStatus.Disputed)
            | _mask(JobStatus.Finalized);
        (uint256 j, bool found) = _pick(jSeed, mask);
        if (!found) (found, j) = _acceptJob(jSeed, jSeed >> 3);
        if (!found) return;
        Job memory job = jobs[j];
        EquivocationCtx memory x;
        x.p = gj[j].provider;
        x.reporter = reporterSeed % 2 == 0
            ? challengers[reporterSeed / 2 % challengers.length]
            : clients[reporterSeed / 2 % clients.length];
        ProviderGhost storage pg = gp[x.p];
        x.keyA = pg.signerIdx;
        uint256 k = keySeed % 8;
        x.keyB = k < 5 ? pg.signerIdx : k < 7 && pg.hasPrev ? pg.prevIdx : uint8(keySeed / 8 % SIGNER_KEYS);
        x.outA = gj[j].submitCount != 0 ? gj[j].output : keccak256(abi.encode("output A", outSeed));
        x.outB = keccak256(abi.encode("output B", outSeed));
        x.sigA = _attest(_signerKey(pg.index, x.keyA), job, x.outA, x.p);
        x.sigB = _attest(_signerKey(pg.index, x.keyB), job, x.outB, x.p);
        x.expected = _evidenceValid(x.p, x.keyB);
        if (gj[j].status == JobStatus.Finalized) {
            // Provable for a fixed window after settlement, shorter than any allowed thawing period.
            x.expected = x.expected && gTime <= gj[j].settledAt + POST_SETTLEMENT_REPORT_WINDOW;
        }
        bytes memory call =
            abi.encodeCall(IJobMarketExtension.reportEquivocation, (job, x.outA, x.sigA, x.outB, x.sigB));
        (bool s, bytes memory ret) = _as(x.reporter, address(market), call);
        if (!_check(x.expected, s, ret, EXPECT, "reportEquivocation")) return;
        evidence[j] = Evidence(x.outA, x.sigA, x.outB, x.sigB);
        ++gj[j].equivocationCount;
        if (gj[j].status == JobStatus.Finalized) {
            _modelSlashAfterSettlement(j, x.reporter);
        } else {
            address beneficiary = x.reporter;
            if (gj[j].status == JobStatus.Disputed) {
                // The challenger found the fault first: it keeps the reward, whoever proves it.
                _returnBond(j);
                beneficiary = gj[j].challenger;
            }
            _modelFraudSlash(j, beneficiary);
        }
        _done("reportEquivocation", SLASH);
        // The same evidence (or the pair swapped) can never slash again.
        _mustFail(x.reporter, call, "equivocation reported twice");
        _mustFail(
            x.reporter,
            abi.encodeCall(IJobMarketExtension.reportEquivocation, (job, x.outB, x.sigB, x.outA, x.sigA)),
            "equivocation reported twice (swapped)"
        );
    }

    /// @notice Signature-reuse attempts that must all fail (invariant 8).
    function replaySignature(uint256 jSeed, uint256 kind) external step {
        kind %= 4;
        uint256 len = jobs.length;
        if (len == 0) return;
        if (kind == 0 || kind == 1) {
            (uint256 j, bool found) = _pickSubmittedOnce(jSeed);
            if (!found) return;
            bytes memory sig = submittedSig[j];
            bytes32 out = gj[j].output;
            if (kind == 0) {
                _mustFail(keeper, abi.encodeCall(IJobMarketCore.submitResult, (jobs[j], out, sig)), "stored attestation resubmitted");
                _mustFail(keeper, abi.encodeCall(IJobMarketCore.acceptAndSubmit, (jobs[j], out, sig)), "stored attestation re-accepted");
            } else {
                (uint256 j2, bool found2) = _pick(jSeed >> 8, _mask(JobStatus.Accepted) | _mask(JobStatus.Created));
                if (!found2 || j2 == j) return;
                Job memory other = jobs[j2];
                if (gj[j2].status == JobStatus.Accepted) {
                    _mustFail(keeper, abi.encodeCall(IJobMarketCore.submitResult, (other, out, sig)), "attestation reused on another job");
                } else if (other.provider != address(0)) {
                    _mustFail(keeper, abi.encodeCall(IJobMarketCore.acceptAndSubmit, (other, out, sig)), "attestation reused on another job");
                }
            }
        } else if (kind == 2) {
            // A malleated (high-s) twin of a valid attestation, or one from a key that is not the signer's.
            (uint256 j, bool found) = _pick(jSeed, _mask(JobStatus.Accepted));
            if (!found) return;
            address p = gj[j].provider;
            bytes32 out = keccak256(abi.encode("malleable", jSeed));
            bytes memory sig = _attest(_currentKey(p), jobs[j], out, p);
            _mustFail(keeper, abi.encodeCall(IJobMarketCore.submitResult, (jobs[j], out, _malleate(sig))), "high-s attestation accepted");
            uint8 wrong = uint8((gp[p].signerIdx + 1 + jSeed % 2) % SIGNER_KEYS);
            bytes memory forged = _attest(_signerKey(gp[p].index, wrong), jobs[j], out, p);
            _mustFail(keeper, abi.encodeCall(IJobMarketCore.submitResult, (jobs[j], out, forged)), "attestation from a non-signer key accepted");
            bytes memory stranger = _attest(uint256(keccak256(abi.encode("stranger", jSeed))), jobs[j], out, p);
            _mustFail(keeper, abi.encodeCall(IJobMarketCore.submitResult, (jobs[j], out, stranger)), "attestation from a stranger accepted");
        } else {
            uint256 start = jSeed % len;
            for (uint256 k; k < len; ++k) {
                uint256 j = (start + k) % len;
                if (gj[j].equivocationCount == 0) continue;
                Evidence memory e = evidence[j];
                _mustFail(
                    keeper,
                    abi.encodeCall(IJobMarketExtension.reportEquivocation, (jobs[j], e.outA, e.sigA, e.outB, e.sigB)),
                    "stored equivocation replayed"
                );
                break;
            }
        }
        _ok("replaySignature");
    }

    /// @notice Calls that only their owner may make, attempted by someone else (invariant 9).
    function unauthorized(uint256 jSeed, uint256 aSeed, uint256 kind) external step {
        address who = accounts[aSeed % accounts.length];
        kind %= 5;
        if (kind == 0 || kind == 1) {
            (uint256 j, bool found) = _pick(jSeed, _mask(JobStatus.Disputed));
            if (!found) return;
            if (kind == 0) {
                _mustFailCat(who, address(market), abi.encodeCall(IJobMarketExtension.resolveDispute, (jobs[j], Outcome.Upheld)), OWNER, "resolveDispute by a non-verifier");
            } else {
                _mustFailCat(who, address(verifier), abi.encodeCall(ArbitratedVerifier.rule, (jobs[j], Outcome.Upheld, "")), OWNER, "rule by a non-arbitrator");
            }
        } else if (kind == 2) {
            (uint256 j, bool found) = _pick(jSeed, _mask(JobStatus.Created));
            if (!found) return;
            if (who == jobs[j].client) who = keeper;
            _mustFailCat(who, address(market), abi.encodeCall(IJobMarketCore.cancelJob, (jobs[j])), OWNER, "cancelJob by a non-client");
        } else if (kind == 3) {
            Params memory p = gParamsAt[gVersion];
            _mustFailCat(who, address(market), abi.encodeCall(IJobMarketExtension.setParams, (p)), OWNER, "setParams by a non-governor");
            _mustFailCat(who, address(market), abi.encodeCall(IJobMarketExtension.setThawingPeriod, (uint32(gThawing))), OWNER, "setThawingPeriod by a non-governor");
        } else {
            // Someone else's balance cannot be spent on a job.
            (uint256 j, bool found) = _pick(jSeed, _mask(JobStatus.Created));
            if (!found) return;
            Job memory job = jobs[j];
            JobRequest memory r = JobRequest(job.provider, job.token, job.price, job.model, job.inputHash, job.deadline, uint64(++gNonce));
            if (gClaimable[keeper][job.token] == 0 && !gPaused && gTime < job.deadline) {
                _mustFailCat(keeper, address(market), abi.encodeCall(IJobMarketCore.createJobFromBalance, (r, "")), OWNER, "job paid from an empty balance");
            }
        }
        _ok("unauthorized");
    }

    // ================================================================== actions: balances

    function deposit(uint256 aSeed, uint256 tSeed, uint256 amount) external step {
        address a = accounts[aSeed % (accounts.length - 1)]; // not the treasury
        address t = tokens[tSeed % tokens.length];
        amount = bound(amount, 1, 1_000 * _unit(t));
        bool funded = _fund(a, t, amount);
        _ensureAllowance(a, t);
        bool expected = !gPaused && funded && !_blocked(a, t);
        (bool s, bytes memory ret) = _as(a, address(market), abi.encodeCall(IJobMarketExtension.deposit, (t, amount)));
        if (!_check(expected, s, ret, EXPECT, "deposit")) return;
        _credit(a, t, amount);
        gIn[t] += amount;
        gDeposited[t] += amount;
        _done("deposit", SOLVENCY);
    }

    function claim(uint256 aSeed, uint256 tSeed, bool toSelf) external step {
        (address a, address t, bool found) = _pickBalance(aSeed, tSeed);
        if (!found) return;
        address to = _blocked(a, t) && !toSelf ? rescue : a;
        _claim(a, t, to, _blocked(to, t) ? EXPECT : EXIT);
    }

    function withdraw(uint256 aSeed, uint256 tSeed, uint256 amount) external step {
        (address a, address t, bool found) = _pickBalance(aSeed, tSeed);
        if (!found) return;
        uint256 available = gClaimable[a][t];
        bool over = amount % 16 == 0; // sometimes ask for more than the balance
        amount = over ? available + 1 + amount % 1000 : bound(amount, 1, available);
        address to = _blocked(a, t) ? rescue : a;
        uint256 before = _balanceOf(t, to);
        (bool s, bytes memory ret) =
            _as(a, address(market), abi.encodeCall(IJobMarketExtension.withdraw, (t, amount, to)));
        if (!_check(!over, s, ret, over ? EXPECT : EXIT, "withdraw")) return;
        if (_balanceOf(t, to) - before != amount) _flag(SOLVENCY, "withdraw: recipient got another amount");
        _debit(a, t, amount);
        _forwardFees(a, t);
        gOut[t] += amount;
        gClaimed[t] += amount;
        _done("withdraw", SOLVENCY);
    }

    /// @notice Anyone moves a provider's owed fees to the treasury accrual.
    function collectFees(uint256 pSeed, uint256 tSeed, uint256 callerSeed) external step {
        address p = providers[pSeed % providers.length];
        address t = tokens[tSeed % tokens.length];
        for (uint256 k; k < tokens.length * providers.length; ++k) {
            if (gFeesOwed[p][t] != 0) break;
            p = providers[(pSeed + k / tokens.length) % providers.length];
            t = tokens[(tSeed + k) % tokens.length];
        }
        _collectFees(p, t, accounts[callerSeed % accounts.length], EXPECT);
    }

    /// @dev An account and token with a balance, scanning from the seeds (or none).
    function _pickBalance(uint256 aSeed, uint256 tSeed) internal view returns (address, address, bool) {
        uint256 na = accounts.length;
        uint256 nt = tokens.length;
        for (uint256 k; k < na * nt; ++k) {
            address a = accounts[(aSeed + k / nt) % na];
            address t = tokens[(tSeed + k) % nt];
            if (gClaimable[a][t] != 0) return (a, t, true);
        }
        return (address(0), address(0), false);
    }

    function sweepToTreasury(uint256 tSeed, uint256 callerSeed) external step {
        address t = tokens[tSeed % tokens.length];
        for (uint256 k; k < tokens.length && gAccrued[t] == 0; ++k) {
            t = tokens[(tSeed + k) % tokens.length];
        }
        _sweep(t, accounts[callerSeed % accounts.length]);
    }

    /// @notice Tokens sent to the market without a call: never owed to anyone.
    function donate(uint256 tSeed, uint256 amount) external step {
        address t = tokens[tSeed % tokens.length];
        amount = bound(amount, 1, 10 * _unit(t));
        if (!_fund(address(this), t, amount)) return;
        IERC20(t).safeTransfer(address(market), amount);
        gDonated[t] += amount;
        _ok("donate");
    }

    // ================================================================== actions: environment

    function warp(uint256 seed) external step {
        uint256 r = seed % 10;
        uint256 dt = r < 6 ? bound(seed >> 8, 1 minutes, 6 hours)
            : r < 9 ? bound(seed >> 8, 6 hours, 3 days)
            : bound(seed >> 8, 3 days, 20 days);
        gTime += dt;
        vm.warp(gTime);
        _ok("warp");
    }

    function blocklist(uint256 aSeed, bool blocked) external step {
        address a = accounts[aSeed % accounts.length];
        if (blocked) usdc.blocklist(a);
        else usdc.unblock(a);
        _ok(blocked ? "blocklist" : "unblock");
    }

    function setOffer(uint256 pSeed, uint256 mSeed, uint256 tSeed, uint256 price, bool active) external step {
        address p = providers[pSeed % providers.length];
        address t = tokens[tSeed % tokens.length];
        price = bound(price, 1, 10 * _unit(t));
        (bool s, bytes memory ret) = _as(
            p,
            address(market),
            abi.encodeCall(IJobMarketExtension.setOffer, (models[mSeed % models.length], t, uint96(price), 60, active))
        );
        if (_check(true, s, ret, EXPECT, "setOffer")) _ok("setOffer");
    }

    function setOffersPaused(uint256 pSeed, bool paused) external step {
        address p = providers[pSeed % providers.length];
        (bool s, bytes memory ret) =
            _as(p, address(market), abi.encodeCall(IJobMarketExtension.setOffersPaused, (paused)));
        if (_check(true, s, ret, EXPECT, "setOffersPaused")) _ok("setOffersPaused");
    }

    function rotateSigner(uint256 pSeed, uint256 kSeed) external step {
        address p = providers[pSeed % providers.length];
        ProviderGhost storage pg = gp[p];
        uint8 k = uint8(kSeed % SIGNER_KEYS);
        // A key may rotate only after the previous key's evidence window (`signerChangedAt +
        // thawingPeriod`, inclusive) has passed, so a rotation never pushes usable evidence out.
        bool expected = k == pg.signerIdx || !pg.hasPrev || gTime > pg.signerChangedAt + gThawing;
        (bool s, bytes memory ret) = _as(
            p,
            address(market),
            abi.encodeCall(IJobMarketExtension.updateProvider, (vm.addr(_signerKey(pg.index, k)), "https://rotated.example"))
        );
        if (!_check(expected, s, ret, EXPECT, "rotateSigner")) return;
        if (k != pg.signerIdx) {
            pg.prevIdx = pg.signerIdx;
            pg.hasPrev = true;
            pg.signerChangedAt = gTime;
            pg.signerIdx = k;
        }
        _ok("rotateSigner");
    }

    // ================================================================== actions: governance

    function setParams(uint256 seed, uint256 a, uint256 b, uint256 c) external step {
        Params memory n = _paramsFrom(seed, a, b, c);
        (bool valid, bytes4 why) = _paramsVerdict(n, gThawing);
        (bool s, bytes memory ret) = _as(address(this), address(market), abi.encodeCall(IJobMarketExtension.setParams, (n)));
        if (!_check(valid, s, ret, PARAMS, "setParams")) {
            if (!valid && !s && bytes4(ret) != why) _flag(PARAMS, "setParams: reverted with another error");
            return;
        }
        ++gVersion;
        gParamsAt[gVersion] = n;
        _ok("setParams");
    }

    function setThawingPeriod(uint256 v) external step {
        Params memory cur = gParamsAt[gVersion];
        uint256 required = uint256(cur.challengeWindow) + cur.disputeResolutionPeriod + 48 hours;
        v = v % 8 == 0 ? bound(v >> 3, 0, type(uint32).max) : bound(v >> 3, required - 1 days, 29 days);
        bool valid = v <= 28 days && v >= required;
        bytes4 why = v > 28 days
            ? IJobMarketErrors.ParamOutOfBounds.selector
            : IJobMarketErrors.ThawingPeriodTooShort.selector;
        (bool s, bytes memory ret) =
            _as(address(this), address(market), abi.encodeCall(IJobMarketExtension.setThawingPeriod, (uint32(v))));
        if (!_check(valid, s, ret, PARAMS, "setThawingPeriod")) {
            if (!valid && !s && bytes4(ret) != why) _flag(PARAMS, "setThawingPeriod: reverted with another error");
            return;
        }
        gThawing = v;
        _ok("setThawingPeriod");
    }

    function setMinStake(uint256 v) external step {
        v = v % 8 == 0 ? bound(v >> 3, 0, type(uint96).max) : bound(v >> 3, 0, 2_000e18);
        bool valid = v <= 1e27;
        (bool s, bytes memory ret) =
            _as(address(this), address(market), abi.encodeCall(IJobMarketExtension.setMinStake, (uint96(v))));
        if (!_check(valid, s, ret, PARAMS, "setMinStake")) return;
        gMinStake = v;
        _ok("setMinStake");
    }

    /// @notice The guardian pauses for a few calls, then governance unpauses. Exits, submissions,
    ///         disputes and settlement must stay open while paused.
    function togglePause(uint256 seed) external step {
        if (gPaused || seed % 2 == 0) return;
        unpauseAtCall = totalCalls + bound(seed, 1, 8);
        _togglePause();
    }

    uint256 internal unpauseAtCall;

    function _togglePause() internal {
        bytes memory call = gPaused
            ? abi.encodeCall(IJobMarketExtension.unpause, ())
            : abi.encodeCall(IJobMarketExtension.pause, ());
        (bool s, bytes memory ret) = _as(gPaused ? address(this) : guardian, address(market), call);
        if (!_check(true, s, ret, PARAMS, "pause/unpause")) return;
        gPaused = !gPaused;
        _ok(gPaused ? "pause" : "unpause");
    }

    // ================================================================== exit liveness (invariant 6)

    /// @notice Settles everything and gets everyone's money out: expires or cancels every open
    ///         job, finalizes every submitted one, cancels every dispute, sweeps fees, withdraws
    ///         every stake (thawing past every period) and claims every balance (blocklisted
    ///         accounts to a rescue address). Every step must succeed; at the end the market must
    ///         hold exactly what was donated to it. Violations are flagged as EXIT.
    /// @dev Not a fuzz target. Called from `invariant_exitLiveness` (state discarded) and from
    ///      `afterInvariant` (state kept).
    function exitAll() external {
        vm.warp(gTime);
        delete touchedA;
        delete touchedT;
        delete touchedP;
        uint256 len = jobs.length;
        // 1. Past every deadline, challenge window and resolution deadline.
        uint256 end = gTime;
        for (uint256 j; j < len; ++j) {
            JobStatus st = gj[j].status;
            uint256 t;
            if (st == JobStatus.Created || st == JobStatus.Accepted) t = jobs[j].deadline;
            else if (st == JobStatus.Submitted) t = gj[j].submittedAt + _snap(j).challengeWindow;
            else if (st == JobStatus.Disputed) t = gj[j].disputeDeadline;
            if (t + 1 > end) end = t + 1;
        }
        _warpTo(end);
        for (uint256 j; j < len; ++j) {
            JobStatus st = gj[j].status;
            if (st == JobStatus.Created) {
                if (j % 2 == 0) _cancel(j, jobs[j].client);
                else _expire(j, keeper);
            } else if (st == JobStatus.Accepted) {
                _expire(j, keeper);
            } else if (st == JobStatus.Submitted) {
                _finalize(j, keeper);
            } else if (st == JobStatus.Disputed) {
                _cancelDispute(j, keeper);
            }
        }
        // 2. Every stake out: mature the queue, withdraw, unstake the rest, wait, withdraw.
        end = gTime;
        for (uint256 i; i < providers.length; ++i) {
            ProviderGhost storage pg = gp[providers[i]];
            for (uint8 h = pg.head; h != pg.tail;) {
                uint256 t = gThaw[providers[i]][h].readyAt;
                if (t > end) end = t;
                unchecked {
                    ++h;
                }
            }
        }
        _warpTo(end);
        for (uint256 i; i < providers.length; ++i) {
            address p = providers[i];
            if (gp[p].head != gp[p].tail) _withdrawStake(p);
            if (gp[p].locked != 0) _flag(EXIT, "exit: collateral still locked after every job settled");
            if (gp[p].staked != 0) _requestUnstake(p, gp[p].staked, EXIT);
        }
        _warpTo(gTime + gThawing);
        for (uint256 i; i < providers.length; ++i) {
            address p = providers[i];
            if (gp[p].head != gp[p].tail) _withdrawStake(p);
        }
        // 3. Fees owed forwarded, fees and slash remainders swept to the treasury's balance.
        for (uint256 i; i < providers.length; ++i) {
            for (uint256 k; k < tokens.length; ++k) {
                if (gFeesOwed[providers[i]][tokens[k]] != 0) _collectFees(providers[i], tokens[k], keeper, EXIT);
            }
        }
        for (uint256 k; k < tokens.length; ++k) {
            if (gAccrued[tokens[k]] != 0) _sweep(tokens[k], keeper);
        }
        // 4. Every balance out.
        for (uint256 i; i < accounts.length; ++i) {
            for (uint256 k; k < tokens.length; ++k) {
                address a = accounts[i];
                address t = tokens[k];
                if (gClaimable[a][t] != 0) _claim(a, t, _blocked(a, t) ? rescue : a, EXIT);
            }
        }
        // 5. Nothing is owed and nothing is left but donations.
        for (uint256 k; k < tokens.length; ++k) {
            address t = tokens[k];
            if (_balanceOf(t, address(market)) != gDonated[t]) {
                _flag(EXIT, string.concat("exit: market still holds ", Strings.toString(_balanceOf(t, address(market))), " of a token, donated ", Strings.toString(gDonated[t])));
            }
            if (market.treasuryAccrued(t) != 0) _flag(EXIT, "exit: fees left unswept");
            for (uint256 i; i < accounts.length; ++i) {
                if (market.claimable(accounts[i], t) != 0) _flag(EXIT, "exit: a balance is left");
                if (market.feesOwed(accounts[i], t) != 0) _flag(EXIT, "exit: fees left owed");
            }
        }
        for (uint256 i; i < providers.length; ++i) {
            ProviderInfo memory info = market.provider(providers[i]);
            if (info.staked != 0 || info.thawing != 0 || info.locked != 0) _flag(EXIT, "exit: stake is left");
        }
    }

    // ================================================================== shared steps (actions and exit)

    function _requestUnstake(address p, uint256 amount, uint256 cat) internal {
        ProviderGhost storage pg = gp[p];
        uint256 free = pg.staked - pg.locked;
        if (free == 0) return;
        amount = bound(amount, 1, free);
        bool expected;
        unchecked {
            expected = uint8(pg.tail - pg.head) < MAX_THAWS;
        }
        (bool s, bytes memory ret) = _as(p, address(market), abi.encodeCall(IJobMarketCore.requestUnstake, (amount)));
        if (!_check(expected, s, ret, cat, "requestUnstake")) return;
        gThaw[p][pg.tail] = Thaw(amount, gTime + gThawing);
        unchecked {
            ++pg.tail;
        }
        pg.staked -= amount;
        pg.thawing += amount;
        _touchP(p);
        _done("requestUnstake", STAKE);
    }

    function _withdrawStake(address p) internal {
        ProviderGhost storage pg = gp[p];
        uint8 h = pg.head;
        uint256 amount;
        while (h != pg.tail && gThaw[p][h].readyAt <= gTime) {
            amount += gThaw[p][h].amount;
            unchecked {
                ++h;
            }
        }
        // Requests behind an unmatured one stay queued (FIFO); count the matured ones among them.
        for (uint8 k = h; k != pg.tail;) {
            if (gThaw[p][k].readyAt <= gTime && gThaw[p][k].amount != 0) ++gMaturedButQueued;
            unchecked {
                ++k;
            }
        }
        bool expected = h != pg.head;
        uint256 before = _balanceOf(stakeToken, p);
        (bool s, bytes memory ret) = _as(p, address(market), abi.encodeCall(IJobMarketCore.withdrawStake, ()));
        if (!_check(expected, s, ret, EXIT, "withdrawStake")) return;
        if (abi.decode(ret, (uint256)) != amount) _flag(STAKE, "withdrawStake: returned another amount");
        if (_balanceOf(stakeToken, p) - before != amount) _flag(SOLVENCY, "withdrawStake: provider got another amount");
        _lowerStake(p, amount, false);
        for (uint8 k = pg.head; k != h;) {
            delete gThaw[p][k];
            unchecked {
                ++k;
            }
        }
        pg.head = h;
        pg.thawing -= amount;
        gOut[stakeToken] += amount;
        gStakeOut += amount;
        _touchP(p);
        _done("withdrawStake", STAKE);
    }

    function _finalize(uint256 j, address caller) internal {
        Job memory job = jobs[j];
        bool afterWindow = gTime > gj[j].submittedAt + _snap(j).challengeWindow;
        bool expected = caller == job.client || afterWindow;
        (bool s, bytes memory ret) = _as(caller, address(market), abi.encodeCall(IJobMarketCore.finalizeJob, (job)));
        if (!_check(expected, s, ret, afterWindow ? EXIT : EXPECT, "finalizeJob")) return;
        _modelResultStands(j);
        _done("finalizeJob", SETTLE);
    }

    function _expire(uint256 j, address caller) internal {
        Job memory job = jobs[j];
        JobGhost storage g = gj[j];
        bool late = gTime > job.deadline;
        bool jailed = g.status == JobStatus.Accepted && market.provider(g.provider).jailedUntil > gTime;
        bool expected = late || jailed;
        (bool s, bytes memory ret) = _as(caller, address(market), abi.encodeCall(IJobMarketCore.expireJob, (job)));
        if (!_check(expected, s, ret, late ? EXIT : EXPECT, "expireJob")) return;
        if (g.status == JobStatus.Accepted) {
            if (late) {
                Params memory snap = _snap(j);
                uint256 slash = uint256(job.collateral) * snap.livenessSlashBps / snap.collateralRatioBps;
                _lowerStake(g.provider, slash, true);
                gp[g.provider].staked -= slash;
                _credit(job.client, stakeToken, slash);
                g.slashed = slash;
                g.livenessPaid = slash;
                ++g.slashCount;
                gSlashedLiveness += slash;
            }
            gp[g.provider].locked -= job.collateral;
            _touchP(g.provider);
        }
        _modelRefund(j, JobStatus.Expired);
        _done("expireJob", SETTLE);
    }

    function _cancel(uint256 j, address caller) internal {
        Job memory job = jobs[j];
        bool byClient = caller == job.client;
        (bool s, bytes memory ret) = _as(caller, address(market), abi.encodeCall(IJobMarketCore.cancelJob, (job)));
        if (!_check(byClient, s, ret, byClient ? EXIT : OWNER, "cancelJob")) return;
        _modelRefund(j, JobStatus.Cancelled);
        _done("cancelJob", SETTLE);
    }

    function _resolve(uint256 j, Outcome outcome) internal {
        Job memory job = jobs[j];
        bool expected = gTime <= gj[j].disputeDeadline;
        (bool s, bytes memory ret) =
            _as(arbitrator, address(verifier), abi.encodeCall(ArbitratedVerifier.rule, (job, outcome, "ipfs://ruling")));
        if (!_check(expected, s, ret, EXPECT, "rule")) return;
        JobGhost storage g = gj[j];
        if (outcome == Outcome.Upheld) {
            _returnBond(j);
            _modelFraudSlash(j, g.challenger);
            _done("ruleUpheld", SLASH);
        } else {
            if (outcome == Outcome.Rejected) {
                uint256 kept = g.bond * _snap(j).disputeFeeBps / BPS;
                gAccrued[job.token] += kept;
                _credit(g.provider, job.token, g.bond - kept);
                gBonds[job.token] -= g.bond;
            } else {
                _returnBond(j);
            }
            _modelResultStands(j);
            _done(outcome == Outcome.Rejected ? "ruleRejected" : "ruleDraw", SETTLE);
        }
    }

    function _cancelDispute(uint256 j, address caller) internal {
        Job memory job = jobs[j];
        bool expected = gTime > gj[j].disputeDeadline;
        (bool s, bytes memory ret) =
            _as(caller, address(market), abi.encodeCall(IJobMarketExtension.cancelDispute, (job)));
        if (!_check(expected, s, ret, expected ? EXIT : EXPECT, "cancelDispute")) return;
        _returnBond(j);
        _modelResultStands(j);
        _done("cancelDispute", SETTLE);
    }

    function _claim(address a, address t, address to, uint256 cat) internal {
        uint256 amount = gClaimable[a][t];
        bool expected = amount != 0 && !_blocked(to, t);
        uint256 before = _balanceOf(t, to);
        (bool s, bytes memory ret) = _as(a, address(market), abi.encodeCall(IJobMarketExtension.claim, (t, to)));
        if (!_check(expected, s, ret, cat, "claim")) return;
        if (abi.decode(ret, (uint256)) != amount) _flag(SOLVENCY, "claim: returned another amount than the balance");
        if (_balanceOf(t, to) - before != amount) _flag(SOLVENCY, "claim: recipient got another amount");
        _debit(a, t, amount);
        _forwardFees(a, t);
        gOut[t] += amount;
        gClaimed[t] += amount;
        _done(to == rescue ? "claimToRescue" : "claim", SOLVENCY);
    }

    function _collectFees(address p, address t, address caller, uint256 cat) internal {
        uint256 amount = gFeesOwed[p][t];
        (bool s, bytes memory ret) =
            _as(caller, address(market), abi.encodeCall(IJobMarketExtension.collectFees, (p, t)));
        if (!_check(amount != 0, s, ret, amount != 0 ? cat : EXPECT, "collectFees")) return;
        if (abi.decode(ret, (uint256)) != amount) _flag(SETTLE, "collectFees: returned another amount");
        _forwardFees(p, t);
        _done("collectFees", SETTLE);
    }

    function _forwardFees(address a, address t) internal {
        gAccrued[t] += gFeesOwed[a][t];
        gFeesOwed[a][t] = 0;
        _touch(a, t);
    }

    function _sweep(address t, address caller) internal {
        uint256 amount = gAccrued[t];
        (bool s, bytes memory ret) =
            _as(caller, address(market), abi.encodeCall(IJobMarketExtension.sweepToTreasury, (t)));
        if (!_check(amount != 0, s, ret, amount != 0 ? EXIT : EXPECT, "sweepToTreasury")) return;
        if (abi.decode(ret, (uint256)) != amount) _flag(SETTLE, "sweepToTreasury: returned another amount");
        gAccrued[t] = 0;
        _credit(treasury, t, amount);
        _done("sweepToTreasury", SETTLE);
    }

    // ================================================================== model of settlements and slashes

    /// @dev Finalization, or a dispute that leaves the result standing: provider paid price − fee,
    ///      treasury the fee, collateral unlocked.
    function _modelResultStands(uint256 j) internal {
        Job memory job = jobs[j];
        JobGhost storage g = gj[j];
        uint256 feeBps = _snap(j).protocolFeeBps;
        uint256 fee = uint256(job.price) * feeBps / BPS;
        uint256 payout = job.price - fee;
        if (feeBps > maxFeeBpsSeen) maxFeeBpsSeen = feeBps;
        _credit(g.provider, job.token, payout);
        gFeesOwed[g.provider][job.token] += fee;
        _touch(g.provider, job.token);
        gp[g.provider].locked -= job.collateral;
        gEscrow[job.token] -= job.price;
        g.payout = payout;
        g.fee = fee;
        ++g.settleCount;
        g.settledAt = gTime;
        _touchP(g.provider);
        _setStatus(j, JobStatus.Finalized);
    }

    /// @dev Expiry, cancellation or fraud before settlement: the client gets the whole price back.
    function _modelRefund(uint256 j, JobStatus to) internal {
        Job memory job = jobs[j];
        _credit(job.client, job.token, job.price);
        gEscrow[job.token] -= job.price;
        gj[j].refund = job.price;
        ++gj[j].settleCount;
        gj[j].settledAt = gTime;
        _setStatus(j, to);
    }

    function _returnBond(uint256 j) internal {
        JobGhost storage g = gj[j];
        address t = jobs[j].token;
        _credit(g.challenger, t, g.bond);
        gBonds[t] -= g.bond;
    }

    /// @dev Fraud proven before settlement: the whole collateral is slashed from the lock, the
    ///      beneficiary gets `challengerShareBps` of it, the treasury the rest, the client a refund.
    function _modelFraudSlash(uint256 j, address beneficiary) internal {
        Job memory job = jobs[j];
        JobGhost storage g = gj[j];
        uint256 slashed = job.collateral;
        _lowerStake(g.provider, slashed, true);
        gp[g.provider].locked -= slashed;
        gp[g.provider].staked -= slashed;
        _touchP(g.provider);
        _split(j, beneficiary, slashed);
        _modelRefund(j, JobStatus.Slashed);
    }

    /// @dev Equivocation after finalization: up to the collateral, from free stake first, then from
    ///      thaw requests newest first; never from other jobs' locks. No refund: the client was served.
    function _modelSlashAfterSettlement(uint256 j, address reporter) internal {
        Job memory job = jobs[j];
        address p = gj[j].provider;
        ProviderGhost storage pg = gp[p];
        uint256 amount = job.collateral;
        uint256 free = pg.staked - pg.locked;
        uint256 fromFree = amount < free ? amount : free;
        pg.staked -= fromFree;
        uint256 slashed = fromFree;
        uint8 i = pg.tail;
        while (slashed < amount && i != pg.head) {
            unchecked {
                --i;
            }
            uint256 need = amount - slashed;
            uint256 take = gThaw[p][i].amount < need ? gThaw[p][i].amount : need;
            gThaw[p][i].amount -= take;
            slashed += take;
        }
        pg.thawing -= slashed - fromFree;
        _lowerStake(p, slashed, true);
        _touchP(p);
        gj[j].postSettlementSlash = true;
        _split(j, reporter, slashed);
        _setStatus(j, JobStatus.Slashed);
    }

    function _split(uint256 j, address beneficiary, uint256 slashed) internal {
        JobGhost storage g = gj[j];
        uint256 reward = slashed * _snap(j).challengerShareBps / BPS;
        _credit(beneficiary, stakeToken, reward);
        gAccrued[stakeToken] += slashed - reward;
        g.slashed = slashed;
        g.reward = reward;
        g.treasuryShare = slashed - reward;
        ++g.slashCount;
        gSlashedFraud += slashed;
        gRewards += reward;
        gTreasuryShares += slashed - reward;
    }

    function _recordSubmission(uint256 j, bytes32 out, bytes memory sig) internal {
        gj[j].output = out;
        gj[j].submittedAt = gTime;
        ++gj[j].submitCount;
        submittedSig[j] = sig;
        _setStatus(j, JobStatus.Submitted);
    }

    /// @dev The only transitions DESIGN.md allows. Finalized → Slashed is the post-settlement
    ///      equivocation slash (the payout stands; the provider's stake pays).
    function _setStatus(uint256 j, JobStatus to) internal {
        JobStatus from = gj[j].status;
        bool allowed = (from == JobStatus.Created
                && (to == JobStatus.Accepted || to == JobStatus.Submitted || to == JobStatus.Expired
                    || to == JobStatus.Cancelled))
            || (from == JobStatus.Accepted
                && (to == JobStatus.Submitted || to == JobStatus.Expired || to == JobStatus.Slashed))
            || (from == JobStatus.Submitted
                && (to == JobStatus.Disputed || to == JobStatus.Finalized || to == JobStatus.Slashed))
            || (from == JobStatus.Disputed && (to == JobStatus.Finalized || to == JobStatus.Slashed))
            || (from == JobStatus.Finalized && to == JobStatus.Slashed);
        if (!allowed) _flag(SETTLE, "a job moved to a state that does not follow its current one");
        gj[j].status = to;
    }

    // ================================================================== ghost balances

    function _credit(address a, address t, uint256 amount) internal {
        gClaimable[a][t] += amount;
        _touch(a, t);
    }

    /// @dev Only the account itself lowers its balance (invariant 9).
    function _debit(address a, address t, uint256 amount) internal {
        if (a != actor) _flag(OWNER, "a balance was lowered by a call its owner did not make");
        gClaimable[a][t] -= amount;
        _touch(a, t);
    }

    /// @dev Only the provider itself, or a settled slash, lowers its stake (invariant 9).
    function _lowerStake(address p, uint256 amount, bool bySlash) internal {
        if (amount != 0 && !bySlash && p != actor) _flag(OWNER, "a stake was lowered by someone else");
    }

    function _touch(address a, address t) internal {
        touchedA.push(a);
        touchedT.push(t);
    }

    function _touchP(address p) internal {
        touchedP.push(p);
    }

    /// @dev After a successful action: what it touched must equal the model.
    function _verify(uint256 cat) internal {
        for (uint256 i; i < touchedA.length; ++i) {
            if (market.claimable(touchedA[i], touchedT[i]) != gClaimable[touchedA[i]][touchedT[i]]) {
                _flag(cat, string.concat(_lastAction, ": a claimable balance differs from the model"));
            }
            if (market.feesOwed(touchedA[i], touchedT[i]) != gFeesOwed[touchedA[i]][touchedT[i]]) {
                _flag(cat, string.concat(_lastAction, ": fees owed differ from the model"));
            }
        }
        for (uint256 i; i < tokens.length; ++i) {
            if (market.treasuryAccrued(tokens[i]) != gAccrued[tokens[i]]) {
                _flag(cat, string.concat(_lastAction, ": treasuryAccrued differs from the model"));
            }
        }
        for (uint256 i; i < touchedP.length; ++i) {
            ProviderInfo memory info = market.provider(touchedP[i]);
            ProviderGhost storage pg = gp[touchedP[i]];
            if (info.staked != pg.staked || info.locked != pg.locked || info.thawing != pg.thawing) {
                _flag(cat == SETTLE || cat == SLASH ? cat : STAKE, string.concat(_lastAction, ": stake differs from the model"));
            }
        }
        delete touchedA;
        delete touchedT;
        delete touchedP;
    }

    string internal _lastAction;

    function _done(string memory action, uint256 cat) internal {
        _lastAction = action;
        _verify(cat);
        _ok(action);
    }

    function _ok(string memory action) internal {
        ++okCalls[keccak256(bytes(action))];
        ++totalOk;
    }

    // ================================================================== expectations

    /// @dev Makes `data` as `caller`. Never reverts.
    function _as(address caller, address target, bytes memory data) internal returns (bool s, bytes memory ret) {
        actor = caller;
        if (caller != address(this)) vm.prank(caller);
        (s, ret) = target.call(data);
    }

    /// @dev Records a violation in `cat` if the outcome differs from the expectation. Returns
    ///      whether the call succeeded (so the model follows what really happened).
    function _check(bool expected, bool succeeded, bytes memory ret, uint256 cat, string memory what)
        internal
        returns (bool)
    {
        if (expected && !succeeded) {
            _flag(cat, string.concat(what, ": reverted unexpectedly with ", _selectorOf(ret)));
        } else if (!expected && succeeded) {
            _flag(cat, string.concat(what, ": succeeded unexpectedly"));
        }
        return succeeded;
    }

    function _mustFail(address caller, bytes memory data, string memory what) internal {
        _mustFailCat(caller, address(market), data, SIG, what);
    }

    function _mustFailCat(address caller, address target, bytes memory data, uint256 cat, string memory what) internal {
        (bool s,) = _as(caller, target, data);
        if (s) _flag(cat, what);
    }

    function _flag(uint256 cat, string memory what) internal {
        if (flags[cat] == 0) firstFlag[cat] = what;
        ++flags[cat];
    }

    function _selectorOf(bytes memory ret) internal pure returns (string memory) {
        if (ret.length < 4) return "no data";
        return Strings.toHexString(uint256(uint32(bytes4(ret))), 4);
    }

    // ================================================================== eligibility (pre-checks)

    function _canLock(address p, uint256 collateral) internal view returns (bool) {
        ProviderGhost storage pg = gp[p];
        return market.provider(p).jailedUntil <= gTime && pg.staked >= gMinStake && collateral <= pg.staked - pg.locked;
    }

    function _offerOk(address p, Job memory job) internal view returns (bool) {
        Offer memory o = market.offer(p, job.model);
        return !market.provider(p).offersPaused && o.active && o.token == job.token && o.price <= job.price;
    }

    function _evidenceValid(address p, uint8 k) internal view returns (bool) {
        ProviderGhost storage pg = gp[p];
        if (k == pg.signerIdx) return true;
        return pg.hasPrev && k == pg.prevIdx && gTime <= pg.signerChangedAt + gThawing;
    }

    function _verifierOf(ModelId m) internal view returns (address) {
        for (uint256 i; i < models.length; ++i) {
            if (ModelId.unwrap(models[i]) == ModelId.unwrap(m)) {
                return determinismOf[i] == Determinism.NONE ? address(0) : address(verifier);
            }
        }
        return address(0);
    }

    /// @dev DESIGN.md's bounds, written independently of the implementation. Returns the error the
    ///      market must raise when they are broken.
    function _paramsVerdict(Params memory n, uint256 thawing) internal pure returns (bool valid, bytes4 why) {
        bool inBounds = n.challengeWindow >= 1 hours && n.challengeWindow <= 72 hours
            && n.disputeResolutionPeriod >= 1 days && n.disputeResolutionPeriod <= 14 days
            && n.collateralRatioBps >= 10_000 && n.collateralRatioBps <= 1_000_000 && n.protocolFeeBps <= 1_000
            && n.challengerShareBps <= 5_000 && n.livenessSlashBps <= n.collateralRatioBps
            && n.bondRatioBps >= 10_000 && n.bondRatioBps <= 1_000_000 && n.disputeFeeBps <= 5_000;
        if (!inBounds) return (false, IJobMarketErrors.ParamOutOfBounds.selector);
        if (thawing < uint256(n.challengeWindow) + n.disputeResolutionPeriod + 48 hours) {
            return (false, IJobMarketErrors.ThawingPeriodTooShort.selector);
        }
        return (true, bytes4(0));
    }

    /// @dev In bounds most of the time (sized to fit the current thawing period when it can),
    ///      otherwise one field just past a bound, or raw random values.
    function _paramsFrom(uint256 seed, uint256 a, uint256 b, uint256 c) internal view returns (Params memory n) {
        n.challengeWindow = uint32(bound(a, 1 hours, 72 hours));
        uint256 roomForResolution = gThawing > n.challengeWindow + 48 hours + 1 days
            ? gThawing - n.challengeWindow - 48 hours
            : 1 days;
        if (roomForResolution > 14 days) roomForResolution = 14 days;
        n.disputeResolutionPeriod = uint32(bound(a >> 32, 1 days, seed % 5 == 0 ? 14 days : roomForResolution));
        n.collateralRatioBps = uint32(bound(b, 10_000, 1_000_000));
        n.protocolFeeBps = uint16(bound(b >> 32, 0, 1_000));
        n.challengerShareBps = uint16(bound(b >> 64, 0, 5_000));
        n.livenessSlashBps = uint32(bound(b >> 96, 0, n.collateralRatioBps));
        n.bondRatioBps = uint32(bound(c, 10_000, 1_000_000));
        n.disputeFeeBps = uint16(bound(c >> 32, 0, 5_000));
        uint256 mode = seed % 32; // 10 of 32 break a bound
        if (mode == 0) n.challengeWindow = uint32(1 hours - 1);
        else if (mode == 1) n.challengeWindow = uint32(72 hours + 1);
        else if (mode == 2) n.disputeResolutionPeriod = uint32(1 days - 1);
        else if (mode == 3) n.collateralRatioBps = 10_000 - 1;
        else if (mode == 4) n.protocolFeeBps = 1_001;
        else if (mode == 5) n.challengerShareBps = 5_001;
        else if (mode == 6) n.livenessSlashBps = n.collateralRatioBps + 1;
        else if (mode == 7) n.bondRatioBps = 1_000_001;
        else if (mode == 8) n.disputeFeeBps = 5_001;
        else if (mode == 9) {
            n = Params(uint32(a), uint32(a >> 32), uint32(b), uint16(b >> 32), uint16(b >> 48), uint32(b >> 64), uint32(c), uint16(c >> 32));
        }
    }

    // ================================================================== tokens

    function _unit(address t) internal view returns (uint256) {
        return t == address(usdc) ? 1e6 : 1e18;
    }

    function _price(uint256 seed, address t) internal view returns (uint256) {
        if (seed % 8 == 0) return bound(seed >> 3, 1, 1_000); // dust: rounding edges
        return bound(seed >> 3, _unit(t) / 100, 100 * _unit(t));
    }

    function _deadline(uint256 seed) internal view returns (uint256) {
        uint256 r = seed % 16;
        if (r == 0) return gTime + bound(seed >> 4, 30 days + 1, 31 days); // too far
        if (r == 1) return gTime + 30 days; //                                 the furthest allowed
        return gTime + bound(seed >> 4, 1, 2 days);
    }

    function _blocked(address a, address t) internal view returns (bool) {
        return t == address(usdc) && usdc.isBlocklisted(a);
    }

    function _balanceOf(address t, address a) internal view returns (uint256) {
        return IERC20(t).balanceOf(a);
    }

    /// @dev Gives `to` at least `amount` of `t`: mints mock tokens, or pays the stake token from the stash.
    function _fund(address to, address t, uint256 amount) internal returns (bool) {
        uint256 have = _balanceOf(t, to);
        if (have >= amount) return true;
        if (t == stakeToken) {
            IERC20(t).safeTransfer(to, amount - have);
            return true;
        }
        (bool s,) = t.call(abi.encodeWithSignature("mint(address,uint256)", to, amount - have));
        return s;
    }

    function _approve(address owner, address t, uint256 amount) internal returns (bool s) {
        vm.prank(owner);
        (s,) = t.call(abi.encodeWithSelector(IERC20.approve.selector, address(market), amount));
    }

    function _approveAll(address owner) internal {
        for (uint256 i; i < tokens.length; ++i) {
            _approve(owner, tokens[i], type(uint256).max);
        }
    }

    /// @dev A failed permit path may have left a client's allowance at zero; approve-path calls restore it.
    function _ensureAllowance(address owner, address t) internal {
        if (_hasPermit(t)) _approve(owner, t, type(uint256).max);
    }

    function _hasPermit(address t) internal view returns (bool) {
        (bool s,) = t.staticcall(abi.encodeWithSelector(IERC20Permit.DOMAIN_SEPARATOR.selector));
        return s;
    }

    /// @dev The client's allowance is zeroed, so only the signed permit can pay for the job.
    function _permitCall(CreateCtx memory x, JobRequest memory r) internal returns (bytes memory) {
        _approve(x.client, r.token, 0);
        uint256 deadline = gTime + 1 hours;
        bytes32 digest = SigUtils.permitDigest(IERC20Permit(r.token), x.client, address(market), r.price, deadline);
        (uint8 v, bytes32 rr, bytes32 ss) = vm.sign(clientKeys[x.clientIdx], digest);
        return abi.encodeCall(IJobMarketCore.createJobWithPermit, (r, x.input, deadline, v, rr, ss));
    }

    // ================================================================== signatures

    function _signerKey(uint256 providerIdx, uint256 k) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode("depinfer.signer", providerIdx, k)));
    }

    function _currentKey(address p) internal view returns (uint256) {
        return _signerKey(gp[p].index, gp[p].signerIdx);
    }

    /// @dev EIP-712 attestation, with the digest built here from DESIGN.md's fields rather than read
    ///      from the market.
    function _attest(uint256 key, Job memory job, bytes32 out, address p) internal view returns (bytes memory) {
        bytes32 domain = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("Depinfer"),
                keccak256("1"),
                block.chainid,
                address(market)
            )
        );
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256("Attestation(bytes32 jobId,bytes32 model,bytes32 inputHash,bytes32 outputHash,address provider)"),
                keccak256(abi.encode(job)),
                job.model,
                job.inputHash,
                out,
                p
            )
        );
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, keccak256(abi.encodePacked(hex"1901", domain, structHash)));
        return abi.encodePacked(r, s, v);
    }

    /// @dev The other valid-looking encoding of the same signature: s' = n − s, v flipped.
    function _malleate(bytes memory sig) internal pure returns (bytes memory) {
        bytes32 r;
        bytes32 s;
        uint8 v;
        assembly {
            r := mload(add(sig, 32))
            s := mload(add(sig, 64))
            v := byte(0, mload(add(sig, 96)))
        }
        return abi.encodePacked(r, bytes32(SECP256K1_N - uint256(s)), v == 27 ? uint8(28) : uint8(27));
    }

    // ================================================================== job selection

    function _mask(JobStatus s) internal pure returns (uint256) {
        return 1 << uint8(s);
    }

    function _pick(uint256 seed, uint256 mask) internal view returns (uint256, bool) {
        uint256 len = jobs.length;
        if (len == 0) return (0, false);
        uint256 start = seed % len;
        for (uint256 k; k < len; ++k) {
            uint256 j = (start + k) % len;
            if (mask & _mask(gj[j].status) != 0) return (j, true);
        }
        return (0, false);
    }

    uint8 internal constant ANY = 0;
    uint8 internal constant LIVE = 1; //        before the deadline
    uint8 internal constant LATE = 2; //        past the deadline
    uint8 internal constant IN_WINDOW = 3; //   inside the challenge window
    uint8 internal constant DIRECT_LIVE = 4; // names a provider, before the deadline

    function _pickWhere(uint256 seed, uint256 mask, uint8 cond) internal view returns (uint256, bool) {
        uint256 len = jobs.length;
        if (len == 0) return (0, false);
        uint256 start = seed % len;
        for (uint256 k; k < len; ++k) {
            uint256 j = (start + k) % len;
            if (mask & _mask(gj[j].status) == 0) continue;
            uint256 deadline = jobs[j].deadline;
            if ((cond == LIVE || cond == DIRECT_LIVE) && gTime > deadline) continue;
            if (cond == LATE && gTime <= deadline) continue;
            if (cond == DIRECT_LIVE && jobs[j].provider == address(0)) continue;
            if (cond == IN_WINDOW && gTime > gj[j].submittedAt + gParamsAt[jobs[j].paramsVersion].challengeWindow) continue;
            return (j, true);
        }
        return (0, false);
    }

    function _pickSubmittedOnce(uint256 seed) internal view returns (uint256, bool) {
        uint256 len = jobs.length;
        uint256 start = seed % len;
        for (uint256 k; k < len; ++k) {
            uint256 j = (start + k) % len;
            if (gj[j].submitCount != 0) return (j, true);
        }
        return (0, false);
    }

    function _snap(uint256 j) internal view returns (Params memory) {
        return gParamsAt[jobs[j].paramsVersion];
    }

    function _warpTo(uint256 t) internal {
        if (t > gTime) gTime = t;
        vm.warp(gTime);
    }

    // ================================================================== views for the invariant test

    function jobCount() external view returns (uint256) {
        return jobs.length;
    }

    function jobAt(uint256 j) external view returns (Job memory) {
        return jobs[j];
    }

    function ghostOf(uint256 j) external view returns (JobGhost memory) {
        return gj[j];
    }

    function providerGhost(address p) external view returns (ProviderGhost memory) {
        return gp[p];
    }

    function ghostParams(uint32 version) external view returns (Params memory) {
        return gParamsAt[version];
    }

    function providerCount() external view returns (uint256) {
        return providers.length;
    }

    function accountCount() external view returns (uint256) {
        return accounts.length;
    }

    function tokenCount() external view returns (uint256) {
        return tokens.length;
    }

    function okCount(string calldata action) external view returns (uint256) {
        return okCalls[keccak256(bytes(action))];
    }

    /// @notice Successful calls per action, as one line (for a failing assertion's message while debugging).
    function stats() external view returns (string memory out) {
        string[32] memory names = [
            "stake", "requestUnstake", "withdrawStake", "createJob", "createJobWithPermit", "createJobFromBalance",
            "acceptJob", "submitResult", "acceptAndSubmit", "finalizeJob", "finalizeJobs", "expireJob", "cancelJob",
            "openDispute", "ruleUpheld", "ruleRejected", "ruleDraw", "cancelDispute", "reportEquivocation",
            "replaySignature", "deposit", "claim", "claimToRescue", "withdraw", "sweepToTreasury", "setParams",
            "setThawingPeriod", "pause", "blocklist", "unauthorized", "collectFees", "rotateSigner"
        ];
        out = string.concat("ok ", Strings.toString(totalOk), "/", Strings.toString(totalCalls), ":");
        for (uint256 i; i < names.length; ++i) {
            out = string.concat(out, " ", names[i], "=", Strings.toString(okCalls[keccak256(bytes(names[i]))]));
        }
    }
}
