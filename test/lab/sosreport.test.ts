import {execFile} from 'node:child_process'
import {mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'

import {afterAll, describe, expect, it} from 'vitest'

import type {Hop} from '../../src/hops.js'
import {labDown, labUp, LAB_TOOLS, missingTools, SCENARIOS} from '../../src/lab/index.js'
import type {Report} from '../../src/report/types.js'

// Every lab scenario, built on the system paths, collected by the real sos (Debian's sosreport
// 4.0) and replayed: `doctor --from` the sosreport directory and its .tar.xz must give the same
// report, name the scenario's hop where a sosreport shows it, and never print the shared secret.
const pexec = promisify(execFile)
const sosMissing = await pexec('sos', ['--help']).then(
  () => [],
  () => ['sos (sosreport)'],
)
const missing = process.getuid?.() === 0 ? [...(await missingTools(LAB_TOOLS)).map((m) => `${m.tool} (${m.pkg})`), ...sosMissing] : ['root']
if (missing.length) console.warn(`SKIPPING sosreport lab tests: missing ${missing.join(', ')} (CI runs them as root with the Debian packages installed)`)

const repo = new URL('../../', import.meta.url).pathname
const tmp = mkdtempSync(join(tmpdir(), 'mdctl-sos-'))
const table: string[] = []
afterAll(async () => {
  await labDown().catch(() => undefined)
  // the README's table: scenario, its hop, live verdict, sosreport verdict, sos run time
  if (table.length) console.log(`| scenario | hop | live | sosreport | sos run |\n|---|---|---|---|---|\n${table.join('\n')}`)
  rmSync(tmp, {force: true, recursive: true})
})

/**
 * What a sosreport shows, scenario by scenario (decided by reading what sos collects, not by
 * running mdctl): it has no probes and no guest, so a fault seen only by a probe (nova down, the
 * agent's wrong nova host, an unknown guest IP) or only in the guest (zeroconf) gives no failure;
 * everything on configs, namespaces, iptables, listeners, pid files and processes is seen.
 */
const SOS_VIEW: Record<string, Hop | null> = {'nova-down': null, 'unknown-guest-ip': null, 'wrong-nova-host': null, zeroconf: null}

// sos's plugins for the metadata path; lsof and per-namespace ethtool are slow and unused, and
// only the lab's own namespaces are collected (the host may carry others)
const SOS_ARGS = ['report', '--batch', '-o', 'networking,process,openstack_neutron,openstack_nova,haproxy', '-k', 'process.lsof=off', '-k', 'networking.ethtool_namespaces=off', '-k', 'networking.namespace_pattern=qrouter-1ab01ab0* qdhcp-1ab01ab0*']

async function mdctl(args: string[]): Promise<{code: number; stdout: string; stderr: string}> {
  try {
    const r = await pexec('node', [join(repo, 'bin/run.js'), ...args], {env: {...process.env, NO_COLOR: '1'}, maxBuffer: 64 * 1024 * 1024})
    return {code: 0, stderr: r.stderr, stdout: r.stdout}
  } catch (error) {
    const e = error as {code: number; stdout: string; stderr: string}
    return {code: e.code, stderr: e.stderr, stdout: e.stdout}
  }
}

/** A report without what names the input path or the run (durations, each run's fingerprint salt): directory and archive must agree on the rest. */
const comparable = (r: Report): unknown =>
  JSON.parse(JSON.stringify({...r, checks: r.checks.map(({durationMs: _d, ...c}) => c), source: {...r.source, origin: ''}}).replace(/<fingerprint hmac-sha256:[0-9a-f]{16}>/g, '<fingerprint>'))

describe.skipIf(missing.length > 0)('doctor --from a real sosreport of every lab scenario', () => {
  for (const s of SCENARIOS) {
    it(`${s.name}: ${s.expectedHop ?? 'healthy'} live, ${(s.name in SOS_VIEW ? SOS_VIEW[s.name] : s.expectedHop) ?? 'no failure'} from the sosreport`, async () => {
      const lab = await labUp({scenario: s.name, systemPaths: true})
      const out = join(tmp, s.name)
      mkdirSync(out)
      let live: Report
      let secret: string
      // the lab's scope (its router and network), as for the live run
      const scope = lab.commands.doctor.split(' ').slice(2)
      let sosMs: number
      try {
        expect(lab.paths.neutronConfigDir).toBe('/etc/neutron')
        secret = /^\s*metadata_proxy_shared_secret\s*=\s*(\S+)/m.exec(readFileSync('/etc/neutron/metadata_agent.ini', 'utf8'))?.[1] ?? ''
        expect(secret.length).toBeGreaterThan(8)
        live = JSON.parse((await mdctl(['doctor', ...scope, '--json'])).stdout) as Report
        const started = performance.now()
        await pexec('sos', [...SOS_ARGS, '--tmp-dir', out], {maxBuffer: 16 * 1024 * 1024, timeout: 120_000})
        sosMs = Math.round(performance.now() - started)
      } finally {
        await labDown()
      }
      const archive = join(out, readdirSync(out).find((f) => f.endsWith('.tar.xz')) ?? 'none')
      // the directory a support engineer gets by unpacking the archive
      const unpacked = join(out, 'unpacked')
      mkdirSync(unpacked)
      await pexec('tar', ['-xJf', archive, '-C', unpacked])
      const dir = join(unpacked, readdirSync(unpacked)[0] ?? '')

      const fromDir = await mdctl(['doctor', '--from', dir, ...scope, '--json'])
      const fromTar = await mdctl(['doctor', '--from', archive, ...scope, '--json'])
      const text = await mdctl(['doctor', '--from', archive, ...scope, '-v'])
      const dirReport = JSON.parse(fromDir.stdout) as Report
      const tarReport = JSON.parse(fromTar.stdout) as Report
      expect(tarReport.source.kind).toBe('sosreport')
      expect(comparable(tarReport)).toEqual(comparable(dirReport))

      const want = s.name in SOS_VIEW ? SOS_VIEW[s.name] : s.expectedHop
      expect(tarReport.verdict.firstFailingHop, tarReport.verdict.summary).toBe(want)
      expect(fromTar.code).toBe(want ? 1 : tarReport.verdict.status === 'unknown' ? 3 : 0)
      // no probe was made: the checks that need one say so
      expect(tarReport.checks.find((c) => c.id === 'nova-reachable')?.reason).toMatch(/sosreport holds no probes/)
      // every evidence item names the sos file it came from
      for (const f of tarReport.findings) for (const e of f.evidence) expect(e.origin, e.key).toMatch(/^sosreport:/)

      // Debian's sos 4.0 leaves the secret in clear text: mdctl must print it nowhere
      expect(readFileSync(join(dir, 'etc/neutron/metadata_agent.ini'), 'utf8')).toContain(secret)
      for (const o of [fromDir, fromTar, text]) expect(`${o.stdout}${o.stderr}`.includes(secret)).toBe(false)

      table.push(`| ${s.name} | ${s.expectedHop ?? '—'} | ${live.verdict.status}${live.verdict.firstFailingHop ? ` at ${live.verdict.firstFailingHop}` : ''} | ${tarReport.verdict.status}${tarReport.verdict.firstFailingHop ? ` at ${tarReport.verdict.firstFailingHop}` : ''} | ${sosMs} ms |`)
    }, 240_000)
  }
})
