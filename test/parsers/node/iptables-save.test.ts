import {describe, expect, it} from 'vitest'

import {ParseError} from '../../../src/parsers/errors.js'
import {type IptablesRule, type IptablesSave, parseIptablesSave, reachableRules} from '../../../src/parsers/iptables-save.js'
import {sample, samplesOf} from './samples.js'

const METADATA_REDIRECT = {dport: 80, dst: '169.254.169.254/32', proto: 'tcp', target: 'REDIRECT', toPorts: '9697'}

const redirectIn = (save: IptablesSave, table = 'nat', chain = 'PREROUTING'): IptablesRule | undefined =>
  reachableRules(save, table, chain).find((r) => r.target === 'REDIRECT' && r.dport === 80)

describe('parseIptablesSave on real iptables-save output', () => {
  const cases: Record<string, (s: IptablesSave) => void> = {
    'iptables-save--neutron-master.txt'(s) {
      expect(s.warnings).toEqual([])
      expect(Object.keys(s.tables).sort()).toEqual(['filter', 'mangle', 'nat', 'raw'])
      expect(s.tables.nat?.chains.PREROUTING).toEqual({policy: 'ACCEPT'})
      expect(s.tables.nat?.chains['neutron-l3-agent-PREROUTING']).toEqual({})
      const nat = reachableRules(s, 'nat', 'PREROUTING')
      expect(nat.map((r) => r.chain)).toEqual(['PREROUTING', 'neutron-l3-agent-PREROUTING'])
      expect(nat[1]).toMatchObject({...METADATA_REDIRECT, inIface: 'qr-+', negated: []})
      expect(nat[1]?.text).toBe('-d 169.254.169.254/32 -i qr-+ -p tcp -m tcp --dport 80 -j REDIRECT --to-ports 9697')
      const input = reachableRules(s, 'filter', 'INPUT').filter((r) => r.chain === 'neutron-l3-agent-INPUT')
      expect(input.map((r) => [r.markMatch, r.dport, r.target])).toEqual([
        ['0x1/0xffff', undefined, 'ACCEPT'],
        [undefined, 9697, 'DROP'],
      ])
      const mark = reachableRules(s, 'mangle', 'PREROUTING').find((r) => r.target === 'MARK' && r.dst === '169.254.169.254/32')
      expect(mark).toMatchObject({dport: 80, inIface: 'qr-+', setMark: '0x1/0xffff'})
      const scope = reachableRules(s, 'filter', 'FORWARD').filter((r) => r.chain === 'neutron-l3-agent-scope')
      expect(scope.map((r) => [r.markMatch, r.negated, r.outIface, r.target])).toEqual([
        [undefined, ['--mark'], 'qr-1a2b3c4d-5e', 'DROP'],
        ['0x1/0xffff', [], undefined, 'DROP'],
      ])
    },
    'iptables-save--neutron-master-counters.txt'(s) {
      expect(s.tables).toEqual(parseIptablesSave(sample('iptables-save--neutron-master.txt')).tables)
    },
    'iptables-save--ip6-neutron-master.txt'(s) {
      expect(redirectIn(s)).toMatchObject({...METADATA_REDIRECT, dst: 'fe80::a9fe:a9fe/128', inIface: 'qr-+'})
    },
    'iptables-save--juno.txt'(s) {
      // neutron passed `-s 0.0.0.0/0 ... --to-port 9697`; iptables-save prints neither
      const r = redirectIn(s)
      expect(r).toMatchObject({...METADATA_REDIRECT, inIface: 'qr-+'})
      expect(r?.src).toBeUndefined()
      expect(reachableRules(s, 'filter', 'INPUT').find((x) => x.target === 'ACCEPT')?.markMatch).toBe('0x1')
    },
    'iptables-save--kilo.txt'(s) {
      const mark = reachableRules(s, 'mangle', 'PREROUTING').find((r) => r.target === 'MARK')
      expect(mark).toMatchObject({dst: '169.254.169.254/32', setMark: '0x1/0xffffffff'})
      expect(mark?.inIface).toBeUndefined()
    },
    'iptables-save--legacy.txt'(s) {
      expect(reachableRules(s, 'nat', 'PREROUTING')).toEqual([expect.objectContaining({...METADATA_REDIRECT, chain: 'PREROUTING', table: 'nat'})])
    },
    'iptables-save--nft-with-legacy-warning.txt'(s) {
      expect(s.warnings).toEqual(['Warning: iptables-legacy tables present, use iptables-legacy-save to see them'])
      expect(s.tables.filter?.rules).toHaveLength(1)
    },
    'iptables-save--empty-namespace.txt'(s) {
      expect(s).toEqual({tables: {}, warnings: []})
    },
    'iptables-save--seed000-havana-fragment.txt'(s) {
      expect(Object.keys(s.tables)).toEqual(['unknown'])
      expect(s.warnings).toEqual([expect.stringContaining('without a `*table` header')])
      const r = redirectIn(s, 'unknown', 'neutron-l3-agent-PREROUTING')
      expect(r).toMatchObject(METADATA_REDIRECT)
      expect(r?.inIface).toBeUndefined()
      expect(s.tables.unknown?.rules[1]).toMatchObject({dport: 9697, dst: '127.0.0.1/32', target: 'ACCEPT'})
    },
  }
  const refused: Record<string, RegExp> = {
    'iptables-save--error-cannot-open-netns.txt': /not iptables-save output: "Cannot open network namespace/,
    'iptables-save--error-command-not-found.txt': /command not found/,
    'iptables-save--error-nsenter-missing-ns.txt': /nsenter: cannot open/,
    'iptables-save--list-output-refused.txt': /iptables -L.*capture `iptables-save`/,
    'iptables-save--seed003-list-refused.txt': /iptables -L/,
  }

  it('has an expectation for every iptables-save sample', () => {
    expect(samplesOf('iptables-save')).toEqual(Object.keys({...cases, ...refused}).sort())
  })
  for (const [file, check] of Object.entries(cases)) {
    it(`reads ${file}`, () => check(parseIptablesSave(sample(file))))
  }
  for (const [file, message] of Object.entries(refused)) {
    it(`refuses ${file} with a ParseError`, () => {
      expect(() => parseIptablesSave(sample(file))).toThrow(ParseError)
      expect(() => parseIptablesSave(sample(file))).toThrow(message)
    })
  }
})

