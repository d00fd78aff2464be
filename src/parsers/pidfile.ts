import {assertText, ParseError} from './errors.js'

/** A pid file: one decimal pid, optional surrounding whitespace. Anything else is a ParseError. */
export function parsePidFile(text: string): number {
  assertText(text, 'pid file')
  const m = /^\s*(\d+)\s*$/.exec(text)
  if (!m) throw new ParseError(`pid file does not hold a pid: ${JSON.stringify(text.slice(0, 40))}`)
  return Number(m[1])
}
