/**
 * The regions `i18nRegions.list` answers, as the simulated API serves them.
 *
 * The codes are those of a real `i18nRegions.list?part=snippet` response (106 regions)
 * plus the four YouTube has listed since (BD, KH, LA, MD); the names are the English
 * ones (`hl=en_US`, the API's default). The real list changes now and then
 * (shared/youtube-api.md: about 106–113 regions).
 */
export const YOUTUBE_REGIONS: ReadonlyArray<readonly [code: string, name: string]> = [
  ["DZ", "Algeria"],
  ["AR", "Argentina"],
  ["AU", "Australia"],
  ["AT", "Austria"],
  ["AZ", "Azerbaijan"],
  ["BH", "Bahrain"],
  ["BD", "Bangladesh"],
  ["BY", "Belarus"],
  ["BE", "Belgium"],
  ["BO", "Bolivia"],
  ["BA", "Bosnia and Herzegovina"],
  ["BR", "Brazil"],
  ["BG", "Bulgaria"],
  ["KH", "Cambodia"],
  ["CA", "Canada"],
  ["CL", "Chile"],
  ["CO", "Colombia"],
  ["CR", "Costa Rica"],
  ["HR", "Croatia"],
  ["CY", "Cyprus"],
  ["CZ", "Czechia"],
  ["DK", "Denmark"],
  ["DO", "Dominican Republic"],
  ["EC", "Ecuador"],
  ["EG", "Egypt"],
  ["SV", "El Salvador"],
  ["EE", "Estonia"],
  ["FI", "Finland"],
  ["FR", "France"],
  ["GE", "Georgia"],
  ["DE", "Germany"],
  ["GH", "Ghana"],
  ["GR", "Greece"],
  ["GT", "Guatemala"],
  ["HN", "Honduras"],
  ["HK", "Hong Kong"],
  ["HU", "Hungary"],
  ["IS", "Iceland"],
  ["IN", "India"],
  ["ID", "Indonesia"],
  ["IQ", "Iraq"],
  ["IE", "Ireland"],
  ["IL", "Israel"],
  ["IT", "Italy"],
  ["JM", "Jamaica"],
  ["JP", "Japan"],
  ["JO", "Jordan"],
  ["KZ", "Kazakhstan"],
  ["KE", "Kenya"],
  ["KW", "Kuwait"],
  ["LA", "Laos"],
  ["LV", "Latvia"],
  ["LB", "Lebanon"],
  ["LY", "Libya"],
  ["LI", "Liechtenstein"],
  ["LT", "Lithuania"],
  ["LU", "Luxembourg"],
  ["MY", "Malaysia"],
  ["MT", "Malta"],
  ["MX", "Mexico"],
  ["MD", "Moldova"],
  ["ME", "Montenegro"],
  ["MA", "Morocco"],
  ["NP", "Nepal"],
  ["NL", "Netherlands"],
  ["NZ", "New Zealand"],
  ["NI", "Nicaragua"],
  ["NG", "Nigeria"],
  ["MK", "North Macedonia"],
  ["NO", "Norway"],
  ["OM", "Oman"],
  ["PK", "Pakistan"],
  ["PA", "Panama"],
  ["PG", "Papua New Guinea"],
  ["PY", "Paraguay"],
  ["PE", "Peru"],
  ["PH", "Philippines"],
  ["PL", "Poland"],
  ["PT", "Portugal"],
  ["PR", "Puerto Rico"],
  ["QA", "Qatar"],
  ["RO", "Romania"],
  ["RU", "Russia"],
  ["SA", "Saudi Arabia"],
  ["SN", "Senegal"],
  ["RS", "Serbia"],
  ["SG", "Singapore"],
  ["SK", "Slovakia"],
  ["SI", "Slovenia"],
  ["ZA", "South Africa"],
  ["KR", "South Korea"],
  ["ES", "Spain"],
  ["LK", "Sri Lanka"],
  ["SE", "Sweden"],
  ["CH", "Switzerland"],
  ["TW", "Taiwan"],
  ["TZ", "Tanzania"],
  ["TH", "Thailand"],
  ["TN", "Tunisia"],
  ["TR", "Türkiye"],
  ["UG", "Uganda"],
  ["UA", "Ukraine"],
  ["AE", "United Arab Emirates"],
  ["GB", "United Kingdom"],
  ["US", "United States"],
  ["UY", "Uruguay"],
  ["VE", "Venezuela"],
  ["VN", "Vietnam"],
  ["YE", "Yemen"],
  ["ZW", "Zimbabwe"]
]

const NAMES: ReadonlyMap<string, string> = new Map(YOUTUBE_REGIONS)

/** A region's English name: YouTube's where it lists the region, else the ICU one, else the code. */
const nameOf = (code: string): string => {
  const listed = NAMES.get(code)
  if (listed !== undefined) return listed
  try {
    return new Intl.DisplayNames(["en"], { type: "region" }).of(code) ?? code
  } catch {
    return code
  }
}

/**
 * `i18nRegions.list?part=snippet`, as the API answers it. `hl` is accepted and
 * ignored: the names are always the English ones.
 */
export const regionListFor = (codes: ReadonlyArray<string>) => ({
  kind: "youtube#i18nRegionListResponse",
  etag: `etag-regions-${codes.length}`,
  items: codes.map((code) => ({
    kind: "youtube#i18nRegion",
    etag: `etag-region-${code}`,
    id: code,
    snippet: { gl: code, name: nameOf(code) }
  }))
})
