import { Either, Schema } from "effect"

/** An ISO 3166-1 alpha-2 region code, upper case. */
export const RegionCode = Schema.String.pipe(
  Schema.pattern(/^[A-Z]{2}$/, {
    message: () => "a region code is two letters (ISO 3166-1 alpha-2), e.g. PL"
  }),
  Schema.brand("RegionCode")
)
export type RegionCode = typeof RegionCode.Type

/** A region as `i18nRegions.list` lists it, with its English name. */
export interface ListedRegion {
  readonly code: RegionCode
  readonly name: string
}

export const DEFAULT_REGIONS: ReadonlyArray<RegionCode> = ["US", "GB", "PL", "NL", "SE", "NO", "AT"].map(
  (code) => RegionCode.make(code)
)

/** ISO 3166-1 alpha-2, the officially assigned codes. */
export const ISO_REGION_CODES: ReadonlySet<string> = new Set(
  (
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ " +
    "CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR " +
    "GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP " +
    "KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT " +
    "MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW " +
    "SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG " +
    "UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW"
  ).split(" ")
)

/** `REGIONS=all`: every region YouTube lists, rather than a list of codes. */
export const isEveryRegion = (raw: string): boolean => raw.trim().toLowerCase() === "all"

/** `"us, gb,PL"` → `[US, GB, PL]`; duplicates are dropped, order is kept; unknown codes are named. */
export const parseRegions = (raw: string): Either.Either<ReadonlyArray<RegionCode>, string> => {
  const codes = raw
    .split(",")
    .map((s) => s.trim().toUpperCase())
    .filter((s) => s !== "")
  if (codes.length === 0) return Either.left("no region given; list ISO 3166-1 alpha-2 codes, e.g. US,GB,PL")
  const unknown = codes.filter((c) => !ISO_REGION_CODES.has(c))
  if (unknown.length > 0) {
    return Either.left(
      `unknown region code${unknown.length > 1 ? "s" : ""} ${unknown.map((c) => `"${c}"`).join(", ")}; ` +
        "use ISO 3166-1 alpha-2 codes separated by commas, e.g. US,GB,PL"
    )
  }
  return Either.right([...new Set(codes)].map((c) => RegionCode.make(c)))
}

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
