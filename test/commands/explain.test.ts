import {runCommand} from '@oclif/test'
import {afterEach, describe, expect, it} from 'vitest'

import {CATALOGUE, type CodeEntry} from '../../src/catalogue/index.js'
import {cli} from './cli.js'

afterEach(() => {
  process.exitCode = undefined
})

const exitOf = (error: unknown): number | undefined => (error as {oclif?: {exit?: number}} | undefined)?.oclif?.exit

describe('mdctl explain', () => {
  it('explains a code: meaning, mechanism, commands to confirm, fix and releases', async () => {
    const {stdout, error} = await runCommand(['explain', 'REDIRECT_MISSING'])
    expect(error).toBeUndefined()
    expect(stdout).toMatch(/^REDIRECT_MISSING: no REDIRECT for 169\.254\.169\.254:80\nhop intercept · fail\n/)
    for (const section of ['What it means:', 'Mechanism:', 'Confirm by hand:', 'Fix:', 'Releases:']) expect(stdout).toContain(section)
    expect(stdout).toContain('$ ip netns exec qrouter-$ROUTER_ID iptables-save')
    expect(stdout).toContain('REDIRECT --to-ports 9697')
  })

  it('accepts the code in lower case or with dashes', async () => {
    const {stdout} = await runCommand(['explain', 'proxy-dead'])
    expect(stdout.split('\n')[0]).toBe('PROXY_DEAD: the proxy named by the pid file is dead')
  })

  it('--json prints the catalogue entry', async () => {
    const {stdout} = await runCommand(['explain', 'SECRET_MISMATCH', '--json'])
    const e = JSON.parse(stdout) as CodeEntry
    expect(Object.keys(e).sort()).toEqual(['code', 'confirm', 'fix', 'hop', 'meaning', 'mechanism', 'releases', 'severity', 'title'])
    expect(e).toMatchObject({code: 'SECRET_MISMATCH', hop: 'signature', severity: 'fail'})
    expect(e.fix.commands.length).toBeGreaterThan(0)
  })

  it('without a code lists every code with its hop and title, in text and --json', async () => {
    const text = await runCommand(['explain'])
    const lines = text.stdout.trim().split('\n')
    expect(lines).toHaveLength(CATALOGUE.length)
    expect(lines.find((l) => l.startsWith('PROXY_NOT_LISTENING '))).toMatch(/^PROXY_NOT_LISTENING\s+proxy\s+fail\s+no metadata proxy listens$/)
    const json = JSON.parse((await runCommand(['explain', '--json'])).stdout) as Array<Record<string, string>>
    expect(json).toHaveLength(CATALOGUE.length)
    expect(json[0]).toEqual({code: CATALOGUE[0]!.code, hop: CATALOGUE[0]!.hop, severity: CATALOGUE[0]!.severity, title: CATALOGUE[0]!.title})
  })

  it('rejects an unknown code with exit 2, one line, and the nearest code', async () => {
    const {error, stdout} = await runCommand(['explain', 'PROXY_DAED'])
    expect(exitOf(error)).toBe(2)
    expect(error?.message).toBe('unknown finding code "PROXY_DAED": did you mean PROXY_DEAD? (`mdctl explain` lists every code)')
    expect(stdout).toBe('')
  })

  it('rejects nonsense without a suggestion, also under --json, and never echoes more than 64 characters of it', async () => {
    const r = await cli('explain', 'Q'.repeat(5000), '--json')
    expect(r.code).toBe(2)
    expect(r.stderr.trim().split('\n')[0]).toBe(`Error: unknown finding code "${'Q'.repeat(64)}" (\`mdctl explain\` lists every code)`)
    expect(r.stderr).not.toMatch(/\n\s+at /)
  })
})