describe('parseIptablesSave normalisation', () => {
  const one = (rule: string): IptablesRule => parseIptablesSave(`*nat\n-A PREROUTING ${rule}\nCOMMIT\n`).tables.nat?.rules[0] as IptablesRule

  it('turns bare and dotted-mask addresses into CIDR, as neutron passes them to iptables-restore', () => {
    expect(one('-s 10.0.0.5 -d 169.254.169.254 -j ACCEPT')).toMatchObject({dst: '169.254.169.254/32', src: '10.0.0.5/32'})
    expect(one('-d 169.254.0.0/255.255.0.0 -j ACCEPT').dst).toBe('169.254.0.0/16')
    expect(one('-d fe80::a9fe:a9fe -j ACCEPT').dst).toBe('fe80::a9fe:a9fe/128')
  })

  it('reads the singular --to-port of Juno..Mitaka and inline -c counters', () => {
    const r = one('-c 5 300 -s 0.0.0.0/0 -d 169.254.169.254/32 -i qr-+ -p tcp -m tcp --dport 80 -j REDIRECT --to-port 9697')
    expect(r).toMatchObject({...METADATA_REDIRECT, src: '0.0.0.0/0'})
  })

  it('keeps a negated option out of its field and lists it in negated', () => {
    const r = one('! -d 169.254.169.254/32 -p tcp ! --dport 80 -j ACCEPT')
    expect(r.dst).toBeUndefined()
    expect(r.dport).toBeUndefined()
    expect(r.negated).toEqual(['-d', '--dport'])
  })

  it('takes --mark only from -m mark, not from -m connmark, and --set-mark only for -j MARK', () => {
    expect(one('-m connmark --mark 0x0/0xffff0000 -j CONNMARK --set-xmark 0x1/0x1').markMatch).toBeUndefined()
    expect(one('-m connmark --mark 0x0/0xffff0000 -j CONNMARK --set-xmark 0x1/0x1').setMark).toBeUndefined()
    expect(one('-m mark --mark 0x1 -j MARK --set-mark 0x2')).toMatchObject({markMatch: '0x1', setMark: '0x2'})
  })

  it('keeps a quoted comment with spaces as one value and the rule text as printed', () => {
    const r = one('-m comment --comment "a \\"quoted\\" note" -j ACCEPT')
    expect(r.target).toBe('ACCEPT')
    expect(r.text).toBe('-m comment --comment "a \\"quoted\\" note" -j ACCEPT')
  })

  it('leaves a port range out of dport', () => {
    expect(one('-p tcp -m tcp --dport 80:90 -j ACCEPT').dport).toBeUndefined()
  })
})

