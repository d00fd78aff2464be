import type {Format} from '../lib/format-flags.js'
import type {Report} from '../report/types.js'
import type {Paint} from './text.js'

/**
 * A report in a people or tool format other than JSON (the command prints JSON itself). Renderers
 * and the catalogue are loaded here, on demand, so a command never pays for the ones it does not print.
 */
export async function renderReport(report: Report, format: Exclude<Format, 'json'>, opts: {command: string; paint?: Paint; verbose?: boolean}): Promise<string> {
  const {explainable} = await import('../catalogue/index.js')
  if (format === 'junit') return (await import('./junit.js')).renderJunit(report, {command: opts.command, explainable})
  if (format === 'markdown') return (await import('./markdown.js')).renderMarkdown(report, {command: opts.command, explainable})
  return (await import('./text.js')).renderText(report, {explainable, paint: opts.paint, verbose: opts.verbose})
}
