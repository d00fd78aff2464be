import {Command} from '@oclif/core'

/**
 * oclif reports usage errors under --json with exit 1 (it reads `err.exitCode`, while its own
 * errors carry `err.oclif.exit`). mdctl's contract says 2 for a wrong command line or nothing
 * evaluated, so the exit code is taken from the error itself.
 */
export abstract class MdctlCommand extends Command {
  protected override async catch(err: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<unknown> {
    process.exitCode = err.oclif?.exit ?? err.exitCode ?? 1
    if (this.jsonEnabled()) process.stderr.write(`Error: ${err.message}\n`)
    return super.catch(err)
  }
}
