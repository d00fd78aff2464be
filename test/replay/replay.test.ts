import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {runCommand} from '@oclif/test'
import {afterEach, describe, expect, it} from 'vitest'

import type {Hop} from '../../src/hops.js'
import {SCENARIOS} from '../../src/lab/scenarios.js'
import type {Report} from '../../src/report/types.js'
import {expectValidReport} from '../report-schema.js'

const FIXTURES = new URL('../../fixtures/', import.meta.url).pathname
const bundles = readdirSync(FIXTURES).filter((d) => existsSync(join(FIXTURES, d, 'manifest.json')))

/**
 * fixtures/<bundle>/expected.json: the verdict a person decided from the scenario's definition or
 * the seed's write-up, never written by running mdctl. It pins what matters to an operator: the
 * status, the first failing hop, the failure codes, and the hops that cannot be judged.
 */
interface Intended {
  decision: string
  why: string
  status: Report['verdict']['status']
  firstFailingHop: Hop | null
  failCodes: string[]
  /** hops the report must leave not judged (it may leave others too) */
  unjudgedHops?: Hop[]
}

const intended = (b: string): Intended => JSON.parse(readFileSync(join(FIXTURES, b, 'expected.json'), 'utf8')) as Intended

afterEach(() => {
  process.exitCode = undefined
})

describe('replays give the verdict a person decided for each fixture', () => {
  it('has bundles to replay, each with a written expectation', () => {
    expect(bundles.length).toBeGreaterThan(0)
    for (const b of bundles) {
      const e = intended(b)
      expect(e.why.length, b).toBeGreaterThan(20)
      expect(['ok', 'degraded', 'broken', 'unknown'], b).toContain(e.status)
      expect(e.status === 'broken', `${b}: a broken verdict names its hop, no other does`).toBe(e.firstFailingHop !== null)
      expect(e.status === 'broken', `${b}: fail codes come with a broken verdict only`).toBe(e.failCodes.length > 0)
    }
  })

  it('agrees with the lab scenarios: a node capture names the scenario hop; a guest capture names it or cannot tell', () => {
    for (const s of SCENARIOS) {
      const node = intended(`lab-${s.name}`)
      const guest = intended(`lab-${s.name}-guest`)
      // zeroconf is a guest-side fault: the node is healthy and must say so
      if (s.name === 'zeroconf') expect(node.firstFailingHop).toBeNull()
      else expect(node.firstFailingHop, s.name).toBe(s.expectedHop)
      if (guest.status === 'unknown') expect(guest.unjudgedHops, s.name).toContain(s.expectedHop)
      else expect(guest.firstFailingHop, s.name).toBe(s.expectedHop)
    }
  })

  for (const b of bundles) {
    it(`${b} replays to its intended verdict`, async () => {
      const dir = join(FIXTURES, b)
      const kind = (JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {kind: string}).kind
      const {stdout, error} = await runCommand([kind === 'guest' ? 'guest' : 'doctor', '--from', dir, '--json'])
      if (error && !('oclif' in error)) throw error
      const report = JSON.parse(stdout) as Report
      expectValidReport(report)
      expect(report.source.kind).toBe('bundle')
      const e = intended(b)
      const fails = [...new Set(report.findings.filter((f) => f.severity === 'fail').map((f) => f.code))].sort()
      expect({failCodes: fails, firstFailingHop: report.verdict.firstFailingHop, status: report.verdict.status}).toEqual({
        failCodes: e.failCodes,
        firstFailingHop: e.firstFailingHop,
        status: e.status,
      })
      const unjudged = report.hops.filter((h) => h.status === 'not-evaluated').map((h) => h.hop)
      for (const h of e.unjudgedHops ?? []) expect(unjudged, `${b}: ${h} cannot be judged from this capture`).toContain(h)
    })
  }
})
