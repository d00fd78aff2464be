import {describe, expect, it} from 'vitest'
import {parseIfupEthZeroconf, parseShellVars} from '../../../src/parsers/guest-sysconfig-network.js'
import {expectParseError, sample} from './helpers.js'

describe('parseShellVars (/etc/sysconfig/network, ifcfg-*)', () => {
  it('reads the seed 003 fix NOZEROCONF=yes', () => {
    expect(parseShellVars(sample('sysconfig-network--seed003-nozeroconf.txt'))).toEqual({NETWORKING: 'yes', HOSTNAME: 'localhost.localdomain', NOZEROCONF: 'yes'})
  })

  it('keeps NOZEROCONF=no as the value "no" (non-empty: ifup-eth still skips the route)', () => {
    expect(parseShellVars(sample('sysconfig-network--nozeroconf-no.txt')).NOZEROCONF).toBe('no')
  })

  it('removes quotes, `export` and trailing comments the way the shell does', () => {
    expect(parseShellVars(sample('sysconfig-network--ifcfg-eth0.txt'))).toEqual({
      DEVICE: 'eth0',
      BOOTPROTO: 'dhcp',
      ONBOOT: 'yes',
      TYPE: 'Ethernet',
      PERSISTENT_DHCLIENT: '1',
      NAME: 'System eth0',
      PEERDNS: 'yes',
      USERCTL: 'no',
    })
  })

  it('handles escapes, concatenation, empty values and last-assignment-wins', () => {
    expect(parseShellVars('A="a \\"quoted\\" \\$x"\nB=\'lit $x\'"more"\nC=\nD=one\nD=two\nE="unterminated\n')).toEqual({A: 'a "quoted" $x', B: 'lit $xmore', C: '', D: 'two'})
  })

  it('ignores lines that are not assignments and cannot be tricked into setting the prototype', () => {
    const vars = parseShellVars('if [ -f x ]; then\n  . /etc/foo\nfi\n__proto__=polluted\nOK=1\n')
    expect(vars.OK).toBe('1')
    expect(Object.getPrototypeOf(vars)).toBe(Object.prototype)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('gives nothing for an empty file and refuses binary data', () => {
    expect(parseShellVars(sample('sysconfig-network--empty.txt'))).toEqual({})
    expectParseError(() => parseShellVars(sample('sysconfig-network--binary.txt')), /binary/)
  })
})

describe('parseIfupEthZeroconf (network-scripts/ifup-eth)', () => {
  it('finds the seed 003 block (old `-a "${ISALIAS}" = "no"` test), guarded by NOZEROCONF', () => {
    const r = parseIfupEthZeroconf(sample('ifup-eth--seed003-centos6.txt'))
    expect(r).toMatchObject({addsZeroconfRoute: true, line: 5, honoursNozeroconf: true})
    expect(r.snippet?.split('\n')).toEqual([
      '# Add Zeroconf route.',
      'if [ -z "${NOZEROCONF}" -a "${ISALIAS}" = "no" -a "${REALDEVICE}" != "lo" ]; then',
      '        ip route add 169.254.0.0/16 dev ${REALDEVICE} metric $((1000 + $(cat /sys/class/net/${REALDEVICE}/ifindex))) scope link',
      'fi',
    ])
  })

  it('finds the newer `is_false "${ISALIAS}"` block', () => {
    expect(parseIfupEthZeroconf(sample('ifup-eth--is-false.txt'))).toMatchObject({addsZeroconfRoute: true, line: 2, honoursNozeroconf: true})
  })

  it('reports a commented-out block (the seed 003 workaround) as not adding the route', () => {
    const r = parseIfupEthZeroconf(sample('ifup-eth--seed003-commented-out.txt'))
    expect(r.addsZeroconfRoute).toBe(false)
    expect(r.line).toBe(2)
    expect(r.snippet).toMatch(/^# Add Zeroconf route\.\n#if/)
  })

  it('reports an unguarded route command as not honouring NOZEROCONF', () => {
    expect(parseIfupEthZeroconf('#!/bin/sh\n/sbin/ip route add 169.254.0.0/16 dev eth0 scope link\n')).toEqual({addsZeroconfRoute: true, line: 2, snippet: '/sbin/ip route add 169.254.0.0/16 dev eth0 scope link', honoursNozeroconf: false})
    expect(parseIfupEthZeroconf('route add -net 169.254.0.0 netmask 255.255.0.0 dev eth0\n').addsZeroconfRoute).toBe(true)
  })

  it('finds nothing in a script without the block or an empty file, and refuses binary data', () => {
    expect(parseIfupEthZeroconf(sample('ifup-eth--no-zeroconf.txt'))).toEqual({addsZeroconfRoute: false})
    expect(parseIfupEthZeroconf(sample('ifup-eth--empty.txt'))).toEqual({addsZeroconfRoute: false})
    expectParseError(() => parseIfupEthZeroconf(sample('ifup-eth--binary.txt')), /binary/)
  })
})
