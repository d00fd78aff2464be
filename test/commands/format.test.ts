import {runCommand} from '@oclif/test'
import {afterEach, describe, expect, it} from 'vitest'

import type {Report} from '../../src/report/types.js'
import {cli} from './cli.js'

afterEach(() => {
  process.exitCode = undefined
})

const fixture = (n: string): string => new URL(`../../fixtures/${n}`, import.meta.url).pathname

describe('--format on doctor and guest', () => {
  it('--format json prints the same report as --json', async () => {
    const a = await runCommand(['doctor', '--from', fixture('lab-redirect-missing'), '--json'])
    const b = await runCommand(['doctor', '--from', fixture('lab-redirect-missing'), '--format', 'json'])
    // the same document but for how long each check took
    const timeless = (s: string): Report => {
      const r = JSON.parse(s) as Report
      return {...r, checks: r.checks.map((c) => ({...c, durationMs: 0}))}
    }
    expect(timeless(b.stdout)).toEqual(timeless(a.stdout))
    const c = await runCommand(['guest', '--from', fixture('seed-zeroconf-guest'), '--json', '--format', 'json'])
    expect((JSON.parse(c.stdout) as Report).verdict.firstFailingHop).toBe('guest-route')
  })

  it('text stays the default, and names `mdctl explain CODE` under each failure', async () => {
    const {stdout} = await runCommand(['doctor', '--from', fixture('lab-redirect-missing')])
    expect(stdout).toContain('metadata path:')
    expect(stdout).toMatch(/\[✗\] intercept: .*\(REDIRECT_MISSING\)\n(.*\n)*? {6}more: mdctl explain REDIRECT_MISSING\n/)
  })

  for (const [cmd, from] of [
    ['doctor', 'lab-redirect-missing'],
    ['guest', 'seed-zeroconf-guest'],
  ] as const) {
    it(`${cmd}: --json with another --format is a usage error (exit 2, one line)`, async () => {
      const r = await cli(cmd, '--from', fixture(from), '--json', '--format', 'markdown')
      expect(r.code).toBe(2)
      expect(r.stderr.trim().split('\n')).toEqual(['Error: --json and --format markdown disagree: --json means --format json, give one of them'])
      const plain = await cli(cmd, '--from', fixture(from), '--format', 'junit', '--json')
      expect(plain.code).toBe(2)
    })
  }

  it('refuses a format it does not know', async () => {
    const {error} = await runCommand(['doctor', '--from', fixture('lab-redirect-missing'), '--format', 'yaml'])
    expect(error?.message).toMatch(/Expected --format=yaml to be one of: text, json, markdown, junit/)
  })
})
