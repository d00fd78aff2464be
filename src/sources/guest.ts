import {hostname} from 'node:os'

import {GUEST_EVIDENCE, type GuestKey, leasesAlternatives, probeAlternatives, rawProbeArgv} from '../evidence/guest.js'
import {USER_AGENT} from '../version.js'
import type {Capture} from './capture.js'
import {execCapture} from './exec.js'
import {newSalt} from './redact.js'
import type {SourceKind} from './source.js'

/** Where guest evidence comes from: this machine, an ssh target, or a bundle. */
export interface GuestSource {
  readonly kind: SourceKind
  readonly origin: string
  readonly capturedAt: string
  readonly salt: string
  guest(key: GuestKey, param?: string): Promise<Capture>
}

export interface SshTarget {
  /** USER@HOST or HOST */
  target: string
  identity?: string
  jump?: string
  port?: number
  options?: readonly string[]
  connectTimeoutS?: number
}

const TARGET = /^([A-Za-z0-9._-]{1,64}@)?[A-Za-z0-9.:%[\]_-]{1,253}$/
const SSH_OPTION = /^[A-Za-z][A-Za-z0-9]*=[^\s]*$|^[A-Za-z][A-Za-z0-9]* [^\s]+$/

/** Quote one argument for the remote POSIX shell: ssh always hands the command to it, joined by spaces. */
export function shQuote(s: string): string {
  return /^[\w/.:=@%+,-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`
}

/** argv for the system ssh client: no local shell, batch mode, the target can never be read as an option. */
export function sshArgv(t: SshTarget, remote: readonly string[]): string[] {
  if (!TARGET.test(t.target) || t.target.startsWith('-')) throw new Error(`invalid ssh target ${JSON.stringify(t.target)}: expected USER@HOST`)
  if (t.jump !== undefined && (!TARGET.test(t.jump.replace(/:\d+$/, '')) || t.jump.startsWith('-'))) throw new Error(`invalid jump host ${JSON.stringify(t.jump)}`)
  const argv = ['ssh', '-o', 'BatchMode=yes', '-o', `ConnectTimeout=${t.connectTimeoutS ?? 5}`, '-o', 'LogLevel=ERROR', '-T']
  for (const o of t.options ?? []) {
    if (!SSH_OPTION.test(o) || /^(ProxyCommand|LocalCommand|PermitLocalCommand|KnownHostsCommand)\b/i.test(o)) throw new Error(`--ssh-option ${JSON.stringify(o)} is not allowed (use Key=Value; commands are refused)`)
    argv.push('-o', o)
  }
  if (t.identity) argv.push('-i', t.identity)
  if (t.jump) argv.push('-J', t.jump)
  if (t.port !== undefined) argv.push('-p', String(t.port))
  argv.push('--', t.target, remote.map((a) => shQuote(a)).join(' '))
  return argv
}

/** The tool died on a signal (a crash, not an answer): try the next alternative. */
const crashed = (c: Capture): boolean => (c.exitCode >= 128 && c.exitCode !== 255) || /killed with SIG(SEGV|BUS|ILL|ABRT)/.test(c.stderr)

const missing = (c: Capture): boolean => c.failure === 'not-found' || c.exitCode === 127 || /not found|No such file or directory/.test(c.stderr.split('\n')[0] ?? '') && c.exitCode !== 0 && c.stdout === ''

/**
 * Runs guest evidence commands here or over ssh. Nothing is installed on the guest and nothing is
 * changed: every command only reads, and the probes are plain GETs.
 */
export class LiveGuestSource implements GuestSource {
  readonly kind: SourceKind
  readonly origin: string
  readonly capturedAt = new Date().toISOString()
  readonly salt = newSalt()

  constructor(
    private readonly ssh?: SshTarget,
    private readonly leaseFiles: readonly string[] = [],
  ) {
    this.kind = ssh ? 'ssh' : 'live'
    this.origin = ssh ? `ssh:${ssh.target}` : `live:${hostname()}`
    if (ssh) sshArgv(ssh, ['true']) // validate early: a bad target is a usage error
  }

  /** ssh only: one round trip to fail fast, with ssh's own reason, before fifteen commands time out. */
  async reachable(): Promise<string | undefined> {
    if (!this.ssh) return undefined
    const c = await execCapture('ssh.check', undefined, sshArgv(this.ssh, ['true']), this.origin, {timeoutMs: (this.ssh.connectTimeoutS ?? 5) * 1000 + 5000})
    return c.exitCode === 0 ? undefined : c.stderr.trim().split('\n').pop() || `ssh exited ${c.exitCode}`
  }

  async guest(key: GuestKey, param?: string): Promise<Capture> {
    const probe = key === 'probe.guest-http' || key === 'probe.guest-http-raw'
    const alternatives =
      key === 'probe.guest-http' ? probeAlternatives(param ?? '/', USER_AGENT) : key === 'probe.guest-http-raw' ? [rawProbeArgv(param ?? '/', USER_AGENT)] : key === 'guest.leases' && this.leaseFiles.length ? leasesAlternatives(this.leaseFiles) : GUEST_EVIDENCE[key].alternatives
    const fall = probe ? 'missing' : GUEST_EVIDENCE[key].fallThrough
    let last: Capture | undefined
    for (const argv of alternatives) {
      const run = this.ssh ? sshArgv(this.ssh, argv) : argv
      const c = await execCapture(key, param, run, this.origin, {logicalArgv: argv, timeoutMs: probe ? 9000 : 15_000})
      if (this.ssh && c.exitCode === 255 && !c.stdout) return {...c, failure: 'error', stderr: `ssh: ${c.stderr.trim()}`}
      last = key === 'guest.env' || key === 'guest.etc-environment' ? proxyVarsOnly(c) : c
      const usable = c.exitCode === 0 && !c.failure
      if (usable || (fall === 'missing' && !missing(c) && !crashed(c))) return last
    }
    return last!
  }
}

const PROXY_VAR = /^\s*(export\s+)?(https?_proxy|all_proxy|no_proxy)=/i

/** The environment kept to the proxy variables the check reads, with credentials in proxy URLs masked. */
function proxyVarsOnly(c: Capture): Capture {
  const lines = c.stdout.split(/\n|\0/).filter((l) => PROXY_VAR.test(l))
  return {...c, stdout: lines.map((l) => `${l.replace(/(\/\/[^:/@\s]+:)[^@\s]+@/, '$1<redacted>@')}\n`).join('')}
}
