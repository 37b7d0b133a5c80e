import { Schema } from "effect"

/** An ISO 3166-1 alpha-2 region code, upper case. */
export const RegionCode = Schema.String.pipe(
  Schema.pattern(/^[A-Z]{2}$/, {
    message: () => "a region code is two letters (ISO 3166-1 alpha-2), e.g. PL"
  }),
  Schema.brand("RegionCode")
)
export type RegionCode = typeof RegionCode.Type

export const DEFAULT_REGIONS: ReadonlyArray<RegionCode> = ["US", "GB", "PL", "NL", "SE", "NO", "AT"].map(
  (code) => RegionCode.make(code)
)

/** The language a region's chart is mostly in, used when a video does not name its own. */
const REGION_LANGUAGES: Readonly<Record<string, string>> = {
  US: "en",
  GB: "en",
  IE: "en",
  AU: "en",
  CA: "en",
  NZ: "en",
  PL: "pl",
  NL: "nl",
  BE: "nl",
  SE: "sv",
  NO: "no",
  DK: "da",
  FI: "fi",
  AT: "de",
  DE: "de",
  CH: "de",
  FR: "fr",
  ES: "es",
  IT: "it",
  PT: "pt",
  BR: "pt"
}

export const regionLanguage = (region: RegionCode): string => REGION_LANGUAGES[region] ?? "und"

/**
 * The accent-folding text search configuration created by the migrations:
 * `simple` with `unaccent`, so `lodz` finds `Łódź`. Polish has no stemmer in
 * PostgreSQL, and a language we have no dictionary for is better folded than not.
 */
export const FOLDED_SEARCH_CONFIG = "viralvidvault_folded"

const SEARCH_CONFIGS: Readonly<Record<string, string>> = {
  en: "english",
  nl: "dutch",
  sv: "swedish",
  no: "norwegian",
  nb: "norwegian",
  nn: "norwegian",
  de: "german",
  da: "danish",
  fi: "finnish",
  fr: "french",
  es: "spanish",
  it: "italian",
  pt: "portuguese"
}

/** `en-GB` → `en`; YouTube sends BCP-47 tags of any case. */
export const primaryLanguage = (tag: string): string => tag.trim().toLowerCase().split(/[-_]/)[0] ?? ""

/** The PostgreSQL text search configuration for a language tag. */
export const searchConfigFor = (language: string): string =>
  SEARCH_CONFIGS[primaryLanguage(language)] ?? FOLDED_SEARCH_CONFIG

/** Every configuration a stored video can have, for searching each in its own language. */
export const ALL_SEARCH_CONFIGS: ReadonlyArray<string> = [...new Set([...Object.values(SEARCH_CONFIGS), FOLDED_SEARCH_CONFIG])]
