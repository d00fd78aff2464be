import {mkdir, readFile, writeFile} from 'node:fs/promises'
import {dirname, join, resolve} from 'node:path'

import {bundleFile, type EvidenceKey, type Paths} from '../evidence/registry.js'
import {VERSION} from '../version.js'
import type {GuestKey} from '../evidence/guest.js'
import type {Capture} from './capture.js'
import type {GuestSource} from './guest.js'
import {absent, type ProbeSpec, type Source, type SourceKind} from './source.js'

/**
 * A capture bundle: `manifest.json` plus one file per capture under `items/`. The manifest keeps,
 * for each item, its argv, exit code, duration, stderr and file, so a replay yields the very same
 * Capture records the live run saw. Secrets inside are salted fingerprints; the salt is here too.
 */
export interface BundleItem {
  key: string
  param?: string
  argv: string[]
  exitCode: number
  durationMs: number
  stderr?: string
  failure?: Capture['failure']
  file: string
}

export interface Manifest {
  format: 'mdctl-bundle'
  formatVersion: 1
  tool: {name: 'mdctl'; version: string}
  kind: 'node' | 'guest'
  /** where the evidence came from when it was captured */
  source: {kind: SourceKind; origin: string}
  host: string
  capturedAt: string
  salt: string
  /** the options the capture ran with, so a replay plans the same collection */
  options: Record<string, unknown>
  items: BundleItem[]
}

export class BundleError extends Error {
  override readonly name = 'BundleError'
}

const itemId = (key: string, param?: string): string => (param === undefined ? key : `${key}\u0000${param}`)

