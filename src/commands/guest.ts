import {Flags} from '@oclif/core'

import {MdctlCommand} from '../lib/base-command.js'

import {guestResults} from '../engine/guest.js'
import {buildReport, exitCodeFor} from '../engine/report.js'
import {paintFor} from '../lib/color.js'
import {formatFlags, pickFormat} from '../lib/format-flags.js'
import {leaseFlag, openLiveGuest, sshFlags} from '../lib/guest-flags.js'
import {withProgress} from '../lib/progress.js'
import {renderReport} from '../render/index.js'
import type {Report} from '../report/types.js'
import {BundleError, BundleSource} from '../sources/bundle.js'
import type {GuestSource} from '../sources/guest.js'

export default class Guest extends MdctlCommand {
  static override summary = "Check the guest's side of the metadata path: route, ARP, DHCP lease, HTTP probe, cloud-init log."
  static override description = `Run it inside the VM, or from outside with --ssh USER@HOST (the system ssh client in batch mode; nothing is installed on the guest). Minimal guests are fine: without ip -json it falls back to ip/route text, without curl to wget or nc, and says which it used.
Exit codes: 0 ok or warnings only, 1 at least one failure, 2 nothing could be evaluated or bad usage.`

  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --ssh cirros@10.0.0.5 -i ~/.ssh/id_ed25519', '<%= config.bin %> <%= command.id %> --from guest-bundle --json']

  static override enableJsonFlag = true

  static override flags = {
    ...sshFlags,
    ...leaseFlag,
    ...formatFlags,
    from: Flags.string({description: 'replay a guest bundle (from `mdctl capture --guest`)', exclusive: ['ssh']}),
    passive: Flags.boolean({description: 'no HTTP probes: only read routes, neighbours, leases and logs'}),
    ssh: Flags.string({description: 'run over ssh: USER@HOST'}),
    verbose: Flags.boolean({char: 'v', description: 'show passing findings, all evidence and every check run'}),
  }

  async run(): Promise<Report> {
    const {flags} = await this.parse(Guest)
    const format = pickFormat(flags.format, this.jsonEnabled())
    if (typeof format !== 'string') this.error(format.error, {exit: 2})
    let source: GuestSource
    let passive = flags.passive
    if (flags.from) {
      try {
        const b = await BundleSource.open(flags.from)
        if (b.manifest.kind !== 'guest') this.error(`${flags.from} is a ${b.manifest.kind} bundle: replay it with \`mdctl doctor --from\``, {exit: 2})
        source = b
        passive ||= b.manifest.options.passive === true
      } catch (error) {
        if (error instanceof BundleError) this.error(error.message, {exit: 2})
        throw error
      }
    } else {
      try {
        source = await openLiveGuest(flags.ssh, flags)
      } catch (error) {
        this.error(error instanceof Error ? error.message : String(error), {exit: 2})
      }
    }
    const {results} = await withProgress(format === 'text' && process.stderr.isTTY === true, `mdctl guest (${source.origin})`, (p) => guestResults(source, {passive}, p))
    const report = buildReport({capturedAt: source.capturedAt, kind: source.kind, origin: source.origin}, results)
    if (format === 'json' && !this.jsonEnabled()) this.logJson(report)
    else if (format !== 'json') this.log(await renderReport(report, format, {command: 'guest', paint: await paintFor(process.stdout), verbose: flags.verbose}))
    process.exitCode = exitCodeFor(report)
    return report
  }
}
