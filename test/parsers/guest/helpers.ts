import {readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {expect} from 'vitest'
import {ParseError} from '../../../src/parsers/errors.js'

export const SAMPLES = join(dirname(fileURLToPath(import.meta.url)), 'samples')

export function sample(name: string): string {
  return readFileSync(join(SAMPLES, name), 'utf8')
}

export interface CaptureEntry {
  argv: string[]
  exitCode: number
  stream: 'stdout' | 'stderr' | 'file'
  file?: string
  bodyFile?: string
}

/** How a real-tool sample was made (argv, exit code): samples/captures.json. */
export function capture(name: string): CaptureEntry {
  const all = JSON.parse(sample('captures.json')) as Record<string, CaptureEntry>
  const e = all[name]
  if (!e) throw new Error(`${name} is not a captured sample`)
  return e
}

/** Run `fn`; it must throw a ParseError (not a TypeError or anything else) whose message matches. */
export function expectParseError(fn: () => unknown, message?: RegExp | string): ParseError {
  let err: unknown
  try {
    fn()
  } catch (e) {
    err = e
  }
  expect(err, 'expected a ParseError').toBeInstanceOf(ParseError)
  if (message !== undefined) expect((err as ParseError).message).toMatch(message)
  return err as ParseError
}

export function warningsOf(v: unknown): string[] {
  return (v as {warnings?: string[]}).warnings ?? []
}

/** Deterministic pseudo-random text for hostile-input tests (xorshift32). */
export function noise(length: number, seed: number, alphabet?: string): string {
  let x = seed >>> 0 || 1
  let out = ''
  for (let i = 0; i < length; i++) {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    out += alphabet ? alphabet[x % alphabet.length] : String.fromCharCode(x % 256)
  }
  return out
}
