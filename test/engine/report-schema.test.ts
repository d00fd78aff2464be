import {describe, expect, it} from 'vitest'

import {runCheck, type Check} from '../../src/engine/check.js'
import {buildReport} from '../../src/engine/report.js'
import type {Parsed} from '../../src/engine/parsed.js'
import {HOPS} from '../../src/hops.js'
import {REPORT_SCHEMA, schemaErrors} from '../report-schema.js'

interface M {
  a: Parsed<number>
}
const ok: M = {a: {capture: {argv: [], durationMs: 0, exitCode: 0, key: 'k', origin: 'o', stderr: '', stdout: '1'}, key: 'k', ok: true, origin: 'o', value: 1}}
const src = {capturedAt: '2026-11-21T00:00:00.000Z', kind: 'bundle' as const, origin: 'bundle:x'}
const failing: Check<M> = {
  evidence: ['k'],
  hop: 'proxy',
  id: 'proxy-listener',
  needs: ['a'],
  run: (_m, out) => out.fail({code: 'PROXY_NOT_LISTENING', fix: {commands: ['systemctl restart neutron-l3-agent'], text: 'restart'}, subject: 'qrouter-x', summary: 'nothing listens'}),
  title: 't',
}

describe('the committed report schema', () => {
  const report = buildReport(src, [runCheck(failing, ok)])

  it('accepts a report the engine builds', () => {
    expect(schemaErrors(report)).toEqual([])
  })

  it('lists the hops in the same order as the code', () => {
    type Item = {allOf: [unknown, {properties: {hop: {const: string}}}]}
    const items = (REPORT_SCHEMA as {properties: {hops: {prefixItems: Item[]}}}).properties.hops.prefixItems
    expect(items.map((i) => i.allOf[1].properties.hop.const)).toEqual([...HOPS])
  })

  it.each([
    ['a failure without a fix', (r: any) => delete r.findings[0].fix],
    ['a hop id nobody knows', (r: any) => (r.findings[0].hop = 'router')],
    ['hops out of path order', (r: any) => r.hops.reverse()],
    ['a broken verdict without a first failing hop', (r: any) => (r.verdict.firstFailingHop = null)],
    ['an ok verdict that names a hop', (r: any) => (r.verdict.status = 'ok')],
    ['a summary on two lines', (r: any) => (r.verdict.summary = 'a\nb')],
    ['a lower-case finding code', (r: any) => (r.findings[0].code = 'proxy_down')],
    ['a not-evaluated check without its reason', (r: any) => (r.checks[0] = {durationMs: 0, hop: 'proxy', id: 'proxy-listener', status: 'not-evaluated'})],
    ['another schema version', (r: any) => (r.schemaVersion = 2)],
    ['an unknown top-level field', (r: any) => (r.extra = true)],
  ])('refuses %s', (_what, mutate) => {
    const r = structuredClone(report) as unknown
    mutate(r)
    expect(schemaErrors(r).length).toBeGreaterThan(0)
  })
})
