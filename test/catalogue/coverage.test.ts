import {readdirSync, readFileSync, existsSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {CATALOGUE} from '../../src/catalogue/index.js'
import {HOPS} from '../../src/hops.js'
import {classifyMetadataResponse} from '../../src/parsers/guest-http-probe.js'
import {scanEmitters} from './emitters.js'

const known = new Set(CATALOGUE.map((e) => e.code))
const emitted = scanEmitters()

describe('finding code catalogue', () => {
  it('has an entry for every code the checks can emit', () => {
    const missing = [...emitted.literals].filter(([code]) => !known.has(code)).map(([code, at]) => `${code}  (${at.join(', ')})`)
    // Each line names a code and where it is emitted: add an entry for it to src/catalogue/codes.ts
    expect(missing, `codes without a catalogue entry:\n  ${missing.join('\n  ')}\n`).toEqual([])
  })

  it('has no entry that nothing emits', () => {
    const orphans = CATALOGUE.map((e) => e.code).filter((c) => !emitted.literals.has(c) && !emitted.templates.some((t) => t.pattern.test(c)))
    expect(orphans, `catalogue entries no check emits (removed or renamed codes?):\n  ${orphans.join('\n  ')}\n`).toEqual([])
  })

  it("gives each code the severity its check emits it with", () => {
    expect(emitted.severities.size).toBeGreaterThan(60)
    const wrong = [...emitted.severities]
      .filter(([code, sev]) => known.has(code) && !(sev.size === 1 && sev.has(CATALOGUE.find((e) => e.code === code)!.severity)))
      .map(([code, sev]) => `${code}: emitted as ${[...sev].join('/')}, catalogued as ${CATALOGUE.find((e) => e.code === code)!.severity}`)
    expect(wrong).toEqual([])
  })

  it('covers each code template (PROBE_…, HTTP_…_NO_BODY) and knows every code written through a variable', () => {
    expect(emitted.templates.length).toBeGreaterThan(0)
    for (const t of emitted.templates) expect(CATALOGUE.some((e) => t.pattern.test(e.code)), `${t.source} at ${t.at}`).toBe(true)
    // the probe check passes the classifier's verdict code through (the classifier is scanned too);
    // the OVN log check emits the codes of its signature table, whose literals are scanned
    expect(emitted.dynamic.map((d) => `${d.expr} (${d.at.replace(/:\d+$/, '')})`).sort()).toEqual([
      's.code (src/checks/ovn/dhcp-instance.ts)',
      "string; hop: 'agent' | 'signature' | 'instance' | 'proxy'; what: string (src/checks/ovn/dhcp-instance.ts)",
      ...Array(5).fill('v.code (src/checks/guest/probe.ts)'),
    ])
  })

  it('covers every code the response classifier gives for any status, with or without a body', () => {
    const bodies = ['', '<html>x</html>']
    const codes = new Set<string>()
    for (let status = 100; status < 600; status++) for (const body of bodies) codes.add(classifyMetadataResponse({body, status}, '/openstack').code)
    expect([...codes].filter((c) => !known.has(c))).toEqual([])
  })

  it('covers every failure code the fixtures are expected to show', () => {
    const FIXTURES = new URL('../../fixtures/', import.meta.url).pathname
    const codes = new Set<string>()
    for (const d of readdirSync(FIXTURES)) {
      const f = join(FIXTURES, d, 'expected.json')
      if (!existsSync(f)) continue
      for (const c of (JSON.parse(readFileSync(f, 'utf8')) as {failCodes: string[]}).failCodes) codes.add(c)
    }
    expect(codes.size).toBeGreaterThan(15)
    expect([...codes].filter((c) => !known.has(c))).toEqual([])
  })

  it('gives every entry its words: one entry per code, a hop, meaning, mechanism, a way to confirm, a fix and releases', () => {
    expect(new Set(CATALOGUE.map((e) => e.code)).size).toBe(CATALOGUE.length)
    for (const e of CATALOGUE) {
      expect(e.code).toMatch(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/)
      expect([...HOPS, 'any']).toContain(e.hop)
      for (const text of [e.title, e.meaning, e.mechanism, e.fix.text, e.releases]) expect(text.trim().length, e.code).toBeGreaterThan(3)
      expect(e.confirm.length, e.code).toBeGreaterThan(0)
      // commands paste as printed: values the node knows are shell variables, never <placeholders>
      for (const c of [...e.confirm, ...e.fix.commands]) expect(c, e.code).not.toMatch(/<[a-z][^>]*>/i)
      if (e.severity === 'fail') expect(e.fix.commands.length + e.fix.text.length, e.code).toBeGreaterThan(0)
    }
  })
})
