import {Flags} from '@oclif/core'

import {LiveGuestSource, type SshTarget} from '../sources/guest.js'

export const leaseFlag = {
  'lease-file': Flags.string({description: 'also read this DHCP lease file (dhclient format), for guests that keep leases elsewhere', multiple: true}),
}

export const sshFlags = {
  identity: Flags.string({char: 'i', description: 'ssh private key for --ssh', helpGroup: 'SSH'}),
  jump: Flags.string({char: 'J', description: 'ssh jump host (ssh -J)', helpGroup: 'SSH'}),
  port: Flags.integer({description: 'ssh port', helpGroup: 'SSH', max: 65_535, min: 1}),
  'ssh-option': Flags.string({description: 'extra ssh -o Key=Value (repeatable; command options are refused)', helpGroup: 'SSH', multiple: true}),
  'connect-timeout': Flags.integer({default: 5, description: 'ssh connect timeout, seconds', helpGroup: 'SSH', max: 120, min: 1}),
}

export function sshTarget(target: string, f: {identity?: string; jump?: string; port?: number; 'ssh-option'?: string[]; 'connect-timeout'?: number}): SshTarget {
  return {
    connectTimeoutS: f['connect-timeout'],
    target,
    ...(f.identity ? {identity: f.identity} : {}),
    ...(f.jump ? {jump: f.jump} : {}),
    ...(f.port ? {port: f.port} : {}),
    ...(f['ssh-option'] ? {options: f['ssh-option']} : {}),
  }
}

type SshFlagValues = Parameters<typeof sshTarget>[1]

/**
 * The guest here (no target) or over ssh, checked to answer before any evidence is read.
 * Throws an Error whose message is the one-line usage error to show (a bad target, ssh failing).
 */
export async function openLiveGuest(target: string | undefined, flags: SshFlagValues & {'lease-file'?: string[]}): Promise<LiveGuestSource> {
  const live = new LiveGuestSource(target ? sshTarget(target, flags) : undefined, flags['lease-file'])
  const down = await live.reachable()
  if (down) throw new Error(`cannot reach the guest over ssh (${target}): ${down}`)
  return live
}
