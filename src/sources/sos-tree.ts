/**
 * Reading a sosreport as it was handed over: a directory, or an archive (tar, optionally xz, gzip
 * or bzip2), recognised by content, never by name. An archive is read in one streaming pass
 * through the system's decompressor and tar-stream; only the members mdctl can use are kept, in
 * memory, each capped; nothing is written to disk. Hostile members (absolute or `..` paths, links
 * out of the report, devices, oversized claims) are skipped with a one-line note, and limits on
 * member count, total size and time refuse tar bombs.
 */
import {spawn} from 'node:child_process'
import {open, readdir, realpath, stat} from 'node:fs/promises'
import {posix} from 'node:path'

import tar from 'tar-stream'

export class SosError extends Error {
  override readonly name = 'SosError'
}

export interface SosLimits {
  /** bytes kept from one member; the rest is dropped with a note */
  memberBytes: number
  /** bytes of all kept members together */
  keptBytes: number
  /** members in the archive */
  members: number
  /** bytes the archive may unpack to */
  totalBytes: number
  timeoutMs: number
}

export const DEFAULT_LIMITS: SosLimits = {
  keptBytes: 256 * 1024 * 1024,
  memberBytes: 8 * 1024 * 1024,
  members: 1_000_000,
  totalBytes: 16 * 1024 ** 3,
  timeoutMs: 300_000,
}

/** A file of the report, or why it cannot be read. */
export type MemberRead = {ok: true; text: string} | {ok: false; missing: boolean; reason: string}

export interface SosTree {
  /** the path given by the user */
  readonly path: string
  readonly kind: 'directory' | 'archive'
  /** skipped members and other one-line notes */
  readonly notes: string[]
  read(member: string): Promise<MemberRead>
  /** names of the regular files directly in a directory of the report */
  list(dir: string): Promise<string[]>
  exists(member: string): Promise<boolean>
}

export type Detected = {kind: 'bundle'} | {kind: 'sos-dir'; root: string} | {kind: 'sos-archive'; compression: Compression} | {kind: 'unknown'; why: string}
export type Compression = 'xz' | 'gzip' | 'bzip2' | 'none'

const SOS_MARKERS = ['sos_commands', 'sos_reports', 'version.txt']

async function isSosDir(dir: string): Promise<boolean> {
  const entries = await readdir(dir).catch(() => [] as string[])
  return SOS_MARKERS.some((m) => entries.includes(m))
}

