/**
 * The DHCPv4 options OVN hands a port, read from the action of its `ls_in_dhcp_options` logical
 * flow in the Southbound DB (a chassis can read it without NB access). Sample action (OVN 23.03,
 * neutron 21.0.0 options):
 *
 *   reg0[3] = put_dhcp_opts(offerip = 10.44.0.10, classless_static_route = {169.254.169.254/32,10.44.0.2,
 *     0.0.0.0/0,10.44.0.1}, lease_time = 43200, mtu = 1442, netmask = 255.255.255.0, router = 10.44.0.1,
 *     server_id = 10.44.0.1); next;
 *
 * Contract: undefined when the action holds no put_dhcp_opts (the flow's plain `next;`); else the
 * options as strings by name (braces kept for set values), plus the classless routes parsed as
 * {destination, via}. One pass over the text; unbalanced input is a ParseError.
 */
import {ParseError} from './errors.js'

export interface OvnDhcpOpts {
  options: Record<string, string>
  /** classless_static_route entries; empty when the option is absent */
  routes: Array<{destination: string; via: string}>
}

export function parseOvnDhcpAction(action: string): OvnDhcpOpts | undefined {
  const start = action.indexOf('put_dhcp_opts(')
  if (start < 0) return undefined
  const options: Record<string, string> = Object.create(null) as Record<string, string>
  let depth = 0
  let cur = ''
  let closed = false
  const flush = (): void => {
    const eq = cur.indexOf('=')
    if (eq > 0) options[cur.slice(0, eq).trim()] = cur.slice(eq + 1).trim()
    cur = ''
  }
  for (let i = start + 'put_dhcp_opts('.length; i < action.length; i++) {
    const ch = action[i]!
    if (ch === '{') depth++
    if (ch === '}') depth--
    if (depth < 0) throw new ParseError('unbalanced braces in put_dhcp_opts')
    if (depth === 0 && ch === ')') {
      flush()
      closed = true
      break
    }
    if (depth === 0 && ch === ',') flush()
    else cur += ch
  }
  if (!closed) throw new ParseError('put_dhcp_opts( without its closing parenthesis')
  const raw = options.classless_static_route
  const routes: OvnDhcpOpts['routes'] = []
  if (raw) {
    const items = raw.replace(/^\{|\}$/g, '').split(',').map((s) => s.trim().replace(/^"|"$/g, ''))
    for (let i = 0; i + 1 < items.length; i += 2) routes.push({destination: items[i]!, via: items[i + 1]!})
  }
  return {options, routes}
}
