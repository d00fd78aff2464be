/**
 * The process map the live source writes from one pass over /proc: one JSON object per line,
 * `{"pid":100,"uid":0,"comm":"haproxy","cmdline":["haproxy","-f","…/<id>.conf"],"netns":4026532002,"sockets":[1591167]}`.
 *
 * Contract: every line must be a JSON object with a numeric pid (else ParseError); missing
 * fields get neutral values (no sockets, netns 0 = unknown).
 */
import {assertText, ParseError} from './errors.js'

export interface ProcEntry {
  pid: number
  uid: number
  comm: string
  cmdline: string[]
  netns: number
  sockets: number[]
}

export function parseProcNet(text: string): ProcEntry[] {
  assertText(text, 'process map')
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      let v: unknown
      try {
        v = JSON.parse(l)
      } catch {
        throw new ParseError(`not a JSON line: ${l.slice(0, 80)}`)
      }
      const o = v as Partial<ProcEntry>
      if (typeof o !== 'object' || o === null || typeof o.pid !== 'number') throw new ParseError(`process entry without pid: ${l.slice(0, 80)}`)
      return {
        cmdline: Array.isArray(o.cmdline) ? o.cmdline.map(String) : [],
        comm: String(o.comm ?? ''),
        netns: Number(o.netns ?? 0),
        pid: o.pid,
        sockets: Array.isArray(o.sockets) ? o.sockets.map(Number) : [],
        uid: Number(o.uid ?? -1),
      }
    })
}