/** What `--from` points at, by its content: a bundle's manifest, sos's layout, or an archive's magic bytes. */
export async function detectFrom(path: string): Promise<Detected> {
  let st
  try {
    st = await stat(path)
  } catch (error) {
    return {kind: 'unknown', why: `${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : ((error as NodeJS.ErrnoException).code ?? String(error))}`}
  }
  if (st.isDirectory()) {
    const entries = await readdir(path).catch(() => [] as string[])
    if (entries.includes('manifest.json') && !entries.includes('sos_commands')) return {kind: 'bundle'}
    if (await isSosDir(path)) return {kind: 'sos-dir', root: path}
    // an archive unpacked into a directory of its own: one sosreport-* directory inside
    const dirs = []
    for (const e of entries) if ((await stat(posix.join(path, e)).catch(() => undefined))?.isDirectory()) dirs.push(e)
    if (dirs.length === 1 && entries.length === 1 && (await isSosDir(posix.join(path, dirs[0] ?? '')))) return {kind: 'sos-dir', root: posix.join(path, dirs[0] ?? '')}
    return {kind: 'unknown', why: `${path} is not an mdctl bundle (no manifest.json), nor a sosreport (no sos_commands/, sos_reports/ or version.txt)`}
  }
  if (!st.isFile()) return {kind: 'unknown', why: `${path} is neither a directory nor a regular file`}
  const head = Buffer.alloc(512)
  const fh = await open(path, 'r')
  let n: number
  try {
    n = (await fh.read(head, 0, 512, 0)).bytesRead
  } finally {
    await fh.close()
  }
  const magic = (bytes: number[]): boolean => bytes.every((b, i) => head[i] === b)
  if (magic([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) return {compression: 'xz', kind: 'sos-archive'}
  if (magic([0x1f, 0x8b])) return {compression: 'gzip', kind: 'sos-archive'}
  if (magic([0x42, 0x5a, 0x68])) return {compression: 'bzip2', kind: 'sos-archive'}
  if (n >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar') return {compression: 'none', kind: 'sos-archive'}
  return {kind: 'unknown', why: `${path} is not a directory, nor a tar archive (plain, xz, gzip or bzip2)`}
}

/** A sosreport directory: files are read when asked for, never outside the directory. */
export class SosDirectory implements SosTree {
  readonly kind = 'directory' as const
  readonly notes: string[] = []
  private realRoot?: string

  constructor(
    readonly path: string,
    private readonly root: string,
    private readonly limits: SosLimits = DEFAULT_LIMITS,
  ) {}

  private async resolve(member: string): Promise<{abs: string} | {reason: string; missing: boolean}> {
    this.realRoot ??= await realpath(this.root)
    let abs: string
    try {
      abs = await realpath(posix.join(this.realRoot, member))
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      return {missing: code === 'ENOENT', reason: code === 'ENOENT' ? `${member}: not in the sosreport` : `${member}: ${code ?? String(error)}`}
    }
    if (!abs.startsWith(`${this.realRoot}/`)) return {missing: false, reason: `${member}: a link out of the sosreport, not followed`}
    return {abs}
  }

  async read(member: string): Promise<MemberRead> {
    const r = await this.resolve(member)
    if (!('abs' in r)) return {ok: false, ...r}
    try {
      const st = await stat(r.abs)
      if (!st.isFile()) return {missing: false, ok: false, reason: `${member}: not a regular file`}
      const fh = await open(r.abs, 'r')
      try {
        const size = Math.min(st.size, this.limits.memberBytes)
        const buf = Buffer.alloc(size)
        const {bytesRead} = await fh.read(buf, 0, size, 0)
        if (st.size > this.limits.memberBytes) this.notes.push(`${member}: ${st.size} bytes, only the first ${this.limits.memberBytes} read`)
        return {ok: true, text: buf.subarray(0, bytesRead).toString('utf8')}
      } finally {
        await fh.close()
      }
    } catch (error) {
      return {missing: false, ok: false, reason: `${member}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`}
    }
  }

  async list(dir: string): Promise<string[]> {
    const r = await this.resolve(dir)
    if (!('abs' in r)) return []
    const out: string[] = []
    for (const e of await readdir(r.abs, {withFileTypes: true}).catch(() => [])) if (e.isFile()) out.push(e.name)
    return out.sort()
  }

  async exists(member: string): Promise<boolean> {
    return 'abs' in (await this.resolve(member))
  }
}

const DECOMPRESSOR: Record<Exclude<Compression, 'none'>, string> = {bzip2: 'bzip2', gzip: 'gzip', xz: 'xz'}

const clean = (s: string): string => s.replace(/[\u0000-\u001f\u007f]/g, '?').slice(0, 160)
const gib = (n: number): string => (n >= 1024 ** 3 ? `${(n / 1024 ** 3).toFixed(1)} GiB` : n >= 1024 ** 2 ? `${(n / 1024 ** 2).toFixed(1)} MiB` : `${n} bytes`)

/**
 * A sosreport archive read in one pass: regular members matching `wanted` are kept in memory
 * (capped), every name is remembered for `exists`/`list`, links inside the report are followed.
 */
export class SosArchive implements SosTree {
  readonly kind = 'archive' as const
  readonly notes: string[] = []
  private readonly files = new Map<string, string>()
  /** every regular member, kept or not */
  private readonly names = new Set<string>()
  private readonly links = new Map<string, string>()
  private top = ''

  private constructor(readonly path: string) {}

  static async open(path: string, compression: Compression, wanted: (member: string) => boolean, limits: SosLimits = DEFAULT_LIMITS): Promise<SosArchive> {
    const a = new SosArchive(path)
    await a.load(compression, wanted, limits)
    if (!SOS_MARKERS.some((m) => a.names.has(m) || [...a.names].some((n) => n.startsWith(`${m}/`)))) {
      throw new SosError(`${path} is a tar archive but not a sosreport (no sos_commands/, sos_reports/ or version.txt)`)
    }
    return a
  }

  private async load(compression: Compression, wanted: (member: string) => boolean, limits: SosLimits): Promise<void> {
    const fh = await open(this.path, 'r')
    const child = compression === 'none' ? undefined : spawn(DECOMPRESSOR[compression], ['-dc'], {stdio: [fh.fd, 'pipe', 'pipe']})
    let stderr = ''
    child?.stderr?.on('data', (d: Buffer) => {
      if (stderr.length < 2000) stderr += d.toString()
    })
    const childExit = child ? new Promise<number | null>((res) => child.on('close', (code) => res(code))) : Promise.resolve(0)
    const spawnError = child ? new Promise<Error>((res) => child.on('error', res)) : new Promise<Error>(() => undefined)
    const input = child?.stdout ?? fh.createReadStream({autoClose: false})
    const extract = tar.extract()
    input.pipe(extract)
    input.on('error', (e: Error) => extract.destroy(e))
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      extract.destroy(new SosError(`reading ${this.path} took longer than ${limits.timeoutMs / 1000} s: refused`))
    }, limits.timeoutMs)
    let members = 0
    let total = 0
    let kept = 0
    // the report's top directory (sosreport-<host>-<date>/), when every member is under one
    let top: string | undefined
    let oneTop = true
    const raw: Array<[string, string]> = []
    const rawLinks: Array<[string, string]> = []
    try {
      await Promise.race([
        (async () => {
          for await (const entry of extract) {
            const h = entry.header
            members++
            if (members > limits.members) throw new SosError(`${this.path} has more than ${limits.members} members: refused as a tar bomb`)
            const size = h.size ?? 0
            total += size
            if (total > limits.totalBytes) throw new SosError(`${this.path} unpacks to more than ${gib(limits.totalBytes)} (member ${clean(h.name)} claims ${gib(size)}): refused as a tar bomb`)
            const name = normalise(h.name)
            const first = name?.split('/')[0]
            if (name !== undefined && first) {
              if (top === undefined) top = first
              else if (top !== first) oneTop = false
            }
            if (name === undefined) {
              this.note(`member ${clean(h.name)}: absolute path or '..': skipped`)
              entry.resume()
              continue
            }
            if (h.type === 'file' || h.type === 'contiguous-file') {
              this.names.add(name)
              // under the report's top directory, or at the archive's root (a report packed without one)
              const slash = name.indexOf('/')
              if ((slash > 0 && wanted(name.slice(slash + 1))) || wanted(name)) {
                if (size > limits.memberBytes) {
                  this.note(`member ${clean(name)} claims ${gib(size)}, over the ${gib(limits.memberBytes)} read per file: skipped`)
                  entry.resume()
                } else if (kept + size > limits.keptBytes) {
                  this.note(`member ${clean(name)}: more than ${gib(limits.keptBytes)} of useful files: skipped`)
                  entry.resume()
                } else {
                  const chunks: Buffer[] = []
                  let got = 0
                  for await (const c of entry as AsyncIterable<Buffer>) {
                    got += c.length
                    if (got <= limits.memberBytes) chunks.push(c)
                  }
                  kept += Math.min(got, limits.memberBytes)
                  raw.push([name, Buffer.concat(chunks).toString('utf8')])
                  continue
                }
              } else entry.resume()
              continue
            }
            if (h.type === 'symlink' || h.type === 'link') {
              const target = h.type === 'link' ? normalise(h.linkname ?? '') : resolveLink(name, h.linkname ?? '')
              if (target === undefined) this.note(`member ${clean(name)}: link to ${clean(h.linkname ?? '')} leaves the sosreport: not followed`)
              else rawLinks.push([name, target])
              entry.resume()
              continue
            }
            if (h.type !== 'directory') this.note(`member ${clean(name)}: ${h.type} skipped (only regular files and links are read)`)
            entry.resume()
          }
        })(),
        spawnError.then((e) => {
          throw new SosError(`cannot run ${child?.spawnfile ?? 'decompressor'} to read ${this.path}: ${e.message}`)
        }),
      ])
      const code = await childExit
      if (code !== 0 && code !== null) throw new SosError(`${this.path}: ${compression} stream is corrupt or truncated (${clean(stderr.trim().split('\n')[0] ?? `exit ${code}`)})`)
    } catch (error) {
      child?.kill('SIGKILL')
      if (error instanceof SosError) throw error
      if (timedOut) throw new SosError(`reading ${this.path} took longer than ${limits.timeoutMs / 1000} s: refused`)
      const msg = error instanceof Error ? error.message : String(error)
      const why = /unexpected end|premature|end of data|truncated/i.test(msg) ? 'truncated' : 'corrupt'
      const detail = stderr.trim().split('\n')[0]
      throw new SosError(`${this.path}: archive is ${why} (${clean(detail || msg)})`)
    } finally {
      clearTimeout(timer)
      input.unpipe?.(extract)
      child?.stdout?.destroy()
      await fh.close()
    }
    this.top = oneTop && top !== undefined && ![...this.names].some((n) => n === top) ? `${top}/` : ''
    const strip = (n: string): string => (this.top && n.startsWith(this.top) ? n.slice(this.top.length) : n)
    const names = [...this.names].map(strip)
    this.names.clear()
    for (const n of names) this.names.add(n)
    for (const [n, text] of raw) this.files.set(strip(n), text)
    for (const [n, t] of rawLinks) this.links.set(strip(n), strip(t))
  }

  private note(s: string): void {
    if (this.notes.length < 1000) this.notes.push(s)
  }

  /** Follows links (at most 16) inside the report. */
  private target(member: string): string | undefined {
    let m = member
    for (let i = 0; i < 16; i++) {
      if (this.names.has(m)) return m
      // a link on a parent directory (proc/net -> self/net)
      const parts = m.split('/')
      let moved = false
      for (let k = parts.length; k > 0; k--) {
        const link = this.links.get(parts.slice(0, k).join('/'))
        if (link !== undefined) {
          m = [link, ...parts.slice(k)].filter(Boolean).join('/')
          moved = true
          break
        }
      }
      if (!moved) return undefined
    }
    return undefined
  }

  async read(member: string): Promise<MemberRead> {
    const m = this.target(member)
    if (m === undefined) return {missing: true, ok: false, reason: `${member}: not in the sosreport`}
    const text = this.files.get(m)
    if (text === undefined) return {missing: false, ok: false, reason: `${member}: skipped while reading the archive (see the notes)`}
    return {ok: true, text}
  }

  async list(dir: string): Promise<string[]> {
    const d = this.target(dir) ?? dir
    const prefix = `${d.replace(/\/+$/, '')}/`
    const out: string[] = []
    for (const n of this.names) if (n.startsWith(prefix) && !n.slice(prefix.length).includes('/')) out.push(n.slice(prefix.length))
    return out.sort()
  }

  async exists(member: string): Promise<boolean> {
    if (this.target(member) !== undefined) return true
    const prefix = `${member.replace(/\/+$/, '')}/`
    for (const n of this.names) if (n.startsWith(prefix)) return true
    return false
  }
}

/** A member name made relative and safe; undefined for absolute paths and any `..`. */
export function normalise(name: string): string | undefined {
  if (name.startsWith('/')) return undefined
  const parts = name.split('/').filter((p) => p !== '' && p !== '.')
  if (parts.some((p) => p === '..')) return undefined
  return parts.join('/')
}

/** Where a symlink inside the report points, relative to the report; undefined when it leaves it. */
export function resolveLink(name: string, target: string): string | undefined {
  if (target.startsWith('/')) return undefined
  const out = name.split('/').slice(0, -1)
  for (const p of target.split('/')) {
    if (p === '' || p === '.') continue
    if (p === '..') {
      // the first component is the report's top directory: climbing above it leaves the report
      if (out.length <= 1) return undefined
      out.pop()
    } else out.push(p)
  }
  return out.join('/')
}
