import {spawnSync} from 'node:child_process'
import {readFileSync} from 'node:fs'

import {describe, expect, it} from 'vitest'

import {NODE_CHECKS} from '../../src/checks/index.js'
import {type CheckResult, runCheck} from '../../src/engine/check.js'
import {chooseAgent} from '../../src/engine/agent-flavour.js'
import type {NodeCollection, NodeOptions} from '../../src/engine/collect-node.js'
import {captureId} from '../../src/engine/parsed.js'
import {metadataAgentBinary} from '../../src/checks/node/processes.js'
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

function runFull(id: string, change: (c: Caps) => void = () => {}, opts: Partial<NodeOptions> = {}): CheckResult {
  const caps = healthy()
  change(caps)
  const o = {...OPTS, ...opts}
  const col: NodeCollection = {agent: chooseAgent(caps, o.neutronConfigDir), captures: caps, namespaces: [...caps.values()].filter((c) => c.key === 'netns.addr').map((c) => c.param ?? ''), paths: {neutronConfigDir: o.neutronConfigDir, novaConfig: o.novaConfig, socketPath: SOCK, statePath: STATE}, probed: !o.passive}
  const check = NODE_CHECKS.find((c) => c.id === id)
  if (!check) throw new Error(`no check ${id}`)
  return runCheck(check, buildNodeModel(col, o))
}

