import { CATEGORIES as CATALOG_CATEGORIES, categoryChartFor, chartFor } from "./Catalog.js"

/** What the simulated API's charts and look-ups by id answer with (part of its options). */
export interface ServedOptions {
  /** Items in each region's chart (up to 200 like the real one). */
  readonly chartSize?: number
  /** Replaces a region's items before they are served (odd titles, hostile shapes). */
  readonly items?: Readonly<Record<string, ReadonlyArray<unknown>>>
  /** 1-based chart positions, per region, whose item is served with a view count that is not a number. */
  readonly malformedAt?: Readonly<Record<string, ReadonlyArray<number>>>
  /** Video ids a look-up by id leaves out, as the API does for a deleted or private video. */
  readonly gone?: ReadonlyArray<string>
  /** Regions whose charts a look-up by id knows before they are served (the seven defaults when absent). */
  readonly lookupRegions?: ReadonlyArray<string>
}

/**
 * What the simulated API serves: each chart built on its first request and kept (a page
 * of it is a slice), and every video it has served or knows, for the look-up by id.
 */
export const servedCharts = (options: ServedOptions) => {
  const chartSize = options.chartSize ?? 200
  const charts = new Map<string, ReadonlyArray<unknown>>()
  /** Every video served or known, by id: what a look-up by id answers. */
  const known = new Map<string, unknown>()
  const knowAll = (items: ReadonlyArray<unknown>) => {
    for (const item of items) {
      const id = (item as { id?: unknown }).id
      if (typeof id === "string" && !known.has(id)) known.set(id, item)
    }
  }
  const chart = (region: string, category = "all") => {
    const key = `${region}/${category}`
    let items = charts.get(key)
    if (items === undefined) {
      const broken = new Set(options.malformedAt?.[region] ?? [])
      items = category !== "all"
        ? categoryChartFor(region, category, chartSize)
        : options.items?.[region] ??
          chartFor(region, chartSize).map((item, i) =>
            broken.has(i + 1) ? { ...item, statistics: { ...item.statistics, viewCount: "n/a" } } : item
          )
      charts.set(key, items)
      knowAll(items)
    }
    return items
  }
  const gone = new Set(options.gone ?? [])
  let lookupsReady = false
  /** The look-up by id knows the charts of `lookupRegions` (overall and by category) as if served before. */
  const lookUp = (ids: ReadonlyArray<string>): ReadonlyArray<unknown> => {
    if (!lookupsReady) {
      lookupsReady = true
      for (const region of options.lookupRegions ?? ["US", "GB", "PL", "NL", "SE", "NO", "AT"]) {
        knowAll(chartFor(region, 200))
        for (const [id, , assignable] of CATALOG_CATEGORIES) if (assignable) knowAll(categoryChartFor(region, id, 200))
      }
    }
    return ids.filter((id) => !gone.has(id)).flatMap((id) => known.has(id) ? [known.get(id)] : [])
  }
  return { chart, lookUp }
}
