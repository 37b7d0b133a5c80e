/** How the report and the web page write counts, times and lengths for a person. */

export const count = (n: number | null) => (n === null ? "hidden" : n.toLocaleString("en-US"))

/** `2026-11-28 07:00 UTC`: minutes are as precise as a chart's time matters to a reader. */
export const minute = (d: Date) => `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`

export const duration = (seconds: number | null) => {
  if (seconds === null) return ""
  const h = Math.floor(seconds / 3600)
  const m = Math.floor((seconds % 3600) / 60)
  const s = String(seconds % 60).padStart(2, "0")
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`
}

/** At most `width` characters, an ellipsis where cut (titles are written by strangers, and long). */
export const cut = (text: string, width: number) => {
  const chars = [...text.replace(/\s+/g, " ")]
  return chars.length <= width ? chars.join("") : `${chars.slice(0, width - 1).join("")}…`
}
