import {type Check, NotEvaluated} from '../../engine/check.js'
import {ev} from '../../engine/parsed.js'
import type {NodeModel} from '../../model/node-model.js'
import {isFingerprint, isMasked} from '../../sources/redact.js'
import {describeProbe, iniOf, opt} from './util.js'

const SECRET_FIX = (m: NodeModel) => ({
  commands: [
    `grep -H shared_secret ${m.paths.neutronConfigDir}/metadata_agent.ini ${m.paths.novaConfig}   # compare privately`,
    'systemctl restart neutron-metadata-agent nova-api-metadata',
  ],
  text: 'metadata_agent.ini [DEFAULT] metadata_proxy_shared_secret and nova.conf [neutron] metadata_proxy_shared_secret must be the same string: set one to the other and restart both services.',
})

/** Salted fingerprints of the two secrets: equal or not, without ever holding either value. */
export const secretFingerprint: Check<NodeModel> = {
  evidence: ['node.agent-ini', 'node.nova-conf'],
  hop: 'signature',
  id: 'secret-fingerprint',
  needs: ['agentIni', 'novaConf'],
  applies: (m) => (!iniOf(m.novaConf) ? `${m.paths.novaConfig} is not on this host: the secrets can only be compared by the signed probe` : !iniOf(m.agentIni) ? 'metadata_agent.ini not found' : undefined),
  title: 'agent and nova hold the same shared secret (salted fingerprints)',
  run(m, out) {
    const a = opt(m.agentIni, ['DEFAULT', 'metadata_proxy_shared_secret']) ?? ''
    const n = opt(m.novaConf, ['neutron', 'metadata_proxy_shared_secret'], ['DEFAULT', 'neutron_metadata_proxy_shared_secret'], ['DEFAULT', 'quantum_metadata_proxy_shared_secret']) ?? ''
    // a masked value (sos's `*********`) says "set", not what: two masks prove nothing either way
    const masked = [...(isMasked(a) ? [`${m.paths.neutronConfigDir}/metadata_agent.ini`] : []), ...(isMasked(n) ? [m.paths.novaConfig] : [])]
    if (masked.length > 0) {
      throw new NotEvaluated(`metadata_proxy_shared_secret is masked (asterisks) in ${masked.join(' and ')}: run \`mdctl capture\` on the agent's and on nova's host; the salted fingerprints in the bundles decide whether the secrets match`)
    }
    const show = (v: string): string => (v === '' ? 'empty' : isFingerprint(v) ? v : '<set>')
    const evidence = [ev(m.agentIni, `agent secret ${show(a)}`), ev(m.novaConf, `nova secret ${show(n)}`)]
    if (a === n) {
      out.pass({code: 'SECRET_MATCH', evidence, subject: 'metadata_proxy_shared_secret', summary: a === '' ? 'both secrets are empty (they match, but nothing is protected)' : 'agent and nova secrets match'})
      return
    }
    out.fail({code: 'SECRET_MISMATCH', evidence, fix: SECRET_FIX(m), subject: 'metadata_proxy_shared_secret', summary: 'the agent and nova hold different shared secrets: nova answers 403 to every guest'})
  },
}

/** A request signed with the agent's secret for a random instance id: 404 = nova accepted the signature, 403 = mismatch. */
export const signedProbe: Check<NodeModel> = {
  active: true,
  evidence: ['probe.nova-signed'],
  hop: 'signature',
  id: 'signed-probe',
  needs: ['novaSigned'],
  title: "nova accepts the agent's X-Instance-ID-Signature",
  run(m, out) {
    if (!m.novaSigned.ok) return
    const o = m.novaSigned.value
    const subject = m.novaSigned.capture.param ?? 'nova'
    if (o.kind === 'failed') {
      out.info({code: 'SIGNED_PROBE_NO_ANSWER', evidence: [ev(m.novaSigned, describeProbe(o))], subject, summary: 'nova did not answer the signed probe (see the nova hop)'})
      return
    }
    const {status, body} = o.response
    if (status === 403) {
      out.fail({code: 'SIGNATURE_REJECTED', evidence: [ev(m.novaSigned, describeProbe(o))], fix: SECRET_FIX(m), subject, summary: "nova rejects the agent's signature (403): the shared secrets differ"})
    } else if (status === 404) {
      out.pass({code: 'SIGNATURE_ACCEPTED', evidence: [ev(m.novaSigned, `HTTP 404 for a random instance id: signature accepted`)], subject, summary: "nova accepts the agent's signature"})
    } else if (status === 400) {
      out.warn({code: 'SIGNED_PROBE_400', evidence: [ev(m.novaSigned, describeProbe(o))], fix: {commands: [], text: 'nova refused the probe headers; read its metadata log.'}, subject, summary: `nova answered 400: ${body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 120)}`})
    } else {
      out.info({code: 'SIGNED_PROBE_INCONCLUSIVE', evidence: [ev(m.novaSigned, describeProbe(o))], subject, summary: `signed probe answered HTTP ${status}: inconclusive`})
    }
  },
}
