import type {Check} from '../../engine/check.js'
import type {GuestModel} from '../../model/guest-model.js'
import {guestNextHopArp} from './arp.js'
import {guestCloudInit, guestConfigDrive, guestHttpProbe, guestProxyEnv} from './probe.js'
import {guestLeaseRoute, guestMetadataRoute} from './route.js'

/** Guest checks, in path order. */
export const GUEST_CHECKS: ReadonlyArray<Check<GuestModel>> = [
  guestLeaseRoute, // dhcp-route, as the guest saw it
  guestMetadataRoute, // guest-route
  guestProxyEnv, // guest-route
  guestNextHopArp, // guest-arp
  guestHttpProbe, // whatever hop the answer names
  guestConfigDrive, // information
  guestCloudInit, // boot-time record
]
