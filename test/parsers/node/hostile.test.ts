import {randomBytes} from 'node:crypto'

import {describe, expect, it} from 'vitest'

import {metadataRoutes, parseDnsmasqOpts, routersByTag} from '../../../src/parsers/dnsmasq-opts.js'
import {ParseError} from '../../../src/parsers/errors.js'
import {metadataIdentity, parseHaproxyConfig} from '../../../src/parsers/haproxy-config.js'
import {parseRawHttpResponse} from '../../../src/parsers/http-response.js'
import {parseIfconfig} from '../../../src/parsers/ifconfig.js'
import {get, getBool, parseIni} from '../../../src/parsers/ini.js'
import {parseIpAddrJson} from '../../../src/parsers/ip-addr.js'
import {parseIpAddrText} from '../../../src/parsers/ip-addr-text.js'
import {parseIptablesSave, reachableRules} from '../../../src/parsers/iptables-save.js'
import {parseNetstatListeners} from '../../../src/parsers/netstat-listeners.js'
import {parseProxyCmdline} from '../../../src/parsers/neutron-proxy-cmdline.js'
import {parsePsOutput} from '../../../src/parsers/ps.js'
import {parseSsListeners} from '../../../src/parsers/ss-listeners.js'
import {parseLsLong, parseStat} from '../../../src/parsers/stat.js'
import {isRefusedSample, sample, samplesOf} from './samples.js'

/** Each parser, plus the helpers that walk its result, and a line prefix that gets past its first checks. */
const PARSERS: Record<string, {parse: (text: string) => unknown; prefix: string; sampleName: string}> = {
  'dnsmasq-opts': {parse: (t) => {const o = parseDnsmasqOpts(t); return [metadataRoutes(o), routersByTag(o)]}, prefix: 'tag:x,option:classless-static-route,', sampleName: 'dnsmasq-opts'},
  'haproxy-config': {parse: (t) => metadataIdentity(parseHaproxyConfig(t)), prefix: 'bind ', sampleName: 'haproxy-config'},
  'http-response': {parse: parseRawHttpResponse, prefix: 'HTTP/1.1 200 OK\r\nX: ', sampleName: 'http-response'},
  ifconfig: {parse: parseIfconfig, prefix: 'eth0: flags=4163<UP>  mtu 1500\n        inet ', sampleName: 'ifconfig'},
  ini: {parse: (t) => {const i = parseIni(t); return [get(i, 'DEFAULT', 'k'), getBool(i, 'DEFAULT', 'k')]}, prefix: '[DEFAULT]\nk = ', sampleName: 'ini'},
  'ip-addr': {parse: parseIpAddrJson, prefix: '[{"ifname":"', sampleName: 'ip-addr'},
  'ip-addr-text': {parse: parseIpAddrText, prefix: '1: lo: <', sampleName: 'ip-addr-text'},
  'iptables-save': {parse: (t) => reachableRules(parseIptablesSave(t), 'nat', 'PREROUTING'), prefix: '*nat\n-A PREROUTING ', sampleName: 'iptables-save'},
  'ls-long': {parse: parseLsLong, prefix: 'srw-r--r-- 1 a b 0 Jul  1 13:30 ', sampleName: 'ls-long'},
  'netstat-listeners': {parse: parseNetstatListeners, prefix: 'tcp 0 0 ', sampleName: 'netstat-listeners'},
  'neutron-proxy-cmdline': {parse: (t) => [parseProxyCmdline(t.split(/\s+/)), parseProxyCmdline([t]), parseProxyCmdline(['haproxy', '-f', t])], prefix: '/usr/bin/neutron-ns-metadata-proxy --router_id=', sampleName: 'neutron-proxy-cmdline'},
  ps: {parse: parsePsOutput, prefix: 'UID PID PPID C STIME TTY TIME CMD\nroot 1 0 0 00:00 ? 00:00:00 ', sampleName: 'ps'},
  'ss-listeners': {parse: (t) => parseSsListeners(t), prefix: 'u_str LISTEN 0 0 ', sampleName: 'ss-listeners'},
  stat: {parse: parseStat, prefix: '/x|socket|', sampleName: 'stat'},
}

