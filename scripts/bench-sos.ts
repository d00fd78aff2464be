/**
 * npm run bench:sos -- --namespaces N
 *
 * Builds a sosreport .tar.xz of a network node with N router namespaces in sos 4.0's flat layout,
 * from the files of fixtures/sos-4.3-namespaces-masked (iptables-save, netstat -W -neopa, ip
 * address show per namespace; a proxy config and pid file per router; one haproxy per router in
 * `ps auxwww`), plus the ethtool, netstat -s and route files sos also writes per namespace and a
 * few MB of logs, which mdctl must skip. Then times `mdctl doctor --from <archive> --json` (the
 * built CLI, a process of its own) and reports its peak resident memory (GNU time's %M).
 * Budget: under 3 s and 300 MB for 500 namespaces. Removes what it made.
 */
import {execFileSync, spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {availableParallelism, loadavg, tmpdir} from 'node:os'
import {join} from 'node:path'

import tar from 'tar-stream'

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? Number(process.argv[i + 1]) : dflt
}
const N = arg('namespaces', 500)
const repo = new URL('..', import.meta.url).pathname
const fixture = join(repo, 'fixtures/sos-4.3-namespaces-masked')
const R = '9f3c2a1e-5b7d-4c8e-a1f0-2b3c4d5e6f70'
const nsDir = `sos_commands/networking/namespaces/qrouter-${R}`
const read = (p: string): string => readFileSync(join(fixture, p), 'utf8')
const perNs = {
  addr: read(`${nsDir}/ip_netns_exec_qrouter-${R}_ip_-d_address_show`),
  iptables: read(`${nsDir}/ip_netns_exec_qrouter-${R}_iptables-save`),
  netstat: read(`${nsDir}/ip_netns_exec_qrouter-${R}_netstat_-W_-neopa`),
  proxy: read(`var/lib/neutron/ns-metadata-proxy/${R}.conf`),
}
const id = (i: number): string => `${String(i).padStart(8, '0')}-5b7d-4c8e-a1f0-${String(i).padStart(12, '0')}`

async function build(out: string): Promise<number> {
  const pack = tar.pack()
  const chunks: Buffer[] = []
  pack.on('data', (c: Buffer) => chunks.push(c))
  const done = new Promise<void>((res) => pack.on('end', res))
  const top = 'sosreport-bench-2025-03-04-abcdef'
  const add = (name: string, text: string): void => {
    pack.entry({name: `${top}/${name}`}, text)
  }
  add('version.txt', 'sosreport: 4.0\nnetworking: unversioned\nprocess: unversioned\nopenstack_neutron: unversioned\nopenstack_nova: unversioned\n')
  for (const f of ['etc/neutron/neutron.conf', 'etc/neutron/metadata_agent.ini', 'etc/neutron/l3_agent.ini', 'etc/neutron/dhcp_agent.ini', 'etc/nova/nova.conf', 'sos_commands/networking/netstat_-W_-neopa']) add(f, read(f))
  const ps = [read('sos_commands/process/ps_auxwwwm').split('\n').filter((l) => !/^\S+\s+-\s/.test(l) && !/haproxy/.test(l)).join('\n').trimEnd()]
  const names: string[] = []
  for (let i = 0; i < N; i++) {
    const r = id(i)
    const ns = `qrouter-${r}`
    names.push(`${ns} (id: ${i})`)
    const pid = 100_000 + i
    const pre = `sos_commands/networking/ip_netns_exec_${ns}_`
    add(`${pre}iptables-save`, perNs.iptables.replaceAll(R, r))
    add(`${pre}netstat_-W_-neopa`, perNs.netstat.replace('61377/haproxy', `${pid}/haproxy`))
    add(`${pre}ip_address_show`, perNs.addr)
    // what sos writes too and mdctl does not read
    add(`${pre}netstat_-s`, 'Ip:\n    Forwarding: 1\n'.repeat(40))
    add(`${pre}ip_route_show_table_all`, '10.20.0.0/24 dev qr-4d1e2f3a-5b proto kernel scope link src 10.20.0.1\n'.repeat(4))
    for (const e of ['ethtool', 'ethtool_-i', 'ethtool_-k', 'ethtool_-S']) add(`${pre}${e}_qr-4d1e2f3a-5b`, 'Settings for qr-4d1e2f3a-5b:\n\tLink detected: yes\n'.repeat(20))
    add(`var/lib/neutron/ns-metadata-proxy/${r}.conf`, perNs.proxy.replaceAll(R, r))
    add(`var/lib/neutron/external/pids/${r}.pid.haproxy`, `${pid}\n`)
    ps.push(`neutron   ${pid}  0.0  0.0  47012  8840 ?        Ss   Mar01   0:09 haproxy -f /var/lib/neutron/ns-metadata-proxy/${r}.conf`)
  }
  add('sos_commands/networking/ip_netns', `${names.join('\n')}\n`)
  add('sos_commands/process/ps_auxwww', `${ps.join('\n')}\n`)
  // logs: the bulk of a real sosreport, streamed past
  for (let i = 0; i < 8; i++) add(`var/log/neutron/neutron-l3-agent.log.${i}`, '2025-03-04 09:00:00.000 4901 INFO neutron.agent.l3.agent [-] Finished a router update\n'.repeat(40_000))
  pack.finalize()
  await done
  const tarball = Buffer.concat(chunks)
  writeFileSync(out, execFileSync('xz', ['-T0', '-3', '-c'], {input: tarball, maxBuffer: 1024 * 1024 * 1024}))
  return tarball.length
}

