import {mkdtempSync} from 'node:fs'
import {join} from 'node:path'

import {Args, Flags} from '@oclif/core'

import {exitCodeFor} from '../../engine/report.js'
import {runFleetDoctor} from '../../fleet/doctor.js'
import {FleetRecordError, readFleetRecord} from '../../fleet/record.js'
import {MdctlCommand} from '../../lib/base-command.js'
import {paintFor} from '../../lib/color.js'
import {fleetCaptureFlags} from '../../lib/fleet-flags.js'
import {badScope} from '../../lib/node-flags.js'
import {renderFleetText} from '../../render/fleet-text.js'
import type {Report} from '../../report/types.js'
import {runFleetCapture} from './capture.js'

export default class FleetDoctor extends MdctlCommand {
  static override summary = 'One report for the cloud: a verdict per host and cross-host checks (shared secret, nova listeners, HA routers, which host serves a guest).'
  static override description = `Judges a directory written by \`mdctl fleet capture\`, or, with -i INVENTORY, captures first (into --out, else a new directory under the current one) and then judges.
Each host's bundle goes through the same checks as \`mdctl doctor --from\`; the cross-host checks compare what no single host can: secret fingerprints across every agent and nova metadata API, each agent's nova_metadata_host:port against the listeners of every host, the active node of every HA router.
Exit codes as doctor: 0 ok or warnings, 1 a failure anywhere, 3 no failure but a host or hop not judged, 2 bad usage.`

  static override examples = ['<%= config.bin %> <%= command.id %> /tmp/cloud', '<%= config.bin %> <%= command.id %> -i /etc/kolla/multinode --preset kolla --instance-ip 10.0.0.5']

  static override strict = false
  static override enableJsonFlag = true

  static override args = {dir: Args.string({description: 'a directory written by `mdctl fleet capture`'})}

  static override flags = {
    ...fleetCaptureFlags,
    out: Flags.string({description: 'with -i: where the bundles go [default: ./mdctl-fleet-<time>]'}),
    verbose: Flags.boolean({char: 'v', description: 'show passing findings and every host finding'}),
  }

  async run(): Promise<Report> {
    const {args, argv, flags} = await this.parse(FleetDoctor)
    const bad = badScope({'instance-ip': flags['instance-ip']})
    if (bad) this.error(bad, {exit: 2})
    let dir = args.dir
    if (flags.inventory?.length) {
      // with -i there is no DIR: every positional argument (after --) belongs to ansible-playbook
      const passThrough = argv as string[]
      dir = flags.out ?? mkdtempSync(join(process.cwd(), `mdctl-fleet-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}-`))
      await runFleetCapture(this, flags, passThrough, dir)
      if (!this.jsonEnabled()) this.logToStderr(`bundles kept in ${dir}`)
    }
    if (!dir) this.error('give a directory written by `mdctl fleet capture`, or -i INVENTORY to capture first', {exit: 2})
    let record
    try {
      record = await readFleetRecord(dir)
    } catch (error) {
      if (error instanceof FleetRecordError) this.error(error.message, {exit: 2})
      throw error
    }
    const report = await runFleetDoctor(dir, record, {instanceIps: flags['instance-ip']})
    if (!this.jsonEnabled()) this.log(renderFleetText(report, {paint: await paintFor(process.stdout), verbose: flags.verbose}))
    process.exitCode = exitCodeFor(report)
    return report
  }
}
