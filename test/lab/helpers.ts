// Live-lab test helpers: run things in the lab's guest/router namespaces, fetch like a guest
// would, and take a picture of the host to prove `lab down` leaves it as it was.
import {execFile} from 'node:child_process'
import {access, readdir, readFile, stat} from 'node:fs/promises'
import {promisify} from 'node:util'

import {isLabNetns} from '../../src/lab/plan.js'
import {missingTools, LAB_TOOLS, SSH_TOOLS} from '../../src/lab/preflight.js'

const pexec = promisify(execFile)

export interface Ran {
  code: number
  stdout: string
  stderr: string
}

export async function sh(argv: string[], timeoutMs = 15_000): Promise<Ran> {
  try {
    const r = await pexec(argv[0]!, argv.slice(1), {encoding: 'utf8', env: {...process.env, LC_ALL: 'C'}, timeout: timeoutMs})
    return {code: 0, stderr: r.stderr, stdout: r.stdout}
  } catch (error) {
    const e = error as {code?: number | string; stdout?: string; stderr?: string}
    return {code: typeof e.code === 'number' ? e.code : -1, stderr: e.stderr ?? String(error), stdout: e.stdout ?? ''}
  }
}

export const inNs = (ns: string, argv: string[], timeoutMs?: number): Promise<Ran> => sh(['nsenter', `--net=/run/netns/${ns}`, ...argv], timeoutMs)

export interface Fetched {
  /** curl's exit code: 0 answered, 7 refused, 28 timed out */
  curl: number
  status: number
  body: string
  ms: number
}

/** GET http://169.254.169.254<path> from the guest namespace with plain curl. */
export async function guestGet(path: string, maxTimeS = 5): Promise<Fetched> {
  const started = performance.now()
  const r = await inNs('mdlab-guest', ['curl', '-s', '-m', String(maxTimeS), '-w', '\n@@%{http_code}', `http://169.254.169.254${path}`], (maxTimeS + 5) * 1000)
  const at = r.stdout.lastIndexOf('\n@@')
  return {
    body: at >= 0 ? r.stdout.slice(0, at) : r.stdout,
    curl: r.code,
    ms: Math.round(performance.now() - started),
    status: at >= 0 ? Number(r.stdout.slice(at + 3)) : 0,
  }
}

export interface HostPicture {
  links: string[]
  addresses: string[]
  routes: string[]
  iptables: string[]
  labNetns: string[]
  runSshd: boolean
}

const lines = (s: string): string[] =>
  s
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .sort()

const LAB_RELATED = /mdlab|10\.254\.77\.|1ab01ab0|169\.254\.169\.254/

/**
 * The host root namespace as the lab could change it. In CI (alone on its host) the whole picture
 * must come back unchanged; on a shared workstation other jobs create and remove their own links
 * meanwhile, so there only the lab's own traces (names, addresses) and root iptables are compared.
 */
export async function hostPicture(): Promise<HostPicture> {
  const full = await fullHostPicture()
  if (process.env.CI) return full
  const mine = (xs: string[]): string[] => xs.filter((x) => LAB_RELATED.test(x))
  return {...full, addresses: mine(full.addresses), links: mine(full.links), routes: mine(full.routes)}
}

async function fullHostPicture(): Promise<HostPicture> {
  const [links, addrs, routes4, routes6, ipt] = await Promise.all([
    sh(['ip', '-o', 'link', 'show']),
    sh(['ip', '-o', 'addr', 'show']),
    sh(['ip', '-4', 'route', 'show', 'table', 'all']),
    sh(['ip', '-6', 'route', 'show', 'table', 'main']),
    sh(['iptables-save']),
  ])
  return {
    addresses: lines(addrs.stdout).map((l) => l.replace(/\s+valid_lft.*$/, '').replace(/^\d+:\s+/, '')),
    iptables: lines(ipt.stdout).filter((l) => !l.startsWith('#')).map((l) => l.replace(/\[\d+:\d+\]/, '')),
    labNetns: (await readdir('/run/netns').catch(() => [] as string[])).filter((n) => isLabNetns(n)).sort(),
    links: lines(links.stdout).map((l) => (/^\d+:\s+([^:@]+)/.exec(l)?.[1] ?? l)),
    routes: [...lines(routes4.stdout), ...lines(routes6.stdout)],
    runSshd: await access('/run/sshd').then(
      () => true,
      () => false,
    ),
  }
}

export async function netnsInode(name: string): Promise<string | undefined> {
  try {
    const s = await stat(`/run/netns/${name}`)
    return `${s.dev}:${s.ino}`
  } catch {
    return undefined
  }
}

/** Live processes whose argv names `dir` or whose network namespace is one of `inodes`. */
export async function leftoverProcesses(dir: string, inodes: Set<string>): Promise<string[]> {
  const out: string[] = []
  for (const e of await readdir('/proc')) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue
    try {
      const statText = await readFile(`/proc/${e}/stat`, 'utf8')
      if (/\) [ZX] /.test(statText)) continue
      const argv = (await readFile(`/proc/${e}/cmdline`, 'utf8')).split('\0')
      const ns = await stat(`/proc/${e}/ns/net`)
      if (argv.some((a) => a.includes(dir + '/')) || inodes.has(`${ns.dev}:${ns.ino}`)) out.push(`${e} ${argv.join(' ')}`)
    } catch {
      // exited meanwhile
    }
  }
  return out
}

export async function labPrerequisites(ssh = false): Promise<string | undefined> {
  if (process.platform !== 'linux') return 'not Linux'
  if (process.getuid?.() !== 0) return 'not root (network namespaces, iptables and daemons need root)'
  const missing = await missingTools(ssh ? {...LAB_TOOLS, ...SSH_TOOLS, curl: 'curl', ssh: 'openssh-client'} : {...LAB_TOOLS, curl: 'curl'})
  return missing.length > 0 ? `missing ${missing.map((m) => `${m.tool} (${m.pkg})`).join(', ')}` : undefined
}
