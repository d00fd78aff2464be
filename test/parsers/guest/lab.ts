/**
 * A throwaway guest network built from network namespaces (names start with `mdgp-`), used
 * to capture real `ip`, `route`, `arp`, `dhclient`, `curl`, `wget`, `nc`, haproxy and
 * cloud-init output for the guest parser tests. Traffic stays inside these namespaces.
 *
 * Layout: `<guest>` holds eth0 10.0.0.5/24; `<peer>` holds the other veth end with 10.0.0.2/24
 * (the "DHCP port") and optionally 169.254.169.254/32. 10.0.0.1 (the "gateway") does not
 * exist, so nothing answers ARP for it.
 */
import {accessSync, constants, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {delimiter, join} from 'node:path'

export interface Run {
  argv: string[]
  exitCode: number
  stdout: string
  stderr: string
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0
}

/** Tools (names looked up in PATH, or absolute paths) that are not executable here. */
export function missingTools(tools: readonly string[]): string[] {
  const dirs = (process.env.PATH ?? '').split(delimiter).concat(['/usr/sbin', '/sbin'])
  return tools.filter((t) =>
    !(t.startsWith('/') ? [''] : dirs).some((d) => {
      try {
        accessSync(join(d, t), constants.X_OK)
        return true
      } catch {
        return false
      }
    }),
  )
}

/** Why a live test cannot run here, or undefined when it can. */
export function cannotRun(tools: readonly string[]): string | undefined {
  if (process.platform !== 'linux') return 'not Linux'
  if (!isRoot()) return 'needs root (ip netns)'
  const missing = missingTools(tools)
  return missing.length > 0 ? `missing tools: ${missing.join(', ')}` : undefined
}

export async function run(file: string, args: string[], opts: {timeoutMs?: number; env?: Record<string, string>} = {}): Promise<Run> {
  const {execa} = await import('execa')
  // output byte for byte: parsers see what the tool printed, final newline included
  const r = await execa(file, args, {reject: false, timeout: opts.timeoutMs ?? 20_000, env: {LC_ALL: 'C', ...opts.env}, stdin: 'ignore', stripFinalNewline: false})
  return {argv: [file, ...args], exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr)}
}

type Child = {kill: (signal?: NodeJS.Signals) => boolean; pid?: number | undefined}

export class Lab {
  readonly tag: string
  readonly dir: string
  private readonly namespaces: string[] = []
  private readonly children: Child[] = []

  constructor(name: string) {
    this.tag = `${name}${process.pid}`
    this.dir = mkdtempSync(join(tmpdir(), 'mdgp-'))
  }

  ns(role: string): string {
    return `mdgp-${this.tag}-${role}`
  }

  async must(file: string, args: string[]): Promise<Run> {
    const r = await run(file, args)
    if (r.exitCode !== 0) throw new Error(`${r.argv.join(' ')} exited ${r.exitCode}: ${r.stderr.trim()}`)
    return r
  }

  async addNetns(role: string): Promise<string> {
    const name = this.ns(role)
    await this.must('ip', ['netns', 'add', name])
    this.namespaces.push(name)
    await this.must('ip', ['-n', name, 'link', 'set', 'lo', 'up'])
    return name
  }

  /** Run inside a namespace (argv, never a shell string). */
  exec(ns: string, file: string, args: string[], opts: {timeoutMs?: number; env?: Record<string, string>} = {}): Promise<Run> {
    return run('ip', ['netns', 'exec', ns, file, ...args], opts)
  }

  /** A long-running process inside a namespace, killed by cleanup(). */
  async spawn(ns: string, file: string, args: string[], env: Record<string, string> = {}): Promise<{output: () => string}> {
    const {execa} = await import('execa')
    const child = execa('ip', ['netns', 'exec', ns, file, ...args], {reject: false, env: {LC_ALL: 'C', ...env}, stdin: 'ignore', all: true, buffer: false})
    let out = ''
    child.all?.on('data', (d: Buffer) => {
      out += d.toString()
    })
    this.children.push(child)
    return {output: () => out}
  }

  track(child: Child): void {
    this.children.push(child)
  }

  /** Guest + peer joined by a veth; the guest side is renamed eth0 like in a VM. */
  async guestNet(opts: {zeroconf?: boolean; hostRoute?: boolean; defaultRoute?: boolean; peerHoldsMetadataIp?: boolean; guestAddress?: boolean} = {}): Promise<{guest: string; peer: string; peerDev: string}> {
    const guest = await this.addNetns('g')
    const peer = await this.addNetns('p')
    const a = `mdgp${process.pid}a`
    const b = `mdgp${process.pid}b`
    await this.must('ip', ['link', 'add', a, 'type', 'veth', 'peer', 'name', b])
    await this.must('ip', ['link', 'set', a, 'netns', guest])
    await this.must('ip', ['link', 'set', b, 'netns', peer])
    await this.must('ip', ['-n', guest, 'link', 'set', a, 'name', 'eth0'])
    await this.must('ip', ['-n', guest, 'link', 'set', 'eth0', 'up'])
    await this.must('ip', ['-n', peer, 'link', 'set', b, 'up'])
    await this.must('ip', ['-n', peer, 'addr', 'add', '10.0.0.2/24', 'dev', b])
    if (opts.peerHoldsMetadataIp) await this.must('ip', ['-n', peer, 'addr', 'add', '169.254.169.254/32', 'dev', b])
    if (opts.guestAddress !== false) await this.must('ip', ['-n', guest, 'addr', 'add', '10.0.0.5/24', 'dev', 'eth0'])
    if (opts.defaultRoute) await this.must('ip', ['-n', guest, 'route', 'add', 'default', 'via', '10.0.0.1', 'dev', 'eth0'])
    // the RHEL ifup-eth route for ifindex 2 (§2.3): metric 1000 + ifindex
    if (opts.zeroconf) await this.must('ip', ['-n', guest, 'route', 'add', '169.254.0.0/16', 'dev', 'eth0', 'scope', 'link', 'metric', '1002'])
    // what DHCP option 121 from neutron installs
    if (opts.hostRoute) await this.must('ip', ['-n', guest, 'route', 'add', '169.254.169.254/32', 'via', '10.0.0.2', 'dev', 'eth0', 'proto', 'dhcp'])
    return {guest, peer, peerDev: b}
  }

  async cleanup(): Promise<void> {
    for (const c of this.children.splice(0)) {
      try {
        c.kill('SIGTERM')
      } catch {
        // already gone
      }
    }
    await new Promise((r) => setTimeout(r, 200))
    for (const ns of this.namespaces.splice(0)) {
      // processes that daemonised (dhclient) still live in the namespace: end them first
      const pids = await run('ip', ['netns', 'pids', ns])
      for (const pid of pids.stdout.split(/\s+/).filter((p) => /^\d+$/.test(p))) {
        try {
          process.kill(Number(pid), 'SIGKILL')
        } catch {
          // already gone
        }
      }
      await run('ip', ['netns', 'del', ns])
    }
    rmSync(this.dir, {recursive: true, force: true})
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** Poll until `ready` or the deadline; true when ready. */
export async function waitFor(ready: () => Promise<boolean> | boolean, timeoutMs: number, stepMs = 100): Promise<boolean> {
  const end = Date.now() + timeoutMs
  while (Date.now() < end) {
    if (await ready()) return true
    await sleep(stepMs)
  }
  return ready()
}
