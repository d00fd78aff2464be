import {Flags} from '@oclif/core'

import {MdctlCommand} from '../lib/base-command.js'

import type {NodeOptions} from '../engine/collect-node.js'
import {runDoctor} from '../engine/doctor.js'
import {exitCodeFor} from '../engine/report.js'
import {paintFor} from '../lib/color.js'
import {formatFlags, pickFormat} from '../lib/format-flags.js'
import {leaseFlag, openLiveGuest, sshFlags} from '../lib/guest-flags.js'
import {badScope, nodeFlags} from '../lib/node-flags.js'
import {withProgress} from '../lib/progress.js'
import {renderReport} from '../render/index.js'
import type {Report} from '../report/types.js'
import {BundleError, BundleSource} from '../sources/bundle.js'
import {SosSource} from '../sources/sos.js'
import {detectFrom, SosError} from '../sources/sos-tree.js'
import type {LiveGuestSource} from '../sources/guest.js'
import {LiveNodeSource} from '../sources/live-node.js'
import type {Source} from '../sources/source.js'

export default class Doctor extends MdctlCommand {
  static override summary = 'Find where metadata requests stop on a neutron network node, live or from a capture bundle.'
  static override description = `Walks the metadata path hop by hop: DHCP route options, qrouter/qdhcp/ovnmeta namespaces, the iptables intercept, the haproxy proxy, the unix socket, neutron-metadata-agent, nova's metadata API, the shared-secret signature and (with --instance-ip) the instance lookup.
Only reads: active probes are plain GETs with User-Agent mdctl/<version>; --passive turns them off.
Exit codes: 0 ok or warnings only, 1 at least one failure, 2 nothing could be evaluated or bad usage.`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --router 5a3c3b4e-1111-2222-3333-444455556666 --instance-ip 10.0.0.5',
    '<%= config.bin %> <%= command.id %> --from fixtures/seed-havana-router --json',
  ]

  static override enableJsonFlag = true

  static override flags = {
    ...nodeFlags,
    ...sshFlags,
    ...leaseFlag,
    ...formatFlags,
    from: Flags.string({description: 'replay a capture bundle (from `mdctl capture`), a sosreport directory or a sosreport archive (.tar.xz, .tar.gz, .tar.bz2, .tar) instead of reading this host'}),
    guest: Flags.string({description: 'also check the guest over ssh (USER@HOST) and give one verdict for the whole path'}),
    verbose: Flags.boolean({char: 'v', description: 'show passing findings, all evidence and every check run'}),
  }

  async run(): Promise<Report> {
    const {flags} = await this.parse(Doctor)
    const format = pickFormat(flags.format, this.jsonEnabled())
    if (typeof format !== 'string') this.error(format.error, {exit: 2})
    const bad = badScope(flags)
    if (bad) this.error(bad, {exit: 2})
    let source: Source
    let saved: Partial<NodeOptions> = {}
    const detected = flags.from ? await detectFrom(flags.from).catch((error: unknown) => ({kind: 'unknown' as const, why: `${flags.from}: ${error instanceof Error ? error.message : String(error)}`})) : undefined
    if (flags.from && detected && detected.kind !== 'bundle') {
      // a sosreport, directory or archive: recognised by its content
      try {
        const s = await SosSource.open(flags.from, detected)
        source = s
        if (!this.jsonEnabled()) for (const n of s.notes.slice(0, 5)) this.logToStderr(`note: ${n}`)
        if (!this.jsonEnabled() && s.notes.length > 5) this.logToStderr(`note: ${s.notes.length - 5} more member(s) skipped`)
      } catch (error) {
        if (error instanceof SosError) this.error(error.message, {exit: 2})
        throw error
      }
    } else if (flags.from) {
      try {
        const b = await BundleSource.open(flags.from)
        if (b.manifest.kind !== 'node') this.error(`${flags.from} is a ${b.manifest.kind} bundle: replay it with \`mdctl guest --from\``, {exit: 2})
        source = b
        saved = b.manifest.options as Partial<NodeOptions>
      } catch (error) {
        if (error instanceof BundleError) this.error(error.message, {exit: 2})
        throw error
      }
    } else {
      if (process.platform !== 'linux') this.error('live doctor reads Linux network namespaces: run it on the network node, or replay a bundle with --from', {exit: 2})
      source = new LiveNodeSource({launchers: flags.concurrency})
      if (process.getuid?.() !== 0 && !this.jsonEnabled()) {
        this.logToStderr('note: not root: namespace scans (iptables, listeners, addresses), the process map and root-owned configs need root; those checks will be not evaluated')
      }
    }
    const pick = <T>(flag: T | undefined, key: keyof NodeOptions): T | undefined => flag ?? (saved[key] as T | undefined)
    const opts: NodeOptions = {
      concurrency: flags.concurrency,
      instanceIps: pick(flags['instance-ip'], 'instanceIps'),
      namespaces: pick(flags.namespace, 'namespaces'),
      networks: pick(flags.network, 'networks'),
      neutronConfigDir: pick(flags['neutron-config-dir'], 'neutronConfigDir') ?? '/etc/neutron',
      novaConfig: pick(flags['nova-config'], 'novaConfig') ?? '/etc/nova/nova.conf',
      passive: flags.passive || (flags.from !== undefined && saved.passive === true),
      routers: pick(flags.router, 'routers'),
      statePath: pick(flags['state-path'], 'statePath'),
    }
    let guest: LiveGuestSource | undefined
    if (flags.guest) {
      try {
        guest = await openLiveGuest(flags.guest, flags)
      } catch (error) {
        this.error(error instanceof Error ? error.message : String(error), {exit: 2})
      }
    }
    const {report} = await withProgress(format === 'text' && process.stderr.isTTY === true, `mdctl doctor (${source.origin})`, (p) => runDoctor(source, opts, p, guest))
    if (format === 'json' && !this.jsonEnabled()) this.logJson(report)
    else if (format !== 'json') this.log(await renderReport(report, format, {command: 'doctor', paint: await paintFor(process.stdout), verbose: flags.verbose}))
    process.exitCode = exitCodeFor(report)
    return report
  }
}