describe('parseIptablesSave partial input', () => {
  const master = sample('iptables-save--neutron-master.txt')

  it('drops a rule cut mid-line, keeps the rules before it and reports the missing COMMIT', () => {
    const cut = master.slice(0, master.indexOf('--to-ports 9697') + 8)
    const s = parseIptablesSave(cut)
    expect(s.tables.nat?.rules.some((r) => r.target === 'REDIRECT')).toBe(false)
    expect(s.tables.nat?.rules.length).toBeGreaterThan(0)
    expect(s.tables.mangle?.rules.length).toBe(parseIptablesSave(master).tables.mangle?.rules.length)
    expect(s.warnings.join('\n')).toMatch(/cut off/)
  })

  it('reports a table without COMMIT at the end of the text', () => {
    const s = parseIptablesSave('*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -j ACCEPT\n')
    expect(s.tables.nat?.rules).toHaveLength(1)
    expect(s.warnings).toEqual(['table nat ends without COMMIT (truncated output?)'])
  })

  it('stops at the first line that is not iptables-save and keeps what came before', () => {
    const s = parseIptablesSave('*nat\n-A PREROUTING -j ACCEPT\nSegmentation fault\n-A PREROUTING -j DROP\nCOMMIT\n')
    expect(s.tables.nat?.rules.map((r) => r.target)).toEqual(['ACCEPT'])
    expect(s.warnings.join('\n')).toMatch(/line 3: not an iptables-save record \("Segmentation fault"\)/)
  })

  it('stops at a rule with an unterminated quote (a cut comment)', () => {
    const s = parseIptablesSave('*nat\n-A PREROUTING -j ACCEPT\n-A PREROUTING -m comment --comment "cut\nCOMMIT\n')
    expect(s.tables.nat?.rules).toHaveLength(1)
    expect(s.warnings.length).toBeGreaterThan(0)
  })
})

describe('reachableRules', () => {
  it('follows jumps depth first, in rule order', () => {
    const s = parseIptablesSave('*nat\n:A - [0:0]\n:B - [0:0]\n-A PREROUTING -j A\n-A PREROUTING -j DROP\n-A A -j B\n-A A -j RETURN\n-A B -j ACCEPT\nCOMMIT\n')
    expect(reachableRules(s, 'nat', 'PREROUTING').map((r) => `${r.chain}:${r.target}`)).toEqual(['PREROUTING:A', 'A:B', 'B:ACCEPT', 'A:RETURN', 'PREROUTING:DROP'])
  })

  it('stops on a loop between user chains (the kernel refuses them, a hand-edited dump may not)', () => {
    const s = parseIptablesSave('*nat\n:a - [0:0]\n:b - [0:0]\n-A PREROUTING -j a\n-A a -j b\n-A b -g a\n-A b -j ACCEPT\nCOMMIT\n')
    expect(reachableRules(s, 'nat', 'PREROUTING').map((r) => `${r.chain}:${r.target}`)).toEqual(['PREROUTING:a', 'a:b', 'b:a', 'b:ACCEPT'])
  })

  it('walks 20000 nested chains without overflowing the stack', () => {
    const depth = 20_000
    const lines = ['*filter']
    for (let i = 0; i < depth; i++) lines.push(`:c${i} - [0:0]`)
    lines.push('-A INPUT -j c0')
    for (let i = 0; i < depth - 1; i++) lines.push(`-A c${i} -j c${i + 1}`)
    lines.push(`-A c${depth - 1} -j DROP`, 'COMMIT', '')
    const rules = reachableRules(parseIptablesSave(lines.join('\n')), 'filter', 'INPUT')
    expect(rules).toHaveLength(depth + 1)
    expect(rules.at(-1)?.target).toBe('DROP')
  })

  it('returns nothing for an unknown table or chain, including __proto__', () => {
    const s = parseIptablesSave(sample('iptables-save--neutron-master.txt'))
    expect(reachableRules(s, 'security', 'INPUT')).toEqual([])
    expect(reachableRules(s, '__proto__', 'INPUT')).toEqual([])
    expect(reachableRules(s, 'nat', 'NOPE')).toEqual([])
  })

  it('treats a chain named __proto__ as a plain chain', () => {
    const s = parseIptablesSave('*nat\n:__proto__ - [0:0]\n-A PREROUTING -j __proto__\n-A __proto__ -j ACCEPT\nCOMMIT\n')
    expect(reachableRules(s, 'nat', 'PREROUTING').map((r) => r.target)).toEqual(['__proto__', 'ACCEPT'])
  })
})
