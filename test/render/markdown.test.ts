import {runCommand} from '@oclif/test'
import {type Token, type Tokens, lexer} from 'marked'
import {beforeAll, describe, expect, it} from 'vitest'

import {explainable} from '../../src/catalogue/index.js'
import {HOPS} from '../../src/hops.js'
import {code, inline, renderMarkdown} from '../../src/render/markdown.js'
import {type FixtureReport, fixtureReports, hostileReport} from './fixture-reports.js'

/** Every token of a document, depth first (list items and their children included). */
function walk(tokens: Token[]): Token[] {
  const out: Token[] = []
  for (const t of tokens) {
    out.push(t)
    const kids = (t as {tokens?: Token[]}).tokens
    if (kids) out.push(...walk(kids))
    if (t.type === 'list') for (const item of (t as Tokens.List).items) out.push(...walk(item.tokens))
  }
  return out
}

const headings = (tokens: Token[]): string[] => tokens.filter((t): t is Tokens.Heading => t.type === 'heading').map((t) => t.text)
const tables = (tokens: Token[]): Tokens.Table[] => tokens.filter((t): t is Tokens.Table => t.type === 'table')
const codespans = (tokens: Token[]): string[] => walk(tokens).filter((t): t is Tokens.Codespan => t.type === 'codespan').map((t) => t.text)

let fixtures: FixtureReport[] = []
beforeAll(async () => {
  fixtures = await fixtureReports()
}, 120_000)

describe('Markdown output', () => {
  it('has the verdict heading and one hop table row per hop, in path order, for every fixture', () => {
    expect(fixtures.length).toBeGreaterThan(10)
    for (const {name, command, report} of fixtures) {
      const tokens = lexer(renderMarkdown(report, {command, explainable}))
      expect(headings(tokens)[0], name).toMatch(new RegExp(`^mdctl ${command}: ${report.verdict.status.toUpperCase()}`))
      const [hopTable] = tables(tokens)
      expect(hopTable!.header.map((h) => h.text), name).toEqual(['#', 'hop', 'status', 'covers', 'checks'])
      expect(hopTable!.rows.map((r) => r[1]!.text), name).toEqual(HOPS.map((h) => `\`${h}\``))
      expect(hopTable!.rows.map((r) => r[2]!.text.split(' ').slice(1).join(' ')), name).toEqual(report.hops.map((h) => (h.status === 'skip' ? 'not in scope' : h.status.replace('-', ' '))))
    }
  })

  it('lists each failure with its evidence, its fix commands in a sh code block, and the explain line', () => {
    const {report, command} = fixtures.find((f) => f.name === 'lab-proxy-dead')!
    const md = renderMarkdown(report, {command, explainable})
    const tokens = lexer(md)
    const fails = report.findings.filter((f) => f.severity === 'fail')
    expect(headings(tokens)).toContain(`Failures (${fails.length})`)
    const list = tokens.find((t): t is Tokens.List => t.type === 'list' && t.ordered)!
    expect(list.items).toHaveLength(fails.length)
    for (const [i, f] of fails.entries()) {
      const item = list.items[i]!
      const blocks = walk(item.tokens).filter((t): t is Tokens.Code => t.type === 'code')
      expect(blocks.map((b) => [b.lang, b.text])).toEqual([['sh', f.fix!.commands!.join('\n')]])
      const spans = codespans(item.tokens)
      expect(spans).toContain(f.code)
      for (const e of f.evidence) expect(spans).toContain(e.excerpt)
      expect(spans).toContain(`mdctl explain ${f.code}`)
    }
  })

  it('shows what was not evaluated and why in its own table', () => {
    const unknown = fixtures.find((f) => f.report.checks.some((c) => c.status === 'not-evaluated'))!
    const tokens = lexer(renderMarkdown(unknown.report, {command: unknown.command}))
    const notEval = unknown.report.checks.filter((c) => c.status === 'not-evaluated' || c.status === 'crashed')
    expect(headings(tokens)).toContain(`Not evaluated (${notEval.length})`)
    const table = tables(tokens)[1]!
    expect(table.header.map((h) => h.text)).toEqual(['check', 'hop', 'status', 'why'])
    expect(table.rows.map((r) => r[0]!.text)).toEqual(notEval.map((c) => `\`${c.id}\``))
  })

  it('keeps pipes, backticks, HTML and newlines from evidence inside their cell or code span', () => {
    const base = fixtures.find((f) => f.name === 'lab-healthy-router')!
    const hostile = hostileReport(base.report)
    const tokens = lexer(renderMarkdown(hostile, {command: 'doctor'}))
    // no raw HTML reaches the document
    expect(walk(tokens).filter((t) => t.type === 'html')).toEqual([])
    const notEval = tables(tokens)[1]!
    for (const row of notEval.rows) expect(row).toHaveLength(4)
    // GFM reads the escaped pipe back as a pipe inside the cell
    expect(notEval.rows[0]![3]!.text).toMatch(/^a\|b /)
    // the evidence excerpt comes back whole from its code span (newline folded, control characters replaced)
    const folded = hostile.findings[0]!.evidence[0]!.excerpt.replace(/\n/g, ' ').replace(/[\u0000\u001b]/g, '\uFFFD')
    expect(codespans(tokens)).toContain(folded)
    // the fix commands come back exactly from the fenced block, even with ``` inside
    const block = walk(tokens).find((t): t is Tokens.Code => t.type === 'code')!
    expect(block.text).toBe(hostile.findings[0]!.fix!.commands!.join('\n'))
  })

  it('escapes free text and sizes code fences to their content', () => {
    expect(inline('a|b *c* <d>')).toBe('a\\|b \\*c\\* \\<d\\>')
    expect(code('x `y` z')).toBe('``x `y` z``')
    expect(code('`start')).toBe('`` `start ``')
    expect(code('a|b', true)).toBe('`a\\|b`')
    const [p] = lexer(`x ${code('``a``')} y`)
    expect(codespans([p!])).toEqual(['``a``'])
  })

  it('guest --format markdown prints the document on stdout', async () => {
    const dir = new URL('../../fixtures/seed-zeroconf-guest', import.meta.url).pathname
    const {stdout} = await runCommand(['guest', '--from', dir, '--format', 'markdown'])
    expect(stdout).toMatch(/^## mdctl guest: BROKEN at `guest-route`/)
    process.exitCode = undefined
  })
})
