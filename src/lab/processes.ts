// Finding and stopping the lab's processes. A pid is only ever signalled after /proc shows it is
// still one of the lab's: its command line names the lab directory, or it is one of the lab's
// daemons (haproxy, dnsmasq, dhclient, sshd) inside a lab namespace. A reused pid is left alone.
import {readdir, readFile, stat} from 'node:fs/promises'
import {setTimeout as sleep} from 'node:timers/promises'

export interface ProcInfo {
  pid: number
  comm: string
  argv: string[]
  zombie: boolean
}

export async function procInfo(pid: number): Promise<ProcInfo | undefined> {
  try {
    const [cmdline, statText] = await Promise.all([readFile(`/proc/${pid}/cmdline`, 'utf8'), readFile(`/proc/${pid}/stat`, 'utf8')])
    // stat: "pid (comm) S ...": comm may hold spaces and parentheses, the state follows the last ')'
    const close = statText.lastIndexOf(')')
    const comm = statText.slice(statText.indexOf('(') + 1, close)
    const state = statText.slice(close + 2, close + 3)
    return {argv: cmdline.split('\0').filter((a) => a !== ''), comm, pid, zombie: state === 'Z' || state === 'X'}
  } catch {
    return undefined
  }
}

export async function isAlive(pid: number): Promise<boolean> {
  const p = await procInfo(pid)
  return p !== undefined && !p.zombie
}

export async function readPidFile(path: string): Promise<number | undefined> {
  try {
    const n = Number.parseInt((await readFile(path, 'utf8')).trim(), 10)
    return Number.isInteger(n) && n > 1 ? n : undefined
  } catch {
    return undefined
  }
}

/** Poll `probe` every 25 ms until it gives a value or `timeoutMs` has passed. */
export async function waitFor<T>(timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await probe()
    if (v !== undefined) return v
    if (Date.now() > deadline) return undefined
    await sleep(25)
  }
}

/** The namespace inode of a /run/netns file or a /proc/<pid>/ns/net link (stat follows both). */
export async function netnsInode(path: string): Promise<string | undefined> {
  try {
    const s = await stat(path)
    return `${s.dev}:${s.ino}`
  } catch {
    return undefined
  }
}

const NETNS_DAEMONS = new Set(['haproxy', 'dnsmasq', 'dhclient', 'sshd'])

/**
 * Lab processes now running: haproxy, dnsmasq, dhclient or sshd inside a lab namespace or naming
 * the lab directory, and the lab's node daemons (argv ends in a marker and names the directory).
 */
export async function findLabProcesses(opts: {dir: string; netnsPaths: string[]; argvMarkers: readonly string[]}): Promise<ProcInfo[]> {
  const inodes = new Set((await Promise.all(opts.netnsPaths.map((p) => netnsInode(p)))).filter((i): i is string => i !== undefined))
  const self = new Set([process.pid, process.ppid])
  const found: ProcInfo[] = []
  for (const entry of await readdir('/proc')) {
    const pid = Number(entry)
    if (!Number.isInteger(pid) || self.has(pid)) continue
    const info = await procInfo(pid)
    if (info === undefined || info.zombie) continue
    const namesLab = info.argv.some((a) => a.includes(opts.dir + '/'))
    const ownDaemon = namesLab && (NETNS_DAEMONS.has(info.comm) || info.argv.some((a) => opts.argvMarkers.some((m) => a.endsWith(m))))
    let inLabNetns = false
    if (!ownDaemon && NETNS_DAEMONS.has(info.comm) && inodes.size > 0) {
      const ino = await netnsInode(`/proc/${pid}/ns/net`)
      inLabNetns = ino !== undefined && inodes.has(ino)
    }
    if (ownDaemon || inLabNetns) found.push(info)
  }
  return found
}

/** SIGTERM, then SIGKILL what is still there after `graceMs`. Returns the pids that were signalled. */
export async function stopProcesses(pids: number[], graceMs = 3000): Promise<number[]> {
  const signalled: number[] = []
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGTERM')
      signalled.push(pid)
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + graceMs
  let alive = signalled
  while (alive.length > 0 && Date.now() < deadline) {
    await sleep(25)
    alive = (await Promise.all(alive.map(async (pid) => ((await isAlive(pid)) ? pid : undefined)))).filter((p): p is number => p !== undefined)
  }
  for (const pid of alive) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // exited meanwhile
    }
  }
  return signalled
}
