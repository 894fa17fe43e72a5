/**
 * The indexer's HTTP API (docs/indexer.md and /work/notes/indexer-api.md list every route):
 * - `/graphql`: Ponder's GraphQL over every table (with the relations of ponder.schema.ts);
 * - `/sql/*`: Ponder's SQL over HTTP (for `@ponder/client`);
 * - `/api/*`: the derived views the explorer needs (JSON; amounts as decimal strings);
 * - `/health`, `/ready`, `/status`: Ponder's own (ready once the backfill is done).
 * CORS is open: the explorer page is served from another origin.
 */
import { db } from "ponder:api";
import schema from "ponder:schema";
import { Hono, type Context } from "hono";
import { cors } from "hono/cors";
import { client, graphql } from "ponder";

import { views, ViewError } from "./views.js";

const app = new Hono();

app.use("*", cors());
app.use("/graphql", graphql({ db, schema }));
app.use("/sql/*", client({ db, schema }));

const api = views(db);

/** Runs a view; a bad parameter answers 400 and an unknown id 404, with `{ error }`. */
const answer = (run: (c: Context) => Promise<unknown>) => async (c: Context) => {
  try {
    return c.json(await run(c));
  } catch (error) {
    if (error instanceof ViewError) return c.json({ error: error.message }, error.status);
    throw error;
  }
};

app.get("/api/providers", answer(() => api.providers()));
app.get("/api/providers/:address", answer((c) => api.provider(c.req.param("address") ?? "")));
app.get("/api/models", answer(() => api.models()));
app.get("/api/models/:id", answer((c) => api.model(c.req.param("id") ?? "")));
app.get("/api/jobs", answer((c) => api.jobs(c.req.query())));
app.get("/api/jobs/:id", answer((c) => api.job(c.req.param("id") ?? "")));
app.get("/api/disputes", answer((c) => api.disputes(c.req.query())));
app.get("/api/slashes", answer((c) => api.slashes(c.req.query())));
app.get("/api/stats", answer(() => api.totals()));
app.get("/api/stats/daily", answer((c) => api.daily(c.req.query())));
app.get("/api/params", answer(() => api.params()));
app.get("/api/claims/:account", answer((c) => api.claims(c.req.param("account") ?? "")));

export default app;
