import {MdctlCommand} from '../lib/base-command.js'

import {GUEST_CHECKS} from '../checks/guest/index.js'
import {NODE_CHECKS, OVN_CHECKS} from '../checks/index.js'
import {GUEST_EVIDENCE} from '../evidence/guest.js'
import {EVIDENCE} from '../evidence/registry.js'
import {type Hop, HOPS} from '../hops.js'

interface CheckInfo {
  id: string
  side: 'node' | 'guest'
  hop: string
  title: string
  active: boolean
  evidence: Array<{key: string; what: string}>
}

export default class Checks extends MdctlCommand {
  static override summary = 'List every check: id, hop, title and the evidence it needs.'
  static override enableJsonFlag = true

  async run(): Promise<CheckInfo[]> {
    await this.parse(Checks)
    const describe = (k: string): string =>
      k in EVIDENCE ? EVIDENCE[k as keyof typeof EVIDENCE].title : k in GUEST_EVIDENCE ? GUEST_EVIDENCE[k as keyof typeof GUEST_EVIDENCE].title : k === 'probe.guest-http' ? 'HTTP GET of 169.254.169.254 from the guest (curl, wget or nc)' : k
    const entry = (side: 'node' | 'guest') => (c: (typeof NODE_CHECKS)[number] | (typeof GUEST_CHECKS)[number]): CheckInfo => ({
      active: c.active === true,
      evidence: c.evidence.map((key) => ({key, what: describe(key)})),
      hop: c.hop,
      id: c.id,
      side,
      title: c.title,
    })
    const order = (a: CheckInfo, b: CheckInfo): number => HOPS.indexOf(a.hop as Hop) - HOPS.indexOf(b.hop as Hop)
    const list: CheckInfo[] = [...GUEST_CHECKS.map(entry('guest')), ...NODE_CHECKS.map(entry('node')), ...OVN_CHECKS.map(entry('node'))].sort(order)
    if (!this.jsonEnabled()) {
      for (const c of list) {
        this.log(`${c.id.padEnd(26)} ${c.side.padEnd(5)} ${c.hop.padEnd(11)} ${c.title}${c.active ? ' (active probe)' : ''}`)
        this.log(`${''.padEnd(45)}evidence: ${c.evidence.map((e) => e.key).join(', ')}`)
      }
    }
    return list
  }
}
