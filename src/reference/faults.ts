// Injected faults, per component. Written as in `--fault` flags and config: `delay=2000`,
// `status=500`, `drop-header=X-Tenant-ID`, `wrong-secret`, `close`, `refuse`.
import {ReferenceConfigError} from './errors.js'
import {HAPROXY_STATUSES} from './haproxy-pages.js'
import {WEBOB_STATUS} from './webob-error.js'

export type Component = 'proxy' | 'agent' | 'api'
export const COMPONENTS: readonly Component[] = ['proxy', 'agent', 'api']

export type Fault =
  | {kind: 'delay'; ms: number}
  | {kind: 'status'; status: number}
  | {kind: 'drop-header'; header: string}
  | {kind: 'wrong-secret'}
  | {kind: 'close'}
  | {kind: 'refuse'}

/** The faults of one component, folded into what its request path checks. */
export interface FaultSet {
  delayMs: number
  status: number | null
  close: boolean
  refuse: boolean
  wrongSecret: boolean
  /** lower-case header names */
  dropHeaders: ReadonlySet<string>
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
export const MAX_DELAY_MS = 600_000

export function formatFault(f: Fault): string {
  switch (f.kind) {
    case 'delay':
      return `delay=${f.ms}`
    case 'status':
      return `status=${f.status}`
    case 'drop-header':
      return `drop-header=${f.header}`
    default:
      return f.kind
  }
}

/** Parse one fault for `component`; `where` names the flag or config field in errors. */
export function parseFault(spec: string, component: Component, where: string): Fault {
  const s = spec.trim()
  const eq = s.indexOf('=')
  const name = (eq === -1 ? s : s.slice(0, eq)).toLowerCase()
  const value = eq === -1 ? undefined : s.slice(eq + 1).trim()
  const bad = (why: string): never => {
    throw new ReferenceConfigError(`${where}: ${JSON.stringify(spec)}: ${why}`)
  }
  const needValue = (): string => value || bad(`${name} needs a value (${name}=...)`)
  const noValue = (): void => {
    if (value !== undefined) bad(`${name} takes no value`)
  }
  switch (name) {
    case 'delay': {
      const v = needValue()
      if (!/^\d+$/.test(v) || Number(v) > MAX_DELAY_MS) bad(`delay is whole milliseconds, 0..${MAX_DELAY_MS}`)
      return {kind: 'delay', ms: Number(v)}
    }
    case 'status': {
      const v = needValue()
      const status = /^\d{3}$/.test(v) ? Number(v) : Number.NaN
      if (component === 'proxy') {
        if (!HAPROXY_STATUSES.includes(status)) bad(`haproxy can only answer ${HAPROXY_STATUSES.join(', ')}`)
      } else if (!(status >= 400 && WEBOB_STATUS[status])) {
        bad(`status must be an HTTP error code webob knows (${Object.keys(WEBOB_STATUS).join(', ')})`)
      }
      return {kind: 'status', status}
    }
    case 'drop-header': {
      const v = needValue()
      if (!TOKEN.test(v)) bad('not a header name')
      return {header: v, kind: 'drop-header'}
    }
    case 'wrong-secret':
      noValue()
      if (component === 'proxy') bad('wrong-secret applies to the agent (signs) or the api (verifies), not the proxy')
      return {kind: 'wrong-secret'}
    case 'close':
    case 'refuse':
      noValue()
      return {kind: name}
    default:
      return bad('unknown fault (delay=MS, status=CODE, drop-header=NAME, wrong-secret, close, refuse)')
  }
}

/** `--fault` for `reference up`: `component:fault`; for a single component the prefix is optional. */
export function parseFaultFlag(spec: string, only?: Component): {component: Component; fault: Fault} {
  const m = /^(proxy|agent|api):(.*)$/i.exec(spec.trim())
  const component = (m ? (m[1] as string).toLowerCase() : only) as Component | undefined
  if (!component) throw new ReferenceConfigError(`--fault ${JSON.stringify(spec)}: say which component: proxy:${spec}, agent:${spec} or api:${spec}`)
  if (only && component !== only) throw new ReferenceConfigError(`--fault ${JSON.stringify(spec)}: this command runs the ${only} only`)
  return {component, fault: parseFault(m ? (m[2] as string) : spec, component, '--fault')}
}

export function foldFaults(faults: readonly Fault[]): FaultSet {
  const set = {close: false, delayMs: 0, dropHeaders: new Set<string>(), refuse: false, status: null as number | null, wrongSecret: false}
  for (const f of faults) {
    if (f.kind === 'delay') set.delayMs += f.ms
    else if (f.kind === 'status') set.status = f.status
    else if (f.kind === 'drop-header') set.dropHeaders.add(f.header.toLowerCase())
    else if (f.kind === 'wrong-secret') set.wrongSecret = true
    else if (f.kind === 'close') set.close = true
    else set.refuse = true
  }
  return set
}

/** A key nobody configured: what a component signs or verifies with under `wrong-secret`. */
export const wrongSecretFor = (secret: string): string => `${secret}\u0000mdctl-wrong-secret`
