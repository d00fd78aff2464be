import type {Paint} from '../render/text.js'

/**
 * Colour for human output. chalk 5 ignores NO_COLOR and decides its level from fd 1 at import
 * time, so the rule lives here: colour only on a TTY, never with NO_COLOR set or TERM=dumb.
 */
export async function paintFor(stream: NodeJS.WriteStream): Promise<Paint | undefined> {
  if (!stream.isTTY || (process.env.NO_COLOR ?? '') !== '' || process.env.TERM === 'dumb') return undefined
  const {default: chalk} = await import('chalk')
  if (chalk.level === 0) return undefined
  return {bold: chalk.bold, dim: chalk.dim, green: chalk.green, red: chalk.red, yellow: chalk.yellow}
}
