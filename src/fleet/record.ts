/**
 * `fleet.json`, written by `mdctl fleet capture` beside one bundle directory per host:
 *
 * ```
 * {"format": "mdctl-fleet", "formatVersion": 1, "capturedAt": "2026-11-23T19:02:11.000Z", "salt": "…",
 *  "groups": {"agents": ["network"], "nova": ["control"], "ovn": ["compute"]}, "preset": "kolla",
 *  "hosts": [{"name": "net1", "status": "captured", "dir": "net1"},
 *            {"name": "net2", "status": "unreachable", "reason": "ssh: connect to host 10.0.0.2 port 22: No route to host"}],
 *  "ansible": {"argv": ["/usr/bin/ansible-playbook", "-i", "…"], "exitCode": 4, "durationMs": 5120}, …}
 * ```
 * The salt is the one every host's fingerprints were made with (each manifest carries it too).
 */
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'

import type {GroupSet} from './presets.js'

export type HostStatus = 'captured' | 'unreachable' | 'no-python' | 'failed'

export interface FleetHost {
  name: string
  status: HostStatus
  /** bundle directory under the fleet directory, when captured */
  dir?: string
  reason?: string
}

export interface FleetRecord {
  format: 'mdctl-fleet'
  formatVersion: 1
  tool: {name: 'mdctl'; version: string}
  capturedAt: string
  durationMs: number
  salt: string
  inventories: string[]
  preset?: string
  groups: GroupSet
  hosts: FleetHost[]
  ansible: {argv: string[]; exitCode: number; durationMs: number}
}

const firstLine = (v: unknown): string => (typeof v === 'string' ? (v.trim().split('\n').find((l) => l.trim() !== '') ?? '').trim() : '')

/** One host's outcome from the `mdctl_results` callback record (pure). */
export function hostOutcome(name: string, r: Record<string, unknown>): FleetHost {
  if (r.status === 'ok') return {name, status: 'captured'}
  const msg = firstLine(r.msg)
  if (r.status === 'unreachable') return {name, reason: `unreachable: ${msg || 'no reason given by Ansible'}`.slice(0, 300), status: 'unreachable'}
  const stderr = firstLine(r.stderr) || firstLine(r.module_stderr) || firstLine(r.module_stdout)
  // the interpreter itself is missing: rc 127 from the shell, or a module that could not start
  if (r.rc === 127 || /(python[0-9.]*|interpreter).*(not found|No such file)|(not found|No such file).*python/i.test(`${stderr} ${msg}`)) {
    return {name, reason: `python3 not found on the host (${stderr || msg}): install python3 (3.6 or later) or set ansible_python_interpreter to one`.slice(0, 300), status: 'no-python'}
  }
  const task = typeof r.task === 'string' ? r.task.replace(/^mdctl_collect : /, '') : 'a task'
  return {name, reason: `${task} failed: ${[msg, stderr].filter(Boolean).join(': ') || `exit ${String(r.rc ?? '?')}`}`.slice(0, 300), status: 'failed'}
}

export class FleetRecordError extends Error {
  override readonly name = 'FleetRecordError'
}

export async function readFleetRecord(dir: string): Promise<FleetRecord> {
  let text: string
  try {
    text = await readFile(join(dir, 'fleet.json'), 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new FleetRecordError(code === 'ENOENT' ? `${dir} is not a fleet capture: no fleet.json (write one with \`mdctl fleet capture\`)` : `cannot read ${dir}/fleet.json: ${code ?? String(error)}`)
  }
  let r: Partial<FleetRecord>
  try {
    r = JSON.parse(text) as Partial<FleetRecord>
  } catch {
    throw new FleetRecordError(`${dir}/fleet.json is not valid JSON`)
  }
  if (!r || r.format !== 'mdctl-fleet' || !Array.isArray(r.hosts)) throw new FleetRecordError(`${dir}/fleet.json is not an mdctl fleet record`)
  if (r.formatVersion !== 1) throw new FleetRecordError(`${dir}/fleet.json: format version ${String(r.formatVersion)} is not supported (this mdctl reads version 1)`)
  for (const h of r.hosts) {
    if (!h || typeof h.name !== 'string' || typeof h.status !== 'string') throw new FleetRecordError(`${dir}/fleet.json has a malformed host entry`)
    if (h.dir !== undefined && (typeof h.dir !== 'string' || h.dir.includes('/') || h.dir.startsWith('.'))) throw new FleetRecordError(`${dir}/fleet.json points outside the fleet directory: ${String(h.dir)}`)
  }
  return {groups: {agents: [], nova: [], ovn: []}, salt: '', ...r} as FleetRecord
}
