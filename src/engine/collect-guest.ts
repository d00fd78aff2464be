import {GUEST_EVIDENCE, GUEST_PATHS, type GuestKey} from '../evidence/guest.js'
import type {Capture} from '../sources/capture.js'
import type {GuestSource} from '../sources/guest.js'
import {captureId} from './parsed.js'

export interface GuestOptions {
  passive: boolean
}

export interface GuestCollection {
  captures: Map<string, Capture>
  probed: boolean
}

/**
 * Guest collection: every read first, then (unless --passive) the HTTP probes, then the
 * neighbour table once more, because the probes are what make the kernel ARP for the next hop.
 */
export async function collectGuest(source: GuestSource, opts: GuestOptions, progress: (msg: string) => void = () => {}): Promise<GuestCollection> {
  const captures = new Map<string, Capture>()
  const keep = (c: Capture): void => {
    captures.set(captureId(c.key, c.param), c)
  }
  progress('reading routes, neighbours, leases and logs')
  // one at a time: over ssh each is a connection, and minimal guests have little to spare
  for (const key of Object.keys(GUEST_EVIDENCE) as GuestKey[]) keep(await source.guest(key))
  if (!opts.passive) {
    for (const path of GUEST_PATHS) {
      progress(`GET http://169.254.169.254${path}`)
      keep(await source.guest('probe.guest-http', path))
    }
    keep(await source.guest('guest.neigh', 'after-probe'))
  }
  return {captures, probed: !opts.passive}
}
