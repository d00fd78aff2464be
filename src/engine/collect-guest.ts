import {GUEST_EVIDENCE, GUEST_PATHS, type GuestKey, wgetNeedsRawFetch} from '../evidence/guest.js'
import type {Capture} from '../sources/capture.js'
import type {GuestSource} from '../sources/guest.js'
import {absent} from '../sources/source.js'
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
    let unreachable: string | undefined
    for (const path of GUEST_PATHS) {
      if (unreachable) {
        // the same connection would fail the same way: do not wait out another timeout
        keep(absent('probe.guest-http', path, source.origin, `not attempted: ${unreachable}`))
        continue
      }
      progress(`GET http://169.254.169.254${path}`)
      const c = await source.guest('probe.guest-http', path)
      keep(c)
      let answered = c.exitCode === 0 || /^\s*HTTP\/\d/m.test(c.stderr)
      if (wgetNeedsRawFetch(c)) {
        // wget hid the body or whether it connected: the same GET, raw, through nc
        progress(`GET http://169.254.169.254${path} again with nc`)
        const raw = await source.guest('probe.guest-http-raw', path)
        keep(raw)
        answered ||= raw.exitCode === 0 && /^HTTP\/\d/.test(raw.stdout)
      }
      if (!answered && c.exitCode !== 127) unreachable = `GET ${path} got no HTTP answer (exit ${c.exitCode})`
    }
    keep(await source.guest('guest.neigh', 'after-probe'))
  }
  return {captures, probed: !opts.passive}
}
