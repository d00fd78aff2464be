import {GUEST_CHECKS} from '../checks/guest/index.js'
import {buildGuestModel} from '../model/guest-model.js'
import type {GuestSource} from '../sources/guest.js'
import {runCheck, type CheckResult} from './check.js'
import {collectGuest, type GuestCollection, type GuestOptions} from './collect-guest.js'

export async function guestResults(source: GuestSource, opts: GuestOptions, progress?: (msg: string) => void): Promise<{collection: GuestCollection; results: CheckResult[]}> {
  const collection = await collectGuest(source, opts, progress)
  const model = buildGuestModel(collection)
  return {collection, results: GUEST_CHECKS.map((c) => runCheck(c, model))}
}
