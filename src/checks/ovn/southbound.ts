import type {Check} from '../../engine/check.js'
import {ev} from '../../engine/parsed.js'
import type {NodeModel} from '../../model/node-model.js'
import {ovsExternalIds, thisChassis} from '../../model/ovn-model.js'
import {mapOf, strOf} from '../../parsers/ovsdb-json.js'
import {onOvnChassis, ovnWith, restart, sbctl, val, vsctl} from './util.js'

const CONNECT_FAILED = /database connection failed|Connection refused|timed out|No route to host|SSL|certificate/i

/** The Southbound DB answers at the agent's ovn_sb_connection, with the agent's SSL files. */
export const ovnSbReachable: Check<NodeModel> = {
  applies: onOvnChassis,
  evidence: ['node.ovn-sb-chassis', 'node.ovn-agent-ini'],
  hop: 'agent',
  id: 'ovn-sb-reachable',
  needs: [],
  title: "the Southbound DB answers at the agent's ovn_sb_connection",
  run(m, out) {
    const o = m.ovn!
    const sb = m.paths.ovn?.sb ?? 'tcp:127.0.0.1:6642'
    if (o.chassis.ok) {
      out.pass({code: 'OVN_SB_ANSWERS', evidence: [ev(o.chassis, `${o.chassis.value.length} Chassis row(s) from ${sb}`)], subject: sb, summary: `the Southbound DB answers at ${sb}`})
      return
    }
    const c = o.chassis.capture
    const said = `${c?.stderr ?? ''} ${o.chassis.reason}`
    if (!c || c.failure === 'not-found' || c.exitCode === -1 || !CONNECT_FAILED.test(said)) {
      out.info({code: 'NOT_EVALUATED', subject: sb, summary: o.chassis.reason})
      return
    }
    out.fail({
      code: 'OVN_SB_UNREACHABLE',
      evidence: [ev(o.chassis, said.trim().split('\n')[0] ?? ''), ev(m.agentIni, `[ovn] ovn_sb_connection = ${sb}`)],
      fix: {commands: [sbctl(m, '--timeout=5 show'), `grep -H ovn_sb_connection ${m.agent.iniPath}`, restart(m)], text: `The agent cannot reach the Southbound DB at ${sb}: it registers nothing, provisions nothing and answers no request. Point [ovn] ovn_sb_connection at the SB (the same address as ovn-remote in the local Open_vSwitch row) with working SSL files, then restart the agent.`},
      subject: sb,
      summary: `the Southbound DB does not answer at ${sb}, where the agent connects`,
    })
  },
}

/** This chassis exists in the SB, and the agent registered on it and keeps up with nb_cfg (neutron's liveness signal). */
export const ovnChassisRegistered: Check<NodeModel> = {
  applies: onOvnChassis,
  evidence: ['node.ovs-local', 'node.ovn-sb-chassis', 'node.ovn-sb-chassis-private', 'node.ovn-sb-global'],
  hop: 'agent',
  id: 'ovn-chassis-registered',
  needs: [],
  title: 'Chassis / Chassis_Private rows for this system-id; neutron:ovn-metadata-id set; sb-cfg keeps up with nb_cfg',
  run(m, out) {
    const o = ovnWith(m, (x) => x.ovsLocal, (x) => x.chassis, (x) => x.chassisPrivate)
    const id = ovsExternalIds(o)['system-id']
    if (!id) {
      out.fail({code: 'OVS_SYSTEM_ID_MISSING', evidence: [ev(o.ovsLocal, 'Open_vSwitch external_ids has no system-id')], fix: {commands: [vsctl(m, 'get Open_vSwitch . external_ids'), `${vsctl(m, `set Open_vSwitch . external_ids:system-id=$(hostname)`)}`, 'systemctl restart ovn-controller', restart(m)], text: 'Without external_ids:system-id neither ovn-controller nor the metadata agent knows which chassis this is (the agent fails with KeyError).'}, subject: 'Open_vSwitch', summary: 'the local Open_vSwitch row has no system-id'})
      return
    }
    const ch = thisChassis(o)
    if (!ch) {
      out.fail({code: 'OVN_CHASSIS_NOT_REGISTERED', evidence: [ev(o.chassis, `no Chassis named ${id} among ${val(o.chassis).length} row(s)`)], fix: {commands: ['systemctl restart ovn-controller', 'tail -n 50 /var/log/ovn/ovn-controller.log', sbctl(m, 'show')], text: 'ovn-controller registers this chassis; without it no port is bound here and the agent waits for ever.'}, subject: id, summary: `chassis ${id} is not registered in the Southbound DB`})
      return
    }
    const priv = val(o.chassisPrivate).find((r) => strOf(r, 'name') === id)
    const ids = mapOf(priv ?? ch, 'external_ids')
    const where = priv ? 'Chassis_Private' : 'Chassis'
    const metaId = ids['neutron:ovn-metadata-id'] ?? ids['neutron:ovn-neutron-agent-id']
    if (!metaId) {
      out.fail({code: 'OVN_AGENT_NOT_REGISTERED', evidence: [ev(o.chassisPrivate, `${where} ${id} external_ids: ${Object.keys(ids).join(', ') || 'none'}`)], fix: {commands: [restart(m), `journalctl -u ${m.agent.service} -n 50`], text: 'The metadata agent writes neutron:ovn-metadata-id on its chassis when it starts; neutron lists the agent as down without it.'}, subject: id, summary: `no OVN metadata agent registered on chassis ${id}`})
      return
    }
    const sbCfg = Number(ids['neutron:ovn-metadata-sb-cfg'] ?? ids['neutron:ovn-neutron-agent-sb-cfg'] ?? Number.NaN)
    const nbCfg = o.sbGlobal.ok ? Number(strOf(o.sbGlobal.value[0], 'nb_cfg') ?? Number.NaN) : Number.NaN
    const evidence = [ev(o.chassisPrivate, `${where} ${id}: neutron:ovn-metadata-id=${metaId}, sb-cfg ${Number.isNaN(sbCfg) ? 'unset' : sbCfg}`), ...(o.sbGlobal.ok ? [ev(o.sbGlobal, `SB_Global nb_cfg ${nbCfg}`)] : [])]
    if (!Number.isNaN(nbCfg) && !Number.isNaN(sbCfg) && sbCfg < nbCfg) {
      out.warn({code: 'OVN_AGENT_SB_CFG_BEHIND', evidence, fix: {commands: [`${sbctl(m, `get Chassis_Private ${id} external_ids`)}`, restart(m)], text: 'The agent copies nb_cfg into neutron:ovn-metadata-sb-cfg on every SB_Global update; behind means it stopped processing SB events (neutron shows it dead after agent_down_time).'}, subject: id, summary: `the agent's sb-cfg ${sbCfg} is behind nb_cfg ${nbCfg}: neutron will report it dead`})
      return
    }
    out.pass({code: 'OVN_AGENT_REGISTERED', evidence, subject: id, summary: `the metadata agent is registered on chassis ${id}`})
  },
}

