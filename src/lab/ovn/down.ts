// `lab down --backend ovn`: stops every process naming the lab directory (OVS, OVN, the agent,
// its workers and privsep daemons, haproxy, dhclient, nova), deletes the guest and ovnmeta
// namespaces of the lab's network, the links and the bridge, and the lab's files. Also after a
// failed or killed `up`; running it twice finds nothing to do.
import {readdir, readFile, rm, rmdir} from 'node:fs/promises'
import {basename, resolve} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'

import {exists} from '../files.js'
import {assertRootOnLinux} from '../preflight.js'
import {procInfo, stopProcesses} from '../processes.js'
import {NETNS_DIR, run} from '../run.js'
import {OVN_BRIDGE, OVN_DEFAULT_STATE_DIR, OVN_GUEST_NETNS, OVN_ID_PREFIX, OVN_VM_LINK, ovnLabPaths, vethNames} from './plan.js'

export interface OvnLabDownOptions {
  stateDir?: string
}

async function labPids(dir: string, first?: RegExp): Promise<Array<{pid: number; name: string}>> {
  const out: Array<{pid: number; name: string}> = []
  for (const e of await readdir('/proc')) {
    const pid = Number(e)
    if (!Number.isInteger(pid) || pid === process.pid || pid === process.ppid) continue
    const info = await procInfo(pid)
    if (!info || info.zombie || !info.argv.some((a) => a.includes(`${dir}/`))) continue
    if (first && !first.test(info.argv.join(' '))) continue
    out.push({name: /neutron-ovn-metadata-agent/.test(info.argv[0] ?? '') ? 'neutron-ovn-metadata-agent' : basename(info.argv.find((a) => /privsep-helper/.test(a)) ?? info.argv[0] ?? info.comm), pid})
  }
  return out
}

async function anyOvsVswitchd(): Promise<boolean> {
  for (const e of await readdir('/proc')) {
    const info = /^\d+$/.test(e) ? await procInfo(Number(e)) : undefined
    if (info && !info.zombie && info.comm === 'ovs-vswitchd') return true
  }
  return false
}

const linkExists = async (name: string): Promise<boolean> => (await run(['ip', 'link', 'show', 'dev', name], {allowFail: true})).ok

export async function ovnLabDown(opts: OvnLabDownOptions = {}): Promise<{removed: string[]}> {
  assertRootOnLinux()
  const dir = resolve(opts.stateDir ?? OVN_DEFAULT_STATE_DIR)
  const p = ovnLabPaths(dir)
  const removed: string[] = []
  const stop = async (first?: RegExp): Promise<number> => {
    const procs = await labPids(dir, first)
    const stopped = new Set(await stopProcesses(procs.map((x) => x.pid)))
    for (const x of procs) if (stopped.has(x.pid)) removed.push(`process ${x.name} (pid ${x.pid})`)
    return stopped.size
  }
  // the agent first, so it does not respawn haproxy or rebuild a namespace while the rest goes
  await stop(/neutron-ovn-metadata-agent|privsep-helper/)
  await stop()
  const namespaces = (await readdir(NETNS_DIR).catch(() => [] as string[])).filter((n) => n === OVN_GUEST_NETNS || n.startsWith(`ovnmeta-${OVN_ID_PREFIX}`))
  for (const ns of namespaces) if ((await run(['ip', 'netns', 'del', ns], {allowFail: true})).ok) removed.push(`netns ${ns}`)
  // ovs-netdev is the userspace datapath's own device: only when no other ovs-vswitchd is left to use it
  const links = [OVN_VM_LINK, vethNames()[0], OVN_BRIDGE, ...((await anyOvsVswitchd()) ? [] : ['ovs-netdev'])]
  for (const l of links) if ((await linkExists(l)) && (await run(['ip', 'link', 'del', l], {allowFail: true})).ok) removed.push(`link ${l}`)
  for (let i = 0; i < 3; i++) {
    await sleep(50)
    if ((await stop()) === 0) break
  }
  let marker: {createdDir?: boolean} | undefined
  try {
    marker = JSON.parse(await readFile(p.marker, 'utf8')) as {createdDir?: boolean}
  } catch {
    marker = undefined
  }
  if (marker !== undefined) {
    for (const f of p.topLevel) {
      if (await exists(f)) {
        await rm(f, {force: true, recursive: true})
        removed.push(f)
      }
    }
    await rm(p.marker, {force: true})
    if (marker.createdDir && (await rmdir(dir).then(() => true, () => false))) removed.push(dir)
  }
  return {removed}
}
