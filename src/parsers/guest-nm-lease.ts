/**
 * NetworkManager's DHCPv4 options as `nmcli -f GENERAL.DEVICE,DHCP4 device show [<if>]`
 * prints them (also `nmcli -t`). The option names are NM's (`src/core/dhcp/nm-dhcp-options.c`):
 *
 * ```
 * GENERAL.DEVICE:                         eth0
 * DHCP4.OPTION[1]:                        dhcp_server_identifier = 10.0.0.2
 * DHCP4.OPTION[2]:                        expiry = 1763719605
 * DHCP4.OPTION[3]:                        ip_address = 10.0.0.18
 * DHCP4.OPTION[4]:                        ms_classless_static_routes = 169.254.169.254/32 10.0.0.2 0.0.0.0/0 10.0.0.1
 * DHCP4.OPTION[5]:                        rfc3442_classless_static_routes = 169.254.169.254/32 10.0.0.2 0.0.0.0/0 10.0.0.1
 * DHCP4.OPTION[6]:                        routers = 10.0.0.1
 * ```
 *
 * The internal (nettools) client writes routes as `dst/plen gw` pairs; NM with the dhclient
 * backend passes dhclient's bytes through (`32 169 254 169 254 10 0 0 2 0 10 0 0 1`). Both are
 * decoded. NM's dhclient-backend lease files are dhclient lease files: use
 * `parseDhclientLeases` for those.
 *
 * Contract:
 * - One lease per device that has DHCP4 options, in output order; `GENERAL.DEVICE` names it
 *   (absent with `-f DHCP4` alone). `requested_*` entries are ignored.
 * - Refused (ParseError): binary data; text that has no `NAME: value` field (wrong format).
 * - Partial: a line that is not an nmcli field ends the parse there; an undecodable route
 *   option keeps the routes before the defect. `.warnings` names each.
 */
import {clip, splitLines, withWarnings} from './guest-addr.js'
import {applyNamedOption, type Lease} from './guest-dhcp-routes.js'
import {assertText, ParseError} from './errors.js'
import type {Leases} from './guest-dhclient-lease.js'

const FIELD = /^([A-Z][A-Z0-9-]*(?:\.[A-Za-z0-9_-]+)*(?:\[\d+\])?):\s*(.*)$/

export function parseNetworkManagerDhcp(text: string): Leases {
  assertText(text, 'nmcli DHCP4')
  const leases: Lease[] = []
  const warnings: string[] = []
  let current: Lease | undefined
  let device: string | undefined
  let fields = 0
  for (const [i, raw] of splitLines(text).entries()) {
    const line = raw.trim()
    if (line === '') continue
    const m = FIELD.exec(line)
    if (!m) {
      if (fields === 0) throw new ParseError(`nmcli: line ${i + 1} is not "FIELD: value": ${clip(line)}`)
      warnings.push(`nmcli: line ${i + 1} is not "FIELD: value" (${clip(line)}); stopped there`)
      break
    }
    fields++
    const [, field = '', value = ''] = m
    if (field === 'GENERAL.DEVICE') {
      device = value.trim()
      current = undefined
      continue
    }
    if (!field.startsWith('DHCP4.OPTION')) continue
    const opt = /^([a-z0-9_]+)\s*=\s*(.*)$/.exec(value.trim())
    if (!opt) {
      warnings.push(`nmcli: line ${i + 1}: DHCP4 option is not "name = value" (${clip(value)}); skipped`)
      continue
    }
    if (!current) {
      current = {format: 'nmcli'}
      if (device !== undefined) current.iface = device
      leases.push(current)
    }
    applyNamedOption(current, opt[1] ?? '', opt[2] ?? '', warnings)
  }
  return withWarnings(leases, warnings)
}
