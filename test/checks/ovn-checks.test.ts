import {readFileSync} from 'node:fs'

import {describe, expect, it} from 'vitest'

import {NODE_CHECKS, nodeChecksFor, OVN_CHECKS} from '../../src/checks/index.js'
import {chooseAgent} from '../../src/engine/agent-flavour.js'
import {runCheck} from '../../src/engine/check.js'
import {type NodeCollection, type NodeOptions, resolvePaths} from '../../src/engine/collect-node.js'
import {captureId} from '../../src/engine/parsed.js'
import {buildNodeModel} from '../../src/model/node-model.js'
import type {Capture} from '../../src/sources/capture.js'

// A healthy OVN chassis from real output captured on `mdctl lab up --backend ovn` (OVN 23.03,
// OVS 3.1, Debian's neutron-ovn-metadata-agent); each failing case changes one piece of it the
// way the scenario of the same name breaks it.
const S = (f: string): string => readFileSync(new URL(`../parsers/ovn/samples/${f}`, import.meta.url), 'utf8')
const NET = '0a1b0a1b-0000-4000-8000-000000000001'
const NS = `ovnmeta-${NET}`
const DIR = '/var/lib/mdctl-lab-ovn/etc/neutron'
const INI = `${DIR}/neutron_ovn_metadata_agent.ini`
const STATE = '/var/lib/mdctl-lab-ovn/state'

type Caps = Map<string, Capture>
const cap = (key: string, stdout: string, o: Partial<Capture> = {}): Capture => ({argv: key.startsWith('netns.addr') ? ['ip', '-json', 'addr'] : key === 'netns.listeners' ? ['ss', '-H', '-n', '-t', '-e', 'state', 'listening'] : ['x'], durationMs: 1, exitCode: 0, key, origin: 'test', stderr: '', stdout, ...o})

function healthy(): Caps {
  const m: Caps = new Map()
  const put = (c: Capture): void => {
    m.set(captureId(c.key, c.param), c)
  }
  put(cap('node.agent-ini', '', {exitCode: 1, stderr: 'No such file or directory'}))
  put(cap('node.ovn-agent-ini', `[DEFAULT]\nstate_path = ${STATE}\nnova_metadata_host = 127.0.0.1\nmetadata_proxy_shared_secret = <fingerprint hmac-sha256:0123456789abcdef>\n[ovs]\novsdb_connection = unix:/var/lib/mdctl-lab-ovn/run/db.sock\n[ovn]\novn_sb_connection = tcp:127.0.0.1:6642\n`, {param: INI}))
  put(cap('node.netns', `4026532001 mdovn-guest\n4026532002 ${NS}\n`))
  put(cap('node.ps', S('ps--ovn-chassis.txt')))
  put(cap('node.ovs-local', S('ovs-vsctl--open_vswitch.json')))
  put(cap('node.ovs-bridges', S('ovs-vsctl--bridge.json')))
  put(cap('node.ovs-interfaces', S('ovs-vsctl--interface.json')))
  put(cap('node.ovn-sb-chassis', S('ovn-sbctl--chassis.json')))
  put(cap('node.ovn-sb-chassis-private', S('ovn-sbctl--chassis_private.json')))
  put(cap('node.ovn-sb-global', S('ovn-sbctl--sb_global.json')))
  put(cap('node.ovn-sb-datapath', S('ovn-sbctl--datapath_binding.json')))
  put(cap('node.ovn-sb-port-binding', S('ovn-sbctl--port_binding.json')))
  put(cap('node.ovn-sb-lflow-dhcp', S('ovn-sbctl--lflow-dhcp.json')))
  put(cap('node.ovn-agent-log', S('neutron-ovn-metadata-agent--healthy.log')))
  put(cap('netns.addr', S('ip-addr--ovnmeta.json'), {param: NS}))
  put(cap('netns.iptables', S('iptables-save--ovnmeta.txt'), {param: NS}))
  put(cap('netns.listeners', S('ss--ovnmeta.txt'), {param: NS}))
  return m
}

const OPTS: NodeOptions = {instanceIps: ['10.44.0.10'], neutronConfigDir: DIR, novaConfig: '/etc/nova/nova.conf', passive: true}

function model(change: (c: Caps) => void = () => {}) {
  const caps = healthy()
  change(caps)
  const agent = chooseAgent(caps, DIR)
  const paths = resolvePaths(OPTS, undefined, caps.get(captureId(agent.key, agent.param)), agent.kind !== 'ml2-ovs')
  const col: NodeCollection = {agent, captures: caps, namespaces: [NS], paths, probed: false}
  return buildNodeModel(col, OPTS)
}

