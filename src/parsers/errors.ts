import type {Capture} from '../sources/capture.js'

/** The data is not usable: checks that need it are not evaluated, with this message as the reason. */
export class ParseError extends Error {
  override readonly name = 'ParseError'
}

// A one-line error text is not data (insights-core CommandParser's gate).
const NOT_DATA = [/command not found/i, /no such file or directory/i, /permission denied/i, /cannot open network namespace/i, /operation not permitted/i]

/** Refuse failed runs, binary data and error text before any parser sees the output. */
export function stdoutOf(c: Capture): string {
  const first = (c.stderr || c.stdout).trim().split('\n')[0] ?? ''
  if (c.exitCode === -1 && c.failure === 'error') throw new ParseError(first || 'not collected')
  if (c.failure === 'timeout') throw new ParseError(`${c.argv.join(' ')} timed out after ${c.durationMs} ms`)
  if (c.failure === 'not-found') throw new ParseError(`${c.argv[0] ?? 'command'} not found${first ? `: ${first}` : ''}`)
  if (c.exitCode !== 0) throw new ParseError(`${c.argv.join(' ')} exited ${c.exitCode}${first ? `: ${first}` : ''}`)
  assertText(c.stdout, c.argv.join(' '))
  const lines = c.stdout.trim().split('\n')
  if (lines.length === 1 && NOT_DATA.some((re) => re.test(lines[0] ?? ''))) throw new ParseError(lines[0] ?? '')
  return c.stdout
}

/** Binary input (NUL bytes, or mostly non-printable) is refused instead of being parsed as garbage. */
export function assertText(text: string, what: string): void {
  if (text.includes('\u0000')) throw new ParseError(`${what}: binary data (NUL bytes), not text`)
  const sample = text.slice(0, 4096)
  if (sample.length === 0) return
  let bad = 0
  for (const ch of sample) {
    const c = ch.codePointAt(0) ?? 0
    if ((c < 32 && c !== 9 && c !== 10 && c !== 13) || c === 0xfffd) bad++
  }
  if (bad / sample.length > 0.1) throw new ParseError(`${what}: binary data, not text`)
}
