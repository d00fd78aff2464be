/**
 * Proxy environment in the guest: would a request to http://169.254.169.254 go through an
 * HTTP proxy? Input is `env` output or `/proc/<pid>/environ` (NUL-separated), e.g.
 *
 * ```
 * http_proxy=http://proxy.example:3128
 * no_proxy=localhost,127.0.0.1,169.254.169.254
 * ```
 *
 * Client rules modelled (a proxy in the path turns every metadata answer into the proxy's):
 * - curl ≥ 7.86: proxy from `http_proxy` (lower case only, `HTTP_PROXY` is ignored), else
 *   `all_proxy`/`ALL_PROXY`; `no_proxy`, else `NO_PROXY`; `*` alone bypasses all; for an IP
 *   host only an equal address or a containing CIDR matches (lib/noproxy.c).
 * - python-requests (cloud-init): `http_proxy` or `HTTP_PROXY` (lower case wins; the upper
 *   one is dropped when REQUEST_METHOD is set), else `all_proxy`; `no_proxy`/`NO_PROXY`
 *   entries match as an equal IP, a containing CIDR, or a DNS suffix (`.254` matches!), and
 *   `*` alone bypasses all (requests.utils.should_bypass_proxies + urllib).
 *
 * Contract: `parseEnvOutput` keeps the last value of a name, treats a line that does not
 * start a `NAME=` as the continuation of the previous value (multi-line values in `env`),
 * and refuses only binary data. `metadataProxyBypass` never throws; credentials in a proxy
 * URL are replaced by `***` in `via` and `reason`.
 */
import {assertText} from './errors.js'
import {cidrContains, clip, parseCidr} from './guest-addr.js'

export const METADATA_HOST = '169.254.169.254'

export type ProxyClient = 'curl' | 'requests'

export interface ProxyVerdict {
  proxied: boolean
  /** the proxy URL, credentials masked */
  via?: string
  reason: string
}

export function parseEnvOutput(text: string): Record<string, string> {
  // /proc/<pid>/environ separates with NUL, which assertText would refuse as binary
  const t = text.includes('\u0000') ? text.split('\u0000').join('\n') : text
  assertText(t, 'environment')
  const entries = new Map<string, string>()
  let last: string | undefined
  for (const line of t.split('\n')) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(line)
    if (m) {
      last = m[1] ?? ''
      entries.delete(last)
      entries.set(last, m[2] ?? '')
    } else if (last !== undefined && line !== '') entries.set(last, `${entries.get(last) ?? ''}\n${line}`)
  }
  return Object.fromEntries(entries)
}

/**
 * Would http://169.254.169.254 be sent through a proxy? With no `client`, both curl and
 * python-requests are judged and `proxied` is true when either would use the proxy.
 */
export function metadataProxyBypass(env: Record<string, string>, client?: ProxyClient): ProxyVerdict {
  if (client) return judge(env, client)
  const curl = judge(env, 'curl')
  const requests = judge(env, 'requests')
  if (curl.proxied === requests.proxied) {
    const v: ProxyVerdict = {proxied: curl.proxied, reason: curl.reason === requests.reason ? curl.reason : `curl: ${curl.reason}; python-requests (cloud-init): ${requests.reason}`}
    const via = curl.via ?? requests.via
    if (via !== undefined) v.via = via
    return v
  }
  const hit = curl.proxied ? curl : requests
  const v: ProxyVerdict = {proxied: true, reason: `${curl.proxied ? 'curl' : 'python-requests (cloud-init)'} would use the proxy: ${hit.reason}; ${curl.proxied ? 'python-requests' : 'curl'} would not: ${(curl.proxied ? requests : curl).reason}`}
  if (hit.via !== undefined) v.via = hit.via
  return v
}

function judge(env: Record<string, string>, client: ProxyClient): ProxyVerdict {
  const get = (name: string): string | undefined => {
    const v = Object.prototype.hasOwnProperty.call(env, name) ? env[name] : undefined
    return v === undefined || v === '' ? undefined : v
  }
  let proxyVar: string | undefined
  if (client === 'curl') proxyVar = ['http_proxy', 'all_proxy', 'ALL_PROXY'].find((n) => get(n))
  else {
    const upperHttp = 'REQUEST_METHOD' in env ? undefined : 'HTTP_PROXY'
    proxyVar = ['http_proxy', upperHttp, 'all_proxy', 'ALL_PROXY'].find((n): n is string => n !== undefined && get(n) !== undefined)
  }
  if (proxyVar === undefined) {
    const ignored = client === 'curl' && get('HTTP_PROXY') ? ' (HTTP_PROXY is set, but curl ignores the upper-case name for http)' : ''
    return {proxied: false, reason: `no proxy variable applies${ignored}`}
  }
  const via = maskCredentials(get(proxyVar) ?? '')
  const noProxyVar = ['no_proxy', 'NO_PROXY'].find((n) => get(n))
  if (noProxyVar === undefined) return {proxied: true, via, reason: `${proxyVar}=${via} and no no_proxy/NO_PROXY`}
  const noProxy = get(noProxyVar) ?? ''
  const match = client === 'curl' ? curlNoProxyMatch(noProxy) : requestsNoProxyMatch(noProxy)
  if (match !== undefined) return {proxied: false, via, reason: `${noProxyVar} entry "${clip(match, 60)}" exempts ${METADATA_HOST}`}
  return {proxied: true, via, reason: `${proxyVar}=${via} and ${noProxyVar}="${clip(noProxy, 120)}" does not exempt ${METADATA_HOST}`}
}

function curlNoProxyMatch(noProxy: string): string | undefined {
  if (noProxy.trim() === '*') return '*'
  for (const token of noProxy.split(/[\s,]+/)) {
    if (token === '') continue
    const slash = token.indexOf('/')
    const ip = slash === -1 ? token : token.slice(0, slash)
    const bits = slash === -1 ? 32 : Number(token.slice(slash + 1))
    // curl treats /0 and a bad length as "whole address" (atoi → 0 → 32)
    const len = Number.isInteger(bits) && bits > 0 && bits <= 32 ? bits : 32
    if (cidrContains(`${ip}/${len}`, METADATA_HOST)) return token
  }
  return undefined
}

function requestsNoProxyMatch(noProxy: string): string | undefined {
  const host = METADATA_HOST
  for (const entry of noProxy.replace(/ /g, '').split(',')) {
    if (entry === '') continue
    const c = entry.includes('/') ? parseCidr(entry) : undefined
    if (c && c.family === 4 && c.prefix >= 1 && cidrContains(c, host)) return entry
    if (entry === host) return entry
  }
  if (noProxy === '*') return '*'
  for (const raw of noProxy.split(',')) {
    const name = raw.trim().replace(/^\.+/, '').toLowerCase()
    if (name === '') continue
    if (host === name || host.endsWith(`.${name}`)) return raw.trim()
  }
  return undefined
}

function maskCredentials(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^/@\s]*@/i, (_m, scheme: string | undefined) => `${scheme ?? ''}***@`)
}
