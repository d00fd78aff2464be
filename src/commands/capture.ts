import {hostname} from 'node:os'
import {existsSync, readdirSync} from 'node:fs'

import {Flags} from '@oclif/core'

import {MdctlCommand} from '../lib/base-command.js'

import type {NodeOptions} from '../engine/collect-node.js'
import {runDoctor} from '../engine/doctor.js'
import {guestResults} from '../engine/guest.js'
import {buildReport} from '../engine/report.js'
import {leaseFlag, openLiveGuest, sshFlags, type sshTarget} from '../lib/guest-flags.js'
import {badScope, nodeFlags} from '../lib/node-flags.js'
import {withProgress} from '../lib/progress.js'
import type {Report} from '../report/types.js'
import {type Manifest, RecordingSource, writeBundle} from '../sources/bundle.js'
import type {LiveGuestSource} from '../sources/guest.js'
import {LiveNodeSource} from '../sources/live-node.js'

export default class Capture extends MdctlCommand {
  static override summary = 'Record what doctor reads into a bundle that `doctor --from` replays to the same findings.'
  static override description = `The bundle is a directory: manifest.json (tool version, host, time, and for each item its argv, exit code, duration and file) plus the raw outputs under items/.
Shared secrets are replaced by salted fingerprints at capture time (the salt is in the manifest), other credentials by <redacted>: the bundle can be attached to a ticket.`

  static override examples = ['<%= config.bin %> <%= command.id %> --out /tmp/md-$(hostname)', '<%= config.bin %> <%= command.id %> --out bundle --router 5a3c3b4e-1111-2222-3333-444455556666']

  static override flags = {
    ...nodeFlags,
    ...sshFlags,
    ...leaseFlag,
    guest: Flags.boolean({description: 'capture the guest side (run inside the VM) instead of the network node'}),
    out: Flags.string({description: 'directory to write the bundle to (must not exist, or be empty)', required: true}),
    ssh: Flags.string({description: 'capture the guest side over ssh: USER@HOST'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Capture)
    const bad = badScope(flags)
    if (bad) this.error(bad, {exit: 2})
    if (existsSync(flags.out) && readdirSync(flags.out).length > 0) this.error(`${flags.out} exists and is not empty: pick a new directory`, {exit: 2})
    if (flags.guest || flags.ssh) return this.captureGuest(flags)
    if (process.platform !== 'linux') this.error('capture reads Linux network namespaces: run it on the network node', {exit: 2})
    const opts: NodeOptions = {
      concurrency: flags.concurrency,
      instanceIps: flags['instance-ip'],
      namespaces: flags.namespace,
      networks: flags.network,
      neutronConfigDir: flags['neutron-config-dir'] ?? '/etc/neutron',
      novaConfig: flags['nova-config'] ?? '/etc/nova/nova.conf',
      passive: flags.passive,
      routers: flags.router,
      statePath: flags['state-path'],
    }
    const source = new RecordingSource(new LiveNodeSource({launchers: flags.concurrency}))
    const {report} = await withProgress(process.stderr.isTTY === true, `mdctl capture (${source.origin})`, (p) => runDoctor(source, opts, p))
    const saved = Object.fromEntries(Object.entries(opts).filter(([k, v]) => v !== undefined && k !== 'concurrency'))
    const manifest = await writeBundle(flags.out, {host: hostname(), kind: 'node', options: saved, source}, source.captures)
    this.summarise(manifest, report, `mdctl doctor --from ${flags.out}`, flags.out)
  }

  private summarise(manifest: Manifest, report: Report, replay: string, out: string): void {
    this.log(`wrote ${manifest.items.length} item(s) to ${out}`)
    this.log(`verdict at capture time: ${report.verdict.status}${report.verdict.firstFailingHop ? ` at ${report.verdict.firstFailingHop}` : ''}`)
    this.log(`replay: ${replay}`)
  }

  private async captureGuest(flags: {out: string; ssh?: string; passive: boolean; 'lease-file'?: string[]} & Parameters<typeof sshTarget>[1]): Promise<void> {
    let live: LiveGuestSource
    try {
      live = await openLiveGuest(flags.ssh, flags)
    } catch (error) {
      this.error(error instanceof Error ? error.message : String(error), {exit: 2})
    }
    const source = new RecordingSource(live)
    const {results} = await withProgress(process.stderr.isTTY === true, `mdctl capture --guest (${live.origin})`, (p) => guestResults(source, {passive: flags.passive}, p))
    const report = buildReport({capturedAt: live.capturedAt, kind: live.kind, origin: live.origin}, results)
    const manifest = await writeBundle(flags.out, {host: flags.ssh ?? hostname(), kind: 'guest', options: {passive: flags.passive}, source}, source.captures)
    this.summarise(manifest, report, `mdctl guest --from ${flags.out}`, flags.out)
  }
}
