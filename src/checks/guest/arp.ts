import type {Check} from '../../engine/check.js'
import {ev} from '../../engine/parsed.js'
import {isIPv4Address} from '../../parsers/guest-addr.js'
import {answeredProbe, type GuestModel} from '../../model/guest-model.js'

/** The next hop towards 169.254.169.254 (the gateway, or the address itself when on-link) answers ARP. */
export const guestNextHopArp: Check<GuestModel> = {
  evidence: ['guest.neigh', 'guest.route-get'],
  hop: 'guest-arp',
  id: 'guest-next-hop-arp',
  needs: ['routeGet', 'neigh'],
  applies: (m) => (m.routeGet.ok && 'unreachable' in m.routeGet.value ? 'no route, so no next hop' : undefined),
  title: 'the next hop to 169.254.169.254 answers ARP',
  run(m, out) {
    if (!m.routeGet.ok || 'unreachable' in m.routeGet.value || !m.neigh.ok) return
    const g = m.routeGet.value
    const hop = g.gateway ?? '169.254.169.254'
    const n = m.neigh.value.find((x) => x.ip === hop && (!g.dev || !x.dev || x.dev === g.dev))
    const subject = `${hop}${g.dev ? ` dev ${g.dev}` : ''}`
    if (!n) {
      out.info({code: 'GUEST_NEIGHBOUR_UNKNOWN', evidence: [ev(m.neigh, `no entry for ${hop}`)], subject, summary: m.passive ? 'no neighbour entry yet (run without --passive: the probe makes the guest ARP)' : 'no neighbour entry for the next hop'})
      return
    }
    const state = n.state.toUpperCase()
    const answered = answeredProbe(m)
    if ((state === 'INCOMPLETE' || state === 'FAILED') && answered) {
      // an HTTP answer came back: the entry is stale or was caught mid-resolution
      out.pass({code: 'GUEST_ARP_OK', evidence: [ev(answered, `GET ${answered.value.path} got an HTTP answer`), ev(m.neigh, `${n.ip} ${state}`)], subject, summary: `next hop ${hop} answered (the probe got through; its neighbour entry reads ${state})`})
      return
    }
    if (state === 'INCOMPLETE' || state === 'FAILED') {
      const onLink = !g.gateway
      out.fail({
        code: 'GUEST_ARP_FAILED',
        evidence: [ev(m.neigh, `${n.ip}${n.dev ? ` dev ${n.dev}` : ''} ${state}`)],
        fix: onLink
          ? {commands: ['ip route get 169.254.169.254', "echo 'NOZEROCONF=yes' >> /etc/sysconfig/network"], text: '169.254.169.254 is treated as on-link and nothing on the segment answers ARP for it: route it via the gateway (remove the zeroconf route, or get the option-121 host route).'}
          : {commands: [`arping -c 3 -I ${g.dev ?? 'eth0'} ${hop}`, ...(isIPv4Address(hop) ? [`openstack port list --fixed-ip ip-address=${hop} --long`] : [])], text: `The gateway ${hop} does not answer ARP: its router/DHCP port is down, not bound on this host, or port security drops the guest.`},
        subject,
        summary: onLink ? 'nothing answers ARP for 169.254.169.254 itself' : `the next hop ${hop} does not answer ARP (${state})`,
      })
      return
    }
    out.pass({code: 'GUEST_ARP_OK', evidence: [ev(m.neigh, `${n.ip} ${n.lladdr ?? ''} ${state}`)], subject, summary: `next hop ${hop} is ${state}${n.lladdr ? ` at ${n.lladdr}` : ''}`})
  },
}
