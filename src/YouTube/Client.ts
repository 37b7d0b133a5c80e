import { Headers, HttpClient, HttpClientRequest } from "@effect/platform"
import { Chunk, Clock, Effect, Either, flow, Option, type ParseResult, Ref, Stream } from "effect"
import { YouTubeConfig } from "../Config.js"
import { Category } from "../Domain/Category.js"
import type { ListedRegion, RegionCode } from "../Domain/Region.js"
import type { ChartUnit } from "../Domain/Run.js"
import type { SentPage } from "../Domain/SentPage.js"
import type { RegionalVideo, TrackedCounters, VideoId } from "../Domain/Video.js"
import { describeParseError, type VideoListPage } from "./Api.js"
import { FetchFailed, type InvalidApiKey, type QuotaExceeded, type Subject, type YouTubeError } from "./Errors.js"
import { decodeCategory, decodeRegion } from "./Item.js"
import { decodeLookupItem, idOf, toTrackedCounters } from "./Lookup.js"
import { QuotaGate, unbudgeted } from "./Quota.js"
import { firstOfEach, pageVideos } from "./Pages.js"
import { API_KEY_HEADER, type ChartFetch, type ListAnswer, type LookUpAnswer, sendList } from "./Request.js"
import { retrySchedule, sayRetryAfterTooLong } from "./Retry.js"

export type { ChartFetch, LookUpAnswer } from "./Request.js"

/** The YouTube Data API wants at most 50 items a page. */
const PAGE_SIZE = 50

/** What a trace or a log prints of a request, in this effect, shows the key's header redacted. */
const hidingTheKey = Effect.locallyWith(Headers.currentRedactedNames, (names) => [...names, API_KEY_HEADER])

/** Where a chart's pages stand: the items read so far, the page to ask for next. */
interface Cursor {
  readonly position: number
  readonly pageToken: string | undefined
  readonly seenTokens: ReadonlySet<string>
  /** Requests made so far, retries included: a failure reports them too. */
  readonly attempts: number
}

/** One page, read: its items decoded in rank order, the page as sent, and what it cost. */
interface PageRead {
  readonly videos: ReadonlyArray<RegionalVideo>
  readonly malformed: number
  readonly sent: SentPage
  readonly attempts: number
}

const total = (pages: ReadonlyArray<PageRead>, count: (page: PageRead) => number) =>
  pages.reduce((sum, page) => sum + count(page), 0)