function run(id: string, change?: (c: Caps) => void): string[] {
  const check = OVN_CHECKS.find((c) => c.id === id)!
  const r = runCheck(check, model(change))
  if (r.run.status !== 'ran') return [`${r.run.status}: ${r.run.reason ?? ''}`]
  return r.findings.map((f) => `${f.severity} ${f.code}`)
}

const json = (key: string, edit: (t: string) => string) => (c: Caps) => {
  const old = c.get(key)!
  c.set(key, {...old, stdout: edit(old.stdout)})
}

describe('OVN chassis checks on real captured rows', () => {
  it('take the OVN agent file, its state_path and its SB connection', () => {
    const m = model()
    expect(m.agent.kind).toBe('ovn-metadata')
    expect(m.paths.statePath).toBe(STATE)
    expect(m.paths.ovn?.sb).toBe('tcp:127.0.0.1:6642')
    expect(nodeChecksFor(m).map((c) => c.id)).toContain('ovn-veth')
  })

  it('every OVN check passes on the healthy chassis', () => {
    for (const c of OVN_CHECKS) expect(run(c.id).filter((f) => f.startsWith('fail') || f.startsWith('warn') || f.startsWith('not-')), c.id).toEqual([])
  })

  it('ovn-sb-reachable: fails when the SB refuses the agent\'s connection, not evaluated when ovn-sbctl is missing', () => {
    expect(run('ovn-sb-reachable')).toEqual(['pass OVN_SB_ANSWERS'])
    const refused = (c: Caps): void => void c.set('node.ovn-sb-chassis', cap('node.ovn-sb-chassis', '', {exitCode: 1, stderr: 'ovn-sbctl: tcp:127.0.0.1:6643: database connection failed (Connection refused)'}))
    expect(run('ovn-sb-reachable', refused)).toEqual(['fail OVN_SB_UNREACHABLE'])
    expect(run('ovn-sb-reachable', (c) => void c.set('node.ovn-sb-chassis', cap('node.ovn-sb-chassis', '', {exitCode: 127, failure: 'not-found', stderr: 'ovn-sbctl: not found'})))).toEqual(['info NOT_EVALUATED'])
  })

  it('ovn-chassis-registered: no metadata id means the agent never registered; a missing chassis is ovn-controller', () => {
    expect(run('ovn-chassis-registered')).toEqual(['pass OVN_AGENT_REGISTERED'])
    expect(run('ovn-chassis-registered', json('node.ovn-sb-chassis-private', (t) => t.replace(/\["neutron:ovn-metadata-id","[^"]+"\],/, '')))).toEqual(['fail OVN_AGENT_NOT_REGISTERED'])
    expect(run('ovn-chassis-registered', json('node.ovn-sb-global', () => '{"data":[[5]],"headings":["nb_cfg"]}'))).toEqual(['warn OVN_AGENT_SB_CFG_BEHIND'])
    expect(run('ovn-chassis-registered', json('node.ovn-sb-chassis', () => '{"data":[],"headings":["_uuid","name"]}'))).toEqual(['fail OVN_CHASSIS_NOT_REGISTERED'])
  })

  it('ovs-ovn-settings: the integration bridge must exist', () => {
    expect(run('ovs-ovn-settings')).toEqual(['pass OVS_OVN_SETTINGS_OK'])
    expect(run('ovs-ovn-settings', json('node.ovs-bridges', (t) => t.replace('"br-mdovn"', '"br-other"')))).toEqual(['fail OVN_BRIDGE_MISSING'])
  })

  it('ovn-metadata-port: a network with a VM port here and no localport', () => {
    expect(run('ovn-metadata-port')).toEqual(['pass OVN_METADATA_PORT_OK'])
    expect(run('ovn-metadata-port', json('node.ovn-sb-port-binding', (t) => t.replace('"localport"', '"patch"')))).toEqual(['fail OVN_METADATA_PORT_MISSING'])
  })

  it('ovn-namespace: missing for a bound port, stale without one', () => {
    expect(run('ovn-namespace')).toEqual(['pass OVN_NAMESPACE_PRESENT'])
    expect(run('ovn-namespace', (c) => void c.set('node.netns', cap('node.netns', '4026532001 mdovn-guest\n')))).toEqual(['fail OVN_NAMESPACE_MISSING'])
    expect(run('ovn-namespace', (c) => void c.set('node.netns', cap('node.netns', `4026532001 mdovn-guest\n4026532002 ${NS}\n4026532003 ovnmeta-0a1b0a1b-dead-4000-8000-000000000009\n`)))).toEqual(['pass OVN_NAMESPACE_PRESENT', 'warn OVN_NAMESPACE_STALE'])
  })

  it('ovn-veth: unplugged from the bridge, or the namespace side without the metadata IP', () => {
    expect(run('ovn-veth')).toEqual(['pass OVN_VETH_OK'])
    expect(run('ovn-veth', json('node.ovs-interfaces', (t) => t.replace('"tap0a1b0a1b-00"', '"tap-gone"')))).toEqual(['fail OVN_VETH_UNPLUGGED'])
    expect(run('ovn-veth', json(captureId('netns.addr', NS), (t) => t.replace(/"local":"10\.44\.0\.2"/, '"local":"10.44.0.99"')))).toEqual(['fail OVN_VETH_ADDRESS_MISSING'])
  })

  it('ovn-checksum-fill: netdev datapath needs the mangle CHECKSUM rule', () => {
    expect(run('ovn-checksum-fill')).toEqual(['pass OVN_CHECKSUM_FILL'])
    expect(run('ovn-checksum-fill', json(captureId('netns.iptables', NS), (t) => t.replace(/^-A POSTROUTING .*CHECKSUM.*$/m, '')))).toEqual(['fail OVN_CHECKSUM_FILL_MISSING'])
  })

  it('ovn-dhcp-route: the put_dhcp_opts flow without classless_static_route', () => {
    expect(run('ovn-dhcp-route')).toEqual(['pass OVN_DHCP_ROUTE_OFFERED'])
    expect(run('ovn-dhcp-route', json('node.ovn-sb-lflow-dhcp', (t) => t.replaceAll('classless_static_route = {169.254.169.254/32,10.44.0.2, 0.0.0.0/0,10.44.0.1}, ', '')))).toEqual(['fail OVN_DHCP_ROUTE_MISSING'])
    expect(run('ovn-dhcp-route', json('node.ovn-sb-lflow-dhcp', (t) => t.replaceAll('169.254.169.254/32,10.44.0.2', '169.254.169.254/32,10.44.0.1')))).toEqual(['fail OVN_DHCP_ROUTE_WRONG_HOP'])
  })

  it('ovn-instance-port: the guest IP maps to a bound port with device and project ids', () => {
    expect(run('ovn-instance-port')).toEqual(['pass OVN_INSTANCE_PORT_FOUND'])
    expect(run('ovn-instance-port', json('node.ovn-sb-port-binding', (t) => t.replace('["neutron:project_id","0a1b0a1b00004000800000000000f001"]]],true', '["neutron:x","y"]]],true')))).toEqual(['fail OVN_INSTANCE_PORT_INCOMPLETE'])
    expect(run('ovn-instance-port', json('node.ovn-sb-port-binding', (t) => t.replace('fa:16:3e:44:00:0a 10.44.0.10', 'fa:16:3e:44:00:0a 10.44.0.11')))).toEqual(['fail OVN_INSTANCE_PORT_NOT_FOUND'])
  })

  it('ovn-agent-log: known signatures become evidence; mdctl\'s own probe lines do not', () => {
    expect(run('ovn-agent-log')).toEqual(['pass OVN_AGENT_LOG_CLEAN'])
    const forbidden = '2026-11-23 18:40:00.000 448 WARNING neutron.agent.ovn.metadata.server [-] The remote metadata server responded with Forbidden. This response usually occurs when shared secrets do not match.\n'
    expect(run('ovn-agent-log', json('node.ovn-agent-log', (t) => t + forbidden))).toEqual(['info OVN_LOG_FORBIDDEN'])
  })

  it('socket-listener on a chassis: the OVN agent running without listening is the agent stuck (SB unreachable), a dead one leaves a stale socket', () => {
    const sock = `${STATE}/metadata_proxy`
    const noListener = (c: Caps): void => {
      c.set('node.unix-listeners', {...cap('node.unix-listeners', ''), argv: ['ss', '-H', '-x', '-l', '-n']})
      c.set(captureId('node.socket-stat', sock), cap('node.socket-stat', `${sock}|socket|755|0|0|root|root|4242\n`, {param: sock}))
    }
    const check = NODE_CHECKS.find((c) => c.id === 'socket-listener')!
    const stuck = runCheck(check, model(noListener)).findings.map((f) => `${f.severity} ${f.hop} ${f.code}`)
    expect(stuck).toEqual(['fail agent AGENT_NOT_LISTENING'])
    const dead = runCheck(check, model((c) => {
      noListener(c)
      c.set('node.ps', cap('node.ps', S('ps--ovn-chassis.txt').split('\n').filter((l) => !/metadata-agent|privsep/.test(l)).join('\n')))
    })).findings.map((f) => `${f.severity} ${f.hop} ${f.code}`)
    expect(dead).toEqual(['fail socket SOCKET_STALE'])
  })
})
