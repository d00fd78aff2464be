import {CATALOGUE, type CodeEntry} from './codes.js'

export {CATALOGUE, type CodeEntry} from './codes.js'

const BY_CODE = new Map<string, CodeEntry>(CATALOGUE.map((e) => [e.code, e]))

export const lookup = (code: string): CodeEntry | undefined => BY_CODE.get(code)

/** Whether `mdctl explain CODE` has something to say: renderers add the hint only then. */
export const explainable = (code: string): boolean => BY_CODE.has(code)

/**
 * The closest known code to what was typed, for a "did you mean" line: case and `-`/space are
 * forgiven, then edit distance (at most a third of the length). Input is cut to 64 characters,
 * so the cost stays bounded (codes × 64²).
 */
export function closest(typed: string): string | undefined {
  const t = typed.slice(0, 64).toUpperCase().replace(/[\s-]+/g, '_')
  if (BY_CODE.has(t)) return t
  let best: {code: string; d: number} | undefined
  for (const e of CATALOGUE) {
    const d = distance(t, e.code)
    if (!best || d < best.d) best = {code: e.code, d}
  }
  if (best && best.d <= Math.max(2, Math.floor(t.length / 3))) return best.code
  const part = CATALOGUE.find((e) => t.length >= 4 && e.code.includes(t))
  return part?.code
}

function distance(a: string, b: string): number {
  let prev = Array.from({length: b.length + 1}, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) row[j] = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1))
    prev = row
  }
  return prev[b.length] ?? 0
}