export class YouTube extends Effect.Service<YouTube>()("viralvidvault/YouTube", {
  effect: Effect.gen(function*() {
    const config = yield* YouTubeConfig
    const client = (yield* HttpClient.HttpClient).pipe(
      HttpClient.mapRequest(flow(HttpClientRequest.prependUrl(config.baseUrl), HttpClientRequest.acceptJson)),
      // Google joins no trace of ours: trace headers would only hand it our trace ids.
      HttpClient.withTracerPropagation(false),
      // Every request of this client, whichever method sends it, shows the key's header redacted.
      HttpClient.transformResponse(hidingTheKey)
    )
    const schedule = retrySchedule(config.retry)
    // Without a run's gate (a host calling the client directly), the keys in order, unbudgeted.
    const ownGate = yield* unbudgeted(config.apiKeys)
    const currentGate = Effect.map(Effect.serviceOption(QuotaGate), Option.getOrElse(() => ownGate))

    /**
     * One request to a list endpoint: its body decoded, or the error the API's answer
     * means. Its unit is taken from the run's gate first; a key that answers
     * `quotaExceeded` or is rejected is retired and the request goes again with the next.
     */
    const requestList = (region: Subject, path: string, urlParams: Record<string, string | number>): Effect.Effect<ListAnswer, YouTubeError> =>
      Effect.gen(function*() {
        const gate = yield* currentGate
        const key = yield* gate.take(region)
        return yield* sendList(client, config.requestTimeout, { region, path, urlParams, key }).pipe(
          Effect.catchIf(
            (e): e is QuotaExceeded | InvalidApiKey => (e._tag === "QuotaExceeded" || e._tag === "InvalidApiKey") && config.apiKeys.length > 1,
            (e) =>
              Effect.flatMap(gate.retire(key.id, e._tag === "QuotaExceeded"), (another) =>
                another
                  ? Effect.zipRight(
                    Effect.logWarning(`API key ${key.id}: ${e._tag === "QuotaExceeded" ? "quota spent" : "rejected"}; the rest of the run goes to the next key`),
                    requestList(region, path, urlParams)
                  )
                  : Effect.fail(e))
          )
        )
      })

    /**
     * `request`, retried as the schedule says; with the requests it made (after `before`
     * others), success or not. A retry the gate does not cover is not sent: the request
     * fails as its last attempt did.
     */
    const withRetries = <A>(region: Subject, request: Effect.Effect<A, YouTubeError>, before: number) =>
      Effect.gen(function*() {
        const requests = yield* Ref.make(0)
        const lastSent = yield* Ref.make(Option.none<YouTubeError>())
        const result = yield* request.pipe(
          Effect.tap(() => Ref.update(requests, (n) => n + 1)),
          Effect.tapError((e) => e._tag === "BudgetSpent" ? Effect.void : Effect.zipRight(Ref.update(requests, (n) => n + 1), Ref.set(lastSent, Option.some(e)))),
          Effect.retry(schedule),
          Effect.tapError(sayRetryAfterTooLong(config.retry, region)),
          Effect.catchAll((error) =>
            Effect.flatMap(Effect.all([Ref.get(requests), Ref.get(lastSent)]), ([n, last]) =>
              new FetchFailed({ error: error._tag === "BudgetSpent" ? Option.getOrElse(last, () => error) : error, attempts: before + n })
            )
          )
        )
        return [result, yield* Ref.get(requests)] as const
      })

    /** The page at `cursor`, with retries; the cursor after it, none when the chart is done. */
    const readPage = ({ chart, region }: ChartUnit, cursor: Cursor) =>
      Effect.gen(function*() {
        const size = Math.min(PAGE_SIZE, config.maxResults - cursor.position)
        const [{ body, page }, attempts] = yield* withRetries(
          region,
          requestList(region, "/videos", {
            part: "snippet,statistics,contentDetails,status",
            chart: "mostPopular",
            regionCode: region,
            ...(chart === "all" ? {} : { videoCategoryId: chart }),
            maxResults: size,
            ...(cursor.pageToken === undefined ? {} : { pageToken: cursor.pageToken })
          }),
          cursor.attempts
        )
        const fetchedAt = new Date(yield* Clock.currentTimeMillis)
        const items = page.items.slice(0, config.maxResults - cursor.position)
        const firstRank = cursor.position + 1
        const { malformed, videos } = pageVideos(items, { region, chart, firstRank, fetchedAt })
        for (const { error, rank } of malformed) {
          yield* Effect.logWarning(`skipped a malformed item: ${describeParseError(error)}`).pipe(
            Effect.annotateLogs({ region, chart, rank })
          )
        }
        const sent: SentPage = { firstRank, take: items.length, fetchedAt, body }
        const read: PageRead = { videos, malformed: malformed.length, sent, attempts }
        return [Chunk.of(read), yield* nextCursor({ region, chart }, cursor, page, items.length, attempts)] as const
      })

    const nextCursor = (unit: ChartUnit, cursor: Cursor, page: VideoListPage, read: number, attempts: number) => {
      const next = page.nextPageToken
      const position = cursor.position + read
      if (next === undefined || page.items.length === 0 || position >= config.maxResults) return Effect.succeedNone
      if (cursor.seenTokens.has(next)) {
        return Effect.as(
          Effect.logWarning("the API sent a page token it had sent before; stopping this chart's pages").pipe(
            Effect.annotateLogs({ region: unit.region, chart: unit.chart })
          ),
          Option.none<Cursor>()
        )
      }
      return Effect.succeedSome<Cursor>({
        position,
        pageToken: next,
        seenTokens: new Set([...cursor.seenTokens, next]),
        attempts: cursor.attempts + attempts
      })
    }

    /** A region's chart (overall or a category's), page by page up to `maxResults`. A malformed item costs only itself. */
    const fetchChart = Effect.fn("YouTube.fetchChart")(
      function*(unit: ChartUnit) {
        const start: Cursor = { position: 0, pageToken: undefined, seenTokens: new Set(), attempts: 0 }
        const pages = Chunk.toReadonlyArray(
          yield* Stream.runCollect(Stream.paginateChunkEffect(start, (cursor) => readPage(unit, cursor)))
        )
        const fetched: ChartFetch = {
          ...unit,
          videos: firstOfEach(pages.flatMap((page) => page.videos)),
          malformed: total(pages, (page) => page.malformed),
          attempts: total(pages, (page) => page.attempts),
          sent: pages.map((page) => page.sent)
        }
        if (fetched.videos.length + fetched.malformed === 0) {
          yield* Effect.logWarning("the API sent an empty chart; nothing to store from it").pipe(Effect.annotateLogs({ region: unit.region, chart: unit.chart }))
        }
        return fetched
      }
    )

    /** A list endpoint's items (one request, with its retries); a malformed item costs only itself. */
    const listItems = <A>(subject: Subject, path: string, urlParams: Record<string, string>, decode: (raw: unknown) => Either.Either<A, ParseResult.ParseError>, what: string) =>
      Effect.gen(function*() {
        const [{ page: list }] = yield* withRetries(subject, requestList(subject, path, urlParams), 0)
        const items: Array<A> = []
        for (const raw of list.items) {
          const item = decode(raw)
          if (Either.isRight(item)) items.push(item.right)
          else yield* Effect.logWarning(`skipped a malformed ${what}: ${describeParseError(item.left)}`).pipe(Effect.annotateLogs({ region: subject }))
        }
        return items
      })

    /** The region's video categories (one request). */
    const fetchCategories = Effect.fn("YouTube.fetchCategories")(
      function*(region: RegionCode) {
        const items = yield* listItems(region, "/videoCategories", { part: "snippet", regionCode: region }, decodeCategory, "category")
        return items.map(({ id, snippet }) => Category.make({ region, categoryId: id, title: snippet.title, assignable: snippet.assignable })) as ReadonlyArray<Category>
      }
    )

    /** Every region YouTube has charts for (`i18nRegions.list`, one request), in its order. */
    const fetchRegions = Effect.fn("YouTube.fetchRegions")(
      function*() {
        const items = yield* listItems("i18nRegions", "/i18nRegions", { part: "snippet" }, decodeRegion, "region")
        return items.map(({ snippet }): ListedRegion => ({ code: snippet.gl, name: snippet.name })) as ReadonlyArray<ListedRegion>
      }
    )

    /**
     * Look-ups by id (at most 50, one unit), of videos a region's chart listed last: the
     * counters of those the API lists, the ids it does not (deleted or private videos).
     */
    const lookUp = Effect.fn("YouTube.lookUp")(
      function*(region: RegionCode, ids: ReadonlyArray<VideoId>) {
        const [{ page: list }, attempts] = yield* withRetries(
          region,
          requestList(region, "/videos", { part: "statistics", id: ids.join(","), maxResults: ids.length }),
          0
        )
        const observedAt = new Date(yield* Clock.currentTimeMillis)
        const found: Array<TrackedCounters> = []
        for (const raw of list.items) {
          const item = decodeLookupItem(raw)
          if (Either.isRight(item)) found.push(toTrackedCounters(item.right, observedAt))
          else yield* Effect.logWarning(`skipped a malformed item of a look-up: ${describeParseError(item.left)}`).pipe(Effect.annotateLogs({ region }))
        }
        const listed = new Set(list.items.map(idOf))
        const answer: LookUpAnswer = { found, missing: ids.filter((id) => !listed.has(id)), observedAt, attempts }
        return answer
      }
    )

    /** A region's overall chart: `fetchChart` of its `all` chart. */
    const fetchRegion = (region: RegionCode) => fetchChart({ region, chart: "all" })

    return {
      fetchChart,
      fetchRegion,
      fetchCategories,
      fetchRegions,
      lookUp,
      /** The keys, in the order they are used (the planner budgets each). */
      keys: config.apiKeys,
      /** Requests a chart costs: pages of at most 50 up to MAX_RESULTS. */
      pagesPerChart: Math.ceil(config.maxResults / PAGE_SIZE),
      /** Retries a request may need at most, after its first attempt. */
      maxRetries: config.retry.maxRetries
    } as const
  })
}) {}
