import {existsSync, readdirSync} from 'node:fs'

import {Flags} from '@oclif/core'

import {fleetCapture, FleetError} from '../../fleet/ansible.js'
import {hostPattern} from '../../fleet/presets.js'
import type {FleetRecord} from '../../fleet/record.js'
import {MdctlCommand} from '../../lib/base-command.js'
import {badGroups, collectArgs, fleetCaptureFlags, groupsFrom} from '../../lib/fleet-flags.js'
import {badScope} from '../../lib/node-flags.js'

export default class FleetCapture extends MdctlCommand {
  static override summary = "Capture every network/compute/controller node of an Ansible inventory into one directory of bundles (python3 on the hosts, nothing installed)."
  static override description = `Runs ansible-playbook (ansible-core) with the playbook shipped in mdctl's package and your inventory. On each host it runs mdctl's collector (python3 only) with become, fetches the bundle back and removes everything it put there. One salt is shared by every host, so secret fingerprints compare across hosts.
Arguments after -- go to ansible-playbook as given (vault, user, ssh options, extra vars).
The directory then holds one bundle per host and fleet.json; judge it with \`mdctl fleet doctor DIR\`.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> -i /etc/kolla/multinode --preset kolla --out /tmp/cloud',
    '<%= config.bin %> <%= command.id %> -i inventory.yml --group-agents network --group-nova control --out /tmp/cloud --limit "net*" -- --vault-password-file ~/.vault',
  ]

  static override strict = false

  static override flags = {
    ...fleetCaptureFlags,
    out: Flags.string({description: 'directory to write the bundles to (must not exist, or be empty)', required: true}),
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(FleetCapture)
    const record = await runFleetCapture(this, flags, argv as string[], flags.out)
    const captured = record.hosts.filter((h) => h.status === 'captured').length
    this.log(`captured ${captured} of ${record.hosts.length} host(s) into ${flags.out} in ${(record.durationMs / 1000).toFixed(1)} s (Ansible ${(record.ansible.durationMs / 1000).toFixed(1)} s)`)
    for (const h of record.hosts.filter((x) => x.status !== 'captured')) this.log(`  ${h.name}: ${h.status}: ${h.reason ?? ''}`)
    this.log(`judge it: mdctl fleet doctor ${flags.out}`)
    if (captured === 0) process.exitCode = 3
  }
}

/** Shared by `fleet capture` and `fleet doctor -i`: checks the command line, then runs Ansible. */
export async function runFleetCapture(
  cmd: MdctlCommand & {error(msg: string, o: {exit: number}): never},
  flags: Parameters<typeof groupsFrom>[0] & Parameters<typeof collectArgs>[0] & {inventory?: string[]; limit?: string; forks?: number; 'instance-ip'?: string[]},
  argv: string[],
  out: string,
): Promise<FleetRecord> {
  if (!flags.inventory?.length) cmd.error('--inventory (-i) is required: the Ansible inventory of the cloud', {exit: 2})
  const bad = badScope({'instance-ip': flags['instance-ip']})
  if (bad) cmd.error(bad, {exit: 2})
  const groups = groupsFrom(flags)
  const badGroup = badGroups(groups)
  if (badGroup) cmd.error(badGroup, {exit: 2})
  if (existsSync(out) && readdirSync(out).length > 0) cmd.error(`${out} exists and is not empty: pick a new directory`, {exit: 2})
  const quiet = argv.includes('--json')
  try {
    return await fleetCapture({
      ansibleArgs: argv.filter((a) => a !== '--json'),
      collectArgs: collectArgs(flags),
      groups,
      inventories: flags.inventory ?? [],
      out,
      pattern: hostPattern(groups),
      ...(flags.forks ? {forks: flags.forks} : {}),
      ...(flags.limit ? {limit: flags.limit} : {}),
      ...(flags.preset ? {preset: flags.preset} : {}),
      ...(quiet ? {} : {onOutput: (s: string) => process.stderr.write(s)}),
    })
  } catch (error) {
    if (error instanceof FleetError) cmd.error(error.message, {exit: 2})
    throw error
  }
}
