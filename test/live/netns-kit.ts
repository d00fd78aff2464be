import {execFileSync, spawn, type ChildProcess} from 'node:child_process'
import {existsSync} from 'node:fs'

/** Small helpers for tests that build their own hosts out of network namespaces. */
export const isRoot = process.getuid?.() === 0

export function have(tool: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], {stdio: 'ignore'})
    return true
  } catch {
    return existsSync(`/usr/sbin/${tool}`)
  }
}

/** Why a live test cannot run here, or undefined. Printed loudly by the caller. */
export function cannotRun(tools: string[]): string | undefined {
  if (!isRoot) return 'needs root to create network namespaces'
  const missing = tools.filter((t) => !have(t))
  return missing.length ? `missing tools: ${missing.join(', ')}` : undefined
}

export function sh(cmd: string): string {
  return execFileSync('sh', ['-c', cmd], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']})
}

export const inNs = (ns: string, cmd: string): string => sh(`nsenter --net=/run/netns/${ns} sh -c '${cmd.replaceAll("'", `'\\''`)}'`)

export function startIn(ns: string, argv: string[]): ChildProcess {
  return spawn('nsenter', [`--net=/run/netns/${ns}`, ...argv], {detached: false, stdio: 'ignore'})
}

/** A snapshot of what doctor and guest must never change: namespaces, links, addresses, routes, rules, processes. */
export function hostSnapshot(namespaces: string[], prefix = namespaces[0]?.split('-')[0] ?? ''): string {
  // only this test's namespaces: other suites may build their own meanwhile
  const parts = [sh(`ls /run/netns 2>/dev/null | grep '^${prefix}' | sort || true`), sh('ip -o -4 addr | sort'), sh('ip route'), sh('iptables-save | grep -v "^#" | sed "s/\\[[0-9]*:[0-9]*\\]//"')]
  // neighbour states come and go by themselves; permanent entries do not
  for (const ns of namespaces) parts.push(inNs(ns, 'ip -o -4 addr | sort; ip route; ip neigh | grep PERMANENT || true; iptables-save | grep -v "^#" | sed "s/\\[[0-9]*:[0-9]*\\]//"'))
  const inodes = namespaces.map((ns) => sh(`stat -L -c %i /run/netns/${ns}`).trim())
  // processes living in these namespaces
  parts.push(sh(`for p in /proc/[0-9]*; do i=$(stat -L -c %i $p/ns/net 2>/dev/null) || continue; case " ${inodes.join(' ')} " in *" $i "*) echo "$(basename $p) $(cat $p/comm 2>/dev/null)";; esac; done | sort`))
  return parts.join('\n---\n')
}
