import {ParseError, stdoutOf} from '../parsers/errors.js'
import type {Evidence} from '../report/types.js'
import type {Capture} from '../sources/capture.js'

/** Evidence after parsing: a typed value with where it came from, or the reason it is unusable. */
export type Parsed<T> =
  | {readonly ok: true; readonly value: T; readonly key: string; readonly origin: string; readonly capture: Capture}
  | {readonly ok: false; readonly reason: string; readonly key: string; readonly capture?: Capture}

/** `key` or `key[param]`: how a capture is named in reports and looked up after collection. */
export const captureId = (key: string, param?: string): string => (param === undefined ? key : `${key}[${param}]`)

export const evidenceId = (c: Pick<Capture, 'key' | 'param'>): string => captureId(c.key, c.param)

/**
 * Parse a capture. Failed runs, error text and parse errors become `ok: false` with a reason a
 * person can act on; an unexpected parser exception is a reason too, never a crash.
 */
export function parseCapture<T>(c: Capture | undefined, key: string, parse: (text: string) => T): Parsed<T> {
  if (!c) return {key, ok: false, reason: `${key} was not collected`}
  const id = evidenceId(c)
  try {
    return {capture: c, key: id, ok: true, origin: c.origin, value: parse(stdoutOf(c))}
  } catch (error) {
    const msg = error instanceof ParseError ? error.message : `unreadable (${error instanceof Error ? error.message : String(error)})`
    return {capture: c, key: id, ok: false, reason: `${id}: ${oneLine(msg)}`}
  }
}

/** Like parseCapture, but an absent file (exit 1, "No such file") is a value: `undefined`. */
export function parseOptionalFile<T>(c: Capture | undefined, key: string, parse: (text: string) => T): Parsed<T | undefined> {
  if (c && c.exitCode === 1 && !c.failure && /No such file or directory/.test(c.stderr)) {
    return {capture: c, key: evidenceId(c), ok: true, origin: c.origin, value: undefined}
  }
  return parseCapture<T | undefined>(c, key, parse)
}

export const oneLine = (s: string, max = 240): string => {
  const t = s.replace(/\s+/g, ' ').trim()
  return t.length > max ? `${t.slice(0, max - 1)}…` : t
}

/** An evidence entry for a finding: which capture, and the lines that matter. */
export function ev(p: Parsed<unknown> | Capture, excerpt: string): Evidence {
  if ('argv' in p) return {excerpt: oneLine(excerpt, 600), key: evidenceId(p), origin: p.origin}
  return {excerpt: oneLine(excerpt, 600), key: p.key, origin: p.ok ? p.origin : (p.capture?.origin ?? '')}
}