function run(id: string, change: (c: Caps) => void = () => {}, opts: Partial<NodeOptions> = {}): string[] {
  const r = runFull(id, change, opts)
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
    ['agent-process', 'fail AGENT_NOT_RUNNING', (c) => {
      edit('node.ps', undefined, (s) => s.split('\n').filter((l) => !l.includes('metadata-agent')).join('\n'))(c)
      c.set(captureId('probe.agent', `router:${ROUTER}@192.0.2.1`), cap('probe.agent', '', {exitCode: 7, param: `router:${ROUTER}@192.0.2.1`, stderr: `failed to connect: connect ECONNREFUSED ${SOCK}`}))
    }],
    ['agent-probe', 'fail AGENT_NOT_ANSWERING', (c) => c.set(captureId('probe.agent', `router:${ROUTER}@192.0.2.1`), cap('probe.agent', '', {exitCode: 7, param: `router:${ROUTER}@192.0.2.1`, stderr: `failed to connect: connect ECONNREFUSED ${SOCK}`}))],
    ['agent-nova-target', 'fail AGENT_WRONG_NOVA_HOST', (c) => {
      edit('node.agent-ini', undefined, (s) => s.replace('nova_metadata_host = 127.0.0.1', 'nova_metadata_host = 127.0.0.2'))(c)
      c.set(captureId('probe.nova-root', 'http://127.0.0.2:8775'), cap('probe.nova-root', '', {exitCode: 7, param: 'http://127.0.0.2:8775', stderr: 'failed to connect: connect ECONNREFUSED 127.0.0.2:8775'}))
    }],
    ['nova-reachable', 'fail NOVA_UNREACHABLE', (c) => c.set(captureId('probe.nova-root', NOVA), cap('probe.nova-root', '', {exitCode: 7, param: NOVA, stderr: 'failed to connect: connect ECONNREFUSED 127.0.0.1:8775'}))],
    ['nova-config', 'warn NOVA_METADATA_API_NOT_ENABLED', edit('node.nova-conf', undefined, (s) => s.replace('[DEFAULT]\n', '[DEFAULT]\nenabled_apis = osapi_compute\n'))],
    ['nova-service-metadata-proxy', 'fail NOVA_METADATA_PROXY_DISABLED', edit('node.nova-conf', undefined, (s) => s.replace('service_metadata_proxy = True', 'service_metadata_proxy = False'))],
    ['secret-fingerprint', 'fail SECRET_MISMATCH', edit('node.nova-conf', undefined, (s) => s.replace(FP, '<fingerprint hmac-sha256:fedcba9876543210>'))],
    ['signed-probe', 'fail SIGNATURE_REJECTED', edit('probe.nova-signed', NOVA, () => 'HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\n\r\n403 Forbidden\n\nInvalid proxy request signature.\n')],
  ]
  // more fail paths, for the pasteable-commands test below
  const morePaths: Array<[string, string, (c: Caps) => void, Partial<NodeOptions>?]> = [
    ['proxy-process', 'fail PROXY_STALE_ID', edit('node.proc-net', undefined, (s) => s.replace(`${STATE}/ns-metadata-proxy/${ROUTER}.conf`, `${STATE}/ns-metadata-proxy/99999999-1111-2222-3333-444455556666.conf`))],
    ['proxy-config', 'fail PROXY_BIND_MISMATCH', edit('node.proxy-conf', `ns-metadata-proxy/${ROUTER}.conf`, (s) => s.replace(/bind\s+\S+:9697/, 'bind 0.0.0.0:9698'))],
    ['proxy-pidfile', 'fail PROXY_WRONG_NAMESPACE', edit('node.proc-net', undefined, (s) => s.replace('"netns":4026532002', '"netns":4026531840'))],
    ['socket-file', 'fail SOCKET_NOT_A_SOCKET', edit('node.socket-stat', SOCK, (s) => s.replace('|socket|', '|regular file|'))],
    ['socket-listener', 'fail SOCKET_NO_LISTENER', (c) => {
      edit('node.unix-listeners', undefined, () => '')(c)
      c.set(captureId('node.socket-stat', SOCK), absentFile('node.socket-stat', SOCK))
    }],
    ['agent-config', 'fail AGENT_NOVA_PROTOCOL_INVALID', edit('node.agent-ini', undefined, (s) => `${s}nova_metadata_protocol = gopher\n`)],
    ['agent-config', 'warn AGENT_CONFIG_MISSING', (c) => c.set('node.agent-ini', absentFile('node.agent-ini'))],
    ['agent-config', 'warn AGENT_SECRET_EMPTY', edit('node.agent-ini', undefined, (s) => s.replace(`metadata_proxy_shared_secret = ${FP}`, ''))],
    ['agent-config', 'warn AGENT_NOVA_METADATA_IP_OBSOLETE', edit('node.agent-ini', undefined, (s) => s.replace('nova_metadata_host', 'nova_metadata_ip'))],
    ['agent-probe', 'fail AGENT_ERROR', (c) => c.set(captureId('probe.agent', `router:${ROUTER}@192.0.2.1`), cap('probe.agent', 'HTTP/1.1 500 Internal Server Error\r\n\r\nboom\n', {param: `router:${ROUTER}@192.0.2.1`}))],
    ['nova-reachable', 'fail NOVA_BAD_RESPONSE', (c) => c.set(captureId('probe.nova-root', NOVA), cap('probe.nova-root', 'HTTP/1.1 200 OK\r\n\r\nhello\n', {param: NOVA}))],
    ['dhcp-metadata-options', 'warn METADATA_NETWORK_NEEDS_ISOLATED', (c) => c.set('node.dhcp-ini', cap('node.dhcp-ini', '[DEFAULT]\nenable_metadata_network = True\n'))],
    ['dhcp-opts-route', 'warn DHCP_ROUTE_121_MISSING', edit('node.dhcp-opts', NET, (s) => s.split('\n').filter((l) => !l.includes('classless-static-route')).join('\n'))],
    ['namespace-present', 'fail NAMESPACE_MISSING', () => {}, {networks: ['0d0d0d0d-0000-0000-0000-000000000000']}],
    ['namespace-present', 'warn NO_METADATA_NAMESPACES', (c) => c.set('node.netns', cap('node.netns', '4026532009 other\n'))],
    ['instance-lookup', 'fail INSTANCE_NOT_FOUND', (c) => c.set(captureId('probe.agent', `router:${ROUTER}@10.0.0.5`), cap('probe.agent', S('http-response--agent-404-raw-template.txt'), {param: `router:${ROUTER}@10.0.0.5`})), {instanceIps: ['10.0.0.5']}],
    ['secret-fingerprint', 'fail SECRET_MISMATCH', edit('node.nova-conf', undefined, (s) => s.replace(`[neutron]\nservice_metadata_proxy = True\nmetadata_proxy_shared_secret = ${FP}`, `neutron_metadata_proxy_shared_secret = <fingerprint hmac-sha256:fedcba9876543210>\n[neutron]\nservice_metadata_proxy = True`))],
    ['agent-nova-target', 'fail AGENT_WRONG_NOVA_HOST', (c) => {
      edit('node.nova-conf', undefined, (s) => s.replace('metadata_listen = 127.0.0.1', 'metadata_listen = 0.0.0.0'))(c)
      edit('node.agent-ini', undefined, (s) => s.replace('nova_metadata_port = 8775', 'nova_metadata_port = 8776'))(c)
      c.set(captureId('probe.nova-root', 'http://127.0.0.1:8776'), cap('probe.nova-root', '', {exitCode: 7, param: 'http://127.0.0.1:8776', stderr: 'failed to connect: connect ECONNREFUSED 127.0.0.1:8776'}))
    }],
    ['dhcp-metadata-address', 'fail METADATA_IP_MISSING', edit('netns.addr', QD, (s) => s.replace(/\{"family":"inet","local":"169\.254\.169\.254"[^}]*\},?/, '').replaceAll('"ns-', '"xx-').replaceAll('"tap', '"xxx'))],
    ['l3-metadata-proxy-enabled', 'fail L3_METADATA_PROXY_DISABLED', (c) => c.set('node.l3-ini', cap('node.l3-ini', '[DEFAULT]\nenable_metadata_proxy = False\n')), {neutronConfigDir: '/opt/kolla/neutron'}],
  ]
  for (const [id, expected, change, opts] of morePaths) {
    it(`${id}: ${expected}`, () => {
      const out = run(id, change, opts)
      expect(out, out.join('; ')).toContain(expected)
    })
  }

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

  // Every command of every fix, over every fail and warn path above: pasteable as printed, with
  // this node's values. bash reads `<port>` as a redirection; prose is not a command.
  it('every fix command is a shell command with this node\'s values, no placeholder and no prose', () => {
    const COMMANDS = new Set(['systemctl', 'journalctl', 'crudini', 'ip', 'curl', 'openstack', 'grep', 'kill', 'ps', 'mv', 'ls', 'ss', 'iptables-save', 'cat', 'mdctl', 'dhclient', 'find'])
    const seen: string[] = []
    for (const [id, expected, change, opts] of [...cases, ...morePaths]) {
      const r = runFull(id, change, opts)
      const f = r.findings.find((x) => `${x.severity} ${x.code}` === expected)
      expect(f, `${id} ${expected}`).toBeDefined()
      for (const cmd of f?.fix?.commands ?? []) {
        seen.push(cmd)
        expect(cmd, `${f?.code}: ${cmd}`).not.toMatch(/<[^>\s]*>|<[a-z][^>]*>/i)
        expect(cmd, `${f?.code}: ${cmd}`).not.toMatch(/^\s*(and|then|or|set|check|make|see|the|run)\b/i)
        const first = cmd.trim().split(/\s+/)[0] ?? ''
        expect(COMMANDS.has(first) || /^[A-Z_]+=\$\(openssl rand -hex \d+\)$/.test(cmd), `${f?.code}: "${cmd}" does not start with a command`).toBe(true)
        const syntax = spawnSync('bash', ['-n', '-c', cmd], {encoding: 'utf8'})
        expect(syntax.status, `${f?.code}: ${cmd}: ${syntax.stderr}`).toBe(0)
      }
    }
    expect(seen.length).toBeGreaterThan(20)
  })

  // doctor without root: what cannot be read is not evaluated and says how to get it, never a failure
  describe('evidence a normal user cannot read', () => {
    const denied = (key: string, path: string) => (c: Caps) => c.set(key, cap(key, '', {exitCode: 1, failure: 'permission', stderr: `${path}: Permission denied`}))
    it('proxy-pidfile does not call a proxy misplaced when its namespace inode is unreadable (0)', () => {
      const out = run('proxy-pidfile', edit('node.proc-net', undefined, (s) => s.replaceAll(/"netns":\d+/g, '"netns":0').replaceAll(/"sockets":\[[^\]]*\]/g, '"sockets":[]')))
      expect(out.filter((l) => l.startsWith('fail'))).toEqual([])
      expect(runFull('proxy-pidfile', edit('node.proc-net', undefined, (s) => s.replaceAll(/"netns":\d+/g, '"netns":0'))).findings.map((f) => f.summary).join()).toMatch(/run doctor as root/)
    })
    it('agent-probe: a socket this user may not open is not evaluated, not a dead agent', () => {
      const out = run('agent-probe', (c) => c.set(captureId('probe.agent', `router:${ROUTER}@192.0.2.1`), cap('probe.agent', '', {exitCode: 7, failure: 'permission', param: `router:${ROUTER}@192.0.2.1`, stderr: `failed to connect: connect EACCES ${SOCK}`})))
      expect(out[0]).toMatch(/^not-evaluated: .*EACCES.*run doctor as root/)
    })
    it('a probe recorded before the permission flag existed (EACCES in the text) is not evaluated either', () => {
      expect(run('agent-probe', (c) => c.set(captureId('probe.agent', `router:${ROUTER}@192.0.2.1`), cap('probe.agent', '', {exitCode: 7, param: `router:${ROUTER}@192.0.2.1`, stderr: `failed to connect: connect EACCES ${SOCK}`})))[0]).toMatch(/^not-evaluated/)
    })
    it('socket checks: with metadata_agent.ini unreadable, a socket missing at the default path is not evaluated', () => {
      const change = (c: Caps) => {
        denied('node.agent-ini', '/etc/neutron/metadata_agent.ini')(c)
        c.set(captureId('node.socket-stat', SOCK), absentFile('node.socket-stat', SOCK))
        edit('node.unix-listeners', undefined, () => '')(c)
      }
      expect(run('socket-file', change)[0]).toMatch(/^not-evaluated: .*run doctor as root/)
      expect(run('socket-listener', change)[0]).toMatch(/^not-evaluated: .*run doctor as root/)
    })
    it('config checks on unreadable files say to run as root', () => {
      expect(run('agent-config', denied('node.agent-ini', '/etc/neutron/metadata_agent.ini'))[0]).toMatch(/^not-evaluated: .*Permission denied.*run doctor as root/)
      expect(run('secret-fingerprint', denied('node.nova-conf', '/etc/nova/nova.conf'))[0]).toMatch(/^not-evaluated: .*run doctor as root/)
    })
    it('signed-probe: a probe the source refused to sign (secret unknown) is not evaluated', () => {
      const out = run('signed-probe', (c) => c.set(captureId('probe.nova-signed', NOVA), cap('probe.nova-signed', '', {exitCode: -1, failure: 'permission', param: NOVA, stderr: "not probed: metadata_agent.ini could not be read, so the agent's shared secret is unknown (run doctor as root)"})))
      expect(out[0]).toMatch(/^not-evaluated: .*secret is unknown/)
    })
  })

  describe('fixes name the option, section and file read on this node', () => {
    const havana = edit('node.nova-conf', undefined, (s) => s.replace(`[neutron]\nservice_metadata_proxy = True\nmetadata_proxy_shared_secret = ${FP}`, `service_neutron_metadata_proxy = True\nneutron_metadata_proxy_shared_secret = <fingerprint hmac-sha256:fedcba9876543210>\n`))
    it("Havana's [DEFAULT] neutron_metadata_proxy_shared_secret, and --neutron-config-dir's metadata_agent.ini", () => {
      const r = runFull('secret-fingerprint', havana, {neutronConfigDir: '/etc/kolla/neutron-metadata-agent', novaConfig: '/etc/kolla/nova-api/nova.conf'})
      const f = r.findings.find((x) => x.code === 'SECRET_MISMATCH')
      expect(f?.fix?.text).toContain('/etc/kolla/nova-api/nova.conf [DEFAULT] neutron_metadata_proxy_shared_secret')
      expect(f?.fix?.text).toContain('/etc/kolla/neutron-metadata-agent/metadata_agent.ini [DEFAULT] metadata_proxy_shared_secret')
      expect(f?.fix?.text).not.toContain('[neutron] metadata_proxy_shared_secret')
      expect(f?.fix?.commands.join(' ')).toContain('/etc/kolla/neutron-metadata-agent/metadata_agent.ini /etc/kolla/nova-api/nova.conf')
      const signed = runFull('signed-probe', (c) => {
        havana(c)
        edit('probe.nova-signed', NOVA, () => 'HTTP/1.1 403 Forbidden\r\n\r\nInvalid proxy request signature.\n')(c)
      }, {novaConfig: '/etc/kolla/nova-api/nova.conf'}).findings.find((x) => x.code === 'SIGNATURE_REJECTED')
      expect(signed?.fix?.text).toContain('[DEFAULT] neutron_metadata_proxy_shared_secret')
    })
    it('the socket fixes use --neutron-config-dir, not /etc/neutron', () => {
      const opts = {neutronConfigDir: '/etc/kolla/neutron-metadata-agent'}
      const mode = runFull('socket-file', edit('node.proxy-conf', `ns-metadata-proxy/${ROUTER}.conf`, (s) => s.replace(/user\s+root/, 'user        neutron')), opts).findings[0]
      expect(mode?.fix?.commands[0]).toContain('/etc/kolla/neutron-metadata-agent/metadata_agent.ini')
      const path = runFull('socket-path-agreement', edit('node.proxy-conf', `ns-metadata-proxy/${ROUTER}.conf`, (s) => s.replace(`server metadata ${SOCK}`, 'server metadata /var/lib/neutron/metadata_proxy')), opts).findings[0]
      expect(path?.fix?.commands.join(' ')).not.toContain('/etc/neutron/')
    })
  })

  describe('nova ignoring signatures (service_metadata_proxy off)', () => {
    const off = edit('node.nova-conf', undefined, (s) => s.replace('service_metadata_proxy = True', 'service_metadata_proxy = False'))
    const noNovaConf = (c: Caps) => c.set('node.nova-conf', absentFile('node.nova-conf'))
    const control = (status: number) => (c: Caps) => c.set(captureId('probe.nova-signed', `${NOVA} random-key`), cap('probe.nova-signed', `HTTP/1.1 ${status} X\r\n\r\n${status}\n`, {param: `${NOVA} random-key`}))
    it('from nova.conf: the finding is on hop signature, and the signed probe proves nothing', () => {
      const r = runFull('nova-service-metadata-proxy', off)
      expect(r.findings.map((f) => `${f.severity} ${f.code} ${f.hop}`)).toEqual(['fail NOVA_METADATA_PROXY_DISABLED signature'])
      expect(run('signed-probe', off)[0]).toMatch(/^not-evaluated: nova ignores signatures/)
    })
    it('without nova.conf: a request signed with a random key tells whether nova checks signatures', () => {
      expect(run('nova-service-metadata-proxy', (c) => { noNovaConf(c); control(404)(c) })).toEqual(['fail NOVA_METADATA_PROXY_DISABLED'])
      expect(run('signed-probe', (c) => { noNovaConf(c); control(404)(c) })[0]).toMatch(/^not-evaluated/)
      expect(run('nova-service-metadata-proxy', (c) => { noNovaConf(c); control(403)(c) })).toEqual(['pass NOVA_METADATA_PROXY_ENABLED'])
      expect(run('signed-probe', (c) => { noNovaConf(c); control(403)(c) })).toEqual(['pass SIGNATURE_ACCEPTED'])
    })
    it('without nova.conf and without the control, a 404 is not taken as "secret accepted"', () => {
      expect(run('signed-probe', noNovaConf)[0]).toMatch(/^not-evaluated: .*404/)
      expect(run('nova-service-metadata-proxy', noNovaConf)[0]).toMatch(/^not-evaluated/)
    })
  })

  describe('nova behind a VIP or load balancer on another port', () => {
    const vip = (c: Caps) => {
      edit('node.agent-ini', undefined, (s) => s.replace('nova_metadata_host = 127.0.0.1', 'nova_metadata_host = 127.0.0.9').replace('nova_metadata_port = 8775', 'nova_metadata_port = 80'))(c)
      c.set(captureId('probe.nova-root', 'http://127.0.0.9:80'), cap('probe.nova-root', S('http-response--haproxy-200-versions.txt'), {param: 'http://127.0.0.9:80'}))
    }
    it('is at most one info finding, and nova-config says nothing about ports', () => {
      const all = ['nova-config', 'agent-nova-target', 'nova-reachable', 'agent-config'].flatMap((id) => run(id, vip))
      expect(all.filter((l) => /^(fail|warn)/.test(l))).toEqual([])
      expect(all.filter((l) => /PORT|TARGET/.test(l))).toEqual(['info AGENT_NOVA_TARGET_ELSEWHERE'])
    })
    it('under --passive the differing target is an info, not a warning with a fix', () => {
      expect(run('agent-nova-target', vip, {passive: true})).toEqual(['info AGENT_NOVA_TARGET_DIFFERS'])
    })
  })

  describe('the socket mode against the proxy user and group', () => {
    const sock = (mode: string, user: string, group: string) => edit('node.socket-stat', SOCK, (s) => s.replace('|644|65534|65534|nobody|nogroup|', `|${mode}|998|997|${user}|${group}|`))
    const proxyAs = (user: string, group?: string) => edit('node.proxy-conf', `ns-metadata-proxy/${ROUTER}.conf`, (s) => s.replace(/user\s+root/, `user        ${user}`).replace(/group\s+root/, group ? `group       ${group}` : ''))
    const both = (...fs: Array<(c: Caps) => void>) => (c: Caps) => { for (const f of fs) f(c) }
    it('a group-writable socket is not connectable by a proxy outside the group', () => {
      expect(run('socket-file', both(sock('664', 'neutron', 'neutron'), proxyAs('nobody', 'nogroup')))).toEqual(['fail SOCKET_MODE_DENIES_PROXY'])
    })
    it('a group-writable socket is connectable by a proxy in the group', () => {
      expect(run('socket-file', both(sock('664', 'neutron', 'neutron'), proxyAs('haproxy', 'neutron')))).toEqual(['pass SOCKET_FILE_OK'])
    })
    it("the owner's bits bind the owner even when others may write", () => {
      expect(run('socket-file', both(sock('466', 'neutron', 'neutron'), proxyAs('neutron', 'neutron')))).toEqual(['fail SOCKET_MODE_DENIES_PROXY'])
    })
    it('without the proxy group in its config, a group-only socket is not judged a failure', () => {
      expect(run('socket-file', both(sock('664', 'neutron', 'neutron'), proxyAs('haproxy')))).toEqual(['info SOCKET_ACCESS_UNKNOWN'])
    })
  })

  it('each check sits on the hop whose failure it explains', () => {
    const hop = (id: string): string | undefined => NODE_CHECKS.find((c) => c.id === id)?.hop
    expect(hop('l3-metadata-proxy-enabled')).toBe('intercept')
    expect(hop('nova-service-metadata-proxy')).toBe('signature')
    expect(hop('nova-config')).toBe('nova')
  })

  it('a probe that connected and then timed out blames the far side (nova, the agent) with the timing', () => {
    const stuck = 'connected in 1 ms, then no response within 4999 ms'
    const nova = runFull('nova-reachable', (c) => c.set(captureId('probe.nova-root', NOVA), cap('probe.nova-root', '', {exitCode: 28, param: NOVA, stderr: stuck}))).findings[0]
    expect(`${nova?.severity} ${nova?.hop} ${nova?.code}`).toBe('fail nova NOVA_TIMEOUT')
    expect(nova?.summary).toContain(stuck)
    expect(nova?.fix?.text).toMatch(/stuck/)
    const agent = runFull('agent-probe', (c) => c.set(captureId('probe.agent', `router:${ROUTER}@192.0.2.1`), cap('probe.agent', '', {exitCode: 28, param: `router:${ROUTER}@192.0.2.1`, stderr: stuck}))).findings[0]
    expect(`${agent?.severity} ${agent?.hop} ${agent?.code}`).toBe('fail agent AGENT_PROBE_TIMEOUT')
    expect(agent?.evidence[0]?.excerpt).toContain(stuck)
  })

  describe('the metadata agent as it really runs', () => {
    it('recognises the packaged, direct, kolla, OVN and worker forms, and nothing else', () => {
      const yes = [
        '/usr/bin/python3 /usr/bin/neutron-metadata-agent --config-file /etc/neutron/neutron.conf --config-file /etc/neutron/metadata_agent.ini',
        'neutron-metadata-agent --config-file /etc/neutron/neutron.conf',
        '/var/lib/kolla/venv/bin/python3 /var/lib/kolla/venv/bin/neutron-metadata-agent --config-file /etc/neutron/neutron.conf',
        '/usr/bin/python3.11 /usr/bin/neutron-ovn-metadata-agent --config-file /etc/neutron/neutron_ovn_metadata_agent.ini',
        '/usr/bin/python3 /usr/bin/neutron-ovn-agent --config-file /etc/neutron/plugins/ml2/ovn_agent.ini',
        'neutron-metadata-agent: MetadataProxyHandler worker (/usr/bin/python3 /usr/bin/neutron-metadata-agent --config-file /etc/neutron/neutron.conf)',
      ]
      const no = [
        'node /opt/mdctl/bin/run.js reference agent --config x.json',
        'mdctl reference agent',
        'node /opt/mdctl/dist/lab/daemon.js agent /var/lib/mdctl-lab/lab.json',
        '/usr/bin/python3 /usr/bin/privsep-helper --config-file /etc/neutron/neutron.conf --privsep_context neutron.privileged.default',
        'grep neutron-metadata-agent',
        'vim /etc/neutron/metadata_agent.ini',
      ]
      for (const a of yes) expect(metadataAgentBinary(a.split(' ')), a).toBeDefined()
      for (const a of no) expect(metadataAgentBinary(a.split(' ')), a).toBeUndefined()
    })
    const referenceOnly = (c: Caps) => {
      edit('node.ps', undefined, (s) => s.replace(/200 neutron .*\n/, '200 root node /opt/mdctl/dist/lab/daemon.js agent /var/lib/mdctl-lab/lab.json\n'))(c)
      edit('node.proc-net', undefined, (s) => s.replace('["/usr/bin/python3","/usr/bin/neutron-metadata-agent"]', '["node","/opt/mdctl/dist/lab/daemon.js","agent","/var/lib/mdctl-lab/lab.json"]').replace('"comm":"neutron-metadat"', '"comm":"node"'))(c)
    }
    it('another process on the socket that answers like the agent is an info naming it, never a failure', () => {
      expect(run('socket-listener', referenceOnly)).toEqual(['info SOCKET_OWNER_UNRECOGNISED'])
      expect(runFull('socket-listener', referenceOnly).findings[0]?.summary).toContain('daemon.js agent')
      expect(run('agent-process', referenceOnly)).toEqual(['info AGENT_PROCESS_UNRECOGNISED'])
    })
    it('an unrecognised listener that could not be probed (not root, --passive) is not a dead agent', () => {
      const denied = (c: Caps) => {
        referenceOnly(c)
        c.set(captureId('probe.agent', `router:${ROUTER}@192.0.2.1`), cap('probe.agent', '', {exitCode: 7, failure: 'permission', param: `router:${ROUTER}@192.0.2.1`, stderr: `failed to connect: connect EACCES ${SOCK}`}))
      }
      expect(run('agent-process', denied)[0]).toMatch(/^not-evaluated: .*listens on .*run doctor as root/)
      expect(run('agent-process', referenceOnly, {passive: true})[0]).toMatch(/^not-evaluated: .*--passive/)
    })
    it('with no agent process and no answer on the socket, the agent is not running', () => {
      expect(run('agent-process', (c) => {
        referenceOnly(c)
        c.set(captureId('probe.agent', `router:${ROUTER}@192.0.2.1`), cap('probe.agent', '', {exitCode: 7, param: `router:${ROUTER}@192.0.2.1`, stderr: `failed to connect: connect ECONNREFUSED ${SOCK}`}))
      })).toEqual(['fail AGENT_NOT_RUNNING'])
    })
  })
})
