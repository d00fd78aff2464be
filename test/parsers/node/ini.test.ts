import {existsSync} from 'node:fs'
import path from 'node:path'

import {describe, expect, it} from 'vitest'

import {get, getBool, getFirst, parseIni} from '../../../src/parsers/ini.js'
import {SAMPLES, sample, samplesOf} from './samples.js'

interface OsloGolden {
  error: {line: number; message: string} | null
  sections: Record<string, Record<string, string>>
}

const golden = (file: string): OsloGolden => JSON.parse(sample(file.replace(/\.txt$/, '.oslo.json'))) as OsloGolden

describe('parseIni agrees with oslo.config', () => {
  // Each ini sample has a golden written by samples/oslo-golden.py with oslo.config's own iniparser.
  for (const file of samplesOf('ini')) {
    it(`${file}: every value oslo.config reads is read the same, and a file oslo.config rejects gets a warning`, () => {
      expect(existsSync(path.join(SAMPLES, file.replace(/\.txt$/, '.oslo.json')))).toBe(true)
      const want = golden(file)
      const ini = parseIni(sample(file))
      for (const [section, values] of Object.entries(want.sections)) {
        for (const [key, value] of Object.entries(values)) expect(get(ini, section, key), `[${section}] ${key}`).toBe(value)
      }
      if (want.error) expect(ini.warnings.length).toBeGreaterThan(0)
      else expect(ini.warnings.filter((w) => !/set more than once/.test(w))).toEqual([])
    })
  }
})

describe('parseIni on neutron and nova files', () => {
  it('reads metadata_agent.ini: options, an empty secret, and sections', () => {
    const ini = parseIni(sample('ini--metadata-agent-master.txt'))
    expect(Object.keys(ini.sections)).toEqual(['DEFAULT', 'agent', 'cache'])
    expect(get(ini, 'DEFAULT', 'nova_metadata_host')).toBe('192.0.2.10')
    expect(get(ini, 'DEFAULT', 'metadata_proxy_socket')).toBeUndefined()
    expect(get(ini, 'DEFAULT', 'metadata_proxy_shared_secret')).toBe('')
    expect(getBool(ini, 'DEFAULT', 'nova_metadata_insecure')).toBe(false)
    expect(getBool(ini, 'cache', 'enabled')).toBe(true)
    expect(ini.warnings).toEqual([])
  })

  it('finds the Pike-era option name when the new one is absent', () => {
    const pike = parseIni(sample('ini--metadata-agent-pike-renamed-option.txt'))
    const master = parseIni(sample('ini--metadata-agent-master.txt'))
    const names = [['DEFAULT', 'nova_metadata_host'], ['DEFAULT', 'nova_metadata_ip']] as const
    expect(getFirst(pike, names)).toBe('192.0.2.10')
    expect(getFirst(master, names)).toBe('192.0.2.10')
    expect(getFirst(master, [['DEFAULT', 'nope']])).toBeUndefined()
  })

  it('reads seed 003: options before any section land in DEFAULT, with the warning that oslo.config refuses the file', () => {
    const ini = parseIni(sample('ini--seed003-metadata-agent-no-section.txt'))
    expect(get(ini, 'DEFAULT', 'nova_metadata_ip')).toBe('10.122.122.1')
    expect(get(ini, 'DEFAULT', 'nova_metadata_port')).toBe('8775')
    expect(get(ini, 'DEFAULT', 'metadata_proxy_shared_secret')).toBeDefined()
    expect(ini.warnings).toEqual(['line 1: option before any [section]: read as [DEFAULT], but oslo.config refuses a file like this'])
    const dhcp = parseIni(sample('ini--seed003-dhcp-agent-no-section.txt'))
    expect(getBool(dhcp, 'DEFAULT', 'enable_isolated_metadata')).toBe(false)
    expect(getBool(dhcp, 'DEFAULT', 'enable_metadata_network')).toBe(false)
  })

  it('reads seed 000: Havana nova.conf names', () => {
    expect(getBool(parseIni(sample('ini--seed000-nova-havana-no-section.txt')), 'DEFAULT', 'service_neutron_metadata_proxy')).toBe(true)
  })

  it('reads nova.conf [neutron] service_metadata_proxy', () => {
    expect(getBool(parseIni(sample('ini--nova-conf-neutron-section.txt')), 'neutron', 'service_metadata_proxy')).toBe(true)
  })
})

