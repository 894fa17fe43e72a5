/**
 * The derived views the explorer needs, computed from the tables at query time (so a reorg that
 * rewinds the tables rewinds the views with them). Every amount is returned as a decimal string.
 */
import {
  claims,
  disputeChallengers,
  disputes,
  events,
  jails,
  jobs,
  jobTransitions,
  models,
  offers,
  paramVersions,
  pauses,
  providers,
  rulings,
  samplingChecks,
  samplingVotes,
  settingChanges,
  slashes,
  stakeEvents,
  thaws,
} from "ponder:schema";
import { and, asc, count, desc, eq, isNotNull, replaceBigInts, sql, type ReadonlyDrizzle } from "ponder";

/** A bad parameter (400) or an unknown id (404): the message says which and why. */
export class ViewError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 404,
  ) {
    super(message);
  }
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const BYTES32 = /^0x[0-9a-fA-F]{64}$/;
const STATUSES = ["Created", "Accepted", "Submitted", "Disputed", "Finalized", "Expired", "Cancelled", "Slashed"];
const DAY = 86_400n;

const address = (value: string | undefined, what: string) => {
  if (value === undefined || !ADDRESS.test(value)) throw new ViewError(`${what} "${value ?? ""}" is not an address (0x and 40 hex digits)`, 400);
  return value.toLowerCase() as `0x${string}`;
};
const bytes32 = (value: string | undefined, what: string) => {
  if (value === undefined || !BYTES32.test(value)) throw new ViewError(`${what} "${value ?? ""}" is not a 32-byte id (0x and 64 hex digits)`, 400);
  return value.toLowerCase() as `0x${string}`;
};
const limitOf = (value: string | undefined, fallback = 50, max = 500) => {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new ViewError(`limit "${value}" must be an integer from 1 to ${max}`, 400);
  return n;
};
const offsetOf = (value: string | undefined) => {
  if (value === undefined) return 0;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new ViewError(`offset "${value}" must be a non-negative integer`, 400);
  return n;
};

/** JSON-safe: bigints (and numerics that arrive as strings) as decimal strings. */
const out = <T>(value: T) => replaceBigInts(value, (v) => String(v));
const str = (v: unknown) => (v === null || v === undefined ? null : String(v));
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const dayOf = (seconds: bigint | string | number) => new Date(Number((BigInt(seconds) / DAY) * DAY) * 1000).toISOString().slice(0, 10);

// biome-ignore lint: the schema's type is Ponder's virtual module's.
type Db = ReadonlyDrizzle<any>;

