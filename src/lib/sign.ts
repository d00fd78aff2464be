import {createHmac} from 'node:crypto'

/** neutron's `sign_instance_id`: lowercase hex HMAC-SHA256 of the instance UUID, keyed by the shared secret. */
export function signInstanceId(secret: string, instanceId: string): string {
  return createHmac('sha256', secret).update(instanceId, 'utf8').digest('hex')
}
