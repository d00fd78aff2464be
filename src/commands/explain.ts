import {Args} from '@oclif/core'

import {MdctlCommand} from '../lib/base-command.js'

import type {CodeEntry} from '../catalogue/codes.js'

type Listed = Pick<CodeEntry, 'code' | 'hop' | 'severity' | 'title'>

export default class Explain extends MdctlCommand {
  static override summary = 'Explain a finding code: what it means, the neutron/nova mechanism, how to confirm by hand, the fix, the releases.'
  static override description = `Without a code, lists every code with its hop and title.
Exit codes: 0 explained, 2 unknown code.`

  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> REDIRECT_MISSING', '<%= config.bin %> <%= command.id %> SECRET_MISMATCH --json']

  static override args = {
    code: Args.string({description: 'finding code, as printed in a report (e.g. PROXY_DEAD)', required: false}),
  }

  static override enableJsonFlag = true

  async run(): Promise<CodeEntry | Listed[]> {
    const {args} = await this.parse(Explain)
    const {CATALOGUE, closest, lookup} = await import('../catalogue/index.js')
    if (args.code === undefined) {
      const list = CATALOGUE.map(({code, hop, severity, title}) => ({code, hop, severity, title}))
      if (!this.jsonEnabled()) for (const e of list) this.log(`${e.code.padEnd(36)} ${e.hop.padEnd(11)} ${e.severity.padEnd(4)} ${e.title}`)
      return list
    }
    const typed = args.code.trim()
    const known = lookup(typed) ?? lookup(typed.toUpperCase().replace(/[\s-]+/g, '_'))
    if (!known) {
      const near = closest(typed)
      const shown = JSON.stringify(typed.slice(0, 64))
      this.error(`unknown finding code ${shown}${near ? `: did you mean ${near}?` : ''} (\`mdctl explain\` lists every code)`, {exit: 2})
    }
    if (!this.jsonEnabled()) this.log(describe(known))
    return known
  }
}

function describe(e: CodeEntry): string {
  const out = [`${e.code}: ${e.title}`, `hop ${e.hop} · ${e.severity}`, '', 'What it means:', `  ${e.meaning}`, '', 'Mechanism:', `  ${e.mechanism}`, '', 'Confirm by hand:']
  for (const c of e.confirm) out.push(`  $ ${c}`)
  out.push('', 'Fix:', `  ${e.fix.text}`)
  for (const c of e.fix.commands) out.push(`  $ ${c}`)
  out.push('', `Releases: ${e.releases}`)
  return out.join('\n')
}