export function views(db: Db) {
  /** Per provider: jobs done, settled, success rate, medians, earnings, slashes, offers. */
  async function providerStats(only?: `0x${string}`) {
    const where = only ? eq(jobs.provider, only) : isNotNull(jobs.provider);
    const jobRows = await db
      .select({
        provider: jobs.provider,
        accepted: count(jobs.acceptedAt),
        submitted: count(jobs.submittedAt),
        done: sql<string>`count(*) filter (where ${jobs.finalizedAt} is not null)`,
        expired: sql<string>`count(*) filter (where ${jobs.status} = 'Expired')`,
        slashedJobs: sql<string>`count(*) filter (where ${jobs.status} = 'Slashed')`,
        disputed: count(jobs.disputedAt),
        medianAcceptToSubmit: sql<string | null>`percentile_cont(0.5) within group (order by ${jobs.submittedAt} - ${jobs.acceptedAt})`,
        medianCreateToSubmit: sql<string | null>`percentile_cont(0.5) within group (order by ${jobs.submittedAt} - ${jobs.createdAt})`,
      })
      .from(jobs)
      .where(where)
      .groupBy(jobs.provider);
    const earningRows = await db
      .select({ provider: jobs.provider, token: jobs.token, jobs: count(), payout: sql<string>`sum(${jobs.payout})`, fees: sql<string>`sum(${jobs.fee})` })
      .from(jobs)
      .where(and(where, isNotNull(jobs.payout)))
      .groupBy(jobs.provider, jobs.token);
    const slashRows = await db
      .select({ provider: slashes.provider, count: count(), amount: sql<string>`sum(${slashes.amount})` })
      .from(slashes)
      .where(only ? eq(slashes.provider, only) : undefined)
      .groupBy(slashes.provider);
    const offerRows = await db
      .select({ provider: offers.provider, active: sql<string>`count(*) filter (where ${offers.active})` })
      .from(offers)
      .where(only ? eq(offers.provider, only) : undefined)
      .groupBy(offers.provider);
    const stats = new Map<string, Record<string, unknown>>();
    const entry = (p: string) => {
      let s = stats.get(p);
      if (!s) {
        s = {
          jobsAccepted: 0,
          jobsSubmitted: 0,
          jobsDone: 0,
          jobsExpired: 0,
          jobsSlashed: 0,
          jobsDisputed: 0,
          successRate: null,
          medianAcceptToSubmitSeconds: null,
          medianCreateToSubmitSeconds: null,
          earnings: [],
          slashCount: 0,
          slashedTotal: "0",
          activeOffers: 0,
        };
        stats.set(p, s);
      }
      return s;
    };
    for (const r of jobRows) {
      const s = entry(r.provider!);
      const done = Number(r.done);
      const failed = Number(r.expired) + Number(r.slashedJobs);
      Object.assign(s, {
        jobsAccepted: Number(r.accepted),
        jobsSubmitted: Number(r.submitted),
        jobsDone: done,
        jobsExpired: Number(r.expired),
        jobsSlashed: Number(r.slashedJobs),
        jobsDisputed: Number(r.disputed),
        successRate: done + failed === 0 ? null : done / (done + failed),
        medianAcceptToSubmitSeconds: num(r.medianAcceptToSubmit),
        medianCreateToSubmitSeconds: num(r.medianCreateToSubmit),
      });
    }
    for (const r of earningRows) (entry(r.provider!).earnings as unknown[]).push({ token: r.token, jobs: Number(r.jobs), payout: str(r.payout), fees: str(r.fees) });
    for (const r of slashRows) Object.assign(entry(r.provider), { slashCount: Number(r.count), slashedTotal: str(r.amount) });
    for (const r of offerRows) Object.assign(entry(r.provider), { activeOffers: Number(r.active) });
    return (p: string) => entry(p);
  }

  async function providerList() {
    const rows = await db.select().from(providers).orderBy(asc(providers.registeredAt), asc(providers.id));
    const stats = await providerStats();
    return out(rows.map((p) => ({ ...p, stats: stats(p.id) })));
  }

  async function providerOne(value: string) {
    const id = address(value, "provider");
    const [row] = await db.select().from(providers).where(eq(providers.id, id));
    if (!row) throw new ViewError(`no provider ${id} is registered`, 404);
    const stats = (await providerStats(id))(id);
    const [offerRows, recentJobs, slashRows, thawRows, jailRows, stakeRows] = await Promise.all([
      db.select().from(offers).where(eq(offers.provider, id)).orderBy(asc(offers.model)),
      db.select().from(jobs).where(eq(jobs.provider, id)).orderBy(desc(jobs.createdAt), desc(jobs.id)).limit(50),
      db.select().from(slashes).where(eq(slashes.provider, id)).orderBy(desc(slashes.blockNumber), desc(slashes.id)),
      db.select().from(thaws).where(eq(thaws.provider, id)).orderBy(asc(thaws.requestedAt), asc(thaws.id)),
      db.select().from(jails).where(eq(jails.provider, id)).orderBy(desc(jails.timestamp)),
      db.select().from(stakeEvents).where(eq(stakeEvents.provider, id)).orderBy(desc(stakeEvents.blockNumber), desc(stakeEvents.id)).limit(50),
    ]);
    return out({ ...row, stats, offers: offerRows, recentJobs, slashes: slashRows, thaws: thawRows, jails: jailRows, stakeEvents: stakeRows });
  }

  /** Per model: offers (active and all), the price range of active offers per token, jobs. */
  async function modelStats(only?: `0x${string}`) {
    const ranges = await db
      .select({
        model: offers.model,
        token: offers.token,
        active: sql<string>`count(*) filter (where ${offers.active})`,
        all: count(),
        minPrice: sql<string | null>`min(${offers.price}) filter (where ${offers.active})`,
        maxPrice: sql<string | null>`max(${offers.price}) filter (where ${offers.active})`,
        minLatency: sql<string | null>`min(${offers.maxLatency}) filter (where ${offers.active})`,
      })
      .from(offers)
      .where(only ? eq(offers.model, only) : undefined)
      .groupBy(offers.model, offers.token);
    const jobCounts = await db
      .select({ model: jobs.model, jobs: count(), done: sql<string>`count(*) filter (where ${jobs.finalizedAt} is not null)` })
      .from(jobs)
      .where(only ? eq(jobs.model, only) : undefined)
      .groupBy(jobs.model);
    return (m: string) => {
      const r = ranges.filter((x) => x.model === m);
      const j = jobCounts.find((x) => x.model === m);
      return {
        activeOffers: r.reduce((a, x) => a + Number(x.active), 0),
        offers: r.reduce((a, x) => a + Number(x.all), 0),
        priceRange: r
          .filter((x) => Number(x.active) > 0)
          .map((x) => ({ token: x.token, min: str(x.minPrice), max: str(x.maxPrice), activeOffers: Number(x.active), fastestMaxLatency: num(x.minLatency) })),
        jobs: Number(j?.jobs ?? 0),
        jobsDone: Number(j?.done ?? 0),
      };
    };
  }

  async function modelList() {
    const rows = await db.select().from(models).orderBy(asc(models.registeredAt), asc(models.id));
    const stats = await modelStats();
    return out(rows.map((m) => ({ ...m, stats: stats(m.id) })));
  }

  async function modelOne(value: string) {
    const id = bytes32(value, "model id");
    const [row] = await db.select().from(models).where(eq(models.id, id));
    if (!row) throw new ViewError(`no model ${id} is registered`, 404);
    const stats = (await modelStats(id))(id);
    const offerRows = await db.select().from(offers).where(eq(offers.model, id)).orderBy(asc(offers.price));
    return out({ ...row, stats, offers: offerRows });
  }

  async function jobList(q: Record<string, string | undefined>) {
    const conditions = [];
    if (q.provider !== undefined) conditions.push(eq(jobs.provider, address(q.provider, "provider")));
    if (q.client !== undefined) conditions.push(eq(jobs.client, address(q.client, "client")));
    if (q.model !== undefined) conditions.push(eq(jobs.model, bytes32(q.model, "model id")));
    if (q.status !== undefined) {
      if (!STATUSES.includes(q.status)) throw new ViewError(`status "${q.status}" is not one of ${STATUSES.join(", ")}`, 400);
      conditions.push(eq(jobs.status, q.status));
    }
    const rows = await db
      .select()
      .from(jobs)
      .where(conditions.length ? and(...conditions) : undefined)
      .orderBy(desc(jobs.createdAt), desc(jobs.id))
      .limit(limitOf(q.limit))
      .offset(offsetOf(q.offset));
    return out(rows);
  }

  async function jobOne(value: string) {
    const id = bytes32(value, "job id");
    const [row] = await db.select().from(jobs).where(eq(jobs.id, id));
    if (!row) throw new ViewError(`no job ${id} is indexed`, 404);
    const [timeline, dispute, challengers, rulingRows, check, votes, slashRows, log] = await Promise.all([
      db.select().from(jobTransitions).where(eq(jobTransitions.jobId, id)).orderBy(asc(jobTransitions.blockNumber), asc(jobTransitions.id)),
      db.select().from(disputes).where(eq(disputes.id, id)),
      db.select().from(disputeChallengers).where(eq(disputeChallengers.jobId, id)).orderBy(asc(disputeChallengers.index)),
      db.select().from(rulings).where(eq(rulings.jobId, id)).orderBy(asc(rulings.timestamp), asc(rulings.id)),
      db.select().from(samplingChecks).where(eq(samplingChecks.id, id)),
      db.select().from(samplingVotes).where(eq(samplingVotes.jobId, id)).orderBy(asc(samplingVotes.round), asc(samplingVotes.assignedAt)),
      db.select().from(slashes).where(eq(slashes.jobId, id)),
      db.select().from(events).where(eq(events.jobId, id)).orderBy(asc(events.blockNumber), asc(events.logIndex)),
    ]);
    return out({
      ...row,
      timeline,
      dispute: dispute[0] ? { ...dispute[0], challengers, rulings: rulingRows } : null,
      samplingCheck: check[0] ? { ...check[0], votes } : null,
      slashes: slashRows,
      events: log,
    });
  }

  async function disputeList(q: Record<string, string | undefined>) {
    const statuses = ["Open", "Upheld", "Rejected", "Draw", "Cancelled", "Superseded"];
    if (q.status !== undefined && !statuses.includes(q.status)) throw new ViewError(`status "${q.status}" is not one of ${statuses.join(", ")}`, 400);
    const rows = await db
      .select({ dispute: disputes, job: jobs })
      .from(disputes)
      .leftJoin(jobs, eq(jobs.id, disputes.id))
      .where(q.status ? eq(disputes.status, q.status) : undefined)
      .orderBy(desc(disputes.openedAt), desc(disputes.id))
      .limit(limitOf(q.limit));
    return out(rows.map((r) => ({ ...r.dispute, job: r.job })));
  }

  async function slashList(q: Record<string, string | undefined>) {
    const rows = await db
      .select()
      .from(slashes)
      .where(q.provider !== undefined ? eq(slashes.provider, address(q.provider, "provider")) : undefined)
      .orderBy(desc(slashes.blockNumber), desc(slashes.id))
      .limit(limitOf(q.limit));
    return out(rows);
  }

  /** Protocol totals: counts, volume and fees per token, slashes, disputes, and whether paused. */
  async function totals() {
    const [byStatus, volume, slashTotal, disputeRows, providerCount, modelCount, offerCount, lastPause] = await Promise.all([
      db.select({ status: jobs.status, n: count() }).from(jobs).groupBy(jobs.status),
      db
        .select({ token: jobs.token, jobs: count(), volume: sql<string>`sum(${jobs.price})`, payout: sql<string>`sum(${jobs.payout})`, fees: sql<string>`sum(${jobs.fee})` })
        .from(jobs)
        .where(isNotNull(jobs.payout))
        .groupBy(jobs.token),
      db.select({ n: count(), amount: sql<string | null>`sum(${slashes.amount})` }).from(slashes),
      db.select({ status: disputes.status, n: count() }).from(disputes).groupBy(disputes.status),
      db.select({ n: count() }).from(providers),
      db.select({ n: count() }).from(models),
      db.select({ n: sql<string>`count(*) filter (where ${offers.active})` }).from(offers),
      db.select().from(pauses).orderBy(desc(pauses.blockNumber), desc(pauses.id)).limit(1),
    ]);
    return out({
      providers: Number(providerCount[0]?.n ?? 0),
      models: Number(modelCount[0]?.n ?? 0),
      activeOffers: Number(offerCount[0]?.n ?? 0),
      jobs: Object.fromEntries(byStatus.map((r) => [r.status, Number(r.n)])),
      jobsTotal: byStatus.reduce((a, r) => a + Number(r.n), 0),
      volume: volume.map((r) => ({ token: r.token, jobs: Number(r.jobs), volume: str(r.volume), payout: str(r.payout), fees: str(r.fees) })),
      slashes: { count: Number(slashTotal[0]?.n ?? 0), amount: str(slashTotal[0]?.amount) ?? "0" },
      disputes: Object.fromEntries(disputeRows.map((r) => [r.status, Number(r.n)])),
      paused: lastPause[0]?.paused ?? false,
    });
  }

  /** Protocol totals by UTC day: jobs per transition, volume and fees per token, slashes, new providers. */
  async function daily(q: Record<string, string | undefined>) {
    const days = limitOf(q.days, 30, 3650);
    const dayCol = (col: unknown) => sql<string>`floor(${col} / 86400)`;
    const [transitions, paid, slashRows, newProviders] = await Promise.all([
      db
        .select({ day: dayCol(jobTransitions.timestamp), status: jobTransitions.status, n: count() })
        .from(jobTransitions)
        .groupBy(dayCol(jobTransitions.timestamp), jobTransitions.status),
      db
        .select({ day: dayCol(jobs.finalizedAt), token: jobs.token, n: count(), volume: sql<string>`sum(${jobs.price})`, fees: sql<string>`sum(${jobs.fee})` })
        .from(jobs)
        .where(isNotNull(jobs.finalizedAt))
        .groupBy(dayCol(jobs.finalizedAt), jobs.token),
      db.select({ day: dayCol(slashes.timestamp), n: count(), amount: sql<string>`sum(${slashes.amount})` }).from(slashes).groupBy(dayCol(slashes.timestamp)),
      db.select({ day: dayCol(providers.registeredAt), n: count() }).from(providers).groupBy(dayCol(providers.registeredAt)),
    ]);
    const byDay = new Map<string, { day: string; jobs: Record<string, number>; volume: { token: string; jobs: number; volume: string | null; fees: string | null }[]; slashes: number; slashed: string; newProviders: number }>();
    const entry = (d: string) => {
      const key = dayOf(BigInt(d) * DAY);
      let e = byDay.get(key);
      if (!e) {
        e = { day: key, jobs: {}, volume: [], slashes: 0, slashed: "0", newProviders: 0 };
        byDay.set(key, e);
      }
      return e;
    };
    for (const r of transitions) entry(String(r.day)).jobs[r.status] = Number(r.n);
    for (const r of paid) entry(String(r.day)).volume.push({ token: r.token, jobs: Number(r.n), volume: str(r.volume), fees: str(r.fees) });
    for (const r of slashRows) Object.assign(entry(String(r.day)), { slashes: Number(r.n), slashed: str(r.amount) ?? "0" });
    for (const r of newProviders) entry(String(r.day)).newProviders = Number(r.n);
    return out([...byDay.values()].sort((a, b) => a.day.localeCompare(b.day)).slice(-days));
  }

  /** Parameter versions, the latest value of every other setting, and the pause history. */
  async function params() {
    const [versions, settings, pauseRows] = await Promise.all([
      db.select().from(paramVersions).orderBy(asc(paramVersions.version)),
      db.select().from(settingChanges).orderBy(asc(settingChanges.timestamp), asc(settingChanges.id)),
      db.select().from(pauses).orderBy(asc(pauses.blockNumber), asc(pauses.id)),
    ]);
    const latest = new Map<string, (typeof settings)[number]>();
    for (const s of settings) latest.set(`${s.contract}/${s.setting}/${s.key ?? ""}`, s);
    return out({ versions, settings: [...latest.values()], history: settings, pauses: pauseRows, paused: pauseRows.at(-1)?.paused ?? false });
  }

  return {
    providers: providerList,
    provider: providerOne,
    models: modelList,
    model: modelOne,
    jobs: jobList,
    job: jobOne,
    disputes: disputeList,
    slashes: slashList,
    totals,
    daily,
    params,
    claims: async (account: string) =>
      out(await db.select().from(claims).where(eq(claims.account, address(account, "account"))).orderBy(desc(claims.timestamp), desc(claims.id))),
  };
}
