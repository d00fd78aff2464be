import {describe, expect, it} from 'vitest'

import {HOPS} from '../../src/hops.js'
import * as configs from '../../src/lab/config-files.js'
import {dhclientConf} from '../../src/lab/dhclient.js'
import {dnsmasqArgv, dnsmasqOpts} from '../../src/lab/dnsmasq.js'
import {get, parseIni} from '../../src/parsers/ini.js'
import {labInventory} from '../../src/lab/inventory.js'
import {deviceName, isLabNetns, labPaths, LAB_UUID_PREFIX, newIds} from '../../src/lab/plan.js'
import {renderScenarios} from '../../src/lab/render.js'
import {routerIptablesRestore} from '../../src/lab/router-iptables.js'
import {findScenario, resolveSpec, SCENARIOS} from '../../src/lab/scenarios.js'

const spec = (name: string) => resolveSpec(findScenario(name)!)

describe('lab scenarios', () => {
  it('have unique names, a path, and a CONTRACT hop for every fault', () => {
    expect(new Set(SCENARIOS.map((s) => s.name)).size).toBe(SCENARIOS.length)
    for (const s of SCENARIOS) {
      expect(['router', 'dhcp']).toContain(s.path)
      if (s.name.startsWith('healthy-')) expect(s.expectedHop).toBeNull()
      else expect(HOPS).toContain(s.expectedHop)
    }
  })

  it('each fault names the CONTRACT hop it breaks', () => {
    const hops = Object.fromEntries(SCENARIOS.map((s) => [s.name, s.expectedHop]))
    expect(hops).toEqual({
      'agent-down': 'socket',
      'healthy-dhcp': null,
      'healthy-router': null,
      'isolated-metadata-disabled': 'dhcp-route',
      'nova-down': 'nova',
      'proxy-dead': 'proxy',
      'proxy-stale-id': 'proxy',
      'redirect-missing': 'intercept',
      'secret-mismatch': 'signature',
      'socket-mismatch': 'socket',
      'unknown-guest-ip': 'instance',
      'wrong-nova-host': 'agent',
      zeroconf: 'guest-route',
    })
  })

  it('each fault changes its healthy base, and only through declared fields', () => {
    for (const s of SCENARIOS.filter((x) => x.expectedHop !== null)) {
      const base = resolveSpec({...s, changes: {}})
      const changed = resolveSpec(s)
      const diff = Object.keys(changed).filter((k) => changed[k as keyof typeof changed] !== base[k as keyof typeof base])
      expect(diff.length, s.name).toBeGreaterThan(0)
      expect(diff.sort()).toEqual(Object.keys(s.changes).sort())
    }
  })

  it('list as a header and one line per scenario with path and hop', () => {
    const lines = renderScenarios(SCENARIOS).split('\n')
    expect(lines).toHaveLength(SCENARIOS.length + 1)
    expect(lines[0]).toMatch(/^SCENARIO\s+PATH\s+BREAKS\s+WHAT IT BUILDS$/)
    expect(lines[3]).toMatch(/^zeroconf\s+router\s+guest-route\s+guest ignores option 121/)
  })
})

describe('lab naming', () => {
  it('generates uuids with the recognisable lab prefix and neutron device names', () => {
    const ids = newIds()
    for (const id of [ids.router, ids.network, ids.subnet, ids.instance, ids.routerPort]) {
      expect(id).toMatch(new RegExp(`^${LAB_UUID_PREFIX}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`))
    }
    expect(deviceName('qr-', ids.routerPort)).toBe(`qr-${ids.routerPort.slice(0, 11)}`)
    expect(deviceName('tap', ids.dhcpPort)).toMatch(/^tap1ab01ab0-[0-9a-f]{2}$/)
    expect(ids.guestMac).toMatch(/^fa:16:3e(:[0-9a-f]{2}){3}$/)
  })

  it('sweeps only lab-named namespaces', () => {
    expect(isLabNetns('mdlab-guest')).toBe(true)
    expect(isLabNetns('qrouter-1ab01ab0-1111-4222-8333-444455556666')).toBe(true)
    expect(isLabNetns('qdhcp-1ab01ab0-1111-4222-8333-444455556666')).toBe(true)
    expect(isLabNetns('qrouter-1ab0ffff-1111-4222-8333-444455556666')).toBe(false)
    expect(isLabNetns('qrouter-5a3c3b4e-1111-2222-3333-444455556666')).toBe(false)
    expect(isLabNetns('ovnmeta-1ab01ab0-1111-4222-8333-444455556666')).toBe(false)
  })
})

