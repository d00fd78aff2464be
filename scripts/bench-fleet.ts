// Fleet bench: 20 hosts (namespaces, each with its own sshd), `mdctl fleet capture` then
// `mdctl fleet doctor`, wall time and Ansible's share. Needs root; run under the lab lock:
//   npm run bench:fleet
import {execFileSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {down, type LabHost, up} from '../test/live/fleet-lab.js'

const N = Number(process.env.MDCTL_BENCH_HOSTS ?? 20)
const SECRET = 'bench-secret'
const hosts: LabHost[] = Array.from({length: N}, (_, i): LabHost => {
  if (i === 0) return {etc: {'neutron/neutron.conf': '[DEFAULT]\n', 'nova/nova.conf': `[DEFAULT]\nmetadata_listen = 10.251.0.10\n[neutron]\nmetadata_proxy_shared_secret = ${SECRET}\n`}, name: 'ctl', novaListen: 8775, octet: 10}
  return {
    etc: {'neutron/l3_agent.ini': '[DEFAULT]\n', 'neutron/metadata_agent.ini': `[DEFAULT]\nnova_metadata_host = 10.251.0.10\nmetadata_proxy_shared_secret = ${SECRET}\n`, 'neutron/neutron.conf': '[DEFAULT]\n'},
    name: `net${i}`,
    octet: 10 + i,
    routers: [{id: `5a3c3b4e-0000-4000-8000-${String(i).padStart(12, '0')}`, proxy: true, state: 'primary'}],
  }
})
const groups = `[network]\n${hosts.slice(1).map((h) => h.name).join('\n')}\n[control]\nctl\n`
const run = (args: string[]): string => execFileSync('node', [join(import.meta.dirname, '..', 'bin', 'run.js'), ...args], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']})

const lab = await up(hosts, groups)
const out = join(mkdtempSync(join(tmpdir(), 'mdfl-bench-')), 'fleet')
try {
  const t0 = performance.now()
  try {
    run(['fleet', 'capture', '-i', lab.inventory, '--preset', 'kolla', '--out', out, '--forks', String(N)])
  } catch {
    // a non-zero exit still leaves the record to measure
  }
  const t1 = performance.now()
  let verdict = ''
  try {
    verdict = (JSON.parse(run(['fleet', 'doctor', out, '--json'])) as {verdict: {status: string}}).verdict.status
  } catch (error) {
    verdict = (JSON.parse((error as {stdout: string}).stdout) as {verdict: {status: string}}).verdict.status
  }
  const t2 = performance.now()
  const record = JSON.parse(readFileSync(join(out, 'fleet.json'), 'utf8')) as {ansible: {durationMs: number}; hosts: Array<{status: string}>}
  const total = t2 - t0
  console.log(`hosts: ${N} (${record.hosts.filter((h) => h.status === 'captured').length} captured), verdict ${verdict}`)
  console.log(`capture ${((t1 - t0) / 1000).toFixed(1)} s (ansible-playbook ${(record.ansible.durationMs / 1000).toFixed(1)} s), doctor ${((t2 - t1) / 1000).toFixed(1)} s`)
  console.log(`wall ${(total / 1000).toFixed(1)} s; Ansible's share ${((100 * record.ansible.durationMs) / total).toFixed(0)} %`)
} finally {
  down(hosts, lab)
  rmSync(join(out, '..'), {force: true, recursive: true})
}
