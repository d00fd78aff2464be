import {readFileSync} from 'node:fs'

import {describe, expect, it} from 'vitest'

import {CATALOGUE} from '../../src/catalogue/index.js'
import {NODE_CHECKS} from '../../src/checks/index.js'
import {checksTables, END, START, withChecksTables} from '../../scripts/checks-table.js'

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')

describe("README's checks and finding-code tables", () => {
  it('are exactly what `npm run docs:checks` writes from the check lists and the catalogue', () => {
    // on a difference: run `npm run docs:checks` and commit README.md
    expect(README).toBe(withChecksTables(README))
  })

  it('name every check and every failure or warning code', () => {
    const tables = checksTables()
    for (const c of NODE_CHECKS) expect(tables).toContain(`| \`${c.id}\` |`)
    for (const e of CATALOGUE.filter((x) => x.severity === 'fail' || x.severity === 'warn')) expect(tables).toContain(`| \`${e.code}\` | ${e.hop} | ${e.severity} |`)
  })

  it('refuses a README without the markers instead of writing somewhere else', () => {
    expect(() => withChecksTables('# no markers')).toThrow(/checks-table:start/)
    expect(README.indexOf(START)).toBeLessThan(README.indexOf(END))
  })
})
