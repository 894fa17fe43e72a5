// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";

import {
    IJobMarket,
    IJobMarketCore,
    IJobMarketDisputes,
    IJobMarketErrors,
    IJobMarketEvents,
    IJobMarketExtension,
    IJobMarketTypes
} from "../../../contracts/interfaces/IJobMarket.sol";
import {MockUSDC} from "../../../contracts/mocks/MockUSDC.sol";
import {JobId, ModelId} from "../../../contracts/types/Ids.sol";
import {ArbitratedVerifier} from "../../../contracts/verifiers/ArbitratedVerifier.sol";
import {SigUtils} from "../utils/SigUtils.sol";
import {Test, Vm} from "../utils/Test.sol";

/// @notice A payment-session module as the market sees it in `openSessionFromBalance`: it takes what the market
///         sends and answers the callback. Its own accounting is the sessions suite's (Sessions.invariant.t.sol).
contract SessionSinkModule {
    uint256 public funded;

    function onSessionFunded(address, address, ModelId, address, uint96 amount, IJobMarketTypes.SessionQuote calldata, bytes calldata)
        external
        returns (bytes4, bytes32)
    {
        funded += amount;
        return (this.onSessionFunded.selector, keccak256(abi.encode(funded)));
    }
}

/// @title Invariant handler for the job market
/// @notice Drives the market through bounded actions of several clients, providers (with signer
///         keys), challengers, the arbitrator, a stake-locking module, the guardian and governance,
///         and keeps an independent ghost model of everything the market owes: claimable balances
///         (the verifier module's arbitration fees included), treasury accruals, stakes, locks
///         (jobs and modules), thaw queues, slash debt and jails, escrow and bonds of open jobs,
///         per-job settlement and slash amounts, token flows in and out. The model is written from
///         DESIGN.md, docs/notes on the contract changes and the NatSpec of `IJobMarket`, not from the
///         implementation.
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
    uint256 public constant SPLIT = 4; //    a slash was split other than reward + fee + treasury share
    uint256 public constant STAKE = 5; //    stake, lock, thaw, debt or jail accounting diverged
    uint256 public constant EXIT = 6; //     an exit (refund, finalize, cancel, withdraw, claim) was blocked
    uint256 public constant PARAMS = 7; //   governance accepted an out-of-bounds value or rejected a valid one
    uint256 public constant SIG = 8; //      a signature or evidence was accepted twice or from the wrong key
    uint256 public constant OWNER = 9; //    someone else lowered an account's balance, or an unauthorized call passed
    uint256 public constant ATTACK = 10; //  an attacker's move that must fail succeeded, or a fault paid (invariant 11)
    uint256 public constant CATEGORIES = 11;

    uint256[11] public flags;
    string[11] public firstFlag;

    // ================================================================== deployment

    struct Config {
        IJobMarket market;
        ArbitratedVerifier verifier;
        MockUSDC usdc;
        address stakeToken;
        address[] tokens; //  allow-listed payment tokens (may include the stake token)
        ModelId[] models; //  EXACT, TOLERANT, NONE (all arbitrated), and one that is not registered
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
    /// @notice A stake-locking module (a payment-session module, say), driven by pranks.
    address public module = makeAddr("sessionModule");
    /// @notice A session module that clients fund from their market balance (`openSessionFromBalance`).
    SessionSinkModule public sessionSink = new SessionSinkModule();

    /// @notice The attacker: one provider and the sybil addresses it funds (a client, a challenger).
    ///         One economic party (see `AttackerHandler`); generic actions never fund its addresses.
    address public attacker;
    address public sybilClient;
    uint256 internal sybilClientKey;
    address public sybilChallenger;
    uint256 internal attackerKey;
    mapping(address account => bool) public isAttacker;
    address[] public party;

    address[] public tokens;
    ModelId[] public models;
    bool[] internal modelRegistered;
    address[] public clients;
    uint256[] internal clientKeys;
    address[] public providers;
    address[] public challengers;
    /// @notice Every account that can hold a claimable balance; the verifier module and the treasury come last.
    address[] public accounts;
    mapping(address token => uint256) public bondFloorOf;
    mapping(address token => uint256) public stakeRateOf;

    uint256 internal constant BPS = 10_000;
    uint256 internal constant MAX_SHARE_BPS = 5_000; // DESIGN: a challenger's share of a slash is at most 50 %
    uint256 internal constant MAX_THAWS = 8;
    uint256 internal constant MAX_CHALLENGERS = 4;
    uint256 internal constant MAX_ROTATIONS = 254;
    uint256 internal constant POST_SETTLEMENT_REPORT_WINDOW = 3 days;
    uint256 internal constant FRAUD_JAIL = 30 days;
    uint256 internal constant LIVENESS_JAIL = 24 hours;
    uint256 internal constant MAX_LATENCY = 60; // every offer the handler sets
    uint256 internal constant SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;

    // ================================================================== ghost model

    struct ProviderGhost {
        uint256 index;
        uint256 staked;
        uint256 locked; //          collateral of open jobs + module locks
        uint256 thawing;
        uint256 debt; //            slash debt
        uint256 jailedUntil;
        uint256 missWindowStart;
        uint256 misses;
        uint8 head;
        uint8 tail;
        uint8 signerEpoch; //       key index k became the signer at epoch k (keys are never reused)
    }

    struct Thaw {
        uint256 amount;
        uint256 readyAt;
    }

    struct JobGhost {
        JobStatus status;
        address provider;
        address[4] challengers; //   first opener first
        uint8 nChallengers;
        uint8 signerEpoch; //        the provider's epoch at acceptance
        uint256 bond; //             each challenger's bond
        uint256 submittedAt;
        uint256 settledAt;
        uint256 disputeDeadline;
        bytes32 output;
        uint8 settleCount; //        escrow settlements (payout or refund)
        uint8 slashCount;
        uint8 submitCount;
        uint8 equivocationCount;
        bool postSettlementSlash;
        bool lie; //                 the attacker submitted an output it knew to be wrong
        bool infeasible; //          accepted although its deadline left less than the offer's maxLatency
        uint256 payout; //           to the provider, payment token
        uint256 refund; //           to the client, payment token
        uint256 fee; //              protocol fee, payment token
        uint256 disputeFees; //      paid by failed challengers to the verifier module, payment token
        uint256 slashed; //          taken at once, stake token
        uint256 debt; //             recorded as slash debt (post-settlement), stake token
        uint256 reward; //           stake token, to the winning challenger or reporter
        uint256 verifierFee; //      stake token, to the verifier module (upheld disputes)
        bool upheld; //              slashed by an upheld ruling (the module earned its arbitration fee)
        uint256 treasuryShare; //    stake token
        uint256 clientShare; //      stake token, the client's part of a liveness slash
        uint256 vfee; //             verification fee, payment token (to the fee module)
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
    mapping(address module => bool) public gModuleActive;

    mapping(address provider => ProviderGhost) internal gp;
    mapping(address provider => mapping(uint8 index => Thaw)) internal gThaw;
    mapping(address provider => uint256) public gModuleAllowance; // given to `module`, less what it slashed
    mapping(address provider => uint256) public gModuleLocked; //    held by `module`
    /// @notice All a provider ever granted `module`: what it raised the allowance by, each time above
    ///         what was left of it. What the module slashed of it can never exceed this.
    mapping(address provider => uint256) public gModuleGranted;
    mapping(address provider => uint256) public gModuleSlashedOf; // by `module`
    mapping(address account => mapping(address token => uint256)) public gClaimable;
    mapping(address token => uint256) public gAccrued;
    /// @notice Protocol fees a provider's earnings owe, not yet forwarded to `treasuryAccrued`.
    mapping(address account => mapping(address token => uint256)) public gFeesOwed;
    /// @notice Verification fees a provider's earnings owe, not yet credited to the fee module.
    mapping(address account => mapping(address token => uint256)) public gVFeesOwed;
    /// @notice The module that takes the verification fee (the arbitrated verifier here, which every class
    ///         is routed to, so every job of a registered model created while it is set pays the fee).
    address public gFeeModule;
    /// @notice Whether job `j` pays the verification fee (decided at creation).
    mapping(uint256 j => bool) public gPaysVFee;
    mapping(address token => uint256) public gEscrow; //  price of jobs not yet settled
    mapping(address token => uint256) public gBonds; //   bonds of open disputes (every challenger's)
    mapping(address token => uint256) public gIn; //      pulled into the market by its functions
    mapping(address token => uint256) public gOut; //     paid out by the market
    mapping(address token => uint256) public gDonated; // sent to the market directly (never owed)
    mapping(address token => uint256) public gDisputeFees; // failed challenges' fees to the verifier module
    uint256 public gStakeIn;
    uint256 public gStakeOut;
    uint256 public gSlashedFraud; //      upheld disputes and equivocation (taken at once)
    uint256 public gRewards; //           fraud slash shares to challengers and reporters
    uint256 public gSlashFees; //         fraud slash shares to the verifier module
    uint256 public gFraudToTreasury;
    uint256 public gSlashedLiveness;
    uint256 public gLivenessToClients;
    uint256 public gLivenessToTreasury;
    uint256 public gModuleSlashed;
    uint256 public gModuleRewards;
    uint256 public gModuleToTreasury;
    uint256 public gDebtRecorded;
    uint256 public gDebtPaid;

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
            modelRegistered.push(c.market.model(c.models[i]).registered);
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
        gModuleActive[address(c.verifier)] = c.market.isModule(address(c.verifier));
    }

    /// @notice Creates the actors: 3 clients (with keys, for permits), 3 providers registered and
    ///         staked with offers, 2 challengers, and registers the stake-locking module. Needs a
    ///         stash of the stake token and the ADMIN role first.
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
            _addProvider(makeAddr(string.concat("provider", Strings.toString(i))), initialStake);
        }
        for (uint256 i; i < 2; ++i) {
            address ch = makeAddr(string.concat("challenger", Strings.toString(i)));
            challengers.push(ch);
            accounts.push(ch);
            _approveAll(ch);
        }
        for (uint256 i; i < 3; ++i) {
            _approveAll(clients[i]);
        }
        _initParty(initialStake);
        accounts.push(address(verifier));
        {
            (bool ok,) = _as(
                address(this), address(market), abi.encodeCall(IJobMarketDisputes.setVerificationFeeModule, (address(verifier)))
            );
            require(ok, "setVerificationFeeModule");
            gFeeModule = address(verifier);
        }
        accounts.push(treasury);
        (bool s,) = _as(address(this), address(market), abi.encodeCall(IJobMarketDisputes.setModule, (module, true)));
        require(s, "setModule");
        gModuleActive[module] = true;
        (s,) = _as(address(this), address(market), abi.encodeCall(IJobMarketDisputes.setModule, (address(sessionSink), true)));
        require(s, "setModule sink");
    }

    /// @dev The attacker is the fourth provider, staked like the others. It is then endowed once
    ///      (stake token from the stash, payment tokens minted) and funds its sybils itself.
    function _initParty(uint256 initialStake) internal {
        attackerKey = uint256(keccak256("depinfer.attacker"));
        attacker = vm.addr(attackerKey);
        vm.label(attacker, "attacker");
        sybilClientKey = uint256(keccak256("depinfer.attacker.sybilClient"));
        sybilClient = vm.addr(sybilClientKey);
        vm.label(sybilClient, "sybilClient");
        sybilChallenger = makeAddr("sybilChallenger");
        party.push(attacker);
        party.push(sybilClient);
        party.push(sybilChallenger);
        _addProvider(attacker, initialStake);
        for (uint256 i; i < party.length; ++i) {
            isAttacker[party[i]] = true;
        }
        accounts.push(sybilClient);
        accounts.push(sybilChallenger);
        _approveAll(sybilClient);
        _approveAll(sybilChallenger);
        IERC20(stakeToken).safeTransfer(attacker, 100_000e18);
        for (uint256 k; k < tokens.length; ++k) {
            address t = tokens[k];
            if (t != stakeToken) {
                (bool s,) = t.call(abi.encodeWithSignature("mint(address,uint256)", attacker, 1_500_000 * _unit(t)));
                require(s, "mint");
            }
            uint256 total = _balanceOf(t, attacker);
            vm.prank(attacker);
            IERC20(t).safeTransfer(sybilClient, total / 2);
            vm.prank(attacker);
            IERC20(t).safeTransfer(sybilChallenger, total / 5);
        }
        _afterInit();
    }

    function _addProvider(address p, uint256 initialStake) internal {
        uint256 i = providers.length;
        providers.push(p);
        accounts.push(p);
        gp[p].index = i;
        vm.prank(p);
        market.registerProvider(_keyAddr(i, 0), "https://provider.example");
        _approveAll(p);
        IERC20(stakeToken).safeTransfer(p, initialStake);
        vm.prank(p);
        market.stake(initialStake);
        gp[p].staked = initialStake;
        gIn[stakeToken] += initialStake;
        gStakeIn += initialStake;
        for (uint256 m; m < models.length; ++m) {
            if (!modelRegistered[m]) continue;
            address t = tokens[(i + m) % tokens.length];
            vm.prank(p);
            market.setOffer(models[m], t, uint96(_unit(t) / 100), uint32(MAX_LATENCY), true);
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
        if (!_fund(p, stakeToken, amount)) return;
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
        _requestUnstake(p, amount, amount % 16 == 0, EXPECT);
    }

    function withdrawStake(uint256 pSeed) external step {
        address p = providers[pSeed % providers.length];
        if (gp[p].head == gp[p].tail) return;
        _withdrawStake(p);
    }

    /// @notice Anyone pays a provider's slash debt from its free stake.
    function collectSlashDebt(uint256 pSeed, uint256 callerSeed) external step {
        address p = providers[pSeed % providers.length];
        for (uint256 k; k < providers.length && gp[p].debt == 0; ++k) {
            p = providers[(pSeed + k) % providers.length];
        }
        _collectSlashDebt(p, accounts[callerSeed % accounts.length], EXPECT);
    }

    // ================================================================== actions: jobs
    // Each lifecycle action works on a job in the state it needs. When there is none, it first
    // advances a job through the previous step (create → accept → submit → dispute), so every call
    // makes progress and a 64-call run reaches disputes, rulings and equivocation proofs.

    struct CreateCtx {
        address client;
        uint256 clientKey;
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
        uint256 ci = cSeed % clients.length;
        x.client = clients[ci];
        x.clientKey = clientKeys[ci];
        x.mode = mode % 3;
        JobRequest memory r;
        r.token = tokens[tSeed % tokens.length];
        r.provider = (pSeed >> 64) % 4 == 3 ? address(0) : providers[pSeed % providers.length];
        r.model = models[mSeed % models.length];
        r.price = uint96(_price(priceSeed, r.token));
        r.deadline = uint40(_deadline(dlSeed));
        if ((mSeed >> 8) % 4 == 0) x.input = abi.encodePacked("inline input ", gNonce + 1);
        return _create(x, r);
    }

    /// @dev Creates `r` as `x.client` (nonce and input hash filled in here) and models it.
    function _create(CreateCtx memory x, JobRequest memory r) internal returns (bool, uint256) {
        r.nonce = uint64(++gNonce);
        r.inputHash = x.input.length != 0 ? sha256(x.input) : keccak256(abi.encode("input", gNonce));
        if (x.mode == 1 && !_hasPermit(r.token)) x.mode = 0;
        uint256 balance = gClaimable[x.client][r.token];
        if (x.mode == 2 && balance != 0 && balance < r.price) r.price = uint96(bound(r.price, 1, balance));

        Params memory cur = gParamsAt[gVersion];
        x.collateral = uint256(r.price) * cur.collateralRatioBps * stakeRateOf[r.token] / (BPS * 1e18);
        x.expected = !gPaused && r.deadline > gTime && r.deadline <= gTime + 30 days && r.price != 0
            && x.collateral != 0 && x.collateral <= type(uint96).max;

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
        gPaysVFee[j] = gFeeModule != address(0) && cur.verificationFeeBps != 0 && _registered(r.model);
        if (market.paysVerificationFee(id) != gPaysVFee[j]) _flag(EXPECT, "createJob: verification fee flag differs from the model");
        gEscrow[r.token] += r.price;
        if (x.mode == 2) _debit(x.client, r.token, r.price);
        else gIn[r.token] += r.price;
        _touch(x.client, r.token);
        _done(x.mode == 0 ? "createJob" : x.mode == 1 ? "createJobWithPermit" : "createJobFromBalance", EXPECT);
        return (true, j);
    }

    function _registered(ModelId m) internal view returns (bool) {
        for (uint256 i; i < models.length; ++i) {
            if (ModelId.unwrap(models[i]) == ModelId.unwrap(m)) return modelRegistered[i];
        }
        return false;
    }

    /// @dev A job with everyday terms (paid by approval or permit, deadline within 2 days), created
    ///      as a step towards a deeper state; `direct` names a provider.
    function _createFrom(uint256 seed, bool direct) internal returns (bool, uint256) {
        uint256 h = uint256(keccak256(abi.encode(seed, "create")));
        uint256 pSeed = direct ? (h >> 8) & ~(uint256(3) << 64) : h >> 8;
        return _createJob(h, pSeed, h >> 16, h >> 24, h >> 32, ((h >> 40) << 4) | 3, (h >> 200) % 2);
    }

    function acceptJob(uint256 jSeed, uint256 pSeed) external step {
        _acceptJob(jSeed, pSeed);
    }

    function _acceptJob(uint256 jSeed, uint256 pSeed) internal returns (bool, uint256) {
        (uint256 j, bool found) = _pickWhere(jSeed, _mask(JobStatus.Created), LIVE);
        if (!found) (found, j) = _createFrom(jSeed, false);
        if (!found) return (false, 0);
        address p;
        if (jobs[j].provider == address(0)) {
            p = isAttacker[jobs[j].client] ? attacker : providers[pSeed % providers.length];
        } else if (pSeed % 8 == 0) {
            p = providers[(gp[jobs[j].provider].index + 1) % providers.length]; // not the designated one
        } else {
            p = jobs[j].provider;
        }
        return (_accept(j, p, EXPECT), j);
    }

    /// @dev `p` accepts job `j`: the designated provider, or any eligible one for an open job whose
    ///      deadline leaves it the offer's maxLatency.
    function _accept(uint256 j, address p, uint256 cat) internal returns (bool) {
        Job memory job = jobs[j];
        bool expected = !gPaused && gTime <= job.deadline && _canLock(p, job.collateral);
        if (job.provider == address(0)) expected = expected && _offerOk(p, job) && job.deadline >= gTime + _latency(p, job);
        else expected = expected && p == job.provider;
        (bool s, bytes memory ret) = _as(p, address(market), abi.encodeCall(IJobMarketCore.acceptJob, (job)));
        if (!_check(expected, s, ret, cat, "acceptJob")) return false;
        gj[j].provider = p;
        gj[j].signerEpoch = gp[p].signerEpoch;
        gp[p].locked += job.collateral;
        _setStatus(j, JobStatus.Accepted);
        _touchP(p);
        _done("acceptJob", STAKE);
        return true;
    }

    function submitResult(uint256 jSeed, uint256 outSeed, uint256 relayerSeed) external step {
        _submitResult(jSeed, outSeed, relayerSeed);
    }

    function _submitResult(uint256 jSeed, uint256 outSeed, uint256 relayerSeed) internal returns (bool, uint256) {
        (uint256 j, bool found) = _pickWhere(jSeed, _mask(JobStatus.Accepted), LIVE);
        if (!found) (found, j) = _acceptJob(jSeed, jSeed >> 3);
        if (!found) return (false, 0);
        return (_submit(j, keccak256(abi.encode("output", outSeed)), accounts[relayerSeed % accounts.length]), j);
    }

    /// @dev Submits `out` for job `j`, signed by its provider's current key, relayed by `relayer`.
    function _submit(uint256 j, bytes32 out, address relayer) internal returns (bool) {
        Job memory job = jobs[j];
        address p = gj[j].provider;
        bytes memory sig = _attest(_currentKey(p), job, out, p);
        (bool s, bytes memory ret) =
            _as(relayer, address(market), abi.encodeCall(IJobMarketCore.submitResult, (job, out, sig)));
        if (!_check(gTime <= job.deadline, s, ret, EXPECT, "submitResult")) return false;
        _recordSubmission(j, out, sig);
        _done("submitResult", SETTLE);
        // The same attestation can never be used again, for this job or another one.
        _mustFail(relayer, abi.encodeCall(IJobMarketCore.submitResult, (job, out, sig)), "submitResult replayed");
        _mustFail(relayer, abi.encodeCall(IJobMarketCore.acceptAndSubmit, (job, out, sig)), "acceptAndSubmit replayed");
        return true;
    }

    function acceptAndSubmit(uint256 jSeed, uint256 outSeed, uint256 relayerSeed) external step {
        (uint256 j, bool found) = _pickWhere(jSeed, _mask(JobStatus.Created), DIRECT_LIVE);
        if (!found) (found, j) = _createFrom(jSeed, true);
        if (!found) return;
        _acceptAndSubmit(j, keccak256(abi.encode("output", outSeed)), accounts[relayerSeed % accounts.length]);
    }

    function _acceptAndSubmit(uint256 j, bytes32 out, address relayer) internal returns (bool) {
        Job memory job = jobs[j];
        address p = job.provider;
        if (p == address(0)) return false;
        bytes memory sig = _attest(_currentKey(p), job, out, p);
        bool expected = !gPaused && gTime <= job.deadline && _canLock(p, job.collateral);
        (bool s, bytes memory ret) =
            _as(relayer, address(market), abi.encodeCall(IJobMarketCore.acceptAndSubmit, (job, out, sig)));
        if (!_check(expected, s, ret, EXPECT, "acceptAndSubmit")) return false;
        gj[j].provider = p;
        gj[j].signerEpoch = gp[p].signerEpoch;
        gp[p].locked += job.collateral;
        _touchP(p);
        _recordSubmission(j, out, sig);
        _done("acceptAndSubmit", STAKE);
        _mustFail(relayer, abi.encodeCall(IJobMarketCore.acceptAndSubmit, (job, out, sig)), "acceptAndSubmit replayed");
        return true;
    }

    /// @notice A batched submission (`acceptAndSubmitBatch`): up to 6 jobs for one provider, mostly its
    ///         own live Created jobs, mixed with a repeat, another provider's job (with that provider's
    ///         valid attestation), a job in any other state, terms that match no job (validly attested:
    ///         a job whose creation a reorg removed), and bad signatures. The model predicts, job
    ///         by job and in order, which are submitted and which are skipped with which reason (the
    ///         free stake shrinking as the batch locks); every skipped job must be left untouched.
    function acceptAndSubmitBatch(uint256 jSeed, uint256 n, uint256 mix) external step {
        (uint256 j0, bool found) = _pickWhere(jSeed, _mask(JobStatus.Created), DIRECT_LIVE);
        if (!found) (found, j0) = _createFrom(jSeed, true);
        if (!found) return;
        Batch memory b;
        b.p = jobs[j0].provider;
        n = bound(n, 1, 6);
        b.idx = new uint256[](n);
        b.jobs = new Job[](n);
        b.outs = new bytes32[](n);
        b.sigs = new bytes[](n);
        b.idx[0] = j0;
        for (uint256 k = 1; k < n; ++k) {
            uint256 h = uint256(keccak256(abi.encode(jSeed, mix, k)));
            uint256 j;
            if (h % 7 == 0) {
                j = b.idx[(h >> 8) % k]; // a repeat
            } else if (h % 11 == 2) {
                j = UNKNOWN; // terms that match no job
            } else if (h % 7 == 1) {
                (j,) = _pick(h >> 16, ~_mask(JobStatus.None)); // anything, any provider
            } else {
                (j, found) = _pickOwnCreated(h >> 16, b.p);
                if (!found) j = j0;
            }
            b.idx[k] = j;
        }
        b.ids = new JobId[](n);
        for (uint256 k; k < n; ++k) {
            uint256 j = b.idx[k];
            uint256 h = uint256(keccak256(abi.encode(mix, k, "sig")));
            if (j == UNKNOWN) {
                // The batch provider's own job with a nonce no job has: well-formed, validly attested
                // terms that name nothing.
                b.jobs[k] = jobs[j0];
                b.jobs[k].nonce = uint64(type(uint32).max) + uint64(k) + 1;
            } else {
                b.jobs[k] = jobs[j];
            }
            b.ids[k] = JobId.wrap(keccak256(abi.encode(b.jobs[k])));
            address signerOf = b.jobs[k].provider == address(0) ? b.p : b.jobs[k].provider;
            b.outs[k] = keccak256(abi.encode("output", h));
            // One in eight attests another output than the one passed (a bad signature).
            bytes32 signed = h % 8 == 0 ? keccak256(abi.encode("other", h)) : b.outs[k];
            b.sigs[k] = _attest(_currentKey(signerOf), b.jobs[k], signed, signerOf);
        }
        _predictBatch(b);
        bytes32[] memory before = new bytes32[](n);
        for (uint256 k; k < n; ++k) {
            before[k] = keccak256(abi.encode(market.jobState(b.ids[k])));
        }
        address relayer = accounts[(mix >> 8) % accounts.length];
        vm.recordLogs();
        vm.getRecordedLogs(); // start from an empty record
        (bool s, bytes memory ret) = _as(
            relayer, address(market), abi.encodeCall(IJobMarketCore.acceptAndSubmitBatch, (b.p, b.jobs, b.outs, b.sigs))
        );
        Vm.Log[] memory logs = vm.getRecordedLogs();
        if (!_check(b.standing, s, ret, EXPECT, "acceptAndSubmitBatch")) return;
        if (abi.decode(ret, (uint256)) != b.count) _flag(SETTLE, "acceptAndSubmitBatch: submitted another number of jobs");
        _checkSubmitEvents(logs, b);
        for (uint256 k; k < n; ++k) {
            uint256 j = b.idx[k];
            if (b.reason[k] != NO_SKIP) {
                // Untouched: the state word of a skipped job is what it was before the batch, unless the
                // same batch submitted it at another position (a repeat).
                if (!b.submittedHere[k] && keccak256(abi.encode(market.jobState(b.ids[k]))) != before[k]) {
                    _flag(SETTLE, "acceptAndSubmitBatch: a skipped job changed");
                }
                if (j == UNKNOWN && market.jobState(b.ids[k]).status != JobStatus.None) {
                    _flag(SETTLE, "acceptAndSubmitBatch: an unknown job came into being");
                }
                continue;
            }
            gj[j].provider = b.p;
            gj[j].signerEpoch = gp[b.p].signerEpoch;
            gp[b.p].locked += jobs[j].collateral;
            _recordSubmission(j, b.outs[k], b.sigs[k]);
        }
        _touchP(b.p);
        _done("acceptAndSubmitBatch", STAKE);
    }

    uint8 internal constant NO_SKIP = type(uint8).max;
    /// @dev A batch entry whose terms match no job.
    uint256 internal constant UNKNOWN = type(uint256).max;

    struct Batch {
        address p;
        uint256[] idx;
        Job[] jobs;
        JobId[] ids; //           the id of each entry's terms
        bytes32[] outs;
        bytes[] sigs;
        uint8[] reason; //        the predicted SubmitSkip, or NO_SKIP
        bool[] submittedHere; //  the job is submitted by this batch (at this or another position)
        bool standing; //         the batch is expected to run at all
        uint256 count;
    }

    /// @dev The spec of `acceptAndSubmitBatch`, on the model: whole-batch reverts first, then job by job.
    function _predictBatch(Batch memory b) internal view {
        uint256 n = b.idx.length;
        ProviderGhost storage pg = gp[b.p];
        b.standing = !gPaused && pg.jailedUntil <= gTime && pg.staked >= gMinStake;
        b.reason = new uint8[](n);
        b.submittedHere = new bool[](n);
        uint256 free = pg.staked - pg.locked;
        for (uint256 k; k < n; ++k) {
            uint256 j = b.idx[k];
            if (j == UNKNOWN) {
                b.reason[k] = uint8(SubmitSkip.NotCreated); // no such job: skipped, never fatal
                continue;
            }
            Job memory job = jobs[j];
            bool taken;
            for (uint256 m; m < k; ++m) {
                if (b.idx[m] == j && b.reason[m] == NO_SKIP) taken = true;
            }
            uint8 r = NO_SKIP;
            if (taken || gj[j].status != JobStatus.Created) r = uint8(SubmitSkip.NotCreated);
            else if (job.provider != b.p) r = uint8(SubmitSkip.NotForProvider);
            else if (gTime > job.deadline) r = uint8(SubmitSkip.DeadlinePassed);
            else if (!_attestsOut(b, k)) r = uint8(SubmitSkip.BadSignature);
            else if (job.collateral > free) r = uint8(SubmitSkip.StakeInsufficient);
            else {
                free -= job.collateral;
                ++b.count;
            }
            b.reason[k] = r;
        }
        for (uint256 k; k < n; ++k) {
            for (uint256 m; m < n; ++m) {
                if (b.idx[m] == b.idx[k] && b.reason[m] == NO_SKIP) b.submittedHere[k] = true;
            }
        }
    }

    /// @dev Whether the k-th signature is the batch provider's current key attesting the passed output.
    function _attestsOut(Batch memory b, uint256 k) internal view returns (bool) {
        return keccak256(b.sigs[k]) == keccak256(_attest(_currentKey(b.p), b.jobs[k], b.outs[k], b.p));
    }

    /// @dev The batch emits, in batch order, `ResultSubmitted` for each submitted job and
    ///      `JobSubmitSkipped` with the predicted reason for each skipped one, and nothing else.
    function _checkSubmitEvents(Vm.Log[] memory logs, Batch memory b) internal {
        uint256 k;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter != address(market)) continue;
            if (k == b.idx.length) {
                _flag(SETTLE, "acceptAndSubmitBatch: an event too many");
                return;
            }
            bytes32 topic = logs[i].topics[0];
            bool ok = logs[i].topics[1] == JobId.unwrap(b.ids[k]);
            if (b.reason[k] == NO_SKIP) {
                ok = ok && topic == IJobMarketEvents.ResultSubmitted.selector
                    && logs[i].topics[2] == bytes32(uint256(uint160(b.p)))
                    && keccak256(logs[i].data) == keccak256(SigUtils.resultData(b.outs[k], b.sigs[k]));
            } else {
                ok = ok && topic == IJobMarketEvents.JobSubmitSkipped.selector
                    && abi.decode(logs[i].data, (uint8)) == b.reason[k];
            }
            if (!ok) _flag(SETTLE, "acceptAndSubmitBatch: an event differs from the prediction");
            ++k;
        }
        if (k != b.idx.length) _flag(SETTLE, "acceptAndSubmitBatch: not one event per job");
    }

    function _pickOwnCreated(uint256 seed, address p) internal view returns (uint256, bool) {
        uint256 len = jobs.length;
        uint256 start = seed % len;
        for (uint256 k; k < len; ++k) {
            uint256 j = (start + k) % len;
            if (gj[j].status == JobStatus.Created && jobs[j].provider == p) return (j, true);
        }
        return (0, false);
    }

    function finalizeJob(uint256 jSeed, bool asClient) external step {
        (uint256 j, bool found) = _pick(jSeed, _mask(JobStatus.Submitted));
        if (!found) (found, j) = _submitResult(jSeed, jSeed >> 5, jSeed >> 7);
        if (!found) return;
        _finalize(j, asClient ? jobs[j].client : keeper);
    }

    /// @notice A keeper's batch: jobs past their window, and sometimes a duplicate or a job that is
    ///         no longer Submitted (both skipped, never paid twice), or one still in its window (the
    ///         whole batch reverts).
    function finalizeJobs(uint256 jSeed, uint256 n, uint256 mix) external step {
        n = bound(n, 1, 6);
        uint256[] memory picked = new uint256[](n);
        uint256 count;
        uint256 len = jobs.length;
        if (len == 0) return;
        for (uint256 k; k < len && count < n; ++k) {
            uint256 j = (jSeed + k) % len;
            if (gj[j].status == JobStatus.Submitted && gTime > gj[j].submittedAt + _snap(j).challengeWindow) {
                picked[count++] = j;
            }
        }
        mix %= 4;
        uint256 extra = type(uint256).max;
        if (mix == 2) {
            (uint256 j, bool found) = _pick(jSeed >> 16, ~(_mask(JobStatus.Submitted) | _mask(JobStatus.None)));
            if (found) extra = j;
        } else if (mix == 3) {
            (uint256 j, bool found) = _pickWhere(jSeed >> 16, _mask(JobStatus.Submitted), IN_WINDOW);
            if (found) extra = j;
        } else if (mix == 1 && count != 0) {
            extra = picked[0];
        }
        if (count == 0 && extra == type(uint256).max) return;
        Job[] memory batch = new Job[](extra == type(uint256).max ? count : count + 1);
        for (uint256 k; k < count; ++k) {
            batch[k] = jobs[picked[k]];
        }
        if (extra != type(uint256).max) batch[count] = jobs[extra];
        bool expected = mix != 3 || extra == type(uint256).max;
        vm.recordLogs();
        vm.getRecordedLogs(); // start from an empty record
        (bool s, bytes memory ret) = _as(keeper, address(market), abi.encodeCall(IJobMarketCore.finalizeJobs, (batch)));
        Vm.Log[] memory logs = vm.getRecordedLogs();
        if (!_check(expected, s, ret, expected ? EXIT : SETTLE, "finalizeJobs")) return;
        if (abi.decode(ret, (uint256)) != count) _flag(SETTLE, "finalizeJobs: finalized another number of jobs");
        _checkBatchEvents(logs, picked, count, extra);
        for (uint256 k; k < count; ++k) {
            _modelResultStands(picked[k]);
        }
        _done("finalizeJobs", SETTLE);
    }

    /// @dev A batch emits one `JobsFinalized` listing the finalized ids in order (none if nothing
    ///      was finalized), a `JobFinalizeSkipped` for the skipped entry, and no `JobFinalized` (f0dd2ce).
    function _checkBatchEvents(Vm.Log[] memory logs, uint256[] memory picked, uint256 count, uint256 extra) internal {
        uint256 batches;
        uint256 skips;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter != address(market)) continue;
            bytes32 topic = logs[i].topics[0];
            if (topic == IJobMarketEvents.JobFinalized.selector) {
                _flag(SETTLE, "finalizeJobs: emitted a JobFinalized");
            } else if (topic == IJobMarketEvents.JobsFinalized.selector) {
                ++batches;
                JobId[] memory ids = abi.decode(logs[i].data, (JobId[]));
                bool same = ids.length == count;
                for (uint256 k; same && k < count; ++k) {
                    same = JobId.unwrap(ids[k]) == JobId.unwrap(_id(picked[k]));
                }
                if (!same) _flag(SETTLE, "finalizeJobs: JobsFinalized does not list the finalized ids in order");
            } else if (topic == IJobMarketEvents.JobFinalizeSkipped.selector) {
                ++skips;
                if (extra == type(uint256).max || logs[i].topics[1] != JobId.unwrap(_id(extra))) {
                    _flag(SETTLE, "finalizeJobs: skipped a job that was not to be skipped");
                } else {
                    // A duplicate is skipped as the batch just finalized it; any other as it is.
                    JobStatus want = gj[extra].status == JobStatus.Submitted ? JobStatus.Finalized : gj[extra].status;
                    if (abi.decode(logs[i].data, (JobStatus)) != want) _flag(SETTLE, "finalizeJobs: skipped with another status");
                }
            }
        }
        if (batches != (count == 0 ? 0 : 1)) _flag(SETTLE, "finalizeJobs: not one JobsFinalized for the batch");
        if (skips != (extra == type(uint256).max ? 0 : 1)) _flag(SETTLE, "finalizeJobs: not one JobFinalizeSkipped per skipped job");
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
        return (_tryOpen(j, challengers[chSeed % challengers.length], EXPECT), j);
    }

    /// @dev `ch` opens a dispute on job `j` with a bond of max(price × bondRatio, floor).
    function _tryOpen(uint256 j, address ch, uint256 cat) internal returns (bool) {
        Job memory job = jobs[j];
        Params memory snap = _snap(j);
        uint256 bond = _bondOf(j);
        bool expected = gj[j].status == JobStatus.Submitted && gTime <= gj[j].submittedAt + snap.challengeWindow
            && !_isProviderOrSigner(gj[j].provider, ch) && _modelIsRegistered(job.model) && gModuleActive[address(verifier)]
            && bond <= type(uint96).max;
        bool funded = _fund(ch, job.token, bond);
        _ensureAllowance(ch, job.token);
        expected = expected && funded && !_blocked(ch, job.token);
        (bool s, bytes memory ret) =
            _as(ch, address(market), abi.encodeCall(IJobMarketDisputes.openDispute, (job, "ipfs://evidence")));
        if (!_check(expected, s, ret, cat, "openDispute")) return false;
        if (abi.decode(ret, (uint256)) != bond) _flag(EXPECT, "openDispute: bond is not max(price x ratio, floor)");
        JobGhost storage g = gj[j];
        g.challengers[0] = ch;
        g.nChallengers = 1;
        g.bond = bond;
        g.disputeDeadline = gTime + snap.disputeResolutionPeriod;
        gBonds[job.token] += bond;
        gIn[job.token] += bond;
        _setStatus(j, JobStatus.Disputed);
        _done("openDispute", SETTLE);
        return true;
    }

    /// @notice Another challenger joins an open dispute with the same bond (at most four in all).
    function joinDispute(uint256 jSeed, uint256 chSeed) external step {
        (uint256 j, bool found) = _pick(jSeed, _mask(JobStatus.Disputed));
        if (!found) (found, j) = _openDispute(jSeed, jSeed >> 3);
        if (!found) return;
        _tryJoin(j, _honestChallenger(chSeed), EXPECT);
    }

    function _tryJoin(uint256 j, address ch, uint256 cat) internal returns (bool) {
        Job memory job = jobs[j];
        JobGhost storage g = gj[j];
        bool already;
        for (uint256 i; i < g.nChallengers; ++i) {
            if (g.challengers[i] == ch) already = true;
        }
        bool expected = g.status == JobStatus.Disputed && gTime <= g.disputeDeadline && !_isProviderOrSigner(g.provider, ch)
            && g.nChallengers < MAX_CHALLENGERS && !already;
        bool funded = _fund(ch, job.token, g.bond);
        _ensureAllowance(ch, job.token);
        expected = expected && funded && !_blocked(ch, job.token);
        (bool s, bytes memory ret) =
            _as(ch, address(market), abi.encodeCall(IJobMarketDisputes.joinDispute, (job, "ipfs://more-evidence")));
        if (!_check(expected, s, ret, cat, "joinDispute")) return false;
        if (abi.decode(ret, (uint256)) != g.bond) _flag(EXPECT, "joinDispute: bond differs from the opener's");
        g.challengers[g.nChallengers] = ch;
        ++g.nChallengers;
        gBonds[job.token] += g.bond;
        gIn[job.token] += g.bond;
        _done("joinDispute", SETTLE);
        return true;
    }

    function resolveDispute(uint256 jSeed, uint256 outcomeSeed, uint256 winner) external step {
        (uint256 j, bool found) = _pick(jSeed, _mask(JobStatus.Disputed));
        if (!found) (found, j) = _openDispute(jSeed, jSeed >> 3);
        if (!found) return;
        // Mostly a real challenger; sometimes an index past the list (must be refused when upheld).
        winner = winner % 8 == 0 ? bound(winner >> 3, gj[j].nChallengers, 6) : (winner >> 3) % gj[j].nChallengers;
        _resolve(j, _outcomeFor(j, outcomeSeed), winner);
    }

    function cancelDispute(uint256 jSeed, uint256 callerSeed) external step {
        (uint256 j, bool found) = _pick(jSeed, _mask(JobStatus.Disputed));
        if (!found) (found, j) = _openDispute(jSeed, jSeed >> 3);
        if (!found) return;
        _cancelDispute(j, accounts[callerSeed % accounts.length]);
    }

    function reportEquivocation(uint256 jSeed, uint256 reporterSeed, uint256 outSeed, uint256 keySeed) external step {
        uint256 mask = _mask(JobStatus.Accepted) | _mask(JobStatus.Submitted) | _mask(JobStatus.Disputed)
            | _mask(JobStatus.Finalized);
        (uint256 j, bool found) = _pick(jSeed, mask);
        if (!found) (found, j) = _acceptJob(jSeed, jSeed >> 3);
        if (!found) return;
        address reporter = reporterSeed % 2 == 0
            ? challengers[reporterSeed / 2 % challengers.length]
            : clients[reporterSeed / 2 % clients.length];
        // Key B: mostly the current key; sometimes a retired one (evidence only if the job was
        // accepted under it or an earlier key), or a key that never served (never evidence).
        ProviderGhost storage pg = gp[gj[j].provider];
        uint256 k = keySeed % 8;
        uint8 keyB = k < 5 || pg.signerEpoch == 0
            ? pg.signerEpoch
            : k < 7 ? uint8(keySeed / 8 % pg.signerEpoch) : pg.signerEpoch + 1 + uint8(keySeed / 8 % 3);
        _equivocate(j, reporter, keyB, outSeed, EXPECT);
    }

    struct EquivocationCtx {
        address p;
        bool expected;
        bytes32 outA;
        bytes32 outB;
        bytes sigA;
        bytes sigB;
        bytes call;
    }

    /// @dev `reporter` proves that job `j`'s provider signed two outputs: one with its current key,
    ///      one with key index `keyB`.
    function _equivocate(uint256 j, address reporter, uint8 keyB, uint256 outSeed, uint256 cat)
        internal
        returns (bool)
    {
        Job memory job = jobs[j];
        EquivocationCtx memory x;
        x.p = gj[j].provider;
        x.outA = gj[j].submitCount != 0 ? gj[j].output : keccak256(abi.encode("output A", outSeed));
        x.outB = keccak256(abi.encode("output B", outSeed));
        x.sigA = _attest(_currentKey(x.p), job, x.outA, x.p);
        x.sigB = _attest(_signerKey(gp[x.p].index, keyB), job, x.outB, x.p);
        JobStatus st = gj[j].status;
        x.expected = _evidenceValid(j, keyB)
            && (st == JobStatus.Accepted || st == JobStatus.Submitted || st == JobStatus.Disputed
                || (st == JobStatus.Finalized && gTime <= gj[j].settledAt + POST_SETTLEMENT_REPORT_WINDOW));
        x.call = abi.encodeCall(IJobMarketDisputes.reportEquivocation, (job, x.outA, x.sigA, x.outB, x.sigB));
        (bool s, bytes memory ret) = _as(reporter, address(market), x.call);
        if (!_check(x.expected, s, ret, cat, "reportEquivocation")) return false;
        evidence[j] = Evidence(x.outA, x.sigA, x.outB, x.sigB);
        ++gj[j].equivocationCount;
        if (st == JobStatus.Finalized) {
            _modelSlashAfterSettlement(j, reporter);
        } else {
            address beneficiary = reporter;
            if (st == JobStatus.Disputed) {
                // The first challenger found the fault first: it keeps the reward, whoever proves it;
                // every bond comes back.
                beneficiary = gj[j].challengers[0];
                _returnBonds(j, gj[j].bond);
            }
            _modelFraudSlash(j, beneficiary, 0);
        }
        _done("reportEquivocation", SLASH);
        // The same evidence (or the pair swapped) can never slash again.
        _mustFail(reporter, x.call, "equivocation reported twice");
        _mustFail(
            reporter,
            abi.encodeCall(IJobMarketDisputes.reportEquivocation, (job, x.outB, x.sigB, x.outA, x.sigA)),
            "equivocation reported twice (swapped)"
        );
        return true;
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
            // A retired key (if any) or one that never served: only the current signer may attest.
            uint8 e = gp[p].signerEpoch;
            uint256 wrong = e != 0 && jSeed % 2 == 0 ? (jSeed >> 1) % e : e + 1;
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
                    abi.encodeCall(IJobMarketDisputes.reportEquivocation, (jobs[j], e.outA, e.sigA, e.outB, e.sigB)),
                    "stored equivocation replayed"
                );
                break;
            }
        }
        _ok("replaySignature");
    }

    /// @notice Calls that only their owner may make, attempted by someone else (invariant 9).
    function unauthorized(uint256 jSeed, uint256 aSeed, uint256 kind) external step {
        address who = accounts[aSeed % (accounts.length - 2)]; // neither the verifier module nor the treasury
        kind %= 7;
        if (kind == 0 || kind == 1) {
            (uint256 j, bool found) = _pick(jSeed, _mask(JobStatus.Disputed));
            if (!found) return;
            if (kind == 0) {
                _mustFailCat(who, address(market), abi.encodeCall(IJobMarketDisputes.resolveDispute, (jobs[j], Outcome.Upheld, 0)), OWNER, "resolveDispute by a non-verifier");
            } else {
                _mustFailCat(who, address(verifier), abi.encodeCall(ArbitratedVerifier.rule, (jobs[j], Outcome.Upheld, 0, "")), OWNER, "rule by a non-arbitrator");
            }
        } else if (kind == 2) {
            (uint256 j, bool found) = _pick(jSeed, _mask(JobStatus.Created));
            if (!found) return;
            if (who == jobs[j].client) who = keeper;
            _mustFailCat(who, address(market), abi.encodeCall(IJobMarketExtension.cancelJob, (jobs[j])), OWNER, "cancelJob by a non-client");
        } else if (kind == 3) {
            Params memory p = gParamsAt[gVersion];
            _mustFailCat(who, address(market), abi.encodeCall(IJobMarketExtension.setParams, (p)), OWNER, "setParams by a non-governor");
            _mustFailCat(who, address(market), abi.encodeCall(IJobMarketExtension.setThawingPeriod, (uint32(gThawing))), OWNER, "setThawingPeriod by a non-governor");
            _mustFailCat(who, address(market), abi.encodeCall(IJobMarketDisputes.setModule, (who, true)), OWNER, "setModule by a non-governor");
        } else if (kind == 4) {
            // Someone else's balance cannot be spent on a job.
            (uint256 j, bool found) = _pick(jSeed, _mask(JobStatus.Created));
            if (!found) return;
            Job memory job = jobs[j];
            JobRequest memory r = JobRequest(job.provider, job.token, job.price, job.model, job.inputHash, job.deadline, uint64(++gNonce));
            if (gClaimable[keeper][job.token] == 0 && !gPaused && gTime < job.deadline) {
                _mustFailCat(keeper, address(market), abi.encodeCall(IJobMarketCore.createJobFromBalance, (r, "")), OWNER, "job paid from an empty balance");
            }
        } else if (kind == 5) {
            // Only the arbitrator withdraws the verifier module's fees.
            address t = tokens[jSeed % tokens.length];
            _mustFailCat(who, address(verifier), abi.encodeCall(ArbitratedVerifier.claimFees, (t, who)), OWNER, "claimFees by a non-arbitrator");
        } else {
            // Only a registered module locks, releases or slashes stake, and only what it locked.
            address p = providers[jSeed % providers.length];
            _mustFailCat(who, address(market), abi.encodeCall(IJobMarketDisputes.moduleLock, (p, 1)), OWNER, "moduleLock by a non-module");
            _mustFailCat(who, address(market), abi.encodeCall(IJobMarketDisputes.moduleSlash, (p, 1, who, 0)), OWNER, "moduleSlash by a non-module");
            _mustFailCat(who, address(market), abi.encodeCall(IJobMarketDisputes.moduleRelease, (p, 1)), OWNER, "moduleRelease of a lock the caller does not hold");
        }
        _ok("unauthorized");
    }

    // ================================================================== actions: the module boundary

    /// @notice The stake-locking module and governance: a provider's allowance, the module's locks,
    ///         releases and slashes (within what it locked), a module that locks and slashes round
    ///         after round, retirement and release of a retired module's locks, and retiring or
    ///         restoring the verifier module.
    function moduleAction(uint256 kind, uint256 pSeed, uint256 amount, uint256 extra) external step {
        address p = providers[pSeed % providers.length];
        kind %= 7;
        if (kind == 0) {
            _setModuleAllowance(p, amount % 4 == 0 ? 0 : bound(amount >> 2, 1, 30_000e18), EXPECT);
        } else if (kind == 1) {
            amount = bound(amount, 0, gModuleAllowance[p] + 1e18);
            _moduleLock(p, amount, EXPECT);
        } else if (kind == 2) {
            amount = amount % 4 == 0 ? gModuleLocked[p] + 1 : bound(amount, 0, gModuleLocked[p]);
            _moduleRelease(p, amount, EXPECT);
        } else if (kind == 3) {
            amount = amount % 8 == 0 ? gModuleLocked[p] + 1 : bound(amount, 0, gModuleLocked[p]);
            uint256 rewardBps = extra % 8 == 0 ? bound(extra >> 3, 5_001, 10_000) : bound(extra >> 3, 0, 5_000);
            _moduleSlash(p, amount, _honestChallenger(extra >> 20), rewardBps);
        } else if (kind == 4) {
            address m = extra % 2 == 0 ? module : address(verifier);
            bool active = (extra >> 1) % 3 != 0;
            (bool s, bytes memory ret) =
                _as(address(this), address(market), abi.encodeCall(IJobMarketDisputes.setModule, (m, active)));
            if (!_check(true, s, ret, PARAMS, "setModule")) return;
            gModuleActive[m] = active;
            if (!active && m == gFeeModule) gFeeModule = address(0); // retiring the fee module clears it
            _ok(active ? "moduleRegistered" : "moduleRetired");
        } else if (kind == 5) {
            _releaseRetired(p, accounts[extra % accounts.length], EXPECT);
        } else {
            _moduleSlashRounds(p, amount, extra);
        }
    }

    /// @dev `p` sets what `module` may hold. Raising it above what is left of it grants more: the
    ///      provider's total grant, the most it has agreed to lose to the module, grows by as much.
    function _setModuleAllowance(address p, uint256 allowance, uint256 cat) internal returns (bool) {
        (bool s, bytes memory ret) =
            _as(p, address(market), abi.encodeCall(IJobMarketDisputes.setModuleAllowance, (module, uint96(allowance))));
        if (!_check(true, s, ret, cat, "setModuleAllowance")) return false;
        if (allowance > gModuleAllowance[p]) gModuleGranted[p] += allowance - gModuleAllowance[p];
        gModuleAllowance[p] = allowance;
        _touchP(p);
        _done("setModuleAllowance", STAKE);
        return true;
    }

    /// @dev A module that takes what it can: it locks part of what the provider allowed it (as far as
    ///      the free stake goes), slashes it, and locks and slashes the same amount again, up to three
    ///      rounds; sometimes the provider tops the allowance up in between. Each slash uses the
    ///      allowance up, so a lock past what is left must fail.
    function _moduleSlashRounds(address p, uint256 seed, uint256 extra) internal {
        if (!gModuleActive[module] || gPaused) return;
        if (gModuleAllowance[p] == 0 && !_setModuleAllowance(p, bound(seed, 1, 30_000e18), EXPECT)) return;
        ProviderGhost storage pg = gp[p];
        uint256 room = gModuleAllowance[p] > gModuleLocked[p] ? gModuleAllowance[p] - gModuleLocked[p] : 0;
        uint256 free = pg.staked - pg.locked;
        free -= pg.debt < free ? pg.debt : free;
        if (room == 0 || free == 0) return;
        uint256 amount = bound(seed >> 100, 1, room < free ? room : free);
        for (uint256 r; r < 3; ++r) {
            if (r != 0 && (extra >> (40 + r)) % 4 == 0) _setModuleAllowance(p, gModuleAllowance[p] + amount, EXPECT);
            if (!_moduleLock(p, amount, EXPECT)) break;
            _moduleSlash(p, amount, _honestChallenger(extra >> (8 * r)), bound(extra >> 48, 0, MAX_SHARE_BPS));
        }
        _ok("moduleSlashRounds");
    }

    /// @dev A lock first pays the provider's slash debt from its free stake (to the treasury), then
    ///      locks from what is left; the allowance bounds what the module holds at once.
    function _moduleLock(address p, uint256 amount, uint256 cat) internal returns (bool) {
        ProviderGhost storage pg = gp[p];
        uint256 free = pg.staked - pg.locked;
        uint256 paid = pg.debt < free ? pg.debt : free;
        bool expected = gModuleActive[module] && !gPaused && amount != 0
            && gModuleLocked[p] + amount <= gModuleAllowance[p] && pg.jailedUntil <= gTime
            && pg.staked - paid >= gMinStake && amount <= free - paid;
        (bool s, bytes memory ret) = _as(module, address(market), abi.encodeCall(IJobMarketDisputes.moduleLock, (p, amount)));
        if (!_check(expected, s, ret, cat, "moduleLock")) {
            if (!s && amount == 0 && !gPaused) {
                _expectError(ret, abi.encodeWithSelector(IJobMarketErrors.AmountZero.selector), EXPECT, "moduleLock of nothing");
            }
            return false;
        }
        if (paid != 0) {
            _modelDebtPayment(p, paid);
            _ok("moduleLockPaidDebt");
        }
        gModuleLocked[p] += amount;
        gp[p].locked += amount;
        _touchP(p);
        _done("moduleLock", STAKE);
        return true;
    }

    function _moduleRelease(address p, uint256 amount, uint256 cat) internal {
        bool expected = amount != 0 && amount <= gModuleLocked[p];
        (bool s, bytes memory ret) =
            _as(module, address(market), abi.encodeCall(IJobMarketDisputes.moduleRelease, (p, amount)));
        if (!_check(expected, s, ret, expected ? cat : EXPECT, "moduleRelease")) {
            if (!s && amount == 0) _expectError(ret, abi.encodeWithSelector(IJobMarketErrors.AmountZero.selector), EXPECT, "moduleRelease of nothing");
            return;
        }
        gModuleLocked[p] -= amount;
        gp[p].locked -= amount;
        _touchP(p);
        _done("moduleRelease", STAKE);
    }

    /// @dev A slash uses the allowance up (down to zero if the provider lowered it below the lock):
    ///      what a provider allowed a module is the most it can lose to it until it grants more.
    function _moduleSlash(address p, uint256 amount, address beneficiary, uint256 rewardBps) internal {
        bool expected = gModuleActive[module] && amount != 0 && amount <= gModuleLocked[p] && rewardBps <= MAX_SHARE_BPS;
        (bool s, bytes memory ret) = _as(
            module, address(market), abi.encodeCall(IJobMarketDisputes.moduleSlash, (p, amount, beneficiary, rewardBps))
        );
        if (!_check(expected, s, ret, EXPECT, "moduleSlash")) {
            if (!s && amount == 0 && gModuleActive[module] && rewardBps <= MAX_SHARE_BPS) {
                _expectError(ret, abi.encodeWithSelector(IJobMarketErrors.AmountZero.selector), EXPECT, "moduleSlash of nothing");
            }
            return;
        }
        uint256 reward = amount * rewardBps / BPS;
        if (abi.decode(ret, (uint256)) != reward) _flag(SPLIT, "moduleSlash: reward differs from rewardBps of the slash");
        gModuleAllowance[p] = amount < gModuleAllowance[p] ? gModuleAllowance[p] - amount : 0;
        gModuleSlashedOf[p] += amount;
        gModuleLocked[p] -= amount;
        gp[p].locked -= amount;
        gp[p].staked -= amount;
        _lowerStake(p, amount, true);
        _credit(beneficiary, stakeToken, reward);
        gAccrued[stakeToken] += amount - reward;
        gModuleSlashed += amount;
        gModuleRewards += reward;
        gModuleToTreasury += amount - reward;
        _onModuleSlash(p, amount, beneficiary);
        _touchP(p);
        _done("moduleSlash", SLASH);
    }

    function _releaseRetired(address p, address caller, uint256 cat) internal {
        bool expected = !gModuleActive[module] && gModuleLocked[p] != 0;
        (bool s, bytes memory ret) = _as(
            caller, address(market), abi.encodeCall(IJobMarketDisputes.releaseRetiredModuleLock, (module, p))
        );
        if (!_check(expected, s, ret, expected ? cat : EXPECT, "releaseRetiredModuleLock")) {
            if (!s && !gModuleActive[module] && gModuleLocked[p] == 0) {
                _expectError(ret, abi.encodeWithSelector(IJobMarketErrors.AmountZero.selector), EXPECT, "releaseRetiredModuleLock of nothing");
            }
            return;
        }
        gp[p].locked -= gModuleLocked[p];
        gModuleLocked[p] = 0;
        _touchP(p);
        _done("releaseRetiredModuleLock", STAKE);
    }

    // ================================================================== actions: balances

    function deposit(uint256 aSeed, uint256 tSeed, uint256 amount) external step {
        address a = accounts[aSeed % (accounts.length - 2)]; // neither the verifier module nor the treasury
        address t = tokens[tSeed % tokens.length];
        amount = bound(amount, 1, 1_000 * _unit(t));
        bool funded = _fund(a, t, amount);
        _ensureAllowance(a, t);
        bool expected = !gPaused && funded && !_blocked(a, t);
        (bool s, bytes memory ret) = _as(a, address(market), abi.encodeCall(IJobMarketExtension.deposit, (t, amount)));
        if (!_check(expected, s, ret, EXPECT, "deposit")) return;
        _credit(a, t, amount);
        gIn[t] += amount;
        _done("deposit", SOLVENCY);
    }

    function claim(uint256 aSeed, uint256 tSeed, bool toSelf) external step {
        (address a, address t, bool found) = _pickBalance(aSeed, tSeed);
        if (!found) return;
        address to = _claimTo(a, t, toSelf);
        _claim(a, t, to, _blocked(to, t) ? EXPECT : EXIT);
    }

    function withdraw(uint256 aSeed, uint256 tSeed, uint256 amount) external step {
        (address a, address t, bool found) = _pickBalance(aSeed, tSeed);
        if (!found || a == address(verifier)) return; // the module claims its fees whole
        uint256 available = gClaimable[a][t];
        bool over = amount % 16 == 0; // sometimes ask for more than the balance
        amount = over ? available + 1 + amount % 1000 : bound(amount, 1, available);
        address to = _claimTo(a, t, false);
        uint256 before = _balanceOf(t, to);
        (bool s, bytes memory ret) =
            _as(a, address(market), abi.encodeCall(IJobMarketExtension.withdraw, (t, amount, to)));
        if (!_check(!over, s, ret, over ? EXPECT : EXIT, "withdraw")) return;
        if (_balanceOf(t, to) - before != amount) _flag(SOLVENCY, "withdraw: recipient got another amount");
        _debit(a, t, amount);
        _forwardFees(a, t);
        gOut[t] += amount;
        _done("withdraw", SOLVENCY);
    }

    /// @notice A client opens a payment session from its market balance: the market debits only the caller's own
    ///         balance and sends it to the session module; asking for more than the balance, or while paused, fails.
    function openSessionFromBalance(uint256 aSeed, uint256 tSeed, uint256 amount) external step {
        (address a, address t, bool found) = _pickBalance(aSeed, tSeed);
        if (!found) return;
        uint256 available = gClaimable[a][t];
        bool over = amount % 16 == 0; // sometimes ask for more than the balance
        amount = over ? available + 1 + amount % 1000 : bound(amount, 1, available);
        if (amount > type(uint96).max) return;
        uint256 before = _balanceOf(t, address(sessionSink));
        if (!_openFromBalance(a, t, amount, !over)) return;
        if (_balanceOf(t, address(sessionSink)) - before != amount) _flag(SOLVENCY, "openSessionFromBalance: module got another amount");
        _debit(a, t, amount);
        gOut[t] += amount;
        _done("openSessionFromBalance", SOLVENCY);
    }

    function _openFromBalance(address a, address t, uint256 amount, bool within) internal returns (bool) {
        bool expected = within && !gPaused && !_blocked(address(market), t) && !_blocked(address(sessionSink), t);
        bytes memory data = abi.encodeCall(
            IJobMarketDisputes.openSessionFromBalance,
            (address(sessionSink), providers[0], ModelId.wrap(bytes32(0)), t, uint96(amount), "")
        );
        (bool s, bytes memory ret) = _as(a, address(market), data);
        return _check(expected, s, ret, EXPECT, "openSessionFromBalance");
    }

    /// @notice Anyone moves a provider's owed fees to the treasury accrual.
    function collectFees(uint256 pSeed, uint256 tSeed, uint256 callerSeed) external step {
        address p = providers[pSeed % providers.length];
        address t = tokens[tSeed % tokens.length];
        bool verification = (callerSeed >> 128) % 2 == 1;
        for (uint256 k; k < tokens.length * providers.length; ++k) {
            if ((verification ? gVFeesOwed[p][t] : gFeesOwed[p][t]) != 0) break;
            p = providers[(pSeed + k / tokens.length) % providers.length];
            t = tokens[(tSeed + k) % tokens.length];
        }
        if (verification) _collectVerificationFees(p, t, accounts[callerSeed % accounts.length], EXPECT);
        else _collectFees(p, t, accounts[callerSeed % accounts.length], EXPECT);
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

    /// @dev Where `a` sends a claim: itself, or the rescue address when it is blocklisted. The
    ///      verifier module's fees go to the arbitrator.
    function _claimTo(address a, address t, bool toSelf) internal view returns (address) {
        if (a == address(verifier)) return _blocked(arbitrator, t) ? rescue : arbitrator;
        return _blocked(a, t) && !toSelf ? rescue : a;
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
        uint256 m = mSeed % models.length;
        price = bound(price, 1, 10 * _unit(t));
        (bool s, bytes memory ret) = _as(
            p,
            address(market),
            abi.encodeCall(IJobMarketExtension.setOffer, (models[m], t, uint96(price), uint32(MAX_LATENCY), active))
        );
        if (_check(modelRegistered[m], s, ret, EXPECT, "setOffer")) _ok("setOffer");
    }

    function setOffersPaused(uint256 pSeed, bool paused) external step {
        address p = providers[pSeed % providers.length];
        (bool s, bytes memory ret) =
            _as(p, address(market), abi.encodeCall(IJobMarketExtension.setOffersPaused, (paused)));
        if (_check(true, s, ret, EXPECT, "setOffersPaused")) _ok("setOffersPaused");
    }

    /// @notice Keeps the key (metadata only), rotates to a fresh key, or tries to bring back a
    ///         retired one (refused: a key's epoch decides what it is evidence for).
    function rotateSigner(uint256 pSeed, uint256 kSeed) external step {
        address p = providers[pSeed % providers.length];
        uint256 mode = kSeed % 4;
        uint256 e = gp[p].signerEpoch;
        uint256 k = mode == 0 ? e : mode == 1 && e != 0 ? (kSeed >> 2) % e : e + 1;
        _rotate(p, k, EXPECT);
    }

    function _rotate(address p, uint256 k, uint256 cat) internal returns (bool) {
        ProviderGhost storage pg = gp[p];
        bool expected = k == pg.signerEpoch || (k == uint256(pg.signerEpoch) + 1 && k <= MAX_ROTATIONS);
        (bool s, bytes memory ret) = _as(
            p,
            address(market),
            abi.encodeCall(IJobMarketExtension.updateProvider, (_keyAddr(pg.index, k), "https://rotated.example"))
        );
        if (!_check(expected, s, ret, cat, "rotateSigner")) {
            if (!expected && !s && k < pg.signerEpoch) {
                _expectError(ret, abi.encodeWithSelector(IJobMarketErrors.ProviderSignerReused.selector, p, _keyAddr(pg.index, k)), cat, "rotateSigner: a retired key");
            }
            return false;
        }
        if (k != pg.signerEpoch) pg.signerEpoch = uint8(k);
        _touchP(p);
        _done("rotateSigner", SIG);
        return true;
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
    ///         job, finalizes every submitted one, cancels every dispute (client refunded, bonds
    ///         returned), releases every module lock, pays slash debt, sweeps fees, withdraws every
    ///         stake (thawing past every period) and claims every balance, the verifier module's
    ///         fees included (blocklisted accounts to a rescue address). Every step must succeed; at
    ///         the end the market must hold exactly what was donated to it. Violations are flagged as EXIT.
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
        // 2. Every module lock released: by the module itself, or by anyone once it is retired.
        for (uint256 i; i < providers.length; ++i) {
            address p = providers[i];
            if (gModuleLocked[p] == 0) continue;
            if (gModuleActive[module]) _moduleRelease(p, gModuleLocked[p], EXIT);
            else _releaseRetired(p, keeper, EXIT);
        }
        // 3. Every stake out: mature the queue, withdraw, pay any slash debt, unstake the rest, wait, withdraw.
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
            if (gp[p].locked != 0) _flag(EXIT, "exit: stake still locked after every job and module lock settled");
            if (gp[p].debt != 0 && gp[p].staked > gp[p].locked) _collectSlashDebt(p, keeper, EXIT);
            if (gp[p].staked > gp[p].locked) _requestUnstake(p, gp[p].staked - gp[p].locked, false, EXIT);
        }
        _warpTo(gTime + gThawing);
        for (uint256 i; i < providers.length; ++i) {
            address p = providers[i];
            if (gp[p].head != gp[p].tail) _withdrawStake(p);
        }
        // 4. Fees owed forwarded, fees and slash remainders swept to the treasury's balance.
        for (uint256 i; i < providers.length; ++i) {
            for (uint256 k; k < tokens.length; ++k) {
                if (gVFeesOwed[providers[i]][tokens[k]] != 0) _collectVerificationFees(providers[i], tokens[k], keeper, EXIT);
                if (gFeesOwed[providers[i]][tokens[k]] != 0) _collectFees(providers[i], tokens[k], keeper, EXIT);
            }
        }
        for (uint256 k; k < tokens.length; ++k) {
            if (gAccrued[tokens[k]] != 0) _sweep(tokens[k], keeper);
        }
        // 5. Every balance out.
        for (uint256 i; i < accounts.length; ++i) {
            for (uint256 k; k < tokens.length; ++k) {
                address a = accounts[i];
                address t = tokens[k];
                if (gClaimable[a][t] != 0) _claim(a, t, _claimTo(a, t, false), EXIT);
            }
        }
        // 6. Nothing is owed and nothing is left but donations.
        for (uint256 k; k < tokens.length; ++k) {
            address t = tokens[k];
            if (_balanceOf(t, address(market)) != gDonated[t]) {
                _flag(EXIT, string.concat("exit: market still holds ", Strings.toString(_balanceOf(t, address(market))), " of a token, donated ", Strings.toString(gDonated[t])));
            }
            if (market.treasuryAccrued(t) != 0) _flag(EXIT, "exit: fees left unswept");
            for (uint256 i; i < accounts.length; ++i) {
                if (market.claimable(accounts[i], t) != 0) _flag(EXIT, "exit: a balance is left");
                if (market.feesOwed(accounts[i], t) != 0) _flag(EXIT, "exit: fees left owed");
                if (market.verificationFeesOwed(accounts[i], t) != 0) _flag(EXIT, "exit: verification fees left owed");
            }
        }
        for (uint256 i; i < providers.length; ++i) {
            ProviderInfo memory info = market.provider(providers[i]);
            if (info.staked != 0 || info.thawing != 0 || info.locked != 0) _flag(EXIT, "exit: stake is left");
        }
        _afterExit();
    }

    // ================================================================== shared steps (actions and exit)

    /// @dev Unstakes `amount` (bounded to the free stake left once any slash debt is paid from it,
    ///      or just above it when `over`). The debt is paid first, even by a request that then fails.
    function _requestUnstake(address p, uint256 amount, bool over, uint256 cat) internal returns (bool) {
        ProviderGhost storage pg = gp[p];
        uint256 free = pg.staked - pg.locked;
        uint256 paid = pg.debt < free ? pg.debt : free;
        uint256 left = free - paid;
        if (left == 0 && !over) return false;
        amount = over ? left + 1 + amount % 1e18 : bound(amount, 1, left);
        bool expected = !over;
        unchecked {
            expected = expected && uint8(pg.tail - pg.head) < MAX_THAWS;
        }
        (bool s, bytes memory ret) = _as(p, address(market), abi.encodeCall(IJobMarketCore.requestUnstake, (amount)));
        if (!_check(expected, s, ret, cat, "requestUnstake")) {
            if (over && !s) {
                _expectError(ret, abi.encodeWithSelector(IJobMarketErrors.StakeInsufficientFree.selector, p, amount, left), cat == EXPECT ? STAKE : cat, "requestUnstake: free stake after the debt");
            }
            return false;
        }
        _modelDebtPayment(p, paid);
        gThaw[p][pg.tail] = Thaw(amount, gTime + gThawing);
        unchecked {
            ++pg.tail;
        }
        pg.staked -= amount;
        pg.thawing += amount;
        _touchP(p);
        _done("requestUnstake", STAKE);
        return true;
    }

    function _collectSlashDebt(address p, address caller, uint256 cat) internal {
        ProviderGhost storage pg = gp[p];
        uint256 free = pg.staked - pg.locked;
        uint256 paid = pg.debt < free ? pg.debt : free;
        (bool s, bytes memory ret) =
            _as(caller, address(market), abi.encodeCall(IJobMarketDisputes.collectSlashDebt, (p)));
        if (!_check(paid != 0, s, ret, paid != 0 ? cat : EXPECT, "collectSlashDebt")) return;
        if (abi.decode(ret, (uint256)) != paid) _flag(STAKE, "collectSlashDebt: paid another amount");
        _modelDebtPayment(p, paid);
        _touchP(p);
        _done("collectSlashDebt", STAKE);
    }

    /// @dev Slash debt is paid from free stake to the treasury.
    function _modelDebtPayment(address p, uint256 paid) internal {
        if (paid == 0) return;
        gp[p].debt -= paid;
        gp[p].staked -= paid;
        _lowerStake(p, paid, true);
        gAccrued[stakeToken] += paid;
        gDebtPaid += paid;
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

    function _finalize(uint256 j, address caller) internal returns (bool) {
        Job memory job = jobs[j];
        bool afterWindow = gTime > gj[j].submittedAt + _snap(j).challengeWindow;
        bool expected = caller == job.client || afterWindow;
        (bool s, bytes memory ret) = _as(caller, address(market), abi.encodeCall(IJobMarketCore.finalizeJob, (job)));
        if (!_check(expected, s, ret, afterWindow ? EXIT : EXPECT, "finalizeJob")) return false;
        _modelResultStands(j);
        _done("finalizeJob", SETTLE);
        return true;
    }

    /// @dev After the deadline only, jailed or not. An accepted job's provider is slashed for
    ///      liveness: the client gets challengerShareBps of the slash, the treasury the rest.
    function _expire(uint256 j, address caller) internal returns (bool) {
        Job memory job = jobs[j];
        JobGhost storage g = gj[j];
        bool late = gTime > job.deadline;
        (bool s, bytes memory ret) = _as(caller, address(market), abi.encodeCall(IJobMarketExtension.expireJob, (job)));
        if (!_check(late, s, ret, late ? EXIT : EXPECT, "expireJob")) {
            if (!late && !s) {
                _expectError(ret, abi.encodeWithSelector(IJobMarketErrors.JobDeadlineNotReached.selector, _id(j), job.deadline, gTime), EXPECT, "expireJob before the deadline");
            }
            return false;
        }
        if (g.status == JobStatus.Accepted) {
            Params memory snap = _snap(j);
            uint256 slash = uint256(job.collateral) * snap.livenessSlashBps / snap.collateralRatioBps;
            uint256 share = slash * snap.challengerShareBps / BPS;
            ProviderGhost storage pg = gp[g.provider];
            _lowerStake(g.provider, slash, true);
            pg.staked -= slash;
            pg.locked -= job.collateral;
            _recordMiss(g.provider);
            _credit(job.client, stakeToken, share);
            gAccrued[stakeToken] += slash - share;
            g.slashed = slash;
            g.clientShare = share;
            g.treasuryShare = slash - share;
            ++g.slashCount;
            gSlashedLiveness += slash;
            gLivenessToClients += share;
            gLivenessToTreasury += slash - share;
            _onLivenessSlash(j, slash);
            _touchP(g.provider);
        }
        _modelRefund(j, JobStatus.Expired);
        _done("expireJob", SETTLE);
        return true;
    }

    function _cancel(uint256 j, address caller) internal {
        Job memory job = jobs[j];
        bool byClient = caller == job.client;
        (bool s, bytes memory ret) = _as(caller, address(market), abi.encodeCall(IJobMarketExtension.cancelJob, (job)));
        if (!_check(byClient, s, ret, byClient ? EXIT : OWNER, "cancelJob")) return;
        _modelRefund(j, JobStatus.Cancelled);
        _done("cancelJob", SETTLE);
    }

    /// @dev The arbitrator rules through the verifier module. The loser pays the module
    ///      disputeFeeBps of each bond: from the bonds when the result stands, and the same value
    ///      in stake at the job's rate from the slash when upheld (see `_upheldFee`).
    function _resolve(uint256 j, Outcome outcome, uint256 winner) internal returns (bool) {
        Job memory job = jobs[j];
        JobGhost storage g = gj[j];
        bool expected = gTime <= g.disputeDeadline && gModuleActive[address(verifier)]
            && (outcome != Outcome.Upheld || winner < g.nChallengers);
        (bool s, bytes memory ret) = _as(
            arbitrator, address(verifier), abi.encodeCall(ArbitratedVerifier.rule, (job, outcome, winner, "ipfs://ruling"))
        );
        if (!_check(expected, s, ret, EXPECT, "rule")) return false;
        if (outcome == Outcome.Upheld) {
            uint256 fee = _upheldFee(j);
            g.upheld = true;
            _returnBonds(j, g.bond);
            _modelFraudSlash(j, g.challengers[winner], fee);
            _done("ruleUpheld", SLASH);
            return true;
        }
        uint256 n = g.nChallengers;
        uint256 feeEach = g.bond * _snap(j).disputeFeeBps / BPS;
        if (feeEach != 0) _credit(address(verifier), job.token, feeEach * n);
        g.disputeFees = feeEach * n;
        gDisputeFees[job.token] += feeEach * n;
        if (outcome == Outcome.Rejected) {
            _credit(g.provider, job.token, (g.bond - feeEach) * n);
            gBonds[job.token] -= g.bond * n;
            _onRejected(j, g.bond - feeEach);
        } else {
            gBonds[job.token] -= feeEach * n;
            _returnBonds(j, g.bond - feeEach);
        }
        _modelResultStands(j);
        _done(outcome == Outcome.Rejected ? "ruleRejected" : "ruleDraw", SETTLE);
        return true;
    }

    /// @dev Nobody ruled in time: the client is refunded, the collateral unlocked with no slash,
    ///      every bond returned, and the job ends Cancelled.
    function _cancelDispute(uint256 j, address caller) internal returns (bool) {
        Job memory job = jobs[j];
        bool expected = gTime > gj[j].disputeDeadline;
        (bool s, bytes memory ret) =
            _as(caller, address(market), abi.encodeCall(IJobMarketDisputes.cancelDispute, (job)));
        if (!_check(expected, s, ret, expected ? EXIT : EXPECT, "cancelDispute")) return false;
        _returnBonds(j, gj[j].bond);
        gp[gj[j].provider].locked -= job.collateral;
        _touchP(gj[j].provider);
        _modelRefund(j, JobStatus.Cancelled);
        _done("cancelDispute", SETTLE);
        return true;
    }

    function _claim(address a, address t, address to, uint256 cat) internal {
        uint256 amount = gClaimable[a][t];
        bool expected = amount != 0 && !_blocked(to, t);
        uint256 before = _balanceOf(t, to);
        bool s;
        bytes memory ret;
        if (a == address(verifier)) {
            // The module's fees are withdrawn by the arbitrator through the module.
            (s, ret) = _as(arbitrator, address(verifier), abi.encodeCall(ArbitratedVerifier.claimFees, (t, to)));
            actor = address(verifier); // the market sees the module claim its own balance
        } else {
            (s, ret) = _as(a, address(market), abi.encodeCall(IJobMarketExtension.claim, (t, to)));
        }
        if (!_check(expected, s, ret, cat, "claim")) return;
        if (abi.decode(ret, (uint256)) != amount) _flag(SOLVENCY, "claim: returned another amount than the balance");
        if (_balanceOf(t, to) - before != amount) _flag(SOLVENCY, "claim: recipient got another amount");
        _debit(a, t, amount);
        _forwardFees(a, t);
        gOut[t] += amount;
        _done(a == address(verifier) ? "claimFees" : to == rescue ? "claimToRescue" : "claim", SOLVENCY);
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
        _forwardVFees(a, t);
        _touch(a, t);
    }

    function _forwardVFees(address a, address t) internal {
        uint256 amount = gVFeesOwed[a][t];
        gVFeesOwed[a][t] = 0;
        _payVFees(t, amount);
    }

    /// @dev Verification fees go to the fee module's claimable balance, or the treasury's accrual without one.
    function _payVFees(address t, uint256 amount) internal {
        if (amount == 0) return;
        if (gFeeModule == address(0)) gAccrued[t] += amount;
        else _credit(gFeeModule, t, amount);
    }

    function _collectVerificationFees(address p, address t, address caller, uint256 cat) internal {
        uint256 amount = gVFeesOwed[p][t];
        (bool s, bytes memory ret) =
            _as(caller, address(market), abi.encodeCall(IJobMarketDisputes.collectVerificationFees, (p, t)));
        if (!_check(amount != 0, s, ret, amount != 0 ? cat : EXPECT, "collectVerificationFees")) return;
        if (abi.decode(ret, (uint256)) != amount) _flag(SETTLE, "collectVerificationFees: returned another amount");
        _forwardVFees(p, t);
        _touch(p, t);
        _done("collectVerificationFees", SETTLE);
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
        uint256 vfee = gPaysVFee[j] ? uint256(job.price) * _snap(j).verificationFeeBps / BPS : 0;
        uint256 payout = job.price - fee - vfee;
        if (feeBps > maxFeeBpsSeen) maxFeeBpsSeen = feeBps;
        _credit(g.provider, job.token, payout);
        // Each owed field is 64 bits: a fee that would overflow it goes to its destination at once.
        if (gFeesOwed[g.provider][job.token] + fee > type(uint64).max) gAccrued[job.token] += fee;
        else gFeesOwed[g.provider][job.token] += fee;
        if (gVFeesOwed[g.provider][job.token] + vfee > type(uint64).max) _payVFees(job.token, vfee);
        else gVFeesOwed[g.provider][job.token] += vfee;
        _touch(g.provider, job.token);
        gp[g.provider].locked -= job.collateral;
        gEscrow[job.token] -= job.price;
        g.payout = payout;
        g.fee = fee;
        g.vfee = vfee;
        ++g.settleCount;
        g.settledAt = gTime;
        _touchP(g.provider);
        _setStatus(j, JobStatus.Finalized);
        _onPaid(j, payout);
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

    /// @dev Credits `amount` to every challenger of job `j` and closes its bonds.
    function _returnBonds(uint256 j, uint256 amount) internal {
        JobGhost storage g = gj[j];
        address t = jobs[j].token;
        for (uint256 i; i < g.nChallengers; ++i) {
            if (amount != 0) _credit(g.challengers[i], t, amount);
        }
        gBonds[t] -= amount * g.nChallengers;
    }

    /// @dev Fraud proven before settlement: the whole collateral is slashed from the lock and the
    ///      provider jailed; the beneficiary gets challengerShareBps of it, the verifier module
    ///      `fee` (upheld disputes), the treasury the rest, the client a refund.
    function _modelFraudSlash(uint256 j, address beneficiary, uint256 fee) internal {
        Job memory job = jobs[j];
        JobGhost storage g = gj[j];
        uint256 slashed = job.collateral;
        _lowerStake(g.provider, slashed, true);
        gp[g.provider].locked -= slashed;
        gp[g.provider].staked -= slashed;
        _jail(g.provider, FRAUD_JAIL);
        _touchP(g.provider);
        _split(j, beneficiary, slashed, fee);
        _modelRefund(j, JobStatus.Slashed);
    }

    /// @dev Equivocation after finalization: up to the collateral, from free stake first, then from
    ///      thaw requests newest first; never from other jobs' or modules' locks. What they cannot
    ///      cover becomes slash debt. No refund: the client was served. The provider is jailed.
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
        uint256 debt = amount - slashed;
        pg.debt += debt;
        gj[j].debt = debt;
        gDebtRecorded += debt;
        _lowerStake(p, slashed, true);
        _jail(p, FRAUD_JAIL);
        _touchP(p);
        gj[j].postSettlementSlash = true;
        _split(j, reporter, slashed, 0);
        _setStatus(j, JobStatus.Slashed);
    }

    /// @dev The arbitration fee of an upheld dispute (docs/protocol.md 4.1): what the failed
    ///      challenge would have paid the module, disputeFeeBps of each of the n bonds, converted to
    ///      stake at the job's own rate (C × 10_000 / (P × collateralRatioBps) stake units per payment
    ///      unit), at most what the winner's share leaves of the slash (the whole collateral C).
    function _upheldFee(uint256 j) internal view returns (uint256 fee) {
        Job memory job = jobs[j];
        Params memory snap = _snap(j);
        uint256 bondFees = gj[j].bond * snap.disputeFeeBps / BPS * gj[j].nChallengers;
        fee = bondFees * job.collateral * BPS / (uint256(job.price) * snap.collateralRatioBps);
        uint256 left = job.collateral - uint256(job.collateral) * snap.challengerShareBps / BPS;
        if (fee > left) fee = left;
    }

    /// @dev Shares a fraud slash: challengerShareBps to `beneficiary`, `fee` to the verifier module,
    ///      the treasury the rest.
    function _split(uint256 j, address beneficiary, uint256 slashed, uint256 fee) internal {
        JobGhost storage g = gj[j];
        uint256 reward = slashed * _snap(j).challengerShareBps / BPS;
        _credit(beneficiary, stakeToken, reward);
        if (fee != 0) _credit(address(verifier), stakeToken, fee);
        gAccrued[stakeToken] += slashed - reward - fee;
        g.slashed = slashed;
        g.reward = reward;
        g.verifierFee = fee;
        g.treasuryShare = slashed - reward - fee;
        ++g.slashCount;
        gSlashedFraud += slashed;
        gRewards += reward;
        gSlashFees += fee;
        gFraudToTreasury += slashed - reward - fee;
        _onFraudSlash(j, beneficiary, slashed, g.debt);
    }

    function _recordSubmission(uint256 j, bytes32 out, bytes memory sig) internal {
        gj[j].output = out;
        gj[j].submittedAt = gTime;
        ++gj[j].submitCount;
        submittedSig[j] = sig;
        _setStatus(j, JobStatus.Submitted);
    }

    /// @dev Three liveness misses within 24 hours jail the provider for 24 hours.
    function _recordMiss(address p) internal {
        ProviderGhost storage pg = gp[p];
        if (gTime > pg.missWindowStart + 24 hours) {
            pg.missWindowStart = gTime;
            pg.misses = 1;
        } else {
            ++pg.misses;
        }
        if (pg.misses >= 3) {
            pg.misses = 0;
            _jail(p, LIVENESS_JAIL);
        }
    }

    function _jail(address p, uint256 duration) internal {
        if (gTime + duration > gp[p].jailedUntil) gp[p].jailedUntil = gTime + duration;
    }

    /// @dev The only transitions DESIGN.md and the dispute rules allow. Finalized → Slashed is the
    ///      post-settlement equivocation slash (the payout stands; the provider's stake pays);
    ///      Disputed → Cancelled is a dispute nobody ruled on in time.
    function _setStatus(uint256 j, JobStatus to) internal {
        JobStatus from = gj[j].status;
        bool allowed = (from == JobStatus.Created
                && (to == JobStatus.Accepted || to == JobStatus.Submitted || to == JobStatus.Expired
                    || to == JobStatus.Cancelled))
            || (from == JobStatus.Accepted
                && (to == JobStatus.Submitted || to == JobStatus.Expired || to == JobStatus.Slashed))
            || (from == JobStatus.Submitted
                && (to == JobStatus.Disputed || to == JobStatus.Finalized || to == JobStatus.Slashed))
            || (from == JobStatus.Disputed
                && (to == JobStatus.Finalized || to == JobStatus.Slashed || to == JobStatus.Cancelled))
            || (from == JobStatus.Finalized && to == JobStatus.Slashed);
        if (!allowed) _flag(SETTLE, "a job moved to a state that does not follow its current one");
        gj[j].status = to;
    }

    // ================================================================== hooks for the attacker's ledger

    function _onPaid(uint256 j, uint256 payout) internal virtual {}

    function _onRejected(uint256 j, uint256 perBond) internal virtual {}

    function _onLivenessSlash(uint256 j, uint256 slash) internal virtual {}

    function _onFraudSlash(uint256 j, address beneficiary, uint256 taken, uint256 debt) internal virtual {}

    function _onModuleSlash(address p, uint256 amount, address beneficiary) internal virtual {}

    function _afterExit() internal virtual {}

    function _afterInit() internal virtual {}

    function _outcomeFor(uint256, uint256 seed) internal view virtual returns (Outcome) {
        return Outcome(seed % 3);
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
            if (market.verificationFeesOwed(touchedA[i], touchedT[i]) != gVFeesOwed[touchedA[i]][touchedT[i]]) {
                _flag(cat, string.concat(_lastAction, ": verification fees owed differ from the model"));
            }
        }
        for (uint256 i; i < tokens.length; ++i) {
            if (market.treasuryAccrued(tokens[i]) != gAccrued[tokens[i]]) {
                _flag(cat, string.concat(_lastAction, ": treasuryAccrued differs from the model"));
            }
        }
        for (uint256 i; i < touchedP.length; ++i) {
            address p = touchedP[i];
            ProviderInfo memory info = market.provider(p);
            ProviderGhost storage pg = gp[p];
            uint256 c = cat == SETTLE || cat == SLASH ? cat : STAKE;
            if (info.staked != pg.staked || info.locked != pg.locked || info.thawing != pg.thawing) {
                _flag(c, string.concat(_lastAction, ": stake differs from the model"));
            }
            if (info.slashDebt != pg.debt) _flag(c, string.concat(_lastAction, ": slash debt differs from the model"));
            if (info.jailedUntil != pg.jailedUntil || info.livenessMisses != pg.misses) {
                _flag(c, string.concat(_lastAction, ": jail or liveness misses differ from the model"));
            }
            if (info.signerEpoch != pg.signerEpoch || info.signer != _keyAddr(pg.index, pg.signerEpoch)) {
                _flag(SIG, string.concat(_lastAction, ": signer key or epoch differs from the model"));
            }
            ModuleStake memory ms = market.moduleStake(module, p);
            if (ms.locked != gModuleLocked[p]) _flag(c, string.concat(_lastAction, ": module lock differs from the model"));
            if (ms.allowance != gModuleAllowance[p]) _flag(c, string.concat(_lastAction, ": module allowance differs from the model"));
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

    /// @dev Flags unless `ret` is exactly the revert data `want` (error and arguments).
    function _expectError(bytes memory ret, bytes memory want, uint256 cat, string memory what) internal {
        if (keccak256(ret) != keccak256(want)) {
            _flag(cat, string.concat(what, ": reverted with ", _selectorOf(ret), " instead of ", _selectorOf(want)));
        }
    }

    /// @dev Makes a call that must revert with exactly `want`; flags a success or another error.
    function _mustRevertWith(address caller, address target, bytes memory data, bytes memory want, uint256 cat, string memory what)
        internal
        returns (bool reverted)
    {
        (bool s, bytes memory ret) = _as(caller, target, data);
        if (s) {
            _flag(cat, string.concat(what, ": succeeded"));
            return false;
        }
        _expectError(ret, want, cat, what);
        return true;
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
        return pg.jailedUntil <= gTime && pg.staked >= gMinStake && collateral <= pg.staked - pg.locked;
    }

    /// @dev An open job's offer: unpaused, active, same token, price at or below the job's (the
    ///      deadline's room for maxLatency is checked by the caller).
    function _offerOk(address p, Job memory job) internal view returns (bool) {
        Offer memory o = market.offer(p, job.model);
        return !market.provider(p).offersPaused && o.active && o.token == job.token && o.price <= job.price;
    }

    function _latency(address p, Job memory job) internal view returns (uint256) {
        return market.offer(p, job.model).maxLatency;
    }

    /// @dev Key index k became the signer at epoch k; it is evidence for a job iff it became the
    ///      signer at or after the job's signer epoch (and it did become the signer).
    function _evidenceValid(uint256 j, uint256 k) internal view returns (bool) {
        return k >= gj[j].signerEpoch && k <= gp[gj[j].provider].signerEpoch;
    }

    /// @dev The provider itself and its current signer key may not dispute its jobs. A retired key
    ///      may, like any account (refusing every address a provider ever named would let it shut a
    ///      chosen watchdog out by naming it as a key and rotating away).
    function _isProviderOrSigner(address p, address who) internal view returns (bool) {
        return who == p || who == _keyAddr(gp[p].index, gp[p].signerEpoch);
    }

    function _modelIsRegistered(ModelId m) internal view returns (bool) {
        for (uint256 i; i < models.length; ++i) {
            if (ModelId.unwrap(models[i]) == ModelId.unwrap(m)) return modelRegistered[i];
        }
        return false;
    }

    function _bondOf(uint256 j) internal view returns (uint256 bond) {
        bond = uint256(jobs[j].price) * _snap(j).bondRatioBps / BPS;
        if (bond < bondFloorOf[jobs[j].token]) bond = bondFloorOf[jobs[j].token];
    }

    /// @dev An honest account that may challenge: a challenger or a client.
    function _honestChallenger(uint256 seed) internal view returns (address) {
        uint256 n = challengers.length + clients.length;
        uint256 i = seed % n;
        return i < challengers.length ? challengers[i] : clients[i - challengers.length];
    }

    /// @dev DESIGN.md's bounds, written independently of the implementation. Returns the error the
    ///      market must raise when they are broken.
    function _paramsVerdict(Params memory n, uint256 thawing) internal pure returns (bool valid, bytes4 why) {
        bool inBounds = n.challengeWindow >= 1 hours && n.challengeWindow <= 72 hours
            && n.disputeResolutionPeriod >= 1 days && n.disputeResolutionPeriod <= 14 days
            && n.collateralRatioBps >= 10_000 && n.collateralRatioBps <= 1_000_000 && n.protocolFeeBps <= 1_000
            && n.challengerShareBps <= 5_000 && n.livenessSlashBps <= n.collateralRatioBps
            && n.bondRatioBps >= 10_000 && n.bondRatioBps <= 1_000_000 && n.disputeFeeBps <= 5_000
            && n.verificationFeeBps <= 1_000;
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
        n.verificationFeeBps = uint16(bound(c >> 48, 0, 1_000));
        uint256 mode = seed % 32; // 11 of 32 break a bound
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
            n = Params(uint32(a), uint32(a >> 32), uint32(b), uint16(b >> 32), uint16(b >> 48), uint32(b >> 64), uint32(c), uint16(c >> 32), uint16(c >> 48));
        } else if (mode == 10) {
            n.verificationFeeBps = 1_001;
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
        if (r == 2) return gTime + bound(seed >> 4, 1, 2 * MAX_LATENCY); //    around an offer's maxLatency
        return gTime + bound(seed >> 4, 2 * MAX_LATENCY, 2 days);
    }

    function _blocked(address a, address t) internal view returns (bool) {
        return t == address(usdc) && usdc.isBlocklisted(a);
    }

    function _balanceOf(address t, address a) internal view returns (uint256) {
        return IERC20(t).balanceOf(a);
    }

    /// @dev Gives `to` at least `amount` of `t`: mints mock tokens, or pays the stake token from the
    ///      stash. Never for the attacker's addresses: they live on what the attacker started with.
    function _fund(address to, address t, uint256 amount) internal returns (bool) {
        uint256 have = _balanceOf(t, to);
        if (have >= amount) return true;
        if (isAttacker[to]) return false;
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
        (uint8 v, bytes32 rr, bytes32 ss) = vm.sign(x.clientKey, digest);
        return abi.encodeCall(IJobMarketCore.createJobWithPermit, (r, x.input, deadline, v, rr, ss));
    }

    // ================================================================== signatures

    /// @dev Provider `providerIdx`'s key number k (which becomes its signer at epoch k).
    function _signerKey(uint256 providerIdx, uint256 k) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode("depinfer.signer", providerIdx, k)));
    }

    function _keyAddr(uint256 providerIdx, uint256 k) internal pure returns (address) {
        return vm.addr(_signerKey(providerIdx, k));
    }

    function _currentKey(address p) internal view returns (uint256) {
        return _signerKey(gp[p].index, gp[p].signerEpoch);
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

    function _id(uint256 j) internal view returns (JobId) {
        return JobId.wrap(keccak256(abi.encode(jobs[j])));
    }

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
            if (cond == LIVE && gj[j].infeasible) continue;
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
        string[54] memory names = [
            "stake", "requestUnstake", "withdrawStake", "collectSlashDebt", "createJob", "createJobWithPermit",
            "createJobFromBalance", "acceptJob", "submitResult", "acceptAndSubmit", "finalizeJob", "finalizeJobs",
            "expireJob", "cancelJob", "openDispute", "joinDispute", "ruleUpheld", "ruleRejected", "ruleDraw",
            "cancelDispute", "reportEquivocation", "replaySignature", "deposit", "claim", "claimToRescue", "claimFees",
            "withdraw", "sweepToTreasury", "setParams", "setThawingPeriod", "pause", "blocklist", "unauthorized",
            "collectFees", "rotateSigner", "setModuleAllowance", "moduleLock", "moduleRelease", "moduleSlash",
            "moduleRetired", "releaseRetiredModuleLock", "setOffer", "attackSelfJob", "attackSelfJail",
            "attackSelfDispute", "attackLie", "attackRotateKey", "attackInfeasible", "attackDebtDodge", "acceptInfeasible",
            "attackSelfDisputeRetiredKey", "moduleLockPaidDebt", "moduleSlashRounds", "acceptAndSubmitBatch"
        ];
        out = string.concat("ok ", Strings.toString(totalOk), "/", Strings.toString(totalCalls), ":");
        for (uint256 i; i < names.length; ++i) {
            out = string.concat(out, " ", names[i], "=", Strings.toString(okCalls[keccak256(bytes(names[i]))]));
        }
    }
}
