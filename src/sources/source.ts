import type {EvidenceKey, Paths} from '../evidence/registry.js'
import type {Capture} from './capture.js'

export type SourceKind = 'live' | 'ssh' | 'bundle' | 'sosreport'

/** What a signed or header-carrying probe needs; the live source fills in what only it may know. */
export interface ProbeSpec {
  key: 'probe.agent' | 'probe.nova-root' | 'probe.nova-signed' | 'probe.ns-http'
  /** identifies the probe inside a bundle: a namespace, `router:<id>@<ip>`, a URL */
  param: string
  url?: string
  headers?: Record<string, string>
  netns?: string
  /** probe.nova-signed: sign with the agent's secret, or with a random key (a control: does nova check signatures at all?) */
  signWith?: 'agent' | 'random'
  /** capture id of the agent config whose shared secret signs the probe (live only) */
  secretFrom?: string
}

/**
 * A place evidence comes from. Live host, ssh guest and bundle replay return the same Capture
 * records for the same (key, param), so the planner and the checks cannot tell them apart.
 */
export interface Source {
  readonly kind: SourceKind
  readonly origin: string
  readonly capturedAt: string
  /** salt of the secret fingerprints in this source's captures */
  readonly salt: string
  get(key: EvidenceKey, paths: Paths, param?: string): Promise<Capture>
  /** `netns.iptables`, `netns.listeners`, `netns.addr` of one namespace (one process tree when live) */
  netns(ns: string, paths: Paths): Promise<Capture[]>
  probe(spec: ProbeSpec, paths: Paths): Promise<Capture>
  /** release helper processes, if any */
  close?(): void
}

/** A capture standing for evidence that is not there at all (not in the bundle, not collected). */
export function absent(key: string, param: string | undefined, origin: string, reason: string): Capture {
  return {argv: [], durationMs: 0, exitCode: -1, failure: 'error', key, origin, ...(param === undefined ? {} : {param}), stderr: reason, stdout: ''}
}
