/**
 * npm run fixtures:record [-- SCENARIO…]: rebuild each lab scenario, capture the node side and the
 * guest side into fixtures/lab-<scenario>/ and fixtures/lab-<scenario>-guest/, and check that the
 * replays give the verdict a person wrote in each fixture's expected.json (kept across re-recording;
 * a new fixture needs one written by hand). Needs root.
 */
import {execFileSync} from 'node:child_process'
import {existsSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
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
interface Intended {
  status: Report['verdict']['status']
  firstFailingHop: Report['verdict']['firstFailingHop']
}
const intended = (dir: string): string | undefined => (existsSync(join(dir, 'expected.json')) ? readFileSync(join(dir, 'expected.json'), 'utf8') : undefined)
const verdictOf = (r: Report): string => `${r.verdict.status}${r.verdict.firstFailingHop ? ` at ${r.verdict.firstFailingHop}` : ''}`
const wanted = (text: string | undefined): string => {
  if (!text) return 'no expected.json: write one'
  const e = JSON.parse(text) as Intended
  return `${e.status}${e.firstFailingHop ? ` at ${e.firstFailingHop}` : ''}`
}

await labDown().catch(() => undefined)
for (const s of SCENARIOS) {
  if (only.length && !only.includes(s.name)) continue
  const lab = await labUp({scenario: s.name})
  try {
    const node = join(root, 'fixtures', `lab-${s.name}`)
    const guest = `${node}-guest`
    // the intended verdicts were written by a person: they survive re-recording
    const keep = {guest: intended(guest), node: intended(node)}
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
    if (keep.node) writeFileSync(join(node, 'expected.json'), keep.node)
    if (keep.guest) writeFileSync(join(guest, 'expected.json'), keep.guest)
    const ok = verdictOf(n) === wanted(keep.node) && verdictOf(g) === wanted(keep.guest)
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${s.name}: node ${verdictOf(n)} (want ${wanted(keep.node)}), guest ${verdictOf(g)} (want ${wanted(keep.guest)})`)
    if (!ok) process.exitCode = 1
  } finally {
    await labDown()
  }
}
