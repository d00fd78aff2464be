import {NODE_CHECKS} from '../checks/index.js'
import {buildNodeModel} from '../model/node-model.js'
import type {Report} from '../report/types.js'
import type {Source} from '../sources/source.js'
import {runCheck} from './check.js'
import {collectNode, type NodeCollection, type NodeOptions} from './collect-node.js'
import {buildReport} from './report.js'

export interface DoctorRun {
  report: Report
  collection: NodeCollection
}

/** sources → parsers → checks → report, for the network node. */
export async function runDoctor(source: Source, opts: NodeOptions, progress?: (msg: string) => void): Promise<DoctorRun> {
  const collection = await collectNode(source, opts, progress)
  progress?.('running checks')
  const model = buildNodeModel(collection, opts)
  const results = NODE_CHECKS.map((c) => runCheck(c, model))
  return {collection, report: buildReport({capturedAt: source.capturedAt, kind: source.kind, origin: source.origin}, results)}
}
