import { Either, Schema } from "effect"
import { CategoryId } from "./Video.js"

const isCategoryId = Schema.is(CategoryId)

/**
 * Which charts a run collects in each region (`CHARTS`): `all` is the region's overall
 * chart, a number that category's chart, `every` the overall chart and every category
 * the region can assign videos to.
 */
export interface ChartSelection {
  /** The overall chart (`all`, or implied by `every`). */
  readonly overall: boolean
  /** Category charts asked for by id, in the order given. */
  readonly categories: ReadonlyArray<CategoryId>
  /** Every assignable category of each region (known only from its stored category list). */
  readonly everyCategory: boolean
}

export const OVERALL_ONLY: ChartSelection = { overall: true, categories: [], everyCategory: false }

/** Whether planning the run needs the store: anything beyond the overall chart does (categories, unavailable charts). */
export const needsThePlan = (selection: ChartSelection): boolean => selection.everyCategory || selection.categories.length > 0

/** `"all,10, 20"` → the selection; duplicates dropped; anything else is named. */
export const parseCharts = (raw: string): Either.Either<ChartSelection, string> => {
  const words = raw.split(",").map((s) => s.trim().toLowerCase()).filter((s) => s !== "")
  if (words.length === 0) return Either.left("no chart given; use all, every, or category ids such as all,10,20")
  const wrong = words.filter((w) => w !== "all" && w !== "every" && !isCategoryId(w))
  if (wrong.length > 0) {
    return Either.left(
      `not a chart: ${wrong.map((w) => `"${w}"`).join(", ")}; use all (the overall chart), every (all and every ` +
        "assignable category), or category ids (digits), comma-separated, e.g. all,10,20"
    )
  }
  const everyCategory = words.includes("every")
  return Either.right({
    overall: everyCategory || words.includes("all"),
    categories: [...new Set(words.filter(isCategoryId))],
    everyCategory
  })
}
