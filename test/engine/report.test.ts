import {describe, expect, it} from 'vitest'

import {type Check, NotEvaluated, runCheck} from '../../src/engine/check.js'
import {buildReport, exitCodeFor} from '../../src/engine/report.js'
import type {Parsed} from '../../src/engine/parsed.js'
import {HOPS} from '../../src/hops.js'

interface M {
  a: Parsed<number>
}
const ok: M = {a: {capture: {argv: [], durationMs: 0, exitCode: 0, key: 'k', origin: 'o', stderr: '', stdout: '1'}, key: 'k', ok: true, origin: 'o', value: 1}}
const broken: M = {a: {key: 'k', ok: false, reason: 'k: ip exited 1: Cannot open network namespace'}}
const src = {capturedAt: '2026-11-21T00:00:00.000Z', kind: 'bundle' as const, origin: 'bundle:x'}

const check = (id: string, hop: Check<M>['hop'], run: Check<M>['run']): Check<M> => ({evidence: ['k'], hop, id, needs: ['a'], run, title: id})
const failing = (hop: Check<M>['hop']) => check(`fail-${hop}`, hop, (_m, out) => out.fail({code: 'X_FAIL', fix: {commands: ['do it'], text: 'fix'}, subject: 's', summary: `broken at ${hop}`}))
const passing = check('p', 'nova', (_m, out) => out.pass({code: 'OK', subject: 's', summary: 'fine'}))
const warning = check('w', 'agent', (_m, out) => out.warn({code: 'W', subject: 's', summary: 'meh'}))

