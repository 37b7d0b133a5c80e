import { SqlClient } from "@effect/sql"
import { Effect, Schema } from "effect"
import { ALL_SEARCH_CONFIGS, type RegionCode } from "../Region.js"
import { describeSqlError, StoreFailed } from "./VideoStore.js"

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

export class SearchHit extends Schema.Class<SearchHit>("SearchHit")({
  videoId: Schema.String,
  title: Schema.String,
  channelTitle: Schema.String,
  regions: Schema.Array(Schema.String),
  viewCount: Schema.NumberFromString,
  language: Schema.String,
  /** `ts_rank`: higher is a better match. */
  score: Schema.Number,
  lastSeenAt: Schema.DateFromSelf,
  url: Schema.String
}) {}

const Row = Schema.Struct({
  video_id: Schema.String,
  title: Schema.String,
  channel_title: Schema.String,
  regions: Schema.Array(Schema.String),
  view_count: Schema.String,
  primary_language: Schema.String,
  score: Schema.Number,
  last_seen_at: Schema.Union(Schema.DateFromSelf, Schema.Date)
})

const toHit = Schema.decodeUnknown(Row)

export class VideoSearch extends Effect.Service<VideoSearch>()("viralvidvault/VideoSearch", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient

    /**
     * The query is parsed by `websearch_to_tsquery` (quotes, `or`, `-word`) once per
     * language configuration, and each video is matched by the query in its own
     * language: a Swedish `springa` finds `springer`, a folded `lodz` finds `Łódź`.
     */
    const search = Effect.fn("VideoSearch.search")(function*(request: SearchRequest) {
      // Titles are indexed in NFC (migration 3): a decomposed "é" in the query must match too.
      const query = (yield* validateQuery(request.query)).normalize("NFC")
      const regions = `{${request.regions.join(",")}}`
      const rows = yield* sql`
        WITH q AS (
          SELECT cfg, websearch_to_tsquery(cfg, ${query}) AS query
          FROM unnest(${`{${ALL_SEARCH_CONFIGS.join(",")}}`}::regconfig[]) AS cfg
        )
        SELECT v.video_id, v.title, v.channel_title, v.regions, v.view_count::text AS view_count,
               v.primary_language, ts_rank(v.search, q.query)::float8 AS score, v.last_seen_at
        FROM q
        JOIN videos v ON v.search_config = q.cfg AND v.search @@ q.query
        WHERE cardinality(${regions}::text[]) = 0 OR v.regions && ${regions}::text[]
        ORDER BY score DESC, v.view_count DESC, v.video_id
        LIMIT ${request.limit}`.pipe(
        Effect.mapError((e) => new StoreFailed({ operation: "searching", detail: describeSqlError(e) }))
      )
      if (rows.length === 0) {
        const [usable] = yield* sql<{ any: boolean }>`
          SELECT bool_or(numnode(websearch_to_tsquery(cfg, ${query})) > 0) AS any
          FROM unnest(${`{${ALL_SEARCH_CONFIGS.join(",")}}`}::regconfig[]) AS cfg`.pipe(
          Effect.mapError((e) => new StoreFailed({ operation: "searching", detail: describeSqlError(e) }))
        )
        if (usable?.any !== true) {
          return yield* new InvalidQuery({ query, detail: "it has no searchable words (only stop words or punctuation)" })
        }
      }
      return yield* Effect.forEach(rows, (row) =>
        toHit(row).pipe(
          Effect.map((r) =>
            SearchHit.make({
              videoId: r.video_id,
              title: r.title,
              channelTitle: r.channel_title,
              regions: r.regions,
              viewCount: Number(r.view_count),
              language: r.primary_language,
              score: r.score,
              lastSeenAt: r.last_seen_at,
              url: `https://www.youtube.com/watch?v=${encodeURIComponent(r.video_id)}`
            })
          ),
          Effect.orDie
        ))
    })

    return { search } as const
  })
}) {}
