import {EVIDENCE, type EvidenceKey, type Paths} from '../evidence/registry.js'
import {type SosCandidate, sosCandidates, sosMissingReason, type SosPlugin, sosPluginFor, sosProxyConfDirs, sosWanted} from '../evidence/sos.js'
import type {Capture} from './capture.js'
import {netnsKeysFor} from './live-node.js'
import {Redactor} from './redact.js'
import {DEFAULT_LIMITS, type Detected, SosArchive, SosDirectory, SosError, type SosLimits, type SosTree} from './sos-tree.js'
import {absent, type ProbeSpec, type Source} from './source.js'

// what `ip netns exec` or the kernel writes instead of the command's output
const FAILED_EXEC = /^exec of "([^"]*)" failed: (.*)$|^Cannot open network namespace "?([^":]*)"?: (.*)$/

/**
 * A sosreport, directory or archive, as a source: each evidence name is looked up through the
 * sosreport context (`evidence/sos.ts`), the first candidate present wins, and each capture's
 * origin names the sos file it came from. Secrets left in clear text are fingerprinted like a
 * live run; sos's asterisks are kept as they are, so a check can tell masked from set.
 */
export class SosSource implements Source {
  readonly kind = 'sosreport' as const
  readonly origin: string
  readonly redactor = new Redactor(undefined, {keepMasked: true})
  capturedAt = ''
  /** plugins sos ran, from sos_reports/manifest.json or version.txt; undefined when neither says */
  private plugins?: Set<string>

  private constructor(readonly tree: SosTree) {
    this.origin = `sosreport:${tree.path}`
  }

  get salt(): string {
    return this.redactor.salt
  }

  get notes(): readonly string[] {
    return this.tree.notes
  }

  static async open(path: string, detected: Detected, limits: SosLimits = DEFAULT_LIMITS): Promise<SosSource> {
    try {
      let tree: SosTree
      if (detected.kind === 'sos-dir') tree = new SosDirectory(path, detected.root, limits)
      else if (detected.kind === 'sos-archive') tree = await SosArchive.open(path, detected.compression, sosWanted, limits)
      else throw new SosError(detected.kind === 'unknown' ? detected.why : `${path} is not a sosreport`)
      const s = new SosSource(tree)
      await s.readMeta()
      return s
    } catch (error) {
      // unreadable input is a one-line error, never a stack trace
      if (error instanceof SosError) throw error
      throw new SosError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error))}`)
    }
  }

  private async readMeta(): Promise<void> {
    const manifest = await this.tree.read('sos_reports/manifest.json')
    if (manifest.ok) {
      try {
        const m = JSON.parse(manifest.text) as {start_time?: unknown; components?: {report?: {plugins?: Record<string, unknown>; enabled_plugins?: unknown}}}
        if (typeof m.start_time === 'string') this.capturedAt = m.start_time.replace(' ', 'T').replace(/\.\d+$/, '')
        const ran = Object.keys(m.components?.report?.plugins ?? {})
        if (ran.length > 0) this.plugins = new Set(ran)
      } catch {
        this.tree.notes.push('sos_reports/manifest.json is not valid JSON: ignored')
      }
    }
    if (this.plugins === undefined) {
      const version = await this.tree.read('version.txt')
      const names = version.ok ? version.text.split('\n').flatMap((l) => /^([a-z0-9_]+): /.exec(l)?.[1] ?? []).filter((n) => n !== 'sosreport') : []
      if (names.length > 0) this.plugins = new Set(names)
    }
  }

  /** Did sos run the plugin that collects this? Unknown: judge by what the report holds. */
  private async pluginRan(plugin: SosPlugin): Promise<boolean> {
    if (this.plugins) return this.plugins.has(plugin)
    const dirs: Record<SosPlugin, string[]> = {
      networking: ['sos_commands/networking'],
      openstack_neutron: ['sos_commands/openstack_neutron', 'etc/neutron', 'var/lib/neutron'],
      openstack_nova: ['sos_commands/openstack_nova', 'etc/nova'],
      process: ['sos_commands/process'],
    }
    for (const d of dirs[plugin]) if (await this.tree.exists(d)) return true
    return false
  }

  async get(key: EvidenceKey, paths: Paths, param?: string): Promise<Capture> {
    if (key === 'node.proxy-conf-dir') return this.redactor.scrub(await this.proxyConfDir(paths))
    const candidates = sosCandidates(key, paths, param)
    if (candidates.length === 0) return absent(key, param, this.origin, sosMissingReason(key))
    return this.redactor.scrub(await this.first(key, param, candidates, EVIDENCE[key].kind === 'file' && EVIDENCE[key].redact === 'ini'))
  }

  async netns(ns: string, paths: Paths): Promise<Capture[]> {
    return Promise.all(netnsKeysFor(ns).map(async (k) => this.get(k, paths, ns)))
  }

  async probe(spec: ProbeSpec): Promise<Capture> {
    return absent(spec.key, spec.param, this.origin, sosMissingReason(spec.key))
  }

  private async first(key: EvidenceKey, param: string | undefined, candidates: readonly SosCandidate[], ini: boolean): Promise<Capture> {
    const base = {durationMs: 0, key, ...(param === undefined ? {} : {param})}
    let failed: Capture | undefined
    let unreadable: string | undefined
    for (const c of candidates) {
      const r = await this.tree.read(c.member)
      const origin = `sosreport:${c.member}`
      if (!r.ok) {
        if (!r.missing) unreadable ??= r.reason
        continue
      }
      const firstLine = r.text.trimStart().slice(0, 400).split('\n', 1)[0] ?? ''
      const m = FAILED_EXEC.exec(firstLine)
      if (m && r.text.length < 1000) {
        // the command could not run inside the namespace: try the next candidate, keep this as the reason
        failed ??= {...base, argv: c.argv, exitCode: m[1] !== undefined && /No such file/.test(m[2] ?? '') ? 127 : 1, ...(m[1] !== undefined && /No such file/.test(m[2] ?? '') ? {failure: 'not-found' as const} : {}), origin, stderr: `${c.member}: ${firstLine}`, stdout: ''}
        continue
      }
      return {...base, argv: c.argv, exitCode: 0, origin, stderr: '', stdout: ini ? this.redactor.redactIni(r.text) : r.text}
    }
    if (failed) return failed
    if (unreadable) return absent(key, param, this.origin, unreadable)
    const spec = EVIDENCE[key]
    const plugin = sosPluginFor(key)
    if (spec.kind === 'file' && (await this.pluginRan(plugin))) {
      // sos copied the whole tree: the file was not on the host
      const abs = `/${candidates[candidates.length - 1]?.member ?? ''}`
      return {...base, argv: ['read', abs], exitCode: 1, origin: `sosreport:${candidates[candidates.length - 1]?.member ?? ''}`, stderr: `${abs}: No such file or directory (not in the sosreport, whose ${plugin} plugin copied that tree)`, stdout: ''}
    }
    const tried = candidates.slice(0, 3).map((c) => c.member).join(', ')
    const why = (await this.pluginRan(plugin)) ? `not in the sosreport (looked for ${tried}${candidates.length > 3 ? ', …' : ''})` : `not in the sosreport: sos's ${plugin} plugin did not run there (${tried})`
    return absent(key, param, this.origin, why)
  }

  private async proxyConfDir(paths: Paths): Promise<Capture> {
    const dirs = sosProxyConfDirs(paths.statePath)
    const argv = ['ls', '-1', ...dirs.map((d) => `/${d}`)]
    const base = {argv, durationMs: 0, key: 'node.proxy-conf-dir', origin: `sosreport:${dirs[0] ?? ''}`}
    const lines: string[] = []
    let seen = false
    for (const d of dirs) {
      if (!(await this.tree.exists(d))) continue
      seen = true
      for (const f of await this.tree.list(d)) if (f.endsWith('.conf')) lines.push(`${d.split('/').pop() ?? ''}/${f}`)
    }
    if (seen) return {...base, exitCode: 0, stderr: '', stdout: lines.map((l) => `${l}\n`).join('')}
    if (await this.pluginRan('openstack_neutron')) return {...base, exitCode: 1, stderr: `/${dirs[0] ?? ''}: No such file or directory`, stdout: ''}
    return absent('node.proxy-conf-dir', undefined, this.origin, "not in the sosreport: sos's openstack_neutron plugin did not run there")
  }
}
