/**
 * OVSDB table dumps in JSON, from `ovs-vsctl --format=json … list TABLE` and
 * `ovn-sbctl --format=json … list|find TABLE` (OVS 3.1, OVN 23.03). Sample (Chassis_Private on a
 * chassis whose metadata agent registered):
 *
 *   {"data":[[["uuid","20844715-4d1a-4b56-af2e-9e897fd83982"],["uuid","290e857d-…"],
 *     ["map",[["neutron:ovn-metadata-id","d6ab35ea-…"],["neutron:ovn-metadata-sb-cfg","1"]]],
 *     "mdovn-chassis",1,1795458593753]],
 *    "headings":["_uuid","chassis","external_ids","name","nb_cfg","nb_cfg_timestamp"]}
 *
 * Contract: one row object per data row, keyed by heading. Atoms stay strings, numbers and
 * booleans; `["uuid", u]` becomes u; `["set", [...]]` an array (an empty set `[]`, so an unset
 * optional reference is an empty array); `["map", [[k, v], …]]` a plain object of strings.
 * Anything else (not JSON, no data/headings, a row of the wrong width) is a ParseError.
 */
import {assertText, ParseError} from './errors.js'

export type OvsdbAtom = string | number | boolean
export type OvsdbValue = OvsdbAtom | OvsdbAtom[] | Record<string, string>
export type OvsdbRow = Record<string, OvsdbValue>

function atom(v: unknown): OvsdbAtom {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v
  if (Array.isArray(v) && (v[0] === 'uuid' || v[0] === 'named-uuid') && typeof v[1] === 'string') return v[1]
  throw new ParseError(`not an OVSDB atom: ${JSON.stringify(v).slice(0, 80)}`)
}

function value(v: unknown): OvsdbValue {
  if (Array.isArray(v) && v[0] === 'set' && Array.isArray(v[1])) return v[1].map(atom)
  if (Array.isArray(v) && v[0] === 'map' && Array.isArray(v[1])) {
    const out: Record<string, string> = Object.create(null) as Record<string, string>
    for (const pair of v[1]) {
      if (!Array.isArray(pair) || pair.length !== 2) throw new ParseError('malformed OVSDB map pair')
      out[String(atom(pair[0]))] = String(atom(pair[1]))
    }
    return out
  }
  return atom(v)
}

export function parseOvsdbJson(text: string): OvsdbRow[] {
  assertText(text, 'OVSDB JSON')
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch {
    throw new ParseError(`not OVSDB JSON output: ${text.trim().split('\n')[0]?.slice(0, 80) ?? ''}`)
  }
  const d = doc as {data?: unknown; headings?: unknown}
  if (typeof d !== 'object' || d === null || !Array.isArray(d.data) || !Array.isArray(d.headings)) throw new ParseError('OVSDB JSON without data and headings')
  const headings = d.headings.map(String)
  return d.data.map((row: unknown) => {
    if (!Array.isArray(row) || row.length !== headings.length) throw new ParseError('OVSDB JSON row does not match its headings')
    const out: OvsdbRow = Object.create(null) as OvsdbRow
    headings.forEach((h, i) => {
      out[h] = value(row[i])
    })
    return out
  })
}

/** A map column as an object (an absent or non-map column is empty). */
export const mapOf = (r: OvsdbRow | undefined, col: string): Record<string, string> => {
  const v = r?.[col]
  return v !== undefined && typeof v === 'object' && !Array.isArray(v) ? v : {}
}

/** A string column, or the single element of an optional (set) column; undefined when unset. */
export const strOf = (r: OvsdbRow | undefined, col: string): string | undefined => {
  const v = r?.[col]
  if (Array.isArray(v)) return v.length > 0 ? String(v[0]) : undefined
  return v === undefined || typeof v === 'object' ? undefined : String(v)
}
