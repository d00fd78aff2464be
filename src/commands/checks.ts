import {Command} from '@oclif/core'

import {NODE_CHECKS} from '../checks/index.js'
import {EVIDENCE} from '../evidence/registry.js'

interface CheckInfo {
  id: string
  side: 'node' | 'guest'
  hop: string
  title: string
  active: boolean
  evidence: Array<{key: string; what: string}>
}

export default class Checks extends Command {
  static override summary = 'List every check: id, hop, title and the evidence it needs.'
  static override enableJsonFlag = true

  async run(): Promise<CheckInfo[]> {
    await this.parse(Checks)
    const describe = (k: string): string => (k in EVIDENCE ? EVIDENCE[k as keyof typeof EVIDENCE].title : k)
    const list: CheckInfo[] = NODE_CHECKS.map((c) => ({
      active: c.active === true,
      evidence: c.evidence.map((key) => ({key, what: describe(key)})),
      hop: c.hop,
      id: c.id,
      side: 'node' as const,
      title: c.title,
    }))
    if (!this.jsonEnabled()) {
      for (const c of list) {
        this.log(`${c.id.padEnd(26)} ${c.side.padEnd(5)} ${c.hop.padEnd(11)} ${c.title}${c.active ? ' (active probe)' : ''}`)
        this.log(`${''.padEnd(45)}evidence: ${c.evidence.map((e) => e.key).join(', ')}`)
      }
    }
    return list
  }
}