describe('getBool', () => {
  it('accepts oslo.config spellings in any case and warns, without the value, on anything else', () => {
    const ini = parseIni(sample('ini--dhcp-agent-bools.txt'))
    expect(getBool(ini, 'DEFAULT', 'enable_isolated_metadata')).toBe(true)
    expect(getBool(ini, 'DEFAULT', 'force_metadata')).toBe(true)
    expect(getBool(ini, 'DEFAULT', 'enable_metadata_network')).toBeUndefined()
    expect(getBool(ini, 'DEFAULT', 'absent_option')).toBeUndefined()
    expect(ini.warnings).toEqual(['[DEFAULT] enable_metadata_network is not a boolean oslo.config accepts (true/false/yes/no/on/off/1/0); the service would fail to start'])
    expect(ini.warnings.join(' ')).not.toContain('maybe')
  })

  it('takes every oslo.config boolean spelling', () => {
    const words = ['true', 'false', 'yes', 'no', 'on', 'off', '1', '0', 'TRUE', 'Off']
    const ini = parseIni(`[DEFAULT]\n${words.map((w, i) => `k${i} = ${w}`).join('\n')}\n`)
    expect(words.map((_, i) => getBool(ini, 'DEFAULT', `k${i}`))).toEqual([true, false, true, false, true, false, true, false, true, false])
  })
})

describe('parseIni oslo.config details', () => {
  const ini = parseIni(sample('ini--oslo-edge-cases.txt'))

  it('appends an indented comment right after a key to its value, as oslo.config does', () => {
    expect(get(ini, 'DEFAULT', 'debug')).toBe('True\n# an indented comment right after a key: oslo.config appends it to the value')
    expect(getBool(ini, 'DEFAULT', 'debug')).toBeUndefined()
  })

  it('joins continuation lines with newlines and keeps interpolation text as written', () => {
    expect(get(ini, 'DEFAULT', 'multi')).toBe('first\nsecond\nthird')
    expect(get(ini, 'DEFAULT', 'metadata_proxy_socket')).toBe('$state_path/metadata_proxy')
    expect(get(ini, 'DEFAULT', 'state_path')).toBe('/var/lib/neutron')
  })

  it('keeps the last of a repeated key and names it, not its value, in a warning', () => {
    expect(get(ini, 'DEFAULT', 'nova_metadata_port')).toBe('8776')
    expect(ini.warnings).toContain('line 8: [DEFAULT] nova_metadata_port is set more than once; the last value wins')
  })

  it('strips one pair of quotes and keeps what is inside', () => {
    expect(get(ini, 'DEFAULT', 'quoted')).toBe('  spaced value  ')
  })

  it('tries the exact key, then lower case; looks sections up like oslo.config', () => {
    expect(get(ini, 'DEFAULT', 'Mixed_Case_Key')).toBe('kept')
    expect(get(ini, 'DEFAULT', 'mixed_case_key')).toBeUndefined()
    const cased = parseIni('[Cache]\nenabled = true\n[default]\nx = 1\n')
    expect(get(cased, 'cache', 'ENABLED')).toBe('true')
    expect(get(cased, 'DEFAULT', 'x')).toBeUndefined()
    expect(get(cased, 'default', 'x')).toBe('1')
  })

  it('skips the lines oslo.config rejects, with their line numbers, and goes on', () => {
    expect(ini.warnings).toEqual(
      expect.arrayContaining([
        'line 15: indented line with no option to continue (oslo.config rejects it); skipped',
        'line 18: malformed section header; skipped',
        'line 19: not an option, section or comment; skipped',
        'line 20: not an option, section or comment; skipped',
      ]),
    )
    expect(getBool(ini, 'ovn', 'ovn_metadata_enabled')).toBe(true)
    expect(get(ini, 'DEFAULT', 'later')).toBe('reopened section')
  })

  it('keeps a __proto__ key or section as plain data', () => {
    const odd = parseIni('[__proto__]\n__proto__ = x\n[DEFAULT]\nconstructor = y\n')
    expect(get(odd, '__proto__', '__proto__')).toBe('x')
    expect(get(odd, 'DEFAULT', 'constructor')).toBe('y')
    expect(get(odd, 'DEFAULT', 'toString')).toBeUndefined()
  })

  it('returns an empty Ini for an empty file and for CRLF files reads the same values', () => {
    expect(parseIni('')).toEqual({sections: {}, warnings: []})
    expect(get(parseIni('[DEFAULT]\r\nnova_metadata_port = 8775\r\n'), 'DEFAULT', 'nova_metadata_port')).toBe('8775')
  })
})
