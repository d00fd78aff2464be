import {assertText, ParseError} from './errors.js'

export interface NetnsEntry {
  name: string
  /** inode of /run/netns/<name>; 0 when the capture did not record it */
  inode: number
}

/**
 * `ls -1i /run/netns` ("<inode> <name>", what the live source writes) or `ip netns list`
 * ("<name>" or "<name> (id: N)", as old captures and the seeds have it: inode unknown, 0).
 */
export function parseNetnsList(text: string): NetnsEntry[] {
  assertText(text, 'namespace list')
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      const m = /^\s*(\d+)\s+([A-Za-z0-9_.-]+)\s*$/.exec(l) ?? /^\s*()([A-Za-z0-9_.-]+)(?:\s+\(id: \d+\))?\s*$/.exec(l)
      if (!m) throw new ParseError(`not a namespace line: ${l.slice(0, 80)}`)
      return {inode: Number(m[1] || 0), name: m[2] ?? ''}
    })
}
