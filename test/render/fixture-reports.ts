import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {runCommand} from '@oclif/test'

import type {Report} from '../../src/report/types.js'

const FIXTURES = new URL('../../fixtures/', import.meta.url).pathname

export interface FixtureReport {
  name: string
  command: 'doctor' | 'guest'
  report: Report
}

/** Every fixture bundle replayed through its command (`--json`): the reports the renderers meet. */
export async function fixtureReports(): Promise<FixtureReport[]> {
  const out: FixtureReport[] = []
  for (const name of readdirSync(FIXTURES).sort()) {
    const dir = join(FIXTURES, name)
    if (!existsSync(join(dir, 'manifest.json'))) continue
    const kind = (JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {kind: string}).kind
    const command = kind === 'guest' ? 'guest' : 'doctor'
    const {stdout, error} = await runCommand([command, '--from', dir, '--json'])
    if (error && !('oclif' in error)) throw error
    out.push({command, name, report: JSON.parse(stdout) as Report})
  }
  process.exitCode = undefined
  return out
}

/** A report whose node-supplied strings carry everything that can break Markdown or XML. */
export function hostileReport(base: Report): Report {
  const nasty = 'a|b `tick` ``two`` <script>alert(1)</script> *star* _u_ [l](x) & \\ # ~~s~~\nsecond line\u0000\u001b[31m'
  const findings = base.findings.map((f, i) =>
    i === 0
      ? {...f, evidence: [{excerpt: nasty, key: 'netns.listeners[q|r]', origin: 'bundle:/tmp/x`y'}], fix: {commands: ['echo `uname -r` | tee /tmp/x', 'printf "```"'], text: nasty}, severity: 'fail' as const, subject: nasty, summary: nasty}
      : f,
  )
  const checks = base.checks.map((c, i) => (i === 1 ? {...c, reason: nasty, status: 'not-evaluated' as const} : i === 2 ? {...c, reason: `check crashed: ${nasty}`, status: 'crashed' as const} : c))
  return {...base, checks, findings, source: {...base.source, origin: 'bundle:/tmp/a|b`c'}}
}
