import {readdirSync, readFileSync, existsSync} from 'node:fs'
import {join} from 'node:path'

import {runCommand} from '@oclif/test'
import {afterEach, describe, expect, it} from 'vitest'

import type {Report} from '../../src/report/types.js'
import {expectValidReport} from '../report-schema.js'
import {type Golden, goldenOf} from './golden.js'

const FIXTURES = new URL('../../fixtures/', import.meta.url).pathname
const bundles = readdirSync(FIXTURES).filter((d) => existsSync(join(FIXTURES, d, 'manifest.json')))

afterEach(() => {
  process.exitCode = undefined
})

// Every bundle in fixtures/ replays to its expected.json (regenerate with `npm run fixtures:expect`
// after reviewing a change in behaviour).
describe('replay goldens', () => {
  it('has bundles to replay', () => {
    expect(bundles.length).toBeGreaterThan(0)
  })
  for (const b of bundles) {
    it(`${b} replays to its golden`, async () => {
      const dir = join(FIXTURES, b)
      const kind = (JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {kind: string}).kind
      const {stdout, error} = await runCommand([kind === 'guest' ? 'guest' : 'doctor', '--from', dir, '--json'])
      if (error && !('oclif' in error)) throw error
      const report = JSON.parse(stdout) as Report
      expectValidReport(report)
      const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Golden
      expect(goldenOf(report)).toEqual(expected)
      expect(report.source.kind).toBe('bundle')
    })
  }
})
