// Runs the tools that build the lab: no shell, bounded time, and a one-line LabError on failure.
import {LabError} from './errors.js'

export interface RunOptions {
  /** run inside /run/netns/<netns> with nsenter (no mount-namespace copy, unlike `ip netns exec`) */
  netns?: string
  input?: string
  timeoutMs?: number
  /** resolve instead of throwing when the command fails */
  allowFail?: boolean
  /** extra environment (OVS_RUNDIR and the like) */
  env?: Record<string, string>
}

export interface RunResult {
  ok: boolean
  exitCode: number | undefined
  stdout: string
  stderr: string
}

export const NETNS_DIR = '/run/netns'

export function inNetns(netns: string | undefined, argv: readonly string[]): string[] {
  return netns === undefined ? [...argv] : ['nsenter', `--net=${NETNS_DIR}/${netns}`, ...argv]
}

export async function run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const {execa} = await import('execa')
  const [file, ...args] = inNetns(opts.netns, argv)
  const r = await execa(file!, args, {
    env: {...opts.env, LC_ALL: 'C'},
    forceKillAfterDelay: 1000,
    input: opts.input,
    reject: false,
    stdin: opts.input === undefined ? 'ignore' : 'pipe',
    timeout: opts.timeoutMs ?? 15_000,
  })
  const result = {exitCode: r.exitCode, ok: !r.failed, stderr: String(r.stderr ?? ''), stdout: String(r.stdout ?? '')}
  if (!result.ok && !opts.allowFail) {
    const where = opts.netns === undefined ? '' : ` (in ${opts.netns})`
    // the last line: dhclient and haproxy print banners and notices before the reason
    const why = r.timedOut ? 'timed out' : result.stderr.trim().split('\n').at(-1) || r.shortMessage
    throw new LabError(`${argv.join(' ')}${where} failed: ${why}`)
  }
  return result
}
