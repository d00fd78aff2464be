// The cloud the lab's reference agent and API believe in, in the reference stack's `instances`
// format: the guest's instance and port on the lab network (and behind the lab router on the
// router path). Holds no secret: the daemons read theirs from metadata_agent.ini and nova.conf.
import {generateKeyPairSync} from 'node:crypto'

import {GUEST_IP, type LabIds} from './plan.js'
import type {LabSpec} from './scenarios.js'

/** Another address on the subnet: the only instance port when the guest's IP is unknown to neutron. */
export const OTHER_VM_IP = '10.254.77.11'

export interface LabInventory {
  instances: Array<Record<string, unknown>>
}

/** An OpenSSH public key line for the instance's key pair (nobody holds the private half). */
export function throwawaySshKey(comment: string): string {
  const der = generateKeyPairSync('ed25519').publicKey.export({format: 'der', type: 'spki'})
  const raw = der.subarray(der.length - 32)
  const str = (b: Buffer): Buffer => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b])
  return `ssh-ed25519 ${Buffer.concat([str(Buffer.from('ssh-ed25519')), str(raw)]).toString('base64')} ${comment}`
}

export function labInventory(spec: LabSpec, ids: LabIds, publicKey: string): LabInventory {
  return {
    instances: [
      {
        availability_zone: 'nova',
        fixed_ips: [spec.inventoryHasGuest ? GUEST_IP : OTHER_VM_IP],
        hostname: 'mdlab-guest',
        mac_address: ids.guestMac,
        meta: {lab: 'mdctl'},
        name: 'mdlab-guest',
        network_id: ids.network,
        port_id: ids.guestPort,
        project_id: ids.project,
        public_keys: {mdlab: publicKey},
        ...(spec.path === 'router' ? {router_id: ids.router} : {}),
        user_data: '#cloud-config\nhostname: mdlab-guest\n',
        uuid: ids.instance,
      },
    ],
  }
}
