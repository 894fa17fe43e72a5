// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";

import {
    IJobMarketCore,
    IJobMarketDisputes,
    IJobMarketErrors,
    IJobMarketExtension
} from "../../../contracts/interfaces/IJobMarket.sol";
import {JobId} from "../../../contracts/types/Ids.sol";
import {Handler} from "./Handler.sol";

/// @title The attacker's moves and ledger (DESIGN.md invariant 11: no fault pays)
/// @notice One provider (`attacker`) and the sybil addresses only it funds (`sybilClient`,
///         `sybilChallenger`, and any retired signer key of its own it disputes with) act as one
///         economic party. Besides serving honest clients through the generic actions, the party
///         plays every fault DESIGN.md names and the contract changes closed: self-jobs (direct and
///         open, finalized early or left to expire), self-jail (three self-dealt misses, or a
///         self-equivocation), self-dispute (refused to the provider and its current key; a sybil,
///         or a retired key acting as one, opens; real challengers join), a lie squatted by its own
///         sybil's dispute with no ruling, key rotation (a retired key is no evidence against later
///         jobs, and cannot come back), infeasible deadlines (accept must fail), and free stake
///         locked in self-jobs or a module before its own post-settlement equivocation is reported
///         (slash debt, which a later module lock pays first).
///
///         The ledger, per token:
///         - `gAttackerStart`: the party's wealth after it was endowed;
///         - `gAttackerIncome`: what honest work paid it: `price − fee` of jobs it served for clients
///           outside the party (not for a lie), and the share of failed challenges by challengers
///           outside the party that compensates it;
///         - `gPenaltyFloor` (stake token): the least each of its faults must cost the party under
///           DESIGN.md, whatever the parameters: a slash of its stake leaves the party, except that a
///           beneficiary inside it (its client for a liveness miss, its challenger or reporter for
///           fraud) may get back at most 50 % (MAX challenger share) of what was taken; slash debt
///           counts in full (it is owed to the treasury).
///         `invariant_noFaultPays` checks, per token, wealth − slash debt ≤ start + income − floor,
///         where wealth is read from the chain: wallets + claimable of every party address, plus the
///         provider's stake and thawing stake. Every fault pays less than nothing; so a change that
///         lets one of them pay (or merely cost nothing) breaks it.
abstract contract AttackerHandler is Handler {
    mapping(address token => uint256) public gAttackerStart;
    mapping(address token => uint256) public gAttackerIncome;
    uint256 public gPenaltyFloor;

    uint8 internal constant HONEST_LIVE = 5; // before the deadline, for a client outside the party
    uint8 internal constant RECENT = 6; //     settled within the post-settlement report window

    constructor(Config memory c) Handler(c) {}

    // ================================================================== the ledger

    function _afterInit() internal override {
        for (uint256 k; k < tokens.length; ++k) {
            (uint256 gross,) = attackerWealth(tokens[k]);
            gAttackerStart[tokens[k]] = gross;
        }
    }

    /// @notice The party's wealth in `t`, read from the chain: wallets and claimable balances of
    ///         every party address, plus (stake token) the provider's stake and thawing stake; and
    ///         the slash debt it owes. Fees its earnings owe the treasury are not its wealth.
    function attackerWealth(address t) public view returns (uint256 gross, uint256 debt) {
        for (uint256 i; i < party.length; ++i) {
            gross += _balanceOf(t, party[i]) + market.claimable(party[i], t);
        }
        if (t == stakeToken) {
            ProviderInfo memory info = market.provider(attacker);
            gross += uint256(info.staked) + info.thawing;
            debt = info.slashDebt;
        }
    }

    /// @notice Invariant 11 for token `t`: (wealth − debt) ≤ start + honest income − penalty floor,
    ///         compared without subtraction: wealth + floor ≤ start + income + debt.
    function attackerBound(address t) public view returns (uint256 lhs, uint256 rhs) {
        (uint256 gross, uint256 debt) = attackerWealth(t);
        lhs = gross + (t == stakeToken ? gPenaltyFloor : 0);
        rhs = gAttackerStart[t] + gAttackerIncome[t] + debt;
    }

    function _afterExit() internal override {
        for (uint256 k; k < tokens.length; ++k) {
            (uint256 lhs, uint256 rhs) = attackerBound(tokens[k]);
            if (lhs > rhs) {
                _flag(ATTACK, string.concat("exit: a fault paid the attacker ", Strings.toString(lhs - rhs), " of token ", Strings.toString(k)));
            }
        }
    }

    function _onPaid(uint256 j, uint256 payout) internal override {
        if (gj[j].provider == attacker && !isAttacker[jobs[j].client] && !gj[j].lie) {
            gAttackerIncome[jobs[j].token] += payout;
        }
    }

    /// @dev A failed challenge by someone outside the party compensates the provider: honest income.
    function _onRejected(uint256 j, uint256 perBond) internal override {
        if (gj[j].provider != attacker) return;
        for (uint256 i; i < gj[j].nChallengers; ++i) {
            if (!isAttacker[gj[j].challengers[i]]) gAttackerIncome[jobs[j].token] += perBond;
        }
    }

    function _onLivenessSlash(uint256 j, uint256 slash) internal override {
        if (gj[j].provider == attacker) gPenaltyFloor += slash - (isAttacker[jobs[j].client] ? _maxShare(slash) : 0);
    }

    function _onFraudSlash(uint256 j, address beneficiary, uint256 taken, uint256 debt) internal override {
        if (gj[j].provider == attacker) gPenaltyFloor += taken + debt - (isAttacker[beneficiary] ? _maxShare(taken) : 0);
    }

    function _onModuleSlash(address p, uint256 amount, address beneficiary) internal override {
        if (p == attacker) gPenaltyFloor += amount - (isAttacker[beneficiary] ? _maxShare(amount) : 0);
    }

    /// @dev The most a beneficiary can get of a slash under DESIGN.md's cap (50 %), rounded down as the market does.
    function _maxShare(uint256 amount) internal pure returns (uint256) {
        return amount * MAX_SHARE_BPS / BPS;
    }

    /// @dev An honest arbitrator rules a known lie upheld; other disputes get any verdict.
    function _outcomeFor(uint256 j, uint256 seed) internal view override returns (Outcome) {
        return gj[j].lie ? Outcome.Upheld : Outcome(seed % 3);
    }

    // ================================================================== moves

    /// @notice Self-jobs: the provider (or its sybil) as the client of the provider's own direct or
    ///         open job; accepted and submitted at once then finalized early by its client, submitted
    ///         and left for the window, or accepted and left to expire (a self-dealt miss).
    function attackSelfJob(uint256 seed) external step {
        _maybeWaitOutJail(seed >> 250);
        uint256 kind = seed % 4;
        (bool ok, uint256 j) = _selfJob(seed >> 2, kind >= 2, gTime + bound(seed >> 100, 2 * MAX_LATENCY, 1 days));
        if (!ok) return;
        bytes32 out = keccak256(abi.encode("self-dealt output", seed));
        if (kind == 1) {
            if (_acceptAndSubmit(j, out, attacker)) _finalize(j, jobs[j].client);
        } else if (_accept(j, attacker, EXPECT) && kind == 2) {
            _submit(j, out, attacker);
        }
        _ok("attackSelfJob");
    }

    /// @notice Self-jail: three self-dealt misses within a day, or a self-equivocation reported by its
    ///         sybil. Then: the jail waives nothing (its honest jobs cannot be expired before their
    ///         deadline, and are slashed if missed), and it takes no new work.
    function attackSelfJail(uint256 seed) external step {
        _maybeWaitOutJail(seed >> 250);
        (bool held, uint256 h) = _honestJobFor(seed >> 200, gTime + 2 days);
        if (held) held = _accept(h, attacker, EXPECT);
        if (seed % 4 != 0) {
            uint256[3] memory js;
            for (uint256 i; i < 3; ++i) {
                (bool ok, uint256 j) = _cheapSelfJob(seed >> (8 + 16 * i), gTime + 1 hours);
                if (!ok || !_accept(j, attacker, EXPECT)) return;
                js[i] = j;
            }
            _warpTo(gTime + 1 hours + 1);
            for (uint256 i; i < 3; ++i) {
                _expire(js[i], seed % 2 == 0 ? sybilClient : keeper);
            }
            if (gp[attacker].jailedUntil <= gTime) _flag(ATTACK, "three self-dealt misses in a day did not jail the provider");
        } else {
            (bool ok, uint256 j) = _selfJob(seed >> 8, false, gTime + 1 days);
            if (!ok || !_accept(j, attacker, EXPECT)) return;
            if (!_equivocate(j, sybilChallenger, gp[attacker].signerEpoch, seed, ATTACK)) return;
        }
        if (gp[attacker].jailedUntil > gTime) _jailWaivesNothing(seed);
        _ok("attackSelfJail");
    }

    function _jailWaivesNothing(uint256 seed) internal {
        uint256 len = jobs.length;
        for (uint256 j; j < len; ++j) {
            if (gj[j].status != JobStatus.Accepted || gj[j].provider != attacker || gTime > jobs[j].deadline) continue;
            _mustRevertWith(
                keeper,
                address(market),
                abi.encodeCall(IJobMarketExtension.expireJob, (jobs[j])),
                abi.encodeWithSelector(IJobMarketErrors.JobDeadlineNotReached.selector, _id(j), jobs[j].deadline, gTime),
                ATTACK,
                "a jailed provider's job expired before its deadline"
            );
        }
        if (gPaused) return;
        (bool ok, uint256 k) = _selfJob(seed >> 64, false, gTime + 1 days);
        if (!ok) return;
        _mustRevertWith(
            attacker,
            address(market),
            abi.encodeCall(IJobMarketCore.acceptJob, (jobs[k])),
            abi.encodeWithSelector(IJobMarketErrors.ProviderInJail.selector, attacker, gp[attacker].jailedUntil),
            ATTACK,
            "a jailed provider accepted a job"
        );
    }

    /// @notice Self-dispute: the provider and its current signer key are refused; a sybil it funded
    ///         opens the dispute: its sybil challenger, or one of its retired keys (a retired key may
    ///         dispute like any account, e309090, so it is one more sybil of the party, funded by it),
    ///         which may also join the sybil's dispute; real challengers join (up to four in all); the
    ///         provider and its current key cannot join, nor anyone twice, nor a fifth.
    function attackSelfDispute(uint256 seed) external step {
        _maybeWaitOutJail(seed >> 250);
        (uint256 j, bool found) = _pickAttacker(seed, _mask(JobStatus.Submitted), IN_WINDOW);
        if (!found) {
            bool ok;
            (ok, j) = seed % 2 == 0 ? _selfJob(seed >> 1, false, gTime + 1 days) : _honestJobFor(seed >> 1, gTime + 1 days);
            if (!ok || !_acceptAndSubmit(j, keccak256(abi.encode("attacker output", seed)), attacker)) return;
        }
        // Half the time a retired key of its own disputes as a sybil (rotating away first if it has
        // none yet): it opens, or joins the sybil challenger's dispute.
        bool useRetired = (seed >> 8) % 2 == 0;
        uint256 e = gp[attacker].signerEpoch;
        if (useRetired && (e == 0 || (seed >> 11) % 4 == 0) && _rotate(attacker, e + 1, ATTACK)) ++e;
        JobId id = _id(j);
        bytes memory open = abi.encodeCall(IJobMarketDisputes.openDispute, (jobs[j], "self-dispute"));
        _mustRevertWith(attacker, address(market), open, _byProvider(id, attacker), ATTACK, "the provider disputed its own job");
        address key = _keyAddr(gp[attacker].index, e);
        _mustRevertWith(key, address(market), open, _byProvider(id, key), ATTACK, "the current signer key of the provider disputed its job");
        address retired;
        if (useRetired && e != 0) {
            address k = _keyAddr(gp[attacker].index, (seed >> 10) % e);
            if (_enlistSybil(k, jobs[j].token, _bondOf(j))) retired = k;
        }
        address opener = retired != address(0) && (seed >> 9) % 2 == 0 ? retired : sybilChallenger;
        if (!_tryOpen(j, opener, ATTACK)) return;
        if (retired != address(0) && opener != retired) _tryJoin(j, retired, ATTACK);
        uint256 joiners = (seed >> 64) % 4;
        for (uint256 i; i < joiners; ++i) {
            _tryJoin(j, _honestChallenger(seed >> (72 + 8 * i)), ATTACK);
        }
        bytes memory join = abi.encodeCall(IJobMarketDisputes.joinDispute, (jobs[j], "self-join"));
        _mustRevertWith(attacker, address(market), join, _byProvider(id, attacker), ATTACK, "the provider joined a dispute on its own job");
        _mustRevertWith(key, address(market), join, _byProvider(id, key), ATTACK, "the current signer key joined a dispute on its provider's job");
        bytes memory again = gj[j].nChallengers == MAX_CHALLENGERS
            ? abi.encodeWithSelector(IJobMarketErrors.DisputeFull.selector, id, MAX_CHALLENGERS)
            : abi.encodeWithSelector(IJobMarketErrors.DisputeAlreadyJoined.selector, id, opener);
        _mustRevertWith(opener, address(market), join, again, ATTACK, "a challenger joined twice, or a fifth joined");
        _ok("attackSelfDispute");
        if (retired != address(0)) _ok("attackSelfDisputeRetiredKey");
    }

    /// @dev Makes `a` one more address of the party (a retired key of the attacker: nobody else ever
    ///      funds it) and moves `amount` of `t` to it from the attacker's own wallets, which leaves the
    ///      party's wealth as it was. Its balances count in the ledger, the solvency sums and the exit
    ///      from now on. False when the party cannot fund it.
    function _enlistSybil(address a, address t, uint256 amount) internal returns (bool) {
        if (!isAttacker[a]) {
            isAttacker[a] = true;
            party.push(a);
            // `accounts` ends with the verifier module and the treasury: keep them last.
            address tr = accounts[accounts.length - 1];
            address v = accounts[accounts.length - 2];
            accounts.pop();
            accounts.pop();
            accounts.push(a);
            accounts.push(v);
            accounts.push(tr);
            _approveAll(a);
            // Anything it held before is wealth the party did not earn by its moves.
            for (uint256 k; k < tokens.length; ++k) {
                gAttackerStart[tokens[k]] += _balanceOf(tokens[k], a) + market.claimable(a, tokens[k]);
            }
        }
        uint256 have = _balanceOf(t, a);
        if (have >= amount) return true;
        address[2] memory from = [attacker, sybilChallenger];
        for (uint256 i; i < 2; ++i) {
            if (_balanceOf(t, from[i]) < amount - have || _blocked(from[i], t) || _blocked(a, t)) continue;
            vm.prank(from[i]);
            (bool s,) = t.call(abi.encodeWithSelector(IERC20.transfer.selector, a, amount - have));
            if (s && _balanceOf(t, a) >= amount) return true;
        }
        return false;
    }

    function _byProvider(JobId id, address who) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IJobMarketErrors.DisputeByProvider.selector, id, who);
    }

    /// @notice Dispute squatting: the provider submits an output it knows is wrong on an honest
    ///         client's job, and its sybil opens the dispute at once. Real challengers may join; the
    ///         arbitrator rules a lie upheld, or never rules (then the dispute is cancelled after its
    ///         deadline: the client is refunded, the lie is never paid).
    function attackLie(uint256 seed) external step {
        _maybeWaitOutJail(seed >> 250);
        (uint256 j, bool found) = _pickAttacker(seed, _mask(JobStatus.Accepted), HONEST_LIVE);
        if (!found) {
            bool ok;
            (ok, j) = _honestJobFor(seed, gTime + 1 days);
            if (!ok || !_accept(j, attacker, EXPECT)) return;
        }
        address t = jobs[j].token;
        uint256 bond = _bondOf(j);
        // Only a lie the sybil can squat at once (an unchallenged lie is the sampling modules' case).
        if (
            !_modelIsRegistered(jobs[j].model) || !gModuleActive[address(verifier)] || _blocked(sybilChallenger, t)
                || _balanceOf(t, sybilChallenger) < bond || bond > type(uint96).max
        ) return;
        if (!_submit(j, keccak256(abi.encode("a lie", seed)), attacker)) return;
        gj[j].lie = true;
        if (!_tryOpen(j, sybilChallenger, ATTACK)) return;
        uint256 kind = (seed >> 128) % 3;
        if (kind == 1) {
            for (uint256 i; i < 1 + (seed >> 132) % 2; ++i) {
                _tryJoin(j, _honestChallenger(seed >> (136 + 8 * i)), ATTACK);
            }
        } else if (kind == 2) {
            _warpTo(gj[j].disputeDeadline + 1);
            _cancelDispute(j, keeper);
        }
        _ok("attackLie");
    }

    /// @notice Key rotation: to a fresh key (a retired key cannot come back); then, for a job accepted
    ///         after the rotation, a second output signed with the retired key (a stolen key, say)
    ///         must neither submit nor slash. For a job accepted before it, the retired key is still
    ///         evidence (no rotation erases it).
    function attackRotateKey(uint256 seed) external step {
        (uint256 before, bool hasBefore) =
            _pickAttacker(seed >> 32, _mask(JobStatus.Accepted) | _mask(JobStatus.Submitted), ANY);
        uint256 retired = gp[attacker].signerEpoch;
        if (!_rotate(attacker, retired + 1, ATTACK)) return;
        _maybeWaitOutJail(seed >> 250);
        _rotate(attacker, retired, ATTACK); // refused: ProviderSignerReused
        (bool ok, uint256 j) =
            seed % 2 == 0 ? _selfJob(seed >> 8, false, gTime + 1 days) : _honestJobFor(seed >> 8, gTime + 1 days);
        if (ok && _accept(j, attacker, EXPECT)) {
            if ((seed >> 4) % 2 == 0) _submit(j, keccak256(abi.encode("output after rotation", seed)), keeper);
            _retiredKeyIsNoEvidence(j, retired, seed);
        }
        if (hasBefore && (seed >> 5) % 4 == 0 && gj[before].signerEpoch <= retired) {
            JobStatus st = gj[before].status;
            if (st == JobStatus.Accepted || st == JobStatus.Submitted) _equivocate(before, sybilChallenger, uint8(retired), seed, ATTACK);
        }
        _ok("attackRotateKey");
    }

    function _retiredKeyIsNoEvidence(uint256 j, uint256 retired, uint256 seed) internal {
        JobId id = _id(j);
        uint256 idx = gp[attacker].index;
        bytes32 outA = gj[j].submitCount != 0 ? gj[j].output : keccak256(abi.encode("current key output", seed));
        bytes32 outB = keccak256(abi.encode("retired key output", seed));
        bytes memory sigA = _attest(_currentKey(attacker), jobs[j], outA, attacker);
        bytes memory sigB = _attest(_signerKey(idx, retired), jobs[j], outB, attacker);
        bytes memory want = abi.encodeWithSelector(
            IJobMarketErrors.AttestationWrongSigner.selector, id, _keyAddr(idx, retired), _keyAddr(idx, gp[attacker].signerEpoch)
        );
        _mustRevertWith(
            sybilChallenger,
            address(market),
            abi.encodeCall(IJobMarketDisputes.reportEquivocation, (jobs[j], outA, sigA, outB, sigB)),
            want,
            ATTACK,
            "a key retired before the job was accepted proved equivocation"
        );
        _mustRevertWith(
            keeper,
            address(market),
            abi.encodeCall(IJobMarketDisputes.reportEquivocation, (jobs[j], outB, sigB, outA, sigA)),
            want,
            ATTACK,
            "a key retired before the job was accepted proved equivocation (swapped)"
        );
        if (gj[j].status == JobStatus.Accepted) {
            _mustRevertWith(
                keeper,
                address(market),
                abi.encodeCall(IJobMarketCore.submitResult, (jobs[j], outB, sigB)),
                want,
                ATTACK,
                "a retired key submitted a result"
            );
        }
    }

    /// @notice Infeasible-deadline farming: the sybil client posts an open job whose deadline leaves
    ///         a provider less than its offer's maxLatency. Accepting must fail (so nobody is slashed
    ///         for a deadline it could not meet, and the sybil never collects the liveness share).
    function attackInfeasible(uint256 seed) external step {
        address p = providers[seed % providers.length];
        uint256 m = (seed >> 8) % models.length;
        if (!modelRegistered[m]) m = 0;
        Offer memory o = market.offer(p, models[m]);
        if (!o.active || o.maxLatency < 2) return;
        CreateCtx memory x;
        x.client = sybilClient;
        x.clientKey = sybilClientKey;
        JobRequest memory r;
        r.token = o.token;
        r.model = models[m];
        r.price = uint96(o.price + _price(seed >> 16, o.token));
        r.deadline = uint40(gTime + bound(seed >> 64, 1, o.maxLatency - 1));
        (bool ok, uint256 j) = _create(x, r);
        if (!ok) return;
        bool eligible = !gPaused && _canLock(p, jobs[j].collateral) && _offerOk(p, jobs[j]);
        (bool s, bytes memory ret) = _as(p, address(market), abi.encodeCall(IJobMarketCore.acceptJob, (jobs[j])));
        if (s) {
            _flag(ATTACK, "an open job whose deadline leaves less than the offer's maxLatency was accepted");
            // The model follows the market: the provider cannot deliver in time; the job will expire.
            gj[j].provider = p;
            gj[j].signerEpoch = gp[p].signerEpoch;
            gj[j].infeasible = true;
            gp[p].locked += jobs[j].collateral;
            _setStatus(j, JobStatus.Accepted);
            _touchP(p);
            _done("acceptInfeasible", ATTACK);
        } else if (eligible) {
            bytes memory want = abi.encodeWithSelector(
                IJobMarketErrors.JobDeadlineBelowLatency.selector, _id(j), jobs[j].deadline, gTime + o.maxLatency
            );
            _expectError(ret, want, ATTACK, "accept of an infeasible open job");
        }
        if (!s && (seed >> 128) % 2 == 0) _cancel(j, sybilClient);
        _ok("attackInfeasible");
    }

    /// @notice Debt dodge: a job the provider was paid for, then every unit of its free stake locked
    ///         (a big self-job, or the module), then its own double signature on the paid job reported
    ///         by its sybil. What free and thawing stake cannot cover becomes slash debt, and nothing
    ///         can be unstaked before it is paid. Out of jail with a debt, it stakes more and hands
    ///         it to the module at once: the lock pays the debt first.
    function attackDebtDodge(uint256 seed) external step {
        _maybeWaitOutJail(seed >> 250);
        if (gp[attacker].debt != 0 && gp[attacker].jailedUntil <= gTime && (seed >> 16) % 2 == 0) {
            _restakeForModule(seed >> 17);
            _ok("attackDebtDodge");
            return;
        }
        (uint256 j, bool found) = _pickAttacker(seed, _mask(JobStatus.Finalized), RECENT);
        if (!found) {
            bool ok;
            (ok, j) = seed % 2 == 0 ? _honestJobFor(seed >> 1, gTime + 1 days) : _selfJob(seed >> 1, false, gTime + 1 days);
            if (!ok || !_acceptAndSubmit(j, keccak256(abi.encode("served", seed)), attacker)) return;
            if (!_finalize(j, jobs[j].client)) return;
        }
        _lockAllFree(seed >> 8);
        if (!_equivocate(j, sybilChallenger, gp[attacker].signerEpoch, seed, ATTACK)) return;
        if (gp[attacker].debt != 0) _requestUnstake(attacker, seed, true, ATTACK);
        _ok("attackDebtDodge");
    }

    /// @dev New stake put at risk for someone else (a module) never dodges a debt: moduleLock pays
    ///      the debt from free stake first and locks only what is left (the model checks the debt,
    ///      the stake and the treasury after the lock).
    function _restakeForModule(uint256 seed) internal {
        uint256 debt = gp[attacker].debt;
        uint256 have = _balanceOf(stakeToken, attacker);
        if (gPaused || !gModuleActive[module] || have == 0) return;
        uint256 amount = bound(seed, 1, have < 2 * debt ? have : 2 * debt);
        (bool s, bytes memory ret) = _as(attacker, address(market), abi.encodeCall(IJobMarketCore.stake, (amount)));
        if (!_check(true, s, ret, ATTACK, "stake")) return;
        gp[attacker].staked += amount;
        gIn[stakeToken] += amount;
        gStakeIn += amount;
        _touchP(attacker);
        _done("stake", STAKE);
        ProviderGhost storage pg = gp[attacker];
        uint256 free = pg.staked - pg.locked;
        uint256 paid = debt < free ? debt : free;
        uint256 lock = free > paid ? free - paid : 1; // all of it goes to the debt: a lock must fail
        if (!_setModuleAllowance(attacker, gModuleLocked[attacker] + lock, ATTACK)) return;
        _moduleLock(attacker, lock, ATTACK);
    }

    function _lockAllFree(uint256 seed) internal {
        ProviderGhost storage pg = gp[attacker];
        uint256 free = pg.staked - pg.locked;
        if (free == 0) return;
        if (seed % 3 == 0) {
            // A module lock first pays any slash debt from the free stake: lock what is left.
            uint256 lock = free - (pg.debt < free ? pg.debt : free);
            if (lock == 0) return;
            if (!_setModuleAllowance(attacker, gModuleLocked[attacker] + lock, EXPECT)) return;
            _moduleLock(attacker, lock, EXPECT);
            return;
        }
        address t = _blocked(sybilClient, address(usdc)) ? tokens[1] : address(usdc);
        Params memory cur = gParamsAt[gVersion];
        uint256 price = free * BPS * 1e18 / (uint256(cur.collateralRatioBps) * stakeRateOf[t]);
        if (price == 0 || price > type(uint96).max) return;
        CreateCtx memory x;
        x.client = sybilClient;
        x.clientKey = sybilClientKey;
        JobRequest memory r;
        r.provider = attacker;
        r.token = t;
        r.model = models[0];
        r.price = uint96(price);
        r.deadline = uint40(gTime + 1 days);
        (bool ok, uint256 j) = _create(x, r);
        if (ok) _accept(j, attacker, EXPECT);
    }

    // ================================================================== jobs of the party

    /// @dev Sometimes the attacker waits out its jail (a fraud jail lasts 30 days, most of a run)
    ///      before a move that needs it to take work, so later moves still find it able to.
    function _maybeWaitOutJail(uint256 seed) internal {
        if (gp[attacker].jailedUntil > gTime && seed % 2 == 0) _warpTo(gp[attacker].jailedUntil);
    }

    /// @dev A job from the provider itself or its sybil client: direct to the provider, or open
    ///      (at or above the provider's own offer, so it can take it). Paid from a wallet or a balance.
    function _selfJob(uint256 seed, bool open, uint256 deadline) internal returns (bool, uint256) {
        CreateCtx memory x;
        bool own = seed % 4 == 0;
        x.client = own ? attacker : sybilClient;
        x.clientKey = own ? attackerKey : sybilClientKey;
        x.mode = (seed >> 2) % 3 == 0 ? 2 : 0;
        JobRequest memory r;
        uint256 m = (seed >> 4) % models.length;
        if (open) {
            if (!modelRegistered[m]) m = 0;
            Offer memory o = market.offer(attacker, models[m]);
            if (!o.active) return (false, 0);
            r.token = o.token;
            r.price = uint96(o.price + _price(seed >> 8, o.token));
        } else {
            r.provider = attacker;
            r.token = tokens[(seed >> 8) % tokens.length];
            r.price = uint96(_price(seed >> 16, r.token));
        }
        r.model = models[m];
        r.deadline = uint40(deadline);
        return _create(x, r);
    }

    /// @dev A small direct self-job from the sybil client (a miss to count, not an amount to move).
    function _cheapSelfJob(uint256 seed, uint256 deadline) internal returns (bool, uint256) {
        CreateCtx memory x;
        x.client = sybilClient;
        x.clientKey = sybilClientKey;
        JobRequest memory r;
        r.provider = attacker;
        r.token = tokens[seed % tokens.length];
        r.model = models[(seed >> 8) % models.length];
        r.price = uint96(bound(seed >> 16, 1, _unit(r.token) / 10));
        r.deadline = uint40(deadline);
        return _create(x, r);
    }

    /// @dev A direct job for the provider from an honest client (served work; paid if it delivers).
    function _honestJobFor(uint256 seed, uint256 deadline) internal returns (bool, uint256) {
        CreateCtx memory x;
        uint256 ci = seed % clients.length;
        x.client = clients[ci];
        x.clientKey = clientKeys[ci];
        JobRequest memory r;
        r.provider = attacker;
        r.token = tokens[(seed >> 8) % tokens.length];
        r.model = models[(seed >> 16) % models.length];
        r.price = uint96(_price(seed >> 24, r.token));
        r.deadline = uint40(deadline);
        return _create(x, r);
    }

    function _pickAttacker(uint256 seed, uint256 mask, uint8 cond) internal view returns (uint256, bool) {
        uint256 len = jobs.length;
        if (len == 0) return (0, false);
        uint256 start = seed % len;
        for (uint256 k; k < len; ++k) {
            uint256 j = (start + k) % len;
            if (mask & _mask(gj[j].status) == 0 || gj[j].provider != attacker) continue;
            if ((cond == LIVE || cond == HONEST_LIVE) && gTime > jobs[j].deadline) continue;
            if (cond == HONEST_LIVE && isAttacker[jobs[j].client]) continue;
            if (cond == IN_WINDOW && gTime > gj[j].submittedAt + _snap(j).challengeWindow) continue;
            if (cond == RECENT && gTime > gj[j].settledAt + POST_SETTLEMENT_REPORT_WINDOW) continue;
            return (j, true);
        }
        return (0, false);
    }
}
