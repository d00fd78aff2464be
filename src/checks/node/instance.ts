import {type Check, NotEvaluated} from '../../engine/check.js'
import {ev} from '../../engine/parsed.js'
import type {NodeModel} from '../../model/node-model.js'
import {describeProbe} from './util.js'

/** With --instance-ip: the agent resolves the guest's address, through each router/network in scope, to one instance. */
export const instanceLookup: Check<NodeModel> = {
  active: true,
  evidence: ['probe.agent'],
  hop: 'instance',
  id: 'instance-lookup',
  needs: [],
  applies: (m) => (!m.options.instanceIps?.length ? 'pass --instance-ip to look a guest up through the agent' : m.passive ? '--passive: no active probes' : undefined),
  title: 'the guest IP resolves to exactly one instance (probe with --instance-ip)',
  run(m, out) {
    const reasons: string[] = []
    let judged = 0
    for (const [param, p] of m.agentProbes) {
      const ip = param.split('@')[1] ?? ''
      if (!m.options.instanceIps?.includes(ip)) continue
      const via = param.split('@')[0] ?? ''
      const subject = `${ip} via ${via}`
      if (!p.ok) {
        reasons.push(p.reason)
        out.info({code: 'NOT_EVALUATED', subject, summary: p.reason})
        continue
      }
      judged++
      const o = p.value
      if (o.kind === 'failed') {
        out.info({code: 'INSTANCE_PROBE_NO_ANSWER', evidence: [ev(p, describeProbe(o))], subject, summary: 'the agent did not answer (see the agent hop)'})
        continue
      }
      const {status, body} = o.response
      if (status === 200) {
        out.pass({code: 'INSTANCE_FOUND', evidence: [ev(p, `HTTP 200: ${body.slice(0, 1024).split('\n').slice(0, 4).join(' ')}`)], subject, summary: 'the agent finds the instance and nova serves its metadata'})
      } else if (status === 404) {
        const why = /Instance was not found/.test(body) ? 'no port with this fixed IP on the network(s) behind it (or more than one)' : 'nova or the agent found no instance'
        out.fail({
          code: 'INSTANCE_NOT_FOUND',
          evidence: [ev(p, describeProbe(o))],
          fix: {
            commands: [`openstack port list --fixed-ip ip-address=${ip} --long`, `openstack server list --all-projects --ip '^${ip.replaceAll('.', '\\.')}$'`],
            text: 'Exactly one port must hold this fixed IP on a network behind the router (allowed-address-pair IPs do not count); the port\'s project must be the instance\'s.',
          },
          subject,
          summary: `the agent cannot map ${ip} to an instance: ${why}`,
        })
      } else {
        out.info({code: 'INSTANCE_PROBE_OTHER', evidence: [ev(p, describeProbe(o))], subject, summary: `lookup ended with HTTP ${status}; the earlier hops explain it`})
      }
    }
    if (judged === 0 && reasons.length > 0) throw new NotEvaluated(reasons[0] ?? 'no lookup could be made')
  },
}
