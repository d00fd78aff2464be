// The guest's DHCP client: real ISC dhclient with its own config, lease and pid files in the lab
// directory, and a small -sf script that only runs `ip addr`/`ip route` on the guest interface.
// Debian's /sbin/dhclient-script is not used: it rewrites the host's /etc/resolv.conf.
import type {LabPaths} from './plan.js'

export function dhclientConf(requestOption121: boolean): string {
  // Without option 121 in the request list dnsmasq does not send it (neutron uses option:, not
  // option-force:), as with CentOS 6's default dhclient configuration.
  // `timeout`: with -1, dhclient gives up (exit 2) after this many seconds without an offer
  return requestOption121
    ? 'timeout 10;\noption rfc3442-classless-static-routes code 121 = array of unsigned integer 8;\n' +
        'request subnet-mask, broadcast-address, routers, interface-mtu, rfc3442-classless-static-routes;\n'
    : 'timeout 10;\nrequest subnet-mask, broadcast-address, routers, interface-mtu;\n'
}

export const DHCLIENT_SCRIPT = `#!/bin/sh
# dhclient -sf script of the mdctl lab guest: applies the leased address, then the option 121
# routes (RFC 3442: they replace the routers option) or else the default route.
PATH=/usr/sbin:/usr/bin:/sbin:/bin
case "$reason" in
PREINIT)
  ip link set dev "$interface" up
  ;;
BOUND|REBOOT|RENEW|REBIND)
  if [ "\${old_ip_address:-}" = "$new_ip_address" ] && [ "$reason" != BOUND ] && [ "$reason" != REBOOT ]; then exit 0; fi
  ip -4 addr flush dev "$interface" scope global
  ip -4 addr add "$new_ip_address/$new_subnet_mask" broadcast "$new_broadcast_address" dev "$interface"
  if [ -n "\${new_rfc3442_classless_static_routes:-}" ]; then
    set -- $new_rfc3442_classless_static_routes
    while [ $# -ge 5 ]; do
      len=$1; shift
      d1=0; d2=0; d3=0; d4=0
      [ "$len" -gt 0 ] && { d1=$1; shift; }
      [ "$len" -gt 8 ] && { d2=$1; shift; }
      [ "$len" -gt 16 ] && { d3=$1; shift; }
      [ "$len" -gt 24 ] && { d4=$1; shift; }
      gw="$1.$2.$3.$4"; shift 4
      if [ "$gw" = 0.0.0.0 ]; then
        ip -4 route replace "$d1.$d2.$d3.$d4/$len" dev "$interface"
      else
        ip -4 route replace "$d1.$d2.$d3.$d4/$len" via "$gw" dev "$interface"
      fi
    done
  elif [ -n "\${new_routers:-}" ]; then
    ip -4 route replace default via "\${new_routers%% *}" dev "$interface"
  fi
  ;;
EXPIRE|FAIL|RELEASE|STOP)
  ip -4 addr flush dev "$interface" scope global
  ;;
esac
exit 0
`

export function dhclientArgv(p: Pick<LabPaths, 'dhclientConf' | 'dhclientLeases' | 'dhclientPid' | 'dhclientScript'>): string[] {
  return ['dhclient', '-1', '-v', '-cf', p.dhclientConf, '-lf', p.dhclientLeases, '-pf', p.dhclientPid, '-sf', p.dhclientScript, 'eth0']
}