describe('lab DHCP', () => {
  const ids = {...newIds(), subnet: '1ab01ab0-dddd-4ddd-8ddd-dddddddddddd'}
  const tag = 'tag:subnet-1ab01ab0-dddd-4ddd-8ddd-dddddddddddd'

  it('routed subnet: the metadata host route goes via the gateway (neutron, since Liberty)', () => {
    expect(dnsmasqOpts(spec('healthy-router'), ids)).toBe(
      `${tag},option:classless-static-route,169.254.169.254/32,10.254.77.1,0.0.0.0/0,10.254.77.1\n` +
        `${tag},249,169.254.169.254/32,10.254.77.1,0.0.0.0/0,10.254.77.1\n` +
        `${tag},option:router,10.254.77.1\n`,
    )
  })

  it('isolated subnet with isolated metadata: via the DHCP port', () => {
    expect(dnsmasqOpts(spec('healthy-dhcp'), ids)).toContain(`${tag},option:classless-static-route,169.254.169.254/32,10.254.77.2,0.0.0.0/0,10.254.77.1\n`)
  })

  it('isolated subnet without isolated metadata: no 169.254 route at all', () => {
    expect(dnsmasqOpts(spec('isolated-metadata-disabled'), ids)).toBe(`${tag},option:router,10.254.77.1\n`)
  })

  it('zeroconf keeps the DHCP side healthy: the guest just does not ask for option 121', () => {
    expect(dnsmasqOpts(spec('zeroconf'), ids)).toBe(dnsmasqOpts(spec('healthy-router'), ids))
    expect(dhclientConf(false)).not.toContain('rfc3442')
    expect(dhclientConf(true)).toContain('request subnet-mask, broadcast-address, routers, interface-mtu, rfc3442-classless-static-routes;')
  })

  it('runs dnsmasq with neutron-style file options from the lab state path', () => {
    const p = labPaths('/srv/lab', ids)
    const argv = dnsmasqArgv(p, ids, 'tap1ab01ab0-aa')
    expect(argv).toEqual(expect.arrayContaining(['--no-hosts', '--no-resolv', `--dhcp-optsfile=/srv/lab/state/dhcp/${ids.network}/opts`, `--pid-file=/srv/lab/state/dhcp/${ids.network}/pid`]))
    expect(argv).toContain(`--dhcp-range=set:subnet-${ids.subnet},10.254.77.0,static,255.255.255.0,86400s`)
  })
})

describe('lab router rules', () => {
  const NEUTRON_RULES = [
    '-A PREROUTING -j neutron-l3-agent-PREROUTING',
    '-A neutron-l3-agent-PREROUTING -d 169.254.169.254/32 -i qr-+ -p tcp -m tcp --dport 80 -j REDIRECT --to-ports 9697',
    '-A neutron-l3-agent-INPUT -m mark --mark 0x1/0xffff -j ACCEPT',
    '-A neutron-l3-agent-INPUT -p tcp -m tcp --dport 9697 -j DROP',
    // the metadata mark DROP that RouterInfo adds to `scope` is gone once the port's address
    // scope is processed (the chain is emptied): the port's own rule is there instead
    '-A neutron-l3-agent-scope -o qr-1ab01ab0-aa -m mark ! --mark 0x4000000/0xffff0000 -j DROP',
    '-A neutron-l3-agent-PREROUTING -d 169.254.169.254/32 -i qr-+ -p tcp -m tcp --dport 80 -j MARK --set-xmark 0x1/0xffff',
  ]

  it('carry the l3 agent metadata rules verbatim in wrapped chains', () => {
    const lines = routerIptablesRestore({internalDevice: 'qr-1ab01ab0-aa', metadataPort: 9697, natRedirect: true}).split('\n')
    for (const r of NEUTRON_RULES) expect(lines).toContain(r)
  })

  it('redirect-missing drops only the nat REDIRECT', () => {
    const lines = routerIptablesRestore({internalDevice: 'qr-1ab01ab0-aa', metadataPort: 9697, natRedirect: false}).split('\n')
    expect(lines.some((l) => l.includes('REDIRECT'))).toBe(false)
    for (const r of NEUTRON_RULES.filter((x) => !x.includes('REDIRECT'))) expect(lines).toContain(r)
  })
})

