import type {Hop} from '../hops.js'

export type Severity = 'fail' | 'warn' | 'info' | 'pass'

export interface Evidence {
  /** evidence key, with the parameter when the key fans out: `netns.iptables[qrouter-…]` */
  readonly key: string
  readonly origin: string
  readonly excerpt: string
}

export interface Fix {
  readonly text: string
  readonly commands?: readonly string[]
}

export interface Finding {
  readonly check: string
  readonly hop: Hop
  readonly severity: Severity
  readonly code: string
  readonly subject: string
  readonly summary: string
  readonly evidence: readonly Evidence[]
  readonly fix?: Fix
}

export type CheckStatus = 'ran' | 'skipped' | 'not-evaluated' | 'crashed'

export interface CheckRun {
  readonly id: string
  readonly hop: Hop
  readonly status: CheckStatus
  readonly reason?: string
  readonly durationMs: number
  /** a configuration-only check: its pass alone does not judge the hop */
  readonly supporting?: boolean
  /** hops this check saw something wrong with but could not tell apart (`reason` says how to) */
  readonly unjudgedHops?: readonly Hop[]
}

export type HopStatus = 'pass' | 'warn' | 'fail' | 'skip' | 'not-evaluated'

export interface Report {
  readonly schemaVersion: 1
  readonly tool: {readonly name: 'mdctl'; readonly version: string}
  readonly source: {readonly kind: 'live' | 'ssh' | 'bundle' | 'sosreport' | 'fleet'; readonly origin: string; readonly capturedAt: string}
  readonly verdict: {
    readonly status: 'ok' | 'degraded' | 'broken' | 'unknown'
    readonly firstFailingHop: Hop | null
    readonly summary: string
  }
  readonly hops: ReadonlyArray<{readonly hop: Hop; readonly status: HopStatus; readonly checks: readonly string[]}>
  readonly findings: readonly Finding[]
  readonly checks: readonly CheckRun[]
  /** fleet reports only: one entry per inventory host, in name order */
  readonly hosts?: readonly FleetHostEntry[]
}

/**
 * A host of a fleet report. `report` is that host's own report (the usual doctor report of its
 * bundle) when it was captured; otherwise `reason` says why it was not judged.
 */
export interface FleetHostEntry {
  readonly name: string
  readonly status: 'captured' | 'unreachable' | 'no-python' | 'failed'
  readonly roles: ReadonlyArray<'agent' | 'nova' | 'ovn'>
  /** deployment layout seen on the host: packages, kolla, tripleo, osa */
  readonly layout?: string
  readonly reason?: string
  readonly report?: Report
}
