/**
 * The only I/O of a fleet capture: runs ansible-playbook with the shipped playbook and the
 * operator's inventory, then unpacks the fetched bundles. Ansible's own output goes to stderr
 * (it is progress); the per-host outcome comes from the shipped `mdctl_results` callback.
 */
import {spawn} from 'node:child_process'
import {accessSync, constants} from 'node:fs'
import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {delimiter, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

import {exportRecipes} from '../evidence/recipes.js'
import {PARAM_FILE} from '../evidence/registry.js'
import {newSalt} from '../sources/redact.js'
import {VERSION} from '../version.js'
import type {GroupSet} from './presets.js'
import {type FleetHost, type FleetRecord, hostOutcome} from './record.js'

/** `ansible/` in the installed package (dist/fleet → ../../ansible, also from src/ under tsx). */
export const ANSIBLE_DIR = fileURLToPath(new URL('../../ansible/', import.meta.url))

export class FleetError extends Error {
  override readonly name = 'FleetError'
}

export function findOnPath(tool: string): string | undefined {
  for (const d of (process.env.PATH ?? '/usr/bin:/bin').split(delimiter)) {
    try {
      accessSync(join(d, tool), constants.X_OK)
      return join(d, tool)
    } catch {
      // next
    }
  }
  return undefined
}

export interface FleetCaptureOptions {
  inventories: string[]
  out: string
  groups: GroupSet
  pattern: string
  limit?: string
  forks?: number
  /** collector options: --passive, --neutron-config-dir … */
  collectArgs: string[]
  /** passed to ansible-playbook as given: -e, --vault-password-file, -u, --ssh-common-args … */
  ansibleArgs: string[]
  preset?: string
  onOutput?: (chunk: string) => void
}

/** A directory name for a host: inventory names may hold anything an inventory allows. */
export const hostDir = (name: string): string => name.replace(PARAM_FILE.unsafe, '_').replace(PARAM_FILE.leadingDots, '_').slice(0, PARAM_FILE.maxLength) || '_'

function run(argv: string[], env: NodeJS.ProcessEnv, onOutput?: (s: string) => void): Promise<{code: number; output: string}> {
  return new Promise((resolvePromise, reject) => {
    const [file, ...args] = argv
    const child = spawn(file ?? 'false', args, {env, stdio: ['ignore', 'pipe', 'pipe']})
    let output = ''
    const take = (b: Buffer): void => {
      const s = b.toString('utf8')
      // keep the tail only: it explains a failure, the rest was progress
      output = (output + s).slice(-64 * 1024)
      onOutput?.(s)
    }
    child.stdout.on('data', take)
    child.stderr.on('data', take)
    child.on('error', reject)
    child.on('close', (code) => resolvePromise({code: code ?? 1, output}))
  })
}

export async function fleetCapture(o: FleetCaptureOptions): Promise<FleetRecord> {
  const playbook = findOnPath('ansible-playbook')
  if (!playbook) throw new FleetError('ansible-playbook not found on PATH: install ansible-core')
  const out = resolve(o.out)
  await mkdir(out, {recursive: true})
  const work = await mkdtemp(join(tmpdir(), 'mdctl-fleet-'))
  const started = Date.now()
  const salt = newSalt()
  try {
    const recipes = join(work, 'recipes.json')
    await writeFile(recipes, JSON.stringify(exportRecipes()))
    const results = join(work, 'results.json')
    const fetched = join(work, 'fetched')
    const vars = {mdctl_collect_args: o.collectArgs, mdctl_hosts: o.pattern, mdctl_out: fetched, mdctl_recipes_file: recipes, mdctl_salt: salt}
    await writeFile(join(work, 'vars.json'), JSON.stringify(vars))
    const argv = [playbook, ...o.inventories.flatMap((i) => ['-i', i]), join(ANSIBLE_DIR, 'fleet-capture.yml'), '-e', `@${join(work, 'vars.json')}`]
    if (o.limit) argv.push('--limit', o.limit)
    if (o.forks) argv.push('--forks', String(o.forks))
    argv.push(...o.ansibleArgs)
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      // add the shipped callback beside any the operator enabled
      ANSIBLE_CALLBACKS_ENABLED: [process.env.ANSIBLE_CALLBACKS_ENABLED, 'mdctl_results'].filter(Boolean).join(','),
      ANSIBLE_CALLBACK_PLUGINS: [process.env.ANSIBLE_CALLBACK_PLUGINS, join(ANSIBLE_DIR, 'callback_plugins')].filter(Boolean).join(':'),
      ANSIBLE_RETRY_FILES_ENABLED: 'false',
      MDCTL_FLEET_RESULTS: results,
    }
    const ansibleStarted = Date.now()
    const r = await run(argv, env, o.onOutput)
    const ansibleMs = Date.now() - ansibleStarted
    let outcome: {hosts: Record<string, Record<string, unknown>>; durationS?: number}
    try {
      outcome = JSON.parse(await readFile(results, 'utf8')) as typeof outcome
    } catch {
      const last = r.output.trim().split('\n').filter((l) => /ERROR|error/.test(l)).pop() ?? r.output.trim().split('\n').pop() ?? ''
      throw new FleetError(`ansible-playbook ended (exit ${r.code}) without running the play: ${last.trim().slice(0, 300)}`)
    }
    const hosts: FleetHost[] = []
    for (const [name, res] of Object.entries(outcome.hosts).sort(([a], [b]) => a.localeCompare(b))) {
      const h = hostOutcome(name, res)
      if (h.status === 'captured') {
        const dir = hostDir(name)
        await mkdir(join(out, dir), {recursive: true})
        const x = await run(['tar', '-xzf', join(fetched, `${name}.tar.gz`), '-C', join(out, dir), '--strip-components=1', '--no-same-owner', '--no-same-permissions'], process.env)
        if (x.code === 0) h.dir = dir
        else Object.assign(h, {reason: `the fetched bundle could not be unpacked: ${x.output.trim().split('\n')[0] ?? ''}`, status: 'failed'})
      }
      hosts.push(h)
    }
    const record: FleetRecord = {
      ansible: {argv: argv.map((a) => (a.startsWith('@') ? '@vars.json' : a)), durationMs: ansibleMs, exitCode: r.code},
      capturedAt: new Date(started).toISOString(),
      durationMs: Date.now() - started,
      format: 'mdctl-fleet',
      formatVersion: 1,
      groups: o.groups,
      hosts,
      inventories: o.inventories,
      ...(o.preset ? {preset: o.preset} : {}),
      salt,
      tool: {name: 'mdctl', version: VERSION},
    }
    await writeFile(join(out, 'fleet.json'), `${JSON.stringify(record, null, 2)}\n`)
    return record
  } finally {
    await rm(work, {force: true, recursive: true})
  }
}