export async function readManifest(dir: string): Promise<Manifest> {
  let text: string
  try {
    text = await readFile(join(dir, 'manifest.json'), 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new BundleError(code === 'ENOENT' ? `${dir} is not an mdctl bundle: no manifest.json` : `cannot read ${dir}/manifest.json: ${code ?? String(error)}`)
  }
  let m: Partial<Manifest>
  try {
    m = JSON.parse(text) as Partial<Manifest>
  } catch {
    throw new BundleError(`${dir}/manifest.json is not valid JSON (truncated or damaged bundle)`)
  }
  if (m === null || typeof m !== 'object' || m.format !== 'mdctl-bundle' || !Array.isArray(m.items)) throw new BundleError(`${dir}/manifest.json is not an mdctl bundle manifest`)
  if (m.formatVersion !== 1) throw new BundleError(`${dir}: bundle format version ${String(m.formatVersion)} is not supported (this mdctl reads version 1)`)
  for (const it of m.items) {
    if (!it || typeof it.key !== 'string' || typeof it.file !== 'string' || typeof it.exitCode !== 'number') throw new BundleError(`${dir}/manifest.json has a malformed item: ${JSON.stringify(it).slice(0, 120)}`)
    // a hostile manifest must not read outside the bundle
    const abs = resolve(dir, it.file)
    if (!abs.startsWith(resolve(dir) + '/')) throw new BundleError(`${dir}/manifest.json points outside the bundle: ${it.file}`)
  }
  return {capturedAt: '', host: '', kind: 'node', options: {}, salt: '', source: {kind: 'live', origin: ''}, tool: {name: 'mdctl', version: ''}, ...m} as Manifest
}

/** Replays a bundle: the same (key, param) gives the Capture the live run recorded. */
export class BundleSource implements Source, GuestSource {
  readonly kind = 'bundle' as const
  readonly origin: string
  readonly capturedAt: string
  readonly salt: string
  private readonly items = new Map<string, BundleItem>()

  private constructor(
    private readonly dir: string,
    readonly manifest: Manifest,
  ) {
    this.origin = `bundle:${dir}`
    this.capturedAt = manifest.capturedAt
    this.salt = manifest.salt
    for (const it of manifest.items) this.items.set(itemId(it.key, it.param), it)
  }

  static async open(dir: string): Promise<BundleSource> {
    return new BundleSource(dir, await readManifest(dir))
  }

  async get(key: EvidenceKey, _paths: Paths, param?: string): Promise<Capture> {
    return this.read(key, param)
  }

  async netns(ns: string): Promise<Capture[]> {
    // whatever was recorded for this namespace (older bundles hold all three for every kind)
    return Promise.all(['netns.iptables', 'netns.listeners', 'netns.addr'].filter((k) => this.has(k, ns)).map((k) => this.read(k, ns)))
  }

  async probe(spec: ProbeSpec): Promise<Capture> {
    return this.read(spec.key, spec.param)
  }

  async guest(key: GuestKey, param?: string): Promise<Capture> {
    return this.read(key, param)
  }

  has(key: string, param?: string): boolean {
    return this.items.has(itemId(key, param))
  }

  private async read(key: string, param?: string): Promise<Capture> {
    const it = this.items.get(itemId(key, param))
    if (!it) return absent(key, param, this.origin, `not in bundle ${this.dir}`)
    let stdout: string
    try {
      stdout = await readFile(join(this.dir, it.file), 'utf8')
    } catch (error) {
      return absent(key, param, this.origin, `bundle file ${it.file} unreadable: ${(error as NodeJS.ErrnoException).code ?? String(error)}`)
    }
    return {
      argv: Array.isArray(it.argv) ? it.argv.map(String) : [],
      durationMs: Number(it.durationMs) || 0,
      exitCode: it.exitCode,
      ...(it.failure ? {failure: it.failure} : {}),
      key,
      origin: this.origin,
      ...(param === undefined ? {} : {param}),
      stderr: typeof it.stderr === 'string' ? it.stderr : '',
      stdout,
    }
  }
}

/** Wraps a source and remembers every capture, to be written as a bundle. */
export class RecordingSource implements Source, GuestSource {
  readonly captures: Capture[] = []

  constructor(private readonly inner: Source | GuestSource) {}

  get kind(): SourceKind {
    return this.inner.kind
  }
  get origin(): string {
    return this.inner.origin
  }
  get capturedAt(): string {
    return this.inner.capturedAt
  }
  get salt(): string {
    return this.inner.salt
  }

  async get(key: EvidenceKey, paths: Paths, param?: string): Promise<Capture> {
    return this.keep(await this.node().get(key, paths, param))
  }

  async netns(ns: string, paths: Paths): Promise<Capture[]> {
    return (await this.node().netns(ns, paths)).map((c) => this.keep(c))
  }

  async probe(spec: ProbeSpec, paths: Paths): Promise<Capture> {
    return this.keep(await this.node().probe(spec, paths))
  }

  async guest(key: GuestKey, param?: string): Promise<Capture> {
    if (!('guest' in this.inner)) throw new Error('not a guest source')
    return this.keep(await this.inner.guest(key, param))
  }

  close(): void {
    if ('close' in this.inner) this.inner.close?.()
  }

  private node(): Source {
    if (!('netns' in this.inner)) throw new Error('not a node source')
    return this.inner
  }

  private keep(c: Capture): Capture {
    this.captures.push(c)
    return c
  }
}

export async function writeBundle(
  dir: string,
  meta: {kind: 'node' | 'guest'; source: Source; host: string; options: Record<string, unknown>},
  captures: readonly Capture[],
): Promise<Manifest> {
  await mkdir(dir, {recursive: true})
  const items: BundleItem[] = []
  const seen = new Set<string>()
  for (const c of captures) {
    const id = itemId(c.key, c.param)
    if (seen.has(id)) continue
    seen.add(id)
    let file = bundleFile(c.key, c.param)
    // two parameters that sanitise alike must not overwrite each other
    if (items.some((i) => i.file === file)) file = file.replace(/\.txt$/, `-${items.length}.txt`)
    await mkdir(dirname(join(dir, file)), {recursive: true})
    await writeFile(join(dir, file), c.stdout)
    items.push({
      argv: [...c.argv],
      durationMs: c.durationMs,
      exitCode: c.exitCode,
      file,
      key: c.key,
      ...(c.param === undefined ? {} : {param: c.param}),
      ...(c.stderr ? {stderr: c.stderr} : {}),
      ...(c.failure ? {failure: c.failure} : {}),
    })
  }
  const manifest: Manifest = {
    capturedAt: meta.source.capturedAt,
    format: 'mdctl-bundle',
    formatVersion: 1,
    host: meta.host,
    items,
    kind: meta.kind,
    options: meta.options,
    salt: meta.source.salt,
    source: {kind: meta.source.kind, origin: meta.source.origin},
    tool: {name: 'mdctl', version: VERSION},
  }
  await writeFile(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`)
  return manifest
}