describe('lab config files', () => {
  const p = labPaths('/srv/lab', {network: 'n'})
  const input = (name: string, novaSecret = 'S3cret-agent') => ({agentSecret: 'S3cret-agent', apiPort: 8775, novaSecret, paths: p, spec: spec(name)})

  it('put the shared secret only in metadata_agent.ini and nova.conf [neutron]', () => {
    const i = input('healthy-router')
    expect(get(parseIni(configs.metadataAgentIni(i)), 'DEFAULT', 'metadata_proxy_shared_secret')).toBe('S3cret-agent')
    expect(get(parseIni(configs.novaConf(i)), 'neutron', 'metadata_proxy_shared_secret')).toBe('S3cret-agent')
    expect(get(parseIni(configs.novaConf(i)), 'neutron', 'service_metadata_proxy')).toBe('true')
    for (const other of [configs.neutronConf(i), configs.dhcpAgentIni(i), configs.l3AgentIni(i)]) expect(other).not.toContain('S3cret')
    expect(get(parseIni(configs.neutronConf(i)), 'DEFAULT', 'state_path')).toBe('/srv/lab/state')
  })

  it('wrong-nova-host points the agent at 127.0.0.2; socket-mismatch sets the socket in metadata_agent.ini only', () => {
    expect(get(parseIni(configs.metadataAgentIni(input('wrong-nova-host'))), 'DEFAULT', 'nova_metadata_host')).toBe('127.0.0.2')
    const mism = input('socket-mismatch')
    expect(get(parseIni(configs.metadataAgentIni(mism)), 'DEFAULT', 'metadata_proxy_socket')).toBe('/srv/lab/state/metadata-agent/metadata_proxy')
    expect(configs.l3AgentIni(mism)).not.toContain('metadata_proxy_socket')
  })

  it('dhcp_agent.ini carries enable_isolated_metadata per path', () => {
    expect(get(parseIni(configs.dhcpAgentIni(input('healthy-dhcp'))), 'DEFAULT', 'enable_isolated_metadata')).toBe('True')
    expect(get(parseIni(configs.dhcpAgentIni(input('healthy-router'))), 'DEFAULT', 'enable_isolated_metadata')).toBe('False')
  })

  it('the inventory omits the guest IP only in unknown-guest-ip, and names the router only on the router path', () => {
    const ids = newIds()
    const inst = (name: string) => labInventory(spec(name), ids, 'ssh-ed25519 AAAA x').instances[0]!
    expect(inst('healthy-router').fixed_ips).toEqual(['10.254.77.10'])
    expect(inst('healthy-router').router_id).toBe(ids.router)
    expect(inst('healthy-dhcp').router_id).toBeUndefined()
    expect(inst('unknown-guest-ip').fixed_ips).not.toContain('10.254.77.10')
  })
})

describe('lab preflight', () => {
  it('names each missing tool with the Debian package that provides it', async () => {
    const {missingTools, missingToolsMessage, LAB_TOOLS} = await import('../../src/lab/preflight.js')
    expect(await missingTools({'mdlab-no-such-tool': 'mdlab-pkg', sh: 'dash'})).toEqual([{pkg: 'mdlab-pkg', tool: 'mdlab-no-such-tool'}])
    expect(missingToolsMessage(await missingTools({'mdlab-nodhclient': 'isc-dhcp-client', 'mdlab-nodnsmasq': 'dnsmasq-base'}))).toBe(
      'missing tools: mdlab-nodhclient (isc-dhcp-client), mdlab-nodnsmasq (dnsmasq-base); install with: apt-get install dnsmasq-base isc-dhcp-client',
    )
    expect(LAB_TOOLS).toMatchObject({dhclient: 'isc-dhcp-client', dnsmasq: 'dnsmasq-base', haproxy: 'haproxy', ip: 'iproute2', iptables: 'iptables', nsenter: 'util-linux'})
  })
})