const MB = 1024 * 1024
const HOSTILE: Record<string, () => string> = {
  '1 MB of `:`': () => ':'.repeat(MB),
  '1 MB of `[`': () => '['.repeat(MB),
  '1 MB of blanks and digits': () => '0 '.repeat(MB / 2),
  '1 MB of quotes': () => '"'.repeat(MB),
  '1 MB single line of letters': () => 'a'.repeat(MB),
  'NUL bytes': () => 'tcp 0 0 0.0.0.0:80\u0000\u0000\u0000 LISTEN',
  empty: () => '',
  'random bytes': () => randomBytes(64 * 1024).toString('utf8'),
  'random bytes as latin1': () => randomBytes(64 * 1024).toString('latin1'),
}

/** Runs the parser; a ParseError is a fine answer, anything else thrown is a crash. */
function survive(parse: (t: string) => unknown, text: string): 'parsed' | 'refused' {
  try {
    parse(text)
    return 'parsed'
  } catch (error) {
    if (error instanceof ParseError) {
      expect(error.message.length).toBeLessThan(400)
      expect(error.message).not.toMatch(/[\u0000-\u0008]/)
      return 'refused'
    }
    throw error
  }
}

describe('hostile input never crashes a parser', () => {
  for (const [name, {parse, prefix}] of Object.entries(PARSERS)) {
    describe(name, () => {
      for (const [what, make] of Object.entries(HOSTILE)) {
        it(`answers ${what} with data or a ParseError, quickly`, () => {
          const started = performance.now()
          survive(parse, make())
          survive(parse, prefix + make())
          expect(performance.now() - started).toBeLessThan(3000)
        })
      }

      it('refuses NUL bytes and random bytes as binary', () => {
        if (name === 'neutron-proxy-cmdline') return expect(parseProxyCmdline(['\u0000'])).toBeUndefined()
        expect(() => parse('a\u0000b')).toThrow(/binary data/)
        expect(() => parse(randomBytes(4096).toString('utf8'))).toThrow(/binary data/)
      })
    })
  }
})

// One long line, 300 KB and then 3 MB: a linear parser takes about ten times as long; a rescan
// (a backtracking regex such as /\s+$/ on blanks, an indexOf loop) takes a hundred times as long.
const LONG_LINES: Record<string, (n: number) => string> = {
  'blanks then a letter': (n) => `${' '.repeat(n)}x`,
  'digits and blanks': (n) => '1 '.repeat(n / 2),
  letters: (n) => 'a'.repeat(n),
  'slashes and dots': (n) => '/.'.repeat(n / 2),
  'tabs and colons': (n) => '\t:'.repeat(n / 2),
}

describe('one long line costs every parser time linear in its length', () => {
  const timed = (parse: (t: string) => unknown, text: string): number => {
    const started = performance.now()
    survive(parse, text)
    return performance.now() - started
  }
  for (const [name, {parse, prefix}] of Object.entries(PARSERS)) {
    for (const [shape, make] of Object.entries(LONG_LINES)) {
      it(`${name}: ${shape}`, () => {
        const small = Math.max(timed(parse, `${prefix}${make(300 * 1024)}\n`), timed(parse, `${prefix}${make(300 * 1024)}\n`))
        const big = timed(parse, `${prefix}${make(3 * 1024 * 1024)}\n`)
        expect(big, `${Math.round(big)} ms for 3 MB vs ${Math.round(small)} ms for 300 KB`).toBeLessThan(Math.max(30 * small, 300))
      })
    }
  }
})

describe('every sample is either data or refused, as its name says', () => {
  for (const [name, {parse, sampleName}] of Object.entries(PARSERS)) {
    if (name === 'neutron-proxy-cmdline') continue
    for (const file of samplesOf(sampleName)) {
      it(`${file} is ${isRefusedSample(file) ? 'refused with a ParseError' : 'parsed'}`, () => {
        expect(survive(parse, sample(file))).toBe(isRefusedSample(file) ? 'refused' : 'parsed')
      })
    }
  }
})

describe('error messages a capture can carry are refused by every text parser', () => {
  const errors = [
    'iptables-save: command not found',
    'Cannot open network namespace "qrouter-5a3c3b4e-1111-2222-3333-444455556666": No such file or directory',
    'nsenter: cannot open /run/netns/qrouter-x: No such file or directory',
    'sudo: a password is required',
    'Permission denied',
  ]
  for (const [name, {parse}] of Object.entries(PARSERS)) {
    if (name === 'neutron-proxy-cmdline' || name === 'ini') continue
    it(`${name} refuses them`, () => {
      for (const e of errors) expect(survive(parse, `${e}\n`), e).toBe('refused')
    })
  }

  it('ini keeps going but reports each as a line it skipped (an ini file has no error format)', () => {
    for (const e of errors) expect(parseIni(`${e}\n`).warnings.length, e).toBe(1)
  })
})
