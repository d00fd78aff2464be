/**
 * npm run fixtures:record [-- SCENARIO…]: rebuild each lab scenario, capture the node side and the
 * guest side into fixtures/lab-<scenario>/ and fixtures/lab-<scenario>-guest/, and check that the
 * replays name the scenario's hop. Then `npm run fixtures:expect` pins the goldens. Needs root.
 */
import {execFileSync} from 'node:child_process'
import {rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {labDown, labUp, SCENARIOS} from '../src/lab/index.js'
import type {Report} from '../src/report/types.js'

const root = new URL('..', import.meta.url).pathname
const mdctl = (args: string[], ns?: string): string => {
  const argv = [...(ns ? ['nsenter', `--net=/run/netns/${ns}`] : []), 'node', join(root, 'bin/run.js'), ...args]
  try {
    return execFileSync(argv[0]!, argv.slice(1), {encoding: 'utf8', env: {...process.env, NO_COLOR: '1'}})
  } catch (error) {
    return String((error as {stdout?: string}).stdout ?? '')
  }
}
const only = process.argv.slice(2)
// what each side can see on its own (see test/lab/doctor-scenarios.test.ts)
const GUEST_VIEW: Record<string, string | null> = {'proxy-stale-id': 'instance', 'wrong-nova-host': 'nova'}
const NODE_VIEW: Record<string, string | null> = {zeroconf: null}

await labDown().catch(() => undefined)
for (const s of SCENARIOS) {
  if (only.length && !only.includes(s.name)) continue
  const lab = await labUp({scenario: s.name})
  try {
    const node = join(root, 'fixtures', `lab-${s.name}`)
    const guest = `${node}-guest`
    rmSync(node, {force: true, recursive: true})
    rmSync(guest, {force: true, recursive: true})
    const doctorArgs = lab.commands.doctor.replace(/^mdctl doctor /, '').split(' ')
    mdctl(['capture', '--out', node, ...doctorArgs])
    mdctl(['capture', '--guest', '--out', guest, '--lease-file', lab.paths.dhclientLeases], lab.namespaces.guest)
    const about = (side: string, cmd: string) =>
      `# lab-${s.name}${side === 'guest' ? '-guest' : ''}\n\n${s.description}.\n\nCaptured from \`mdctl lab up --scenario ${s.name}\` (${s.path} path) with:\n\n    ${cmd}\n\nThe lab breaks the ${s.expectedHop ?? 'nothing: it is healthy'}${s.expectedHop ? ' hop' : ''}. Secrets are salted fingerprints. Regenerate with \`npm run fixtures:record -- ${s.name}\`.\n`
    writeFileSync(join(node, 'README.md'), about('node', `mdctl capture --out … ${doctorArgs.join(' ')}`))
    writeFileSync(join(guest, 'README.md'), about('guest', `nsenter --net=/run/netns/mdlab-guest mdctl capture --guest --out … --lease-file ${lab.paths.dhclientLeases}`))
    const n = JSON.parse(mdctl(['doctor', '--from', node, '--json'])) as Report
    const g = JSON.parse(mdctl(['guest', '--from', guest, '--json'])) as Report
    const wantNode = s.name in NODE_VIEW ? NODE_VIEW[s.name] : s.expectedHop
    const wantGuest = s.name in GUEST_VIEW ? GUEST_VIEW[s.name] : s.expectedHop
    const ok = n.verdict.firstFailingHop === wantNode && g.verdict.firstFailingHop === wantGuest
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${s.name}: node ${n.verdict.firstFailingHop ?? 'ok'} (want ${wantNode ?? 'ok'}), guest ${g.verdict.firstFailingHop ?? 'ok'} (want ${wantGuest ?? 'ok'})`)
    if (!ok) process.exitCode = 1
  } finally {
    await labDown()
  }
}
