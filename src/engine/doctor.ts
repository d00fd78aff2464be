import {nodeChecksFor} from '../checks/index.js'
import {buildNodeModel} from '../model/node-model.js'
import type {Report} from '../report/types.js'
import type {GuestSource} from '../sources/guest.js'
import type {Source} from '../sources/source.js'
import {runCheck} from './check.js'
import {collectNode, type NodeCollection, type NodeOptions} from './collect-node.js'
import {guestResults} from './guest.js'
import {buildReport} from './report.js'

export interface DoctorRun {
  report: Report
  collection: NodeCollection
}

/** sources → parsers → checks → report, for the network node. */
export async function runDoctor(source: Source, opts: NodeOptions, progress?: (msg: string) => void, guest?: GuestSource): Promise<DoctorRun> {
  const collection = await collectNode(source, opts, progress)
  progress?.('running checks')
  const model = buildNodeModel(collection, opts)
  const results = nodeChecksFor(model).map((c) => runCheck(c, model))
  let origin = source.origin
  if (guest) {
    // guest and node evidence in one report: one verdict over the whole path
    const g = await guestResults(guest, {passive: opts.passive}, progress)
    results.unshift(...g.results)
    origin = `${guest.origin} + ${source.origin}`
  }
  return {collection, report: buildReport({capturedAt: source.capturedAt, kind: source.kind, origin}, results)}
}
