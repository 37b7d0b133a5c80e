import type { Either } from "effect"
import type { ChartUnit } from "./Run.js"
import type { RegionalVideo } from "./Video.js"

/**
 * A page of a chart as the API sent it: its bytes, and where its items sit in the chart.
 * The spool keeps these rather than the entries decoded from them: copying bytes as they
 * came costs the fetch nothing, where encoding a world run's 22,000 entries again cost
 * it ~0.8 s of CPU on the thread that fetches.
 */
export interface SentPage {
  /** The rank of the page's first item. */
  readonly firstRank: number
  /** How many of its items the chart takes: the last page is cut at `MAX_RESULTS`. */
  readonly take: number
  readonly fetchedAt: Date
  /** The body as received: a JSON object whose `items` were decoded as this page. */
  readonly body: Uint8Array
}

/** A unit's fetch as the spool takes it: its entries, and the pages they came from where the client kept them. */
export interface FetchedChart extends ChartUnit {
  readonly videos: ReadonlyArray<RegionalVideo>
  readonly sent?: ReadonlyArray<SentPage> | undefined
}

/** A chart's pages, as the spool gives them back: each body parsed as JSON, not yet decoded. */
export interface SpooledChart extends ChartUnit {
  readonly pages: ReadonlyArray<Omit<SentPage, "body"> & { readonly body: unknown }>
}

/**
 * The chart's entries from its pages, as its fetch decoded them (a malformed item left out
 * again, a video listed twice at its first rank); why not, when a body is not a page.
 * The client's own reading, handed to the spool, which knows no API.
 */
export type ReadSpooledChart = (chart: SpooledChart) => Either.Either<ReadonlyArray<RegionalVideo>, string>
