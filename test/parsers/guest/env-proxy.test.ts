import {describe, expect, it} from 'vitest'
import {metadataProxyBypass, parseEnvOutput} from '../../../src/parsers/guest-env-proxy.js'
import {expectParseError, sample} from './helpers.js'

const PROXY = {http_proxy: 'http://proxy.example:3128'}

describe('parseEnvOutput', () => {
  it('reads NUL-separated /proc/<pid>/environ and newline-separated env to the same variables (real captures)', () => {
    const environ = parseEnvOutput(sample('env--proc-environ.txt'))
    expect(environ).toEqual({PATH: '/usr/sbin:/usr/bin:/sbin:/bin', http_proxy: 'http://proxy.example:3128', HTTPS_PROXY: 'http://proxy.example:3128', no_proxy: 'localhost,127.0.0.1,.novalocal'})
    expect(parseEnvOutput(sample('env--env.txt'))).toEqual(environ)
  })

  it('keeps multi-line values of `env` and the last value of a repeated name', () => {
    expect(parseEnvOutput('A=1\nB=line one\nline two\nA=2\n')).toEqual({B: 'line one\nline two', A: '2'})
  })

  it('gives nothing for empty input and refuses binary data', () => {
    expect(parseEnvOutput(sample('env--empty.txt'))).toEqual({})
    expectParseError(() => parseEnvOutput(sample('env--binary.txt')), /binary/)
  })
})

describe('metadataProxyBypass', () => {
  it('sends 169.254.169.254 through the proxy when no_proxy lists only other hosts (real env capture)', () => {
    const v = metadataProxyBypass(parseEnvOutput(sample('env--proc-environ.txt')))
    expect(v).toMatchObject({proxied: true, via: 'http://proxy.example:3128'})
    expect(v.reason).toMatch(/does not exempt 169\.254\.169\.254/)
  })

  it.each([
    ['169.254.169.254', {no_proxy: '169.254.169.254'}],
    ['a containing CIDR', {no_proxy: 'localhost,169.254.0.0/16'}],
    ['the upper-case NO_PROXY', {NO_PROXY: '169.254.169.254'}],
    ['* alone', {no_proxy: '*'}],
  ])('bypasses the proxy for %s', (_name, extra) => {
    expect(metadataProxyBypass({...PROXY, ...extra})).toMatchObject({proxied: false})
  })

  it.each([
    ['a lone dot', {no_proxy: '.'}],
    ['a domain suffix', {no_proxy: '.novalocal,localhost'}],
    ['a different /32', {no_proxy: '169.254.169.253'}],
    ['* inside a list (only * alone means all)', {no_proxy: 'localhost,*'}],
  ])('does not bypass for %s', (_name, extra) => {
    expect(metadataProxyBypass({...PROXY, ...extra}).proxied).toBe(true)
  })

  it('knows curl ignores upper-case HTTP_PROXY for http while python-requests (cloud-init) uses it', () => {
    const env = {HTTP_PROXY: 'http://proxy.example:3128'}
    expect(metadataProxyBypass(env, 'curl')).toMatchObject({proxied: false, reason: expect.stringMatching(/curl ignores the upper-case name/)})
    expect(metadataProxyBypass(env, 'requests')).toMatchObject({proxied: true})
    const both = metadataProxyBypass(env)
    expect(both.proxied).toBe(true)
    expect(both.reason).toMatch(/^python-requests \(cloud-init\) would use the proxy/)
  })

  it("models python's DNS-suffix match, which exempts the IP for `.254`; curl does not", () => {
    const env = {...PROXY, no_proxy: '.254'}
    expect(metadataProxyBypass(env, 'requests').proxied).toBe(false)
    expect(metadataProxyBypass(env, 'curl').proxied).toBe(true)
  })

  it('knows only curl accepts spaces as no_proxy separators', () => {
    const env = {...PROXY, no_proxy: 'localhost 169.254.169.254'}
    expect(metadataProxyBypass(env, 'curl').proxied).toBe(false)
    expect(metadataProxyBypass(env, 'requests').proxied).toBe(true)
  })

  it('ignores upper-case HTTP_PROXY in python when REQUEST_METHOD is set (CGI rule)', () => {
    expect(metadataProxyBypass({HTTP_PROXY: 'http://p:3128', REQUEST_METHOD: 'GET'}, 'requests').proxied).toBe(false)
  })

  it('uses all_proxy when no http proxy is set', () => {
    expect(metadataProxyBypass({ALL_PROXY: 'socks5://p:1080'})).toMatchObject({proxied: true, via: 'socks5://p:1080'})
  })

  it('masks credentials in the proxy URL', () => {
    const v = metadataProxyBypass({http_proxy: 'http://alice:s3cret@proxy.example:3128'})
    expect(v.via).toBe('http://***@proxy.example:3128')
    expect(JSON.stringify(v)).not.toMatch(/s3cret|alice/)
  })

  it('says no proxy applies for an empty environment or empty values', () => {
    expect(metadataProxyBypass({})).toEqual({proxied: false, reason: 'no proxy variable applies'})
    expect(metadataProxyBypass({http_proxy: ''}).proxied).toBe(false)
  })
})
