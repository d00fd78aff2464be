import {createHmac, timingSafeEqual} from 'node:crypto'

/** neutron's sign_instance_id: lowercase hex HMAC-SHA256 of the instance UUID, keyed by the shared secret. */
export function signInstanceId(secret: string, instanceId: string): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(instanceId, 'utf8').digest('hex')
}

/** nova's check (hmac.compare_digest): constant time for equal lengths; a missing or empty signature fails. */
export function signatureMatches(secret: string, instanceId: string, signature: string | undefined, expectedHex?: string): boolean {
  if (!signature) return false
  const expected = Buffer.from(expectedHex ?? signInstanceId(secret, instanceId), 'latin1')
  const given = Buffer.from(signature, 'latin1')
  if (given.length !== expected.length) return false
  return timingSafeEqual(expected, given)
}