describe('report', () => {
  it('names the earliest failing hop in path order, not the order checks ran', () => {
    const r = buildReport(src, [runCheck(failing('signature'), ok), runCheck(failing('proxy'), ok), runCheck(passing, ok)])
    expect(r.verdict.status).toBe('broken')
    expect(r.verdict.firstFailingHop).toBe('proxy')
    expect(r.verdict.summary).toMatch(/^metadata path broken at proxy/)
    expect(exitCodeFor(r)).toBe(1)
    expect(r.findings[0]?.hop).toBe('proxy')
  })

  it('lists every hop in path order, with its status and checks', () => {
    const r = buildReport(src, [runCheck(passing, ok), runCheck(warning, ok)])
    expect(r.hops.map((h) => h.hop)).toEqual([...HOPS])
    expect(r.hops.find((h) => h.hop === 'nova')).toEqual({checks: ['p'], hop: 'nova', status: 'pass'})
    expect(r.hops.find((h) => h.hop === 'agent')?.status).toBe('warn')
    expect(r.hops.find((h) => h.hop === 'guest-route')?.status).toBe('skip')
    expect(r.verdict.status).toBe('degraded')
    expect(exitCodeFor(r)).toBe(0)
  })

  it('marks a check whose evidence is unusable not-evaluated, naming the evidence, and exits 3 (unknown) when nothing ran', () => {
    const run = runCheck(passing, broken)
    expect(run.run.status).toBe('not-evaluated')
    expect(run.run.reason).toContain('Cannot open network namespace')
    const r = buildReport(src, [run])
    expect(r.verdict.status).toBe('unknown')
    expect(r.hops.find((h) => h.hop === 'nova')?.status).toBe('not-evaluated')
    expect(exitCodeFor(r)).toBe(3)
  })

  it('is unknown, not ok, when no failure was seen but one hop in scope could not be judged, and names that hop and why', () => {
    const proxyCheck = check('proxy-listener', 'proxy', (_m, out) => out.pass({code: 'OK', subject: 's', summary: 'fine'}))
    const r = buildReport(src, [runCheck(passing, ok), runCheck(proxyCheck, broken)])
    expect(r.hops.find((h) => h.hop === 'proxy')?.status).toBe('not-evaluated')
    expect(r.verdict.status).toBe('unknown')
    expect(r.verdict.firstFailingHop).toBeNull()
    expect(r.verdict.summary).toContain('proxy (k: ip exited 1: Cannot open network namespace)')
    expect(r.verdict.summary).not.toContain('\n')
    expect(exitCodeFor(r)).toBe(3)
  })

  it('judges a hop when at least one of its checks ran, and stays ok when the rest of that hop was not evaluated', () => {
    const other = check('nova-config', 'nova', (_m, out) => out.pass({code: 'OK', subject: 's', summary: 'fine'}))
    const r = buildReport(src, [runCheck(passing, ok), runCheck(other, broken)])
    expect(r.hops.find((h) => h.hop === 'nova')?.status).toBe('pass')
    expect(r.verdict.status).toBe('ok')
  })

  it('leaves the hops a check could not tell apart unjudged: unknown with the reason, never one of them picked', () => {
    const probe = check('guest-http-probe', 'instance', (_m, out) => {
      out.info({code: 'PROBE_AGENT_503', subject: 'GET /', summary: 'the agent answered 503'})
      out.undetermined({hops: ['nova', 'agent'], reason: 'the agent cannot reach nova: nova down, or the agent points at the wrong host; run mdctl doctor on the network node'})
    })
    const r = buildReport(src, [runCheck(probe, ok)])
    expect(r.hops.find((h) => h.hop === 'agent')?.status).toBe('not-evaluated')
    expect(r.hops.find((h) => h.hop === 'nova')?.status).toBe('not-evaluated')
    expect(r.verdict).toMatchObject({firstFailingHop: null, status: 'unknown'})
    expect(r.verdict.summary).toMatch(/cannot be told which hop: agent or nova \(the agent cannot reach nova/)
    expect(r.checks[0]?.unjudgedHops).toEqual(['agent', 'nova'])
    expect(exitCodeFor(r)).toBe(3)
  })

  it('judges a hop another check passed, even when a guest probe could not tell it apart', () => {
    const probe = check('guest-http-probe', 'instance', (_m, out) => out.undetermined({hops: ['agent', 'nova'], reason: 'agent 503'}))
    const agentFails = check('agent-nova-target', 'agent', (_m, out) => out.fail({code: 'AGENT_WRONG_NOVA_HOST', fix: {commands: ['true'], text: 'fix'}, subject: 's', summary: 'wrong host'}))
    const r = buildReport(src, [runCheck(probe, ok), runCheck(agentFails, ok), runCheck(passing, ok)])
    expect(r.hops.find((h) => h.hop === 'nova')?.status).toBe('pass')
    expect(r.verdict).toMatchObject({firstFailingHop: 'agent', status: 'broken'})
  })

  it('does not judge a hop by configuration alone when the check that would show it working was not evaluated', () => {
    const config: Check<M> = {...check('nova-config', 'nova', (_m, out) => out.pass({code: 'NOVA_METADATA_API_ENABLED', subject: 's', summary: 'enabled'})), supporting: true}
    const probe = check('nova-reachable', 'nova', (_m, out) => out.pass({code: 'NOVA_ANSWERS', subject: 's', summary: 'answers'}))
    const sosLike = buildReport(src, [runCheck(config, ok), runCheck(probe, broken)])
    expect(sosLike.hops.find((h) => h.hop === 'nova')?.status).toBe('not-evaluated')
    expect(sosLike.verdict.status).toBe('unknown')
    const live = buildReport(src, [runCheck(config, ok), runCheck(probe, ok)])
    expect(live.hops.find((h) => h.hop === 'nova')?.status).toBe('pass')
    expect(live.verdict.status).toBe('ok')
  })

  it('stays broken when a failure is seen, even with hops not judged', () => {
    const r = buildReport(src, [runCheck(failing('socket'), ok), runCheck(passing, broken)])
    expect(r.verdict.status).toBe('broken')
    expect(exitCodeFor(r)).toBe(1)
  })

  it('keeps running the other checks when one crashes, and records the crash', () => {
    const boom = check('boom', 'socket', () => {
      throw new TypeError('x is undefined')
    })
    const r = buildReport(src, [runCheck(boom, ok), runCheck(passing, ok)])
    expect(r.checks.find((c) => c.id === 'boom')).toMatchObject({reason: 'check crashed: x is undefined', status: 'crashed'})
    expect(r.checks.find((c) => c.id === 'p')?.status).toBe('ran')
    // the crashed check's hop could not be judged: never `ok`
    expect(r.hops.find((h) => h.hop === 'socket')?.status).toBe('not-evaluated')
    expect(r.verdict.status).toBe('unknown')
  })

  it('turns NotEvaluated thrown by a check into not-evaluated with its message', () => {
    const ne = check('ne', 'proxy', () => {
      throw new NotEvaluated('no namespace could be read')
    })
    expect(runCheck(ne, ok).run).toMatchObject({reason: 'no namespace could be read', status: 'not-evaluated'})
  })

  it('requires a fix on every failing finding (enforced by the types) and carries it into the report', () => {
    const r = buildReport(src, [runCheck(failing('socket'), ok)])
    expect(r.findings.every((f) => f.severity !== 'fail' || (f.fix && f.fix.text.length > 0))).toBe(true)
  })
})
