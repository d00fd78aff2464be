import {describe, expect, it} from 'vitest'

import {chooseAgent} from '../../src/engine/agent-flavour.js'
import {captureId} from '../../src/engine/parsed.js'
import type {Capture} from '../../src/sources/capture.js'

const DIR = '/etc/neutron'
const file = (key: string, stdout: string | undefined, param?: string): Capture => ({
  argv: ['read', param ?? key],
  durationMs: 0,
  exitCode: stdout === undefined ? 1 : 0,
  key,
  origin: 'test',
  stderr: stdout === undefined ? 'No such file or directory' : '',
  stdout: stdout ?? '',
  ...(param ? {param} : {}),
})
const caps = (...cs: Capture[]): Map<string, Capture> => new Map(cs.map((c) => [captureId(c.key, c.param), c]))
const OVN_INI = '[DEFAULT]\nstate_path = /var/lib/neutron\n[ovn]\novn_sb_connection = tcp:127.0.0.1:6642\n'
// Debian's neutron-ovn-metadata-agent runs as `/usr/bin/python3 /usr/bin/neutron-ovn-metadata-agent --config-file …`
const OVN_PS = '812 neutron /usr/bin/python3 /usr/bin/neutron-ovn-metadata-agent --config-file=/etc/neutron/neutron.conf --config-file=/etc/neutron/neutron_ovn_metadata_agent.ini\n'

describe('which metadata agent a node runs', () => {
  it('takes neutron_ovn_metadata_agent.ini on a chassis without metadata_agent.ini, and names the OVN service', () => {
    const a = chooseAgent(caps(file('node.agent-ini', undefined), file('node.ovn-agent-ini', OVN_INI, `${DIR}/neutron_ovn_metadata_agent.ini`)), DIR)
    expect(a).toMatchObject({iniPath: `${DIR}/neutron_ovn_metadata_agent.ini`, key: 'node.ovn-agent-ini', kind: 'ovn-metadata', service: 'neutron-ovn-metadata-agent'})
  })

  it('takes the OVN file when the OVN agent process runs, even with a packaged metadata_agent.ini beside it', () => {
    const a = chooseAgent(caps(file('node.agent-ini', '[DEFAULT]\n'), file('node.ovn-agent-ini', OVN_INI, `${DIR}/neutron_ovn_metadata_agent.ini`), {...file('node.ps', OVN_PS), argv: ['ps']}), DIR)
    expect(a.kind).toBe('ovn-metadata')
    expect(a.why).toMatch(/process runs/)
  })

  it('finds kolla-ansible and TripleO locations', () => {
    const kolla = '/etc/kolla/neutron-ovn-metadata-agent/neutron_ovn_metadata_agent.ini'
    expect(chooseAgent(caps(file('node.ovn-agent-ini', OVN_INI, kolla)), DIR).iniPath).toBe(kolla)
    const tripleo = '/var/lib/config-data/puppet-generated/neutron/etc/neutron/plugins/networking-ovn/networking-ovn-metadata-agent.ini'
    expect(chooseAgent(caps(file('node.ovn-agent-ini', OVN_INI, tripleo)), DIR).iniPath).toBe(tripleo)
  })

  it('takes neutron-ovn-agent only with the metadata extension', () => {
    const path = `${DIR}/plugins/ml2/ovn_agent.ini`
    expect(chooseAgent(caps(file('node.ovn-agent-ini', `${OVN_INI}[agent]\nextensions = qos_hwol, metadata\n`, path)), DIR)).toMatchObject({kind: 'ovn-agent', service: 'neutron-ovn-agent'})
    expect(chooseAgent(caps(file('node.ovn-agent-ini', `${OVN_INI}[agent]\nextensions = qos_hwol\n`, path)), DIR).kind).toBe('ml2-ovs')
  })

  it('stays ML2/OVS where metadata_agent.ini exists and nothing OVN runs (Debian installs both files)', () => {
    const a = chooseAgent(caps(file('node.agent-ini', '[DEFAULT]\n'), file('node.ovn-agent-ini', OVN_INI, `${DIR}/neutron_ovn_metadata_agent.ini`)), DIR)
    expect(a).toMatchObject({iniPath: `${DIR}/metadata_agent.ini`, kind: 'ml2-ovs', service: 'neutron-metadata-agent'})
  })
})