/** The local OVS row tells ovn-controller where the SB is and which bridge is the integration bridge. */
export const ovsOvnSettings: Check<NodeModel> = {
  applies: onOvnChassis,
  evidence: ['node.ovs-local', 'node.ovs-bridges'],
  hop: 'agent',
  id: 'ovs-ovn-settings',
  needs: [],
  title: 'local OVS: ovn-remote, ovn-encap-type/ip, ovn-bridge that exists',
  run(m, out) {
    const o = ovnWith(m, (x) => x.ovsLocal, (x) => x.ovsBridges)
    const ids = ovsExternalIds(o)
    const missing = ['ovn-remote', 'ovn-encap-type', 'ovn-encap-ip'].filter((k) => !ids[k])
    const bridge = ids['ovn-bridge'] ?? 'br-int'
    const bridges = val(o.ovsBridges).map((r) => strOf(r, 'name'))
    if (missing.length > 0) {
      out.warn({code: 'OVS_OVN_SETTINGS_MISSING', evidence: [ev(o.ovsLocal, `external_ids without ${missing.join(', ')}`)], fix: {commands: [vsctl(m, 'get Open_vSwitch . external_ids')], text: 'ovn-controller needs ovn-remote, ovn-encap-type and ovn-encap-ip in the local Open_vSwitch row to register the chassis and bind ports.'}, subject: 'Open_vSwitch', summary: `the local Open_vSwitch row lacks ${missing.join(', ')}`})
    }
    if (!bridges.includes(bridge)) {
      out.fail({code: 'OVN_BRIDGE_MISSING', evidence: [ev(o.ovsBridges, `bridges: ${bridges.join(', ') || 'none'}; ovn-bridge ${ids['ovn-bridge'] ?? 'unset (br-int)'}`)], fix: {commands: [vsctl(m, 'list-br'), 'systemctl restart ovn-controller', restart(m)], text: `The agent plugs each namespace's veth into ${bridge}; without the bridge it logs "Configured OVN bridge ${bridge} cannot be found in the system" and resyncs for ever.`}, subject: bridge, summary: `the OVN integration bridge ${bridge} does not exist`})
      return
    }
    if (missing.length === 0) out.pass({code: 'OVS_OVN_SETTINGS_OK', evidence: [ev(o.ovsLocal, `ovn-remote ${ids['ovn-remote']}, encap ${ids['ovn-encap-type']} ${ids['ovn-encap-ip']}, bridge ${bridge}`)], subject: 'Open_vSwitch', summary: `chassis settings present; integration bridge ${bridge} exists`})
  },
}
