/**
 * The order regions are fetched in. `Effect.forEach` with concurrency k starts the next
 * region whenever one of k slots frees: a list schedule. Its makespan depends on the
 * order, so the order is chosen from each region's duration in earlier runs.
 */

/** When the last region finishes if `durations` are started in this order, `workers` at a time. */
export const listScheduleMakespan = (durations: ReadonlyArray<number>, workers: number): number => {
  const free = Array.from({ length: Math.max(1, Math.min(workers, durations.length)) }, () => 0)
  let makespan = 0
  for (const d of durations) {
    let earliest = 0
    for (let i = 1; i < free.length; i++) if (free[i]! < free[earliest]!) earliest = i
    free[earliest] = free[earliest]! + d
    if (free[earliest]! > makespan) makespan = free[earliest]!
  }
  return makespan
}

/** Up to this many regions every order is tried (8! = 40,320 orders, a few milliseconds). */
export const EXHAUSTIVE_LIMIT = 8

const permutations = function*<A>(items: ReadonlyArray<A>): Generator<ReadonlyArray<A>> {
  // Heap's algorithm, iterative.
  const a = [...items]
  const c = a.map(() => 0)
  yield [...a]
  let i = 1
  while (i < a.length) {
    if (c[i]! < i) {
      const j = i % 2 === 0 ? 0 : c[i]!
      ;[a[j], a[i]] = [a[i]!, a[j]!]
      yield [...a]
      c[i]!++
      i = 1
    } else {
      c[i] = 0
      i++
    }
  }
}

export const longestFirst = <A extends string>(regions: ReadonlyArray<A>, durationOf: (r: A) => number): ReadonlyArray<A> =>
  [...regions].sort((a, b) => durationOf(b) - durationOf(a) || regions.indexOf(a) - regions.indexOf(b))

export interface ChosenOrder<A extends string> {
  readonly order: ReadonlyArray<A>
  /** The makespan the durations predict for this order. */
  readonly expectedMs: number
  readonly how: "configured" | "exhaustive" | "longest-first"
}

/**
 * The order whose list schedule is shortest: every order for a handful of regions,
 * longest-first beyond that (unless the configured order is better). Regions with no recorded duration count as the mean of
 * the others; with none recorded at all, the configured order is kept.
 */
export const chooseOrder = <A extends string>(
  regions: ReadonlyArray<A>,
  recorded: ReadonlyMap<string, number>,
  workers: number
): ChosenOrder<A> => {
  const known = regions.map((r) => recorded.get(r)).filter((d): d is number => d !== undefined)
  const makespanOf = (order: ReadonlyArray<A>) => listScheduleMakespan(order.map(durationOf), workers)
  const mean = known.length === 0 ? 0 : known.reduce((s, d) => s + d, 0) / known.length
  function durationOf(r: A) {
    return recorded.get(r) ?? mean
  }
  if (known.length === 0 || workers >= regions.length) {
    return { order: regions, expectedMs: makespanOf(regions), how: "configured" }
  }
  if (regions.length > EXHAUSTIVE_LIMIT) {
    // Longest-first is a heuristic: keep the configured order where it happens to be better.
    const order = longestFirst(regions, durationOf)
    const expectedMs = makespanOf(order)
    const configured = makespanOf(regions)
    return expectedMs <= configured
      ? { order, expectedMs, how: "longest-first" }
      : { order: regions, expectedMs: configured, how: "configured" }
  }
  let best: ReadonlyArray<A> = regions
  let bestMs = makespanOf(regions)
  for (const order of permutations(regions)) {
    const ms = makespanOf(order)
    if (ms < bestMs) {
      best = order
      bestMs = ms
    }
  }
  return { order: best, expectedMs: bestMs, how: "exhaustive" }
}
