import {chooseAgent} from '../../src/engine/agent-flavour.js'
import {execFileSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {runCheck} from '../../src/engine/check.js'
import type {NodeCollection, NodeOptions} from '../../src/engine/collect-node.js'
import {captureId} from '../../src/engine/parsed.js'
import {parseCapture} from '../../src/engine/parsed.js'
import {detectLayout, translateCommand} from '../../src/evidence/layouts.js'
import {exportRecipes} from '../../src/evidence/recipes.js'
import {bundleFile, EVIDENCE} from '../../src/evidence/registry.js'
import {FLEET_CHECKS, type FleetHostView, type FleetModel} from '../../src/fleet/checks.js'
import {hostPattern, resolveGroups} from '../../src/fleet/presets.js'
import {hostOutcome} from '../../src/fleet/record.js'
import {buildNodeModel} from '../../src/model/node-model.js'
import {parseIpAddrJson} from '../../src/parsers/ip-addr.js'
import {parseSsListeners} from '../../src/parsers/ss-listeners.js'
import {Redactor} from '../../src/sources/redact.js'
import type {Capture} from '../../src/sources/capture.js'

const COLLECTOR = join(import.meta.dirname, '..', '..', 'ansible', 'roles', 'mdctl_collect', 'files', 'mdctl_collect.py')
const ROUTER = '5a3c3b4e-aaaa-4bbb-8ccc-0000000000a1'
const OPTS: NodeOptions = {neutronConfigDir: '/etc/neutron', novaConfig: '/etc/nova/nova.conf', passive: true}
const cap = (key: string, stdout: string, param?: string, argv: string[] = ['read', key]): Capture => ({argv, durationMs: 1, exitCode: 0, key, origin: 'test', stderr: '', stdout, ...(param ? {param} : {})})
const fp = (secret: string): string => new Redactor('salt-1').redactIni(`metadata_proxy_shared_secret = ${secret}`).replace(/^metadata_proxy_shared_secret = /, '')
// `ss -H -n -t state listening` and `ip -json addr` as captured in a lab host namespace
const LISTEN = (addr: string, port: number): string => `0      4096   ${addr}:${port} 0.0.0.0:*\n`
const ADDR = (ip: string): string => JSON.stringify([{addr_info: [{family: 'inet', local: ip, prefixlen: 24, scope: 'global'}], flags: ['UP'], ifindex: 2, ifname: 'eth0'}])

interface HostSpec {
  name: string
  ip: string
  agentSecret?: string
  novaSecret?: string
  novaHost?: string
  novaPort?: number
  listens?: Array<[string, number]>
  router?: 'primary' | 'backup'
  proxy?: boolean
}

function view(s: HostSpec): FleetHostView {
  const caps = new Map<string, Capture>()
  const put = (c: Capture): void => {
    caps.set(captureId(c.key, c.param), c)
  }
  if (s.agentSecret !== undefined) put(cap('node.agent-ini', `[DEFAULT]\nnova_metadata_host = ${s.novaHost ?? '10.0.0.20'}\nnova_metadata_port = ${s.novaPort ?? 8775}\nmetadata_proxy_shared_secret = ${fp(s.agentSecret)}\n`))
  if (s.novaSecret !== undefined) put(cap('node.nova-conf', `[neutron]\nmetadata_proxy_shared_secret = ${fp(s.novaSecret)}\n`))
  const namespaces: string[] = []
  if (s.router) {
    namespaces.push(`qrouter-${ROUTER}`)
    put(cap('node.ha-state', `${s.router}\n`, ROUTER))
    put(cap('netns.listeners', s.proxy ? LISTEN('0.0.0.0', 9697) : '', `qrouter-${ROUTER}`, ['ss', '-H', '-n', '-t', '-e', 'state', 'listening']))
  }
  const col: NodeCollection = {agent: chooseAgent(caps, '/etc/neutron'), captures: caps, namespaces, paths: {neutronConfigDir: '/etc/neutron', novaConfig: '/etc/nova/nova.conf', socketPath: '/var/lib/neutron/metadata_proxy', statePath: '/var/lib/neutron'}, probed: false}
  const listeners = cap('node.tcp-listeners', (s.listens ?? []).map(([a, p]) => LISTEN(a, p)).join(''), undefined, ['ss'])
  return {
    addrs: parseCapture(cap('node.addr', ADDR(s.ip)), 'node.addr', parseIpAddrJson),
    agent: s.agentSecret !== undefined,
    layout: 'packages',
    model: buildNodeModel(col, OPTS),
    name: s.name,
    nova: s.novaSecret !== undefined,
    salt: 'salt-1',
    tcpListeners: parseCapture(listeners, 'node.tcp-listeners', (t) => parseSsListeners(t, 'tcp')),
  }
}

const CLOUD: HostSpec[] = [
  {agentSecret: 's3cret', ip: '10.0.0.11', name: 'net1', proxy: true, router: 'primary'},
  {agentSecret: 's3cret', ip: '10.0.0.12', name: 'net2', router: 'backup'},
  {agentSecret: 's3cret', ip: '10.0.0.13', name: 'net3'},
  {ip: '10.0.0.20', listens: [['10.0.0.20', 8775]], name: 'ctl1', novaSecret: 's3cret'},
]
const judge = (specs: HostSpec[], id: string) => {
  const m: FleetModel = {hosts: specs.map(view), instanceIps: []}
  const check = FLEET_CHECKS.find((c) => c.id === id)
  if (!check) throw new Error(id)
  return runCheck(check, m)
}
const tweak = (name: string, patch: Partial<HostSpec>): HostSpec[] => CLOUD.map((h) => (h.name === name ? {...h, ...patch} : h))

describe('cross-host checks', () => {
  it('pass when every agent and nova share one secret fingerprint', () => {
    expect(judge(CLOUD, 'fleet-secret-agreement').findings.map((f) => f.code)).toEqual(['FLEET_SECRET_AGREE'])
  })

  it('name the one host whose secret differs from the majority', () => {
    const r = judge(tweak('net2', {agentSecret: 'zq-odd-value'}), 'fleet-secret-agreement')
    expect(r.findings.map((f) => [f.code, f.subject])).toEqual([['FLEET_SECRET_MISMATCH', 'net2']])
    expect(r.findings[0]?.summary).toContain('net1 (agent), net3 (agent), ctl1 (nova)')
    expect(JSON.stringify(r)).not.toContain('zq-odd-value')
  })

  it('name nova as the odd one when every agent agrees against it', () => {
    const r = judge(tweak('ctl1', {novaSecret: 'nova-only'}), 'fleet-secret-agreement')
    expect(r.findings.map((f) => [f.code, f.subject])).toEqual([['FLEET_SECRET_MISMATCH', 'ctl1']])
    expect(r.findings[0]?.fix?.commands?.[1]).toBe('systemctl restart nova-api-metadata')
  })

  it('are not evaluated on bundles fingerprinted with different salts', () => {
    const m: FleetModel = {hosts: CLOUD.map(view).map((h, i) => (i === 0 ? {...h, salt: 'other-salt'} : h)), instanceIps: []}
    const r = runCheck(FLEET_CHECKS.find((c) => c.id === 'fleet-secret-agreement')!, m)
    expect(r.run.status).toBe('not-evaluated')
    expect(r.run.reason).toContain('one `mdctl fleet capture` run')
  })

  it("find the listener each agent's nova_metadata_host:port names", () => {
    expect(judge(CLOUD, 'fleet-nova-listener').findings.map((f) => `${f.code} ${f.subject}`)).toEqual(['FLEET_NOVA_LISTENER_FOUND net1', 'FLEET_NOVA_LISTENER_FOUND net2', 'FLEET_NOVA_LISTENER_FOUND net3'])
  })

  it('fail an agent whose nova port has no listener on the host that owns the address', () => {
    const r = judge(tweak('net3', {novaPort: 8999}), 'fleet-nova-listener')
    const fail = r.findings.filter((f) => f.severity === 'fail')
    expect(fail.map((f) => [f.code, f.subject])).toEqual([['FLEET_NOVA_NO_LISTENER', 'net3']])
    expect(fail[0]?.summary).toBe("net3's agent calls nova at 10.0.0.20:8999, and no host listens there (10.0.0.20 is ctl1)")
  })

  it('do not fail an agent pointing at an address no captured host has (a VIP): a warning says it was not judged', () => {
    const r = judge(tweak('net3', {novaHost: '10.0.0.250'}), 'fleet-nova-listener')
    expect(r.findings.filter((f) => f.subject === 'net3').map((f) => f.code)).toEqual(['FLEET_NOVA_HOST_OUTSIDE'])
  })

  it('pass an HA router active on one node that runs its proxy', () => {
    expect(judge(CLOUD, 'fleet-ha-routers').findings.map((f) => f.code)).toEqual(['FLEET_HA_OK'])
  })

  it('fail an HA router active on two nodes, naming both', () => {
    const r = judge(tweak('net2', {router: 'primary'}), 'fleet-ha-routers')
    expect(r.findings.map((f) => f.code)).toEqual(['FLEET_HA_MULTIPLE_ACTIVE'])
    expect(r.findings[0]?.summary).toBe(`HA router ${ROUTER} is active on 2 nodes: net1, net2`)
  })

  it('fail an HA router whose active node runs no proxy for it', () => {
    const r = judge(tweak('net1', {proxy: false}), 'fleet-ha-routers')
    expect(r.findings.map((f) => [f.code, f.subject])).toEqual([['FLEET_HA_ACTIVE_NO_PROXY', `router ${ROUTER}`]])
  })

  it('skip, with the reason, when there is no HA router at all', () => {
    const r = judge(CLOUD.map((h) => ({...h, router: undefined})), 'fleet-ha-routers')
    expect(r.run).toMatchObject({reason: 'no HA router (keepalived state file under ha_confs/) on any captured host', status: 'skipped'})
  })
})

describe('Ansible outcomes per host', () => {
  it('say a missing interpreter is a missing python3, naming the path', () => {
    const h = hostOutcome('nopy1', {msg: 'non-zero return code', rc: 127, status: 'failed', stderr: '/bin/sh: 1: /usr/bin/python3-absent: not found\n', task: 'mdctl_collect : mdctl | collect'})
    expect(h.status).toBe('no-python')
    expect(h.reason).toContain('/usr/bin/python3-absent: not found')
  })

  it('keep the ssh reason of an unreachable host', () => {
    expect(hostOutcome('down1', {msg: 'Failed to connect to the host via ssh: ssh: connect to host 10.251.0.99 port 22: No route to host', status: 'unreachable'})).toEqual({
      name: 'down1',
      reason: 'unreachable: Failed to connect to the host via ssh: ssh: connect to host 10.251.0.99 port 22: No route to host',
      status: 'unreachable',
    })
  })
})

describe('presets and layouts', () => {
  it('use the group names of kolla-ansible, OpenStack-Ansible and TripleO, overridable per group', () => {
    expect(hostPattern(resolveGroups('kolla', {}))).toBe('network:control:compute')
    expect(resolveGroups('osa', {nova: ['nova_api_os_compute']})).toEqual({agents: ['neutron_metadata_agent'], nova: ['nova_api_os_compute'], ovn: ['neutron_ovn_controller']})
    expect(hostPattern(resolveGroups(undefined, {}))).toBe('all')
  })

  it('detect kolla by its config directory or its venv argv, TripleO by puppet-generated configs', () => {
    expect(detectLayout(['/etc/kolla/neutron-metadata-agent/metadata_agent.ini'], [])).toBe('kolla')
    expect(detectLayout([], ['/var/lib/kolla/venv/bin/python3 /var/lib/kolla/venv/bin/neutron-metadata-agent --config-file /etc/neutron/neutron.conf'])).toBe('kolla')
    expect(detectLayout(['/var/lib/config-data/puppet-generated/neutron/etc/neutron/metadata_agent.ini'], [])).toBe('tripleo')
    expect(detectLayout(['/etc/neutron/metadata_agent.ini'], ['/usr/bin/python3 /usr/bin/neutron-metadata-agent'])).toBe('packages')
  })

  it('print fixes in the deployment terms: containers for kolla, tripleo_ units for TripleO, real config paths', () => {
    const paths = new Map([['/etc/neutron/l3_agent.ini', '/etc/kolla/neutron-l3-agent/l3_agent.ini']])
    expect(translateCommand('systemctl restart neutron-l3-agent neutron-metadata-agent', 'kolla', paths)).toEqual(['docker restart neutron_l3_agent', 'docker restart neutron_metadata_agent'])
    expect(translateCommand('crudini --set /etc/neutron/l3_agent.ini DEFAULT enable_metadata_proxy True', 'kolla', paths)).toEqual(['crudini --set /etc/kolla/neutron-l3-agent/l3_agent.ini DEFAULT enable_metadata_proxy True'])
    expect(translateCommand('systemctl restart neutron-metadata-agent', 'tripleo', new Map())).toEqual(['systemctl restart tripleo_neutron_metadata_agent'])
    expect(translateCommand('journalctl -u neutron-metadata-agent -n 50', 'tripleo', new Map())).toEqual(['journalctl -u neutron-metadata-agent -n 50'])
  })
})

describe('the registry as data', () => {
  it('exports every node-side evidence key with its path or argv and bundle file', () => {
    const r = exportRecipes()
    const keys = r.recipes.map((x) => x.key)
    expect(keys).toEqual(Object.keys(EVIDENCE).filter((k) => !k.startsWith('guest.')))
    expect(r.recipes.find((x) => x.key === 'node.ha-state')).toMatchObject({bundleFile: 'items/node.ha-state.txt', kind: 'file', path: '{state_path}/ha_confs/{param}/state'})
    expect(r.recipes.find((x) => x.key === 'node.agent-ini')).toMatchObject({path: '{neutron_config_dir}/metadata_agent.ini', redact: 'ini'})
    expect(r.recipes.find((x) => x.key === 'netns.iptables')?.argv).toEqual(['iptables-save'])
  })

  it('lets the python collector redact and name bundle files exactly as mdctl does', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mdfl-recipes-'))
    try {
      writeFileSync(join(dir, 'recipes.json'), JSON.stringify(exportRecipes()))
      const ini = '[DEFAULT]\nmetadata_proxy_shared_secret = s3cret\ntransport_url = rabbit://openstack:pw1234@ctl:5672/\npassword = hunter22\nnova_metadata_host = 10.0.0.20\nempty_secret =\n'
      const script = [
        'import json, sys',
        'sys.dont_write_bytecode = True',
        `sys.path.insert(0, ${JSON.stringify(join(COLLECTOR, '..'))})`,
        'import mdctl_collect as m',
        `r = m.Recipes(json.load(open(${JSON.stringify(join(dir, 'recipes.json'))})))`,
        "red = m.Redactor(r, 'salt-1')",
        `print(json.dumps({"ini": red.redact_ini(${JSON.stringify(ini)}), "file": r.bundle_file("node.proxy-conf", "ns-metadata-proxy/../x y.conf")}))`,
      ].join('\n')
      const out = JSON.parse(execFileSync('python3', ['-c', script], {encoding: 'utf8'})) as {ini: string; file: string}
      expect(out.ini).toBe(new Redactor('salt-1').redactIni(ini))
      expect(out.file).toBe(bundleFile('node.proxy-conf', 'ns-metadata-proxy/../x y.conf'))
    } finally {
      rmSync(dir, {force: true, recursive: true})
    }
  })

  it('ships a collector that compiles on the python3 here', () => {
    execFileSync('python3', ['-c', 'import sys; compile(open(sys.argv[1]).read(), sys.argv[1], "exec")', COLLECTOR])
    expect(readFileSync(COLLECTOR, 'utf8')).not.toMatch(/^import (?!argparse|concurrent|ctypes|datetime|grp|hashlib|hmac|http|json|os|pwd|re|shutil|socket|stat|subprocess|sys|tarfile|tempfile|time|uuid)/m)
  })
})
