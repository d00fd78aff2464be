import {readFileSync} from 'node:fs'

import {runCommand} from '@oclif/test'
import {parse, type TestSuite} from 'junit2json'
import {beforeAll, describe, expect, it} from 'vitest'
import {validateXML} from 'xmllint-wasm'

import {explainable} from '../../src/catalogue/index.js'
import {renderJunit} from '../../src/render/junit.js'
import type {Report} from '../../src/report/types.js'
import {type FixtureReport, fixtureReports, hostileReport} from './fixture-reports.js'

// Jenkins' JUnit schema (xunit plugin junit-10.xsd), as published
const XSD = readFileSync(new URL('junit-10.xsd', import.meta.url), 'utf8')

/** xmllint's schema errors for each document (one run for all: each run starts the wasm anew). */
async function schemaErrors(...xml: string[]): Promise<string[]> {
  const r = await validateXML({schema: [{contents: XSD, fileName: 'junit-10.xsd'}], xml: xml.map((contents, i) => ({contents, fileName: `report-${i}.xml`}))})
  return r.valid ? [] : r.errors.map((e) => e.rawMessage)
}

/** What a CI server would count, read by a JUnit consumer library (junit2json). */
async function consume(xml: string): Promise<TestSuite> {
  const parsed = (await parse(xml)) as TestSuite
  expect(parsed).toBeTruthy()
  return parsed
}

function expectedCounts(r: Report) {
  const failing = new Set(r.findings.filter((f) => f.severity === 'fail').map((f) => f.check))
  return {
    errors: r.checks.filter((c) => c.status === 'crashed').length,
    failures: r.checks.filter((c) => c.status === 'ran' && failing.has(c.id)).length,
    skipped: r.checks.filter((c) => c.status === 'not-evaluated' || c.status === 'skipped').length,
    tests: r.checks.length,
  }
}

let fixtures: FixtureReport[] = []
beforeAll(async () => {
  fixtures = await fixtureReports()
}, 120_000)

describe('JUnit output', () => {
  it('is valid against the Jenkins JUnit schema for every fixture, and a JUnit reader counts what the report says', async () => {
    expect(fixtures.length).toBeGreaterThan(10)
    const docs = fixtures.map(({command, report}) => renderJunit(report, {command, explainable}))
    expect(await schemaErrors(...docs)).toEqual([])
    for (const [i, {name, command, report}] of fixtures.entries()) {
      const xml = docs[i]!
      const suite = await consume(xml)
      const want = expectedCounts(report)
      expect({errors: suite.errors, failures: suite.failures, skipped: suite.skipped, tests: suite.tests}, name).toEqual(want)
      // the reader's own view of the cases agrees with the suite's attributes
      const cases = suite.testcase ?? []
      expect(cases.length, name).toBe(want.tests)
      expect(cases.filter((c) => (c.failure ?? []).length > 0).length, name).toBe(want.failures)
      expect(cases.filter((c) => (c.skipped ?? []).length > 0).length, name).toBe(want.skipped)
      expect(cases.map((c) => `${c.classname} ${c.name}`), name).toEqual(report.checks.map((c) => `${c.hop} ${c.id}`))
      const props = Object.fromEntries((suite.properties ?? []).map((p) => [p.name, p.value]))
      expect(props, name).toMatchObject({'source.kind': report.source.kind, 'source.origin': report.source.origin, verdict: report.verdict.status})
      expect(suite.name).toBe(`mdctl ${command} ${report.source.origin}`)
      expect(suite.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/)
    }
  })

  it('the schema check itself rejects what Jenkins would refuse (a suite without its counts)', async () => {
    const errors = await schemaErrors('<?xml version="1.0"?><testsuite name="x"><testcase name="a"/></testsuite>')
    expect(errors.join('\n')).toMatch(/attribute 'tests' is required/)
  })

  it('names the finding code as the failure type and carries evidence and fix in its text', async () => {
    const {report, command} = fixtures.find((f) => f.name === 'lab-proxy-dead')!
    const suite = await consume(renderJunit(report, {command, explainable}))
    const listener = suite.testcase!.find((c) => c.name === 'proxy-listener')!
    const failure = listener.failure![0]!
    expect(failure.type).toBe('PROXY_NOT_LISTENING')
    expect(failure.message).toContain('nothing listens on *:9697')
    expect(failure.inner).toContain('evidence netns.listeners[')
    expect(failure.inner).toContain('$ systemctl restart neutron-l3-agent')
    expect(failure.inner).toContain('more: mdctl explain PROXY_NOT_LISTENING')
  })

  it('turns a not-evaluated check into <skipped> with its reason and a crashed one into <error>', async () => {
    const {report, command} = fixtures.find((f) => f.name === 'lab-healthy-router')!
    const hostile = hostileReport(report)
    const xml = renderJunit(hostile, {command})
    expect(await schemaErrors(xml)).toEqual([])
    const suite = await consume(xml)
    const [, notEval, crashed] = suite.testcase!
    expect(notEval!.skipped![0]!.message).toMatch(/^not evaluated: a\|b `tick`/)
    expect(crashed!.error![0]!.type).toBe('crashed')
    expect(suite.errors).toBe(1)
    // control characters from captured evidence are replaced, never emitted raw
    expect(xml).not.toMatch(/[\u0000\u001b]/)
    expect(xml).toContain('&lt;script&gt;')
  })

  it('doctor --format junit prints the XML alone on stdout and keeps the exit code of the verdict', async () => {
    const dir = new URL('../../fixtures/lab-proxy-dead', import.meta.url).pathname
    const {stdout} = await runCommand(['doctor', '--from', dir, '--format', 'junit'])
    expect(stdout.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true)
    expect(await schemaErrors(stdout)).toEqual([])
    expect(process.exitCode).toBe(1)
    process.exitCode = undefined
  })
})
