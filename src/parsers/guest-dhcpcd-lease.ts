/**
 * `dhcpcd --dumplease <if>` / `dhcpcd -U <if>`: the lease as shell assignments (also the
 * `new_*` variables dhcpcd hooks see). Format per dhcpcd's own docs and cloud-init
 * (`cloudinit/net/dhcp.py` Dhcpcd.parse_static_routes):
 *
 * ```
 * broadcast_address='10.0.0.255'
 * classless_static_routes='169.254.169.254/32 10.0.0.2 0.0.0.0/0 10.0.0.1'
 * dhcp_server_identifier='10.0.0.2'
 * interface='eth0'
 * ip_address='10.0.0.5'
 * ms_classless_static_routes='169.254.169.254/32 10.0.0.2 0.0.0.0/0 10.0.0.1'
 * routers='10.0.0.1'
 * ```
 *
 * Contract:
 * - One lease per interface dump: dhcpcd without an interface prints them back to back, so a
 *   name seen a second time starts the next lease. A `new_` prefix is dropped. Shell quoting is undone.
 * - Refused (ParseError): binary data; text with no `name=value` line (wrong format, or an
 *   error such as `dhcpcd: eth0: no lease to dump`).
 * - Partial: a line that is not an assignment ends the parse; an undecodable route option
 *   keeps the routes before the defect. `.warnings` names each.
 */
import {clip, splitLines, withWarnings} from './guest-addr.js'
import {applyNamedOption, type Lease} from './guest-dhcp-routes.js'
import {parseShellAssignments} from './guest-sysconfig-network.js'
import {assertText, ParseError} from './errors.js'
import type {Leases} from './guest-dhclient-lease.js'

export function parseDhcpcdDumplease(text: string): Leases {
  assertText(text, 'dhcpcd --dumplease')
  const lines = splitLines(text)
  const assignments = parseShellAssignments(text)
  const warnings: string[] = []
  const firstContent = lines.findIndex((l) => l.trim() !== '' && !l.trim().startsWith('#'))
  if (firstContent === -1) return withWarnings([], [])
  if (assignments.length === 0 || (assignments[0]?.line ?? 0) - 1 !== firstContent) {
    throw new ParseError(`dhcpcd --dumplease: not name=value output: ${clip(lines[firstContent]?.trim() ?? '')}`)
  }
  // stop at the first line that is neither blank, a comment nor an assignment
  const assigned = new Set(assignments.map((a) => a.line))
  const badAt = lines.findIndex((l, i) => l.trim() !== '' && !l.trim().startsWith('#') && !assigned.has(i + 1))
  const usable = badAt === -1 ? assignments : assignments.filter((a) => a.line - 1 < badAt)
  if (badAt !== -1) warnings.push(`dhcpcd --dumplease: line ${badAt + 1} is not name=value (${clip(lines[badAt] ?? '')}); stopped there`)

  const leases: Lease[] = []
  let current: Lease | undefined
  let seen = new Set<string>()
  for (const {key, value} of usable) {
    const name = key.startsWith('new_') ? key.slice(4) : key
    // a name seen twice starts the next interface's dump (dhcpcd prints them back to back)
    if (seen.has(name)) {
      current = undefined
      seen = new Set()
    }
    seen.add(name)
    current ??= pushLease(leases)
    applyNamedOption(current, name, value, warnings)
  }
  return withWarnings(leases, warnings)
}

function pushLease(leases: Lease[]): Lease {
  const l: Lease = {format: 'dhcpcd'}
  leases.push(l)
  return l
}
