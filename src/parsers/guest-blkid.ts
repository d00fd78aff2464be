/**
 * Block devices and their labels: `blkid`, `blkid -o export` and `lsblk -o NAME,LABEL,FSTYPE -P`.
 * A config drive (nova `force_config_drive` / `--config-drive`) is the filesystem labelled
 * `config-2`; when present, cloud-init's ds-identify skips the metadata service altogether.
 * Real blkid samples (util-linux 2.38, an image made with `mkfs.ext4 -L config-2`), then the
 * lsblk -P line a config drive on /dev/sr0 gives:
 *
 * ```
 * /tmp/mdgp-q2Wjaa/config-drive.img: LABEL="config-2" UUID="dca7f6e4-5088-4bde-8a5d-d7e976dcc9b7" BLOCK_SIZE="1024" TYPE="ext4"
 * DEVNAME=/tmp/mdgp-q2Wjaa/config-drive.img
 * LABEL=config-2
 * UUID=dca7f6e4-5088-4bde-8a5d-d7e976dcc9b7
 * BLOCK_SIZE=1024
 * TYPE=ext4
 * NAME="sr0" LABEL="config-2" FSTYPE="iso9660"
 * ```
 *
 * Contract:
 * - One entry per device, in output order. `device` is as printed (`blkid` gives a path,
 *   `lsblk -P` a kernel name unless run with `-p`). Values are unquoted and un-escaped.
 * - Refused (ParseError): binary data; a first line in none of the three shapes.
 * - Partial: the first line that does not fit the detected shape ends the list (`.warnings`).
 */
import {clip, splitLines, withWarnings, type WithWarnings} from './guest-addr.js'
import {assertText, ParseError} from './errors.js'

export interface BlockDevice {
  device: string
  label?: string
  type?: string
  uuid?: string
}

export type BlockDevices = WithWarnings<BlockDevice>

const PAIR = /([A-Z_]+)="((?:[^"\\]|\\.)*)"/g

export function parseBlkid(text: string): BlockDevices {
  assertText(text, 'blkid')
  const lines = splitLines(text)
  const first = lines.find((l) => l.trim() !== '')?.trim()
  if (first === undefined) return withWarnings([], [])
  if (/^[A-Z_]+=/.test(first) && !first.includes('"')) return exportFormat(lines)
  const out: BlockDevice[] = []
  const warnings: string[] = []
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim()
    if (line === '') continue
    const dev = lineDevice(line)
    if (!dev) {
      if (out.length === 0) throw new ParseError(`blkid: line ${i + 1} is neither blkid nor lsblk -P output: ${clip(line)}`)
      warnings.push(`blkid: line ${i + 1} does not fit (${clip(line)}); stopped there`)
      break
    }
    out.push(dev)
  }
  return withWarnings(out, warnings)
}

function lineDevice(line: string): BlockDevice | undefined {
  const blkid = /^([^\s"]+?):(\s.*|)$/.exec(line)
  const pairsText = blkid ? (blkid[2] ?? '') : line
  const pairs = new Map<string, string>()
  let matched = ''
  for (const m of pairsText.matchAll(PAIR)) {
    pairs.set(m[1] ?? '', unescape(m[2] ?? ''))
    matched += m[0]
  }
  // everything except whitespace must have been key="value" pairs
  if (pairsText.replace(/\s+/g, '').length !== matched.replace(/\s+/g, '').length) return undefined
  const device = blkid ? blkid[1] : pairs.get('NAME') ?? pairs.get('PATH') ?? pairs.get('KNAME')
  if (device === undefined || device === '') return undefined
  return build(device, pairs.get('LABEL'), pairs.get('TYPE') ?? pairs.get('FSTYPE'), pairs.get('UUID'))
}

function exportFormat(lines: string[]): BlockDevices {
  const out: BlockDevice[] = []
  const warnings: string[] = []
  let cur = new Map<string, string>()
  const flush = (): void => {
    const device = cur.get('DEVNAME')
    if (device !== undefined) out.push(build(device, cur.get('LABEL'), cur.get('TYPE'), cur.get('UUID')))
    cur = new Map()
  }
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim()
    if (line === '') {
      flush()
      continue
    }
    const m = /^([A-Z_]+)=(.*)$/.exec(line)
    if (!m) {
      warnings.push(`blkid -o export: line ${i + 1} is not KEY=value (${clip(line)}); stopped there`)
      cur = new Map()
      break
    }
    if (m[1] === 'DEVNAME' && cur.has('DEVNAME')) flush()
    cur.set(m[1] ?? '', unescape(m[2] ?? ''))
  }
  flush()
  return withWarnings(out, warnings)
}

function build(device: string, label?: string, type?: string, uuid?: string): BlockDevice {
  const d: BlockDevice = {device}
  if (label !== undefined && label !== '') d.label = label
  if (type !== undefined && type !== '') d.type = type
  if (uuid !== undefined && uuid !== '') d.uuid = uuid
  return d
}

// blkid escapes `"` and `\`; lsblk -P writes unsafe bytes as \xHH; export uses `\ `.
function unescape(s: string): string {
  return s.replace(/\\x([0-9a-fA-F]{2})|\\(.)/g, (_m, hex: string | undefined, ch: string | undefined) => (hex ? String.fromCharCode(parseInt(hex, 16)) : (ch ?? '')))
}

/** Is a config drive attached (a filesystem labelled `config-2`, any case)? */
export function hasConfigDrive(devs: readonly BlockDevice[]): boolean {
  return devs.some((d) => d.label?.toLowerCase() === 'config-2')
}
