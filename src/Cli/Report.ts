import { Args, Command, HelpDoc, Options } from "@effect/cli"
import { Clock, Console, Effect, Either, Layer, Option, Schema } from "effect"
import { parseRegions, RegionCode } from "../Domain/Region.js"
import { VideoId } from "../Domain/Video.js"
import { renderChart, renderOverlap, renderRuns, renderVideo } from "../Report/Render.js"
import { StateDirectory } from "../State.js"
import { MigrationsLive } from "../Store/Migrations.js"
import { Chart, Overlap, Run, Trends, VideoHistory } from "../Store/Trends.js"
import { OnDatabase } from "./Layers.js"
import { chartOption, jsonOption, periodOption, usage } from "./Options.js"

/** `report chart|video|overlap|runs`: the Trends queries for a terminal, or as the API's JSON. */

const ReportLive = Layer.merge(Trends.Default, MigrationsLive).pipe(Layer.provide(OnDatabase), Layer.provide(StateDirectory.layer))

/** Prints what was found, as text or as JSON (`null` when nothing is stored: a script reads the same shape). */
const answer = <A, I>(schema: Schema.Schema<A, I>, json: boolean, found: Option.Option<A>, text: (a: A) => string, none: string) =>
  json
    ? Effect.flatMap(
      Effect.orDie(Option.match(found, { onNone: () => Effect.succeed("null"), onSome: Schema.encode(Schema.parseJson(schema)) })),
      Console.log
    )
    : Console.log(Option.match(found, { onNone: () => none, onSome: text }))

const reportChart = Command.make(
  "chart",
  {
    region: Args.text({ name: "region" }).pipe(
      Args.withDescription("a region code, e.g. PL"),
      Args.mapEffect((raw) => Either.match(parseRegions(raw), { onLeft: (d) => Effect.fail(HelpDoc.p(d)), onRight: (r) => Effect.succeed(r[0]!) }))
    ),
    chart: chartOption,
    at: Options.text("at").pipe(
      Options.withDescription("the chart as it stood at this time (ISO 8601, e.g. 2026-11-20T12:00Z); default: now"),
      Options.optional,
      Options.mapEffect(Option.match({
        onNone: () => Effect.succeed(undefined),
        onSome: (raw) => Number.isNaN(Date.parse(raw)) ? Effect.fail(usage(`--at: expected an ISO 8601 time, got "${raw}"`)) : Effect.succeed(new Date(raw))
      }))
    ),
    json: jsonOption
  },
  ({ at, chart, json, region }) =>
    Effect.gen(function*() {
      const when = at ?? new Date(yield* Clock.currentTimeMillis)
      const found = yield* (yield* Trends).chart(RegionCode.make(region), chart, when)
      yield* answer(Chart, json, found, renderChart, `Nothing stored for ${region}'s chart ${chart} at ${when.toISOString()}.`)
    })
).pipe(Command.withDescription("A region's chart as it stood at a time: rank, views, likes, length, category, title."))

const reportVideo = Command.make(
  "video",
  {
    id: Args.text({ name: "id" }).pipe(
      Args.withDescription("a video id, e.g. kQ8f3Lr2ZxA"),
      Args.mapEffect((raw) => Effect.mapError(Schema.decodeUnknown(VideoId)(raw.trim()), () => HelpDoc.p(`not a video id: "${raw}"`)))
    ),
    json: jsonOption
  },
  ({ id, json }) =>
    Effect.flatMap(Effect.flatMap(Trends, (trends) => trends.video(id)), (found) =>
      answer(VideoHistory, json, found, renderVideo, `No stored video has the id ${id}.`))
).pipe(Command.withDescription("A video: its record, where and how high it trended, its counters over time, its titles."))

const reportOverlap = Command.make(
  "overlap",
  {
    period: periodOption("7 days before --until", "now"),
    chart: chartOption,
    json: jsonOption
  },
  ({ chart, json, period: { since, until } }) =>
    Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const to = until === undefined ? new Date(now) : new Date(Date.parse(until) + 86_400_000)
      const from = since === undefined ? new Date(to.getTime() - 7 * 86_400_000) : new Date(Date.parse(since))
      const overlap = yield* (yield* Trends).overlap(from, to, chart)
      yield* answer(Overlap, json, Option.some(overlap), (o) => renderOverlap(o, from, to), "")
    })
).pipe(Command.withDescription("How many videos the regions' charts shared in a period: a matrix, each region's own count on the diagonal."))

const reportRuns = Command.make(
  "runs",
  {
    limit: Options.integer("limit").pipe(
      Options.withDescription("the newest this many (1–100)"),
      Options.withDefault(10),
      Options.mapEffect((n) => (n >= 1 && n <= 100 ? Effect.succeed(n) : Effect.fail(usage(`--limit must be between 1 and 100, got ${n}`))))
    ),
    json: jsonOption
  },
  ({ json, limit }) =>
    Effect.flatMap(Effect.flatMap(Trends, (trends) => trends.runs(limit)), (runs) =>
      answer(Schema.Array(Run), json, Option.some(runs), renderRuns, ""))
).pipe(Command.withDescription("The newest runs: when, how they went, what they stored."))

export const report = Command.make("report").pipe(
  Command.withDescription("Read the archive in a terminal (or --json for scripts): a chart at a time, a video, the overlap of regions, the runs."),
  Command.withSubcommands([reportChart, reportVideo, reportOverlap, reportRuns]),
  Command.provide(ReportLive)
)
