import {Flags} from '@oclif/core'

export const FORMATS = ['text', 'json', 'markdown', 'junit'] as const
export type Format = (typeof FORMATS)[number]

/** `--format`, shared by the commands that print a report (doctor, guest). */
export const formatFlags = {
  format: Flags.option({
    description: 'output: text for people, json (the report; same as --json), markdown for a ticket, junit XML for a CI test view',
    options: FORMATS,
  })(),
}

/**
 * The format to print. `--json` is the shortcut for `--format json`; given together with another
 * format the command line contradicts itself: the one-line complaint is returned instead.
 */
export function pickFormat(format: Format | undefined, json: boolean): Format | {error: string} {
  if (json && format !== undefined && format !== 'json') return {error: `--json and --format ${format} disagree: --json means --format json, give one of them`}
  return json ? 'json' : (format ?? 'text')
}
