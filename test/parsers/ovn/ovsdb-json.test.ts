import {readFileSync} from 'node:fs'

import {describe, expect, it} from 'vitest'

import {ParseError} from '../../../src/parsers/errors.js'
import {mapOf, parseOvsdbJson, strOf} from '../../../src/parsers/ovsdb-json.js'
import {parseOvnDhcpAction} from '../../../src/parsers/ovn-dhcp-opts.js'

// Samples captured from `mdctl lab up --backend ovn` (OVN 23.03.1, Open vSwitch 3.1.0, neutron 21.0.0 agent).
const S = (f: string): string => readFileSync(new URL(`samples/${f}`, import.meta.url), 'utf8')

describe('OVSDB JSON dumps', () => {
  it('reads Chassis_Private with the metadata agent registration', () => {
    const [row] = parseOvsdbJson(S('ovn-sbctl--chassis_private.json'))
    expect(strOf(row, 'name')).toBe('mdovn-chassis')
    expect(mapOf(row, 'external_ids')).toMatchObject({'neutron:ovn-metadata-id': 'd6ab35ea-c1e6-599e-a69e-bf9e7f9fe0e7', 'neutron:ovn-metadata-sb-cfg': '1'})
  })

  it('turns an unset optional reference into an empty set and keeps booleans', () => {
    const rows = parseOvsdbJson(S('ovn-sbctl--port_binding.json'))
    const local = rows.find((r) => strOf(r, 'type') === 'localport')
    const vm = rows.find((r) => strOf(r, 'type') === '')
    expect(strOf(local, 'chassis')).toBeUndefined()
    expect(local?.up).toBe(false)
    expect(strOf(vm, 'chassis')).toBe('290e857d-1fe4-42df-bef3-2bdfe6f78e9f')
    expect(vm?.up).toBe(true)
    expect(mapOf(vm, 'external_ids')['neutron:device_id']).toBe('0a1b0a1b-0000-4000-8000-0000000000c1')
  })

  it('reads the local Open_vSwitch row and the interfaces', () => {
    const [ovs] = parseOvsdbJson(S('ovs-vsctl--open_vswitch.json'))
    expect(mapOf(ovs, 'external_ids')).toMatchObject({'ovn-bridge': 'br-mdovn', 'ovn-remote': 'tcp:127.0.0.1:6642', 'system-id': 'mdovn-chassis'})
    const ifaces = parseOvsdbJson(S('ovs-vsctl--interface.json'))
    expect(mapOf(ifaces.find((r) => strOf(r, 'name') === 'tap0a1b0a1b-00'), 'external_ids')['iface-id']).toBe('0a1b0a1b-0000-4000-8000-0000000000a1')
  })

  it('refuses error text, a table listing and rows of the wrong width', () => {
    expect(() => parseOvsdbJson('ovn-sbctl: tcp:127.0.0.1:6643: database connection failed (Connection refused)\n')).toThrow(ParseError)
    expect(() => parseOvsdbJson('{"data":[[1,2]],"headings":["a"]}')).toThrow(ParseError)
    expect(() => parseOvsdbJson('{"rows":[]}')).toThrow(ParseError)
  })

  it('reads a 2 MB hostile document in linear time without crashing', () => {
    const big = `{"data":[${Array.from({length: 20000}, () => '[["map",[["k","' + 'x'.repeat(80) + '"]]]]').join(',')}],"headings":["external_ids"]}`
    const t = performance.now()
    expect(parseOvsdbJson(big)).toHaveLength(20000)
    expect(performance.now() - t).toBeLessThan(2000)
    expect(() => parseOvsdbJson('['.repeat(100000))).toThrow(ParseError)
  })
})

describe('OVN DHCP options from the put_dhcp_opts logical flow', () => {
  it('reads the classless static routes neutron writes', () => {
    const [row] = parseOvsdbJson(S('ovn-sbctl--lflow-dhcp.json'))
    const o = parseOvnDhcpAction(strOf(row, 'actions') ?? '')
    expect(o?.routes).toEqual([
      {destination: '169.254.169.254/32', via: '10.44.0.2'},
      {destination: '0.0.0.0/0', via: '10.44.0.1'},
    ])
    expect(o?.options.router).toBe('10.44.0.1')
  })

  it('says there are no options for a plain next; and has no routes without classless_static_route', () => {
    expect(parseOvnDhcpAction('next;')).toBeUndefined()
    expect(parseOvnDhcpAction('reg0[3] = put_dhcp_opts(offerip = 10.44.0.10, router = 10.44.0.1, server_id = 10.44.0.1); next;')?.routes).toEqual([])
  })

  it('refuses an unterminated action', () => {
    expect(() => parseOvnDhcpAction('reg0[3] = put_dhcp_opts(offerip = 10.44.0.10, classless_static_route = {169.254.169.254/32')).toThrow(ParseError)
  })
})
