import { SqlClient, SqlSchema } from "@effect/sql"
import { Effect, Schema } from "effect"
import { ALL_SEARCH_CONFIGS, RegionCode } from "../Domain/Region.js"
import { VideoId } from "../Domain/Video.js"
import { Int8 } from "./Columns.js"
import { fromSql } from "./Errors.js"

/** A query that cannot be searched for (empty, or nothing but stop words and punctuation). */
export class InvalidQuery extends Schema.TaggedError<InvalidQuery>()("InvalidQuery", {
  query: Schema.String,
  detail: Schema.String
}) {
  override get message() {
    return `cannot search for ${JSON.stringify(this.query)}: ${this.detail}`
  }
}

/** The query, trimmed, or why it cannot be searched for. */
export const validateQuery = (query: string): Effect.Effect<string, InvalidQuery> =>
  query.trim() === ""
    ? Effect.fail(new InvalidQuery({ query, detail: "give at least one word to look for" }))
    : Effect.succeed(query.trim())

export interface SearchRequest {
  readonly query: string
  /** Only videos that trended in at least one of these; empty: every video. */
  readonly regions: ReadonlyArray<RegionCode>
  readonly limit: number
}

/** A stored video that matches. Encoded, it is the JSON `search --json` prints (one per line). */
export const SearchHit = Schema.Struct({
  videoId: VideoId,
  title: Schema.String,
  channelTitle: Schema.String,
  regions: Schema.Array(RegionCode),
  /** Null when the owner hides it. */
  viewCount: Schema.NullOr(Schema.NonNegativeInt),
  language: Schema.String,
  /** `ts_rank`: higher is a better match. */
  score: Schema.Number,
  lastSeenAt: Schema.Date,
  url: Schema.String
})
export type SearchHit = typeof SearchHit.Type

/** A hit as its row arrives: the view count a bigint string, the time a Date. */
const SearchHitRow = Schema.Struct({ ...SearchHit.fields, viewCount: Schema.NullOr(Int8), lastSeenAt: Schema.DateFromSelf })

const configs = `{${ALL_SEARCH_CONFIGS.join(",")}}`

export class VideoSearch extends Effect.Service<VideoSearch>()("viralvidvault/VideoSearch", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient

    /**
     * The query is parsed by `websearch_to_tsquery` (quotes, `or`, `-word`) once per
     * language configuration, and each video is matched by the query in its own
     * language: a Swedish `springa` finds `springer`, a folded `lodz` finds `Łódź`.
     * The title weighs most, then the channel, the tags, the description.
     * Stored ids are video ids ([A-Za-z0-9_-]), so the URL needs no escaping.
     *
     * The index is probed once, for the query in any language (the languages' queries
     * joined by `|`), and each hit is then held to the query of its own language. Probed
     * once per language (a join on the configuration), a year's archive read a common
     * word's ~180,000 hits twelve times: 16–27 s for "official", 2.3–3.4 s now
     * (BENCHMARKS.md, "A year of history").
     */
    const matches = SqlSchema.findAll({
      Request: Schema.Struct({ query: Schema.String, regions: Schema.Array(RegionCode), limit: Schema.Int }),
      Result: SearchHitRow,
      execute: ({ limit, query, regions }) =>
        sql`
          WITH q AS MATERIALIZED (
            SELECT cfg, websearch_to_tsquery(cfg, ${query}) AS query
            FROM unnest(${configs}::regconfig[]) AS cfg
          ), hits AS (
            SELECT v.*, (SELECT q.query FROM q WHERE q.cfg = v.search_config) AS own
            FROM videos v
            WHERE v.search @@ (SELECT string_agg(DISTINCT '(' || query::text || ')', ' | ')::tsquery FROM q WHERE numnode(query) > 0)
              AND (cardinality(${`{${regions.join(",")}}`}::text[]) = 0 OR v.regions && ${`{${regions.join(",")}}`}::text[])
          )
          SELECT h.video_id AS "videoId", h.title, h.channel_title AS "channelTitle", h.regions,
                 h.view_count::text AS "viewCount", h.primary_language AS language,
                 ts_rank(h.search, h.own)::float8 AS score, h.last_seen_at AS "lastSeenAt",
                 'https://www.youtube.com/watch?v=' || h.video_id AS url
          FROM hits h
          WHERE h.search @@ h.own
          ORDER BY score DESC, h.view_count DESC NULLS LAST, h.video_id
          LIMIT ${limit}`
    })

    /** Whether any language's parser keeps a word of the query (not only stop words or punctuation). */
    const searchable = SqlSchema.single({
      Request: Schema.String,
      Result: Schema.Struct({ any: Schema.NullOr(Schema.Boolean) }),
      execute: (query) =>
        sql`
          SELECT bool_or(numnode(websearch_to_tsquery(cfg, ${query})) > 0) AS any
          FROM unnest(${configs}::regconfig[]) AS cfg`
    })

    const search = Effect.fn("VideoSearch.search")(function*(request: SearchRequest) {
      // Titles are indexed in NFC (migration 3): a decomposed "é" in the query must match too.
      const query = (yield* validateQuery(request.query)).normalize("NFC")
      const hits = yield* matches({ ...request, query }).pipe(fromSql("searching"))
      if (hits.length === 0 && (yield* searchable(query).pipe(fromSql("searching"))).any !== true) {
        return yield* new InvalidQuery({ query, detail: "it has no searchable words (only stop words or punctuation)" })
      }
      return hits
    })

    return { search } as const
  })
}) {}
