import {readFileSync} from 'node:fs'

import {describe, expect, it} from 'vitest'

import {NODE_CHECKS} from '../../src/checks/index.js'
import {runCheck} from '../../src/engine/check.js'
import {chooseAgent} from '../../src/engine/agent-flavour.js'
import type {NodeCollection, NodeOptions} from '../../src/engine/collect-node.js'
import {captureId} from '../../src/engine/parsed.js'
import {buildNodeModel} from '../../src/model/node-model.js'
import type {Capture} from '../../src/sources/capture.js'

// A node built from real output captured in namespaces (test/parsers/node/samples: neutron master's
// rules, ss, ip -json, the haproxy config neutron renders, stat, ps); each failing case changes one
// piece of it, the way the field breaks it.
const S = (f: string): string => readFileSync(new URL(`../parsers/node/samples/${f}`, import.meta.url), 'utf8')
const ROUTER = '5a3c3b4e-1111-2222-3333-444455556666'
const NET = '2c4b658c-f2a0-4a17-9ad2-c07e45e13a8a'
const STATE = '/tmp/mdnp-capture.HzlAgM/state'
const SOCK = `${STATE}/run/metadata_proxy`
const QR = `qrouter-${ROUTER}`
const QD = `qdhcp-${NET}`
const NOVA = 'http://127.0.0.1:8775'
const FP = '<fingerprint hmac-sha256:0123456789abcdef>'

type Caps = Map<string, Capture>
// the argv mdctl records for each key: parsers are chosen by it
const ARGV: Record<string, string[]> = {'netns.addr': ['ip', '-json', 'addr'], 'netns.iptables': ['iptables-save'], 'netns.listeners': ['ss', '-H', '-n', '-t', '-e', 'state', 'listening'], 'node.ps': ['ps', '-eww', '-o', 'pid=,user=,args='], 'node.unix-listeners': ['ss', '-H', '-x', '-l', '-n']}
const cap = (key: string, stdout: string, o: Partial<Capture> = {}): Capture => ({argv: ARGV[key] ?? ['read', key], durationMs: 1, exitCode: 0, key, origin: 'test', stderr: '', stdout, ...o})
const absentFile = (key: string, param?: string): Capture => cap(key, '', {exitCode: 1, stderr: 'No such file or directory', ...(param ? {param} : {})})

function healthy(): Caps {
  const m: Caps = new Map()
  const put = (c: Capture): void => {
    m.set(captureId(c.key, c.param), c)
  }
  put(cap('node.neutron-conf', `[DEFAULT]\nstate_path = ${STATE}\n`))
  put(cap('node.agent-ini', `[DEFAULT]\nnova_metadata_host = 127.0.0.1\nnova_metadata_port = 8775\nmetadata_proxy_socket = ${SOCK}\nmetadata_proxy_shared_secret = ${FP}\n`))
  put(cap('node.l3-ini', '[DEFAULT]\n'))
  put(cap('node.dhcp-ini', '[DEFAULT]\nenable_isolated_metadata = True\n'))
  put(cap('node.nova-conf', `[DEFAULT]\nmetadata_listen = 127.0.0.1\nmetadata_listen_port = 8775\n[neutron]\nservice_metadata_proxy = True\nmetadata_proxy_shared_secret = ${FP}\n`))
  put(cap('node.netns', `4026532001 ${QD}\n4026532002 ${QR}\n`))
  put(cap('node.ps', `100 root haproxy -f ${STATE}/ns-metadata-proxy/${ROUTER}.conf\n101 root haproxy -f ${STATE}/ns-metadata-proxy/${NET}.conf\n200 neutron /usr/bin/python3 /usr/bin/neutron-metadata-agent --config-file /etc/neutron/neutron.conf\n`))
  put(cap('node.proc-net', `${JSON.stringify({cmdline: ['haproxy', '-f', `${STATE}/ns-metadata-proxy/${ROUTER}.conf`], comm: 'haproxy', netns: 4026532002, pid: 100, sockets: [1591167], uid: 0})}\n${JSON.stringify({cmdline: ['/usr/bin/python3', '/usr/bin/neutron-metadata-agent'], comm: 'neutron-metadat', netns: 4026531840, pid: 200, sockets: [1585094], uid: 998})}\n`))
  put(cap('node.unix-listeners', S('ss-listeners--rtr-Hxl.txt')))
  put(cap('node.proxy-conf-dir', `ns-metadata-proxy/${NET}.conf\nns-metadata-proxy/${ROUTER}.conf\n`))
  put(cap('netns.iptables', S('iptables-save--neutron-master.txt'), {param: QR}))
  put(cap('netns.listeners', S('ss-listeners--rtr-Hntestatelistening.txt'), {param: QR}))
  put(cap('netns.addr', S('ip-addr--rtr.txt'), {param: QR}))
  put(cap('netns.iptables', '', {param: QD}))
  put(cap('netns.listeners', S('ss-listeners--dhcp-Hntestatelistening.txt'), {param: QD}))
  put(cap('netns.addr', S('ip-addr--dhcp.txt'), {param: QD}))
  put(cap('node.proxy-conf', S('haproxy-config--rendered-master-router.txt'), {param: `ns-metadata-proxy/${ROUTER}.conf`}))
  put(cap('node.proxy-conf', S('haproxy-config--rendered-master-dhcp-v6.txt'), {param: `ns-metadata-proxy/${NET}.conf`}))
  put(cap('node.pidfile', '100\n', {param: `${ROUTER}.pid.haproxy`}))
  put(cap('node.pidfile', '101\n', {param: `${NET}.pid.haproxy`}))
  put(cap('node.dhcp-opts', S('dnsmasq-opts--neutron-ussuri-plus-isolated.txt'), {param: NET}))
  put(cap('node.socket-stat', S('stat--metadata_proxy.txt').replace(/^[^|]+/, SOCK), {param: SOCK}))
  put(cap('probe.nova-root', S('http-response--haproxy-200-versions.txt'), {param: NOVA}))
  put(cap('probe.nova-signed', 'HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\n\r\n404 Not Found\n\nThe resource could not be found.\n', {param: NOVA}))
  put(cap('probe.agent', S('http-response--agent-404-raw-template.txt'), {param: `router:${ROUTER}@192.0.2.1`}))
  return m
}