const dir = mkdtempSync(join(tmpdir(), 'mdctl-bench-sos-'))
try {
  const archive = join(dir, 'sosreport-bench.tar.xz')
  const unpacked = await build(archive)
  const runs: Array<{s: number; cpu: number; mb: number}> = []
  let verdict = ''
  for (let i = 0; i < 3; i++) {
    const r = spawnSync('/usr/bin/time', ['-f', '@@%e %M %U %S', 'node', join(repo, 'bin/run.js'), 'doctor', '--from', archive, '--json'], {encoding: 'utf8', maxBuffer: 256 * 1024 * 1024})
    const m = /@@([\d.]+) (\d+) ([\d.]+) ([\d.]+)/.exec(r.stderr)
    if (!m) throw new Error(`doctor did not run: ${r.stderr.slice(0, 400)}`)
    runs.push({cpu: Number(m[3]) + Number(m[4]), mb: Number(m[2]) / 1024, s: Number(m[1])})
    const report = JSON.parse(r.stdout) as {verdict: {status: string; summary: string}; findings: Array<{code: string}>}
    verdict = `${report.verdict.status}, ${report.findings.filter((f) => f.code === 'PROXY_LISTENING').length} PROXY_LISTENING`
  }
  const best = Math.min(...runs.map((r) => r.s))
  const peak = Math.max(...runs.map((r) => r.mb))
  console.log(`sosreport with ${N} router namespaces: ${(statSync(archive).size / 1024).toFixed(0)} KB .tar.xz, ${(unpacked / 1024 / 1024).toFixed(1)} MB as tar`)
  console.log(`doctor --from: ${runs.map((r) => `${r.s.toFixed(2)} s`).join(', ')} (best ${best.toFixed(2)} s; budget 3 s)`)
  console.log(`CPU time (user+sys of doctor and its xz): ${runs.map((r) => `${r.cpu.toFixed(2)} s`).join(', ')}`)
  console.log(`peak RSS: ${peak.toFixed(0)} MB (budget 300 MB); load average now ${loadavg()[0]?.toFixed(1)} on ${availableParallelism()} CPU(s)`)
  console.log(`report: ${verdict}`)
  if (best >= 3 || peak >= 300) process.exitCode = 1
} finally {
  if (!process.env.KEEP) rmSync(dir, {force: true, recursive: true}); else console.log(dir)
}
