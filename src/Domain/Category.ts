import { Schema } from "effect"
import { RegionCode } from "./Region.js"
import { CategoryId } from "./Video.js"

/** A video category as `videoCategories.list` gives it for a region: its title is the region's. */
export class Category extends Schema.Class<Category>("Category")({
  region: RegionCode,
  categoryId: CategoryId,
  title: Schema.String,
  /** Whether videos can be filed under it; only assignable categories have charts. */
  assignable: Schema.Boolean
}) {}