const OPTS: NodeOptions = {neutronConfigDir: '/etc/neutron', novaConfig: '/etc/nova/nova.conf', passive: false}

function run(id: string, change: (c: Caps) => void = () => {}, opts: Partial<NodeOptions> = {}): string[] {
  const caps = healthy()
  change(caps)
  const o = {...OPTS, ...opts}
  const col: NodeCollection = {agent: chooseAgent(caps, o.neutronConfigDir), captures: caps, namespaces: [...caps.values()].filter((c) => c.key === 'netns.addr').map((c) => c.param ?? ''), paths: {neutronConfigDir: o.neutronConfigDir, novaConfig: o.novaConfig, socketPath: SOCK, statePath: STATE}, probed: !o.passive}
  const check = NODE_CHECKS.find((c) => c.id === id)
  if (!check) throw new Error(`no check ${id}`)
  const model = buildNodeModel(col, o)
  const r = runCheck(check, model)
  if (r.run.status !== 'ran') return [`${r.run.status}: ${r.run.reason ?? ''}`]
  for (const f of r.findings) if (f.severity === 'fail') expect(f.fix?.commands?.length ?? f.fix?.text.length).toBeTruthy()
  return r.findings.map((f) => `${f.severity} ${f.code}`)
}
const edit = (key: string, param: string | undefined, fn: (s: string) => string) => (c: Caps) => {
  const k = captureId(key, param)
  const old = c.get(k)!
  c.set(k, {...old, stdout: fn(old.stdout)})
}

describe('node checks: each passes on the healthy node and fails on one break', () => {
  it('every check runs on the healthy node, and none fails', () => {
    for (const c of NODE_CHECKS) {
      const out = run(c.id)
      expect(out.filter((l) => /^(fail|crashed|not-evaluated)/.test(l)), c.id).toEqual([])
      // instance-lookup needs --instance-ip; everything else judges something here
      if (c.id !== 'instance-lookup') expect(out.some((l) => /^(pass|info|warn) /.test(l)), `${c.id}: ${out.join('; ')}`).toBe(true)
    }
  })

  const cases: Array<[string, string, (c: Caps) => void, Partial<NodeOptions>?]> = [
    ['l3-metadata-proxy-enabled', 'fail L3_METADATA_PROXY_DISABLED', (c) => c.set('node.l3-ini', cap('node.l3-ini', '[DEFAULT]\nenable_metadata_proxy = False\n'))],
    ['dhcp-metadata-options', 'fail DHCP_ISOLATED_METADATA_DISABLED', (c) => {
      c.set('node.dhcp-ini', cap('node.dhcp-ini', '[DEFAULT]\nenable_isolated_metadata = False\n'))
      edit('node.dhcp-opts', NET, (s) => s.split('\n').filter((l) => !l.includes('169.254')).join('\n'))(c)
    }],
    ['dhcp-opts-route', 'warn DHCP_ROUTE_249_MISSING', edit('node.dhcp-opts', NET, (s) => s.split('\n').filter((l) => !l.includes(',249,')).join('\n'))],
    ['namespace-present', 'fail NAMESPACE_MISSING', () => {}, {routers: ['0d0d0d0d-0000-0000-0000-000000000000']}],
    ['proxy-config-orphans', 'warn PROXY_CONFIG_ORPHANED', (c) => c.set(captureId('node.proxy-conf', 'ns-metadata-proxy/dead.conf'), cap('node.proxy-conf', S('haproxy-config--rendered-master-router.txt'), {param: 'ns-metadata-proxy/dead.conf'}))],
    ['router-redirect', 'fail REDIRECT_MISSING', edit('netns.iptables', QR, (s) => s.split('\n').filter((l) => !l.includes('REDIRECT')).join('\n'))],
    ['router-redirect', 'fail REDIRECT_WRONG_PORT', edit('netns.iptables', QR, (s) => s.replace('--to-ports 9697', '--to-ports 8080'))],
    ['router-mark-accept', 'fail METADATA_MARK_MISSING', edit('netns.iptables', QR, (s) => s.split('\n').filter((l) => !l.includes('--set-xmark 0x1/0xffff')).join('\n'))],
    ['dhcp-metadata-address', 'fail METADATA_IP_MISSING', edit('netns.addr', QD, (s) => s.replace(/\{"family":"inet","local":"169\.254\.169\.254"[^}]*\},?/, ''))],
    ['proxy-listener', 'fail PROXY_NOT_LISTENING', edit('netns.listeners', QR, (s) => s.split('\n').filter((l) => !l.includes(':9697')).join('\n'))],
    ['proxy-process', 'fail PROXY_WRONG_PROCESS', edit('node.proc-net', undefined, (s) => s.replace('"comm":"haproxy"', '"comm":"python3"').replace(/"cmdline":\["haproxy","-f","[^"]+"\]/, '"cmdline":["python3","-m","http.server","9697"]'))],
    ['proxy-config', 'fail PROXY_STALE_ID', edit('node.proxy-conf', `ns-metadata-proxy/${ROUTER}.conf`, (s) => s.replace(`X-Neutron-Router-ID ${ROUTER}`, 'X-Neutron-Router-ID 99999999-1111-2222-3333-444455556666'))],
    ['proxy-pidfile', 'fail PROXY_DEAD', edit('node.pidfile', `${ROUTER}.pid.haproxy`, () => '4242\n')],
    ['socket-path-agreement', 'fail SOCKET_PATH_MISMATCH', edit('node.proxy-conf', `ns-metadata-proxy/${ROUTER}.conf`, (s) => s.replace(`server metadata ${SOCK}`, 'server metadata /var/lib/neutron/metadata_proxy'))],
    ['socket-file', 'fail SOCKET_MISSING', (c) => c.set(captureId('node.socket-stat', SOCK), absentFile('node.socket-stat', SOCK))],
    ['socket-file', 'fail SOCKET_MODE_DENIES_PROXY', (c) => edit('node.proxy-conf', `ns-metadata-proxy/${ROUTER}.conf`, (s) => s.replace(/user\s+root/, 'user        neutron'))(c)],
    ['socket-listener', 'fail SOCKET_STALE', edit('node.unix-listeners', undefined, () => '')],
    ['agent-config', 'fail AGENT_NOVA_PORT_INVALID', edit('node.agent-ini', undefined, (s) => s.replace('nova_metadata_port = 8775', 'nova_metadata_port = 87x5'))],
    ['agent-process', 'fail AGENT_NOT_RUNNING', edit('node.ps', undefined, (s) => s.split('\n').filter((l) => !l.includes('metadata-agent')).join('\n'))],
    ['agent-probe', 'fail AGENT_NOT_ANSWERING', (c) => c.set(captureId('probe.agent', `router:${ROUTER}@192.0.2.1`), cap('probe.agent', '', {exitCode: 7, param: `router:${ROUTER}@192.0.2.1`, stderr: `failed to connect: connect ECONNREFUSED ${SOCK}`}))],
    ['agent-nova-target', 'fail AGENT_WRONG_NOVA_HOST', (c) => {
      edit('node.agent-ini', undefined, (s) => s.replace('nova_metadata_host = 127.0.0.1', 'nova_metadata_host = 127.0.0.2'))(c)
      c.set(captureId('probe.nova-root', 'http://127.0.0.2:8775'), cap('probe.nova-root', '', {exitCode: 7, param: 'http://127.0.0.2:8775', stderr: 'failed to connect: connect ECONNREFUSED 127.0.0.2:8775'}))
    }],
    ['nova-reachable', 'fail NOVA_UNREACHABLE', (c) => c.set(captureId('probe.nova-root', NOVA), cap('probe.nova-root', '', {exitCode: 7, param: NOVA, stderr: 'failed to connect: connect ECONNREFUSED 127.0.0.1:8775'}))],
    ['nova-config', 'fail NOVA_METADATA_PROXY_DISABLED', edit('node.nova-conf', undefined, (s) => s.replace('service_metadata_proxy = True', 'service_metadata_proxy = False'))],
    ['secret-fingerprint', 'fail SECRET_MISMATCH', edit('node.nova-conf', undefined, (s) => s.replace(FP, '<fingerprint hmac-sha256:fedcba9876543210>'))],
    ['signed-probe', 'fail SIGNATURE_REJECTED', edit('probe.nova-signed', NOVA, () => 'HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\n\r\n403 Forbidden\n\nInvalid proxy request signature.\n')],
  ]
  for (const [id, expected, change, opts] of cases) {
    it(`${id}: ${expected}`, () => {
      const out = run(id, change, opts)
      expect(out, out.join('; ')).toContain(expected)
    })
  }

  // real iptables-save output (Juno and Kilo rule sets loaded into a namespace), a pasted Havana
  // fragment from seed 000, and neutron's own Juno rule text as pasted from its source
  const JUNO_TEXT = '*nat\n:PREROUTING ACCEPT [0:0]\n:neutron-l3-agent-PREROUTING - [0:0]\n-A PREROUTING -j neutron-l3-agent-PREROUTING\n-A neutron-l3-agent-PREROUTING -s 0.0.0.0/0 -d 169.254.169.254/32 -i qr-+ -p tcp -m tcp --dport 80 -j REDIRECT --to-port 9697\nCOMMIT\n'
  for (const [release, text] of [['Juno', S('iptables-save--juno.txt')], ['Kilo', S('iptables-save--kilo.txt')], ['a Havana fragment without *nat header', S('iptables-save--seed000-havana-fragment.txt')], ["Juno's source text (-s 0.0.0.0/0, --to-port)", JUNO_TEXT]]) {
    it(`router-redirect recognises ${release} rules`, () => {
      expect(run('router-redirect', edit('netns.iptables', QR, () => text!))).toEqual(['pass REDIRECT_PRESENT'])
    })
  }

  it('proxy-listener: an HA router in backup state is not expected to run the proxy', () => {
    const noProxy = edit('netns.listeners', QR, (t) => t.split('\n').filter((l) => !l.includes(':9697')).join('\n'))
    const backup = (c: Caps) => {
      noProxy(c)
      c.set(captureId('node.ha-state', ROUTER), cap('node.ha-state', 'backup\n', {param: ROUTER}))
    }
    const onBackup = run('proxy-listener', backup)
    expect(onBackup).toContain('info HA_BACKUP_NO_PROXY_EXPECTED')
    expect(onBackup.filter((f) => f.startsWith('fail'))).toEqual([])
    expect(run('proxy-listener', (c) => {
      noProxy(c)
      c.set(captureId('node.ha-state', ROUTER), cap('node.ha-state', 'primary\n', {param: ROUTER}))
    })).toContain('fail PROXY_NOT_LISTENING')
  })

  it('instance-lookup: passes on 200 and fails on "Instance was not found"', () => {
    const ip = '10.0.0.5'
    const probe = (body: string) => (c: Caps) => c.set(captureId('probe.agent', `router:${ROUTER}@${ip}`), cap('probe.agent', body, {param: `router:${ROUTER}@${ip}`}))
    expect(run('instance-lookup', probe('HTTP/1.1 200 OK\r\n\r\nlatest\n'), {instanceIps: [ip]})).toEqual(['pass INSTANCE_FOUND'])
    expect(run('instance-lookup', probe(S('http-response--agent-404-raw-template.txt')), {instanceIps: [ip]})).toEqual(['fail INSTANCE_NOT_FOUND'])
  })

  it('a namespace whose evidence vanished mid-scan is noted, and the others are still judged', () => {
    const out = run('router-redirect', (c) => {
      c.set(captureId('node.netns'), cap('node.netns', `4026532002 ${QR}\n4026532003 qrouter-gone\n`))
      c.set(captureId('netns.iptables', 'qrouter-gone'), cap('netns.iptables', '', {exitCode: 1, failure: 'vanished', param: 'qrouter-gone', stderr: 'namespace qrouter-gone vanished during the scan'}))
      c.set(captureId('netns.addr', 'qrouter-gone'), cap('netns.addr', '', {exitCode: 1, failure: 'vanished', param: 'qrouter-gone'}))
    })
    expect(out.sort()).toEqual(['info NOT_EVALUATED', 'pass REDIRECT_PRESENT'])
  })

  it('under --passive the probe checks are not evaluated and say why', () => {
    expect(run('nova-reachable', () => {}, {passive: true})[0]).toMatch(/not-evaluated: .*--passive/)
  })
})
