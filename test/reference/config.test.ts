// The config file: defaults, and a one-line error naming the field for each kind of mistake.
import {describe, expect, it} from 'vitest'

import {applyFlags} from '../../src/reference/cli.js'
import {defaultSocketPath, parseReferenceConfig} from '../../src/reference/index.js'
import {rawInstances, ROUTER, SECRET} from './helpers.js'

const base = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({instances: rawInstances(), secret: SECRET, ...extra})
const withInstance = (patch: Record<string, unknown>): Record<string, unknown> => base({instances: [{...rawInstances()[0], ...patch}]})

describe('defaults', () => {
  it("fills in neutron's and nova's defaults", () => {
    const c = parseReferenceConfig({_comment: 'ignored', instances: [], secret: ''})
    expect(c.proxy).toMatchObject({keepAliveTimeoutMs: 30_000, listen: '127.0.0.1:9697', socket: defaultSocketPath(), timeoutHttpRequestMs: 30_000, timeoutServerMs: 32_000})
    expect(c.agent).toMatchObject({novaHost: '127.0.0.1', novaPort: 8775, novaTimeoutMs: 60_000, socket: defaultSocketPath(), socketMode: 0o644})
    expect(c.api).toMatchObject({dhcpDomain: 'novalocal', echoHeaders: false, listen: '127.0.0.1:8775', serviceMetadataProxy: true, vendorData: {}, vendordataProviders: ['StaticJSON']})
    expect(c.log).toBe('access')
  })

  it('derives stable EC2 ids, MAC and port from the instance', () => {
    const a = parseReferenceConfig(base()).instances[0]
    const b = parseReferenceConfig(base()).instances[0]
    expect(a?.ec2InstanceId).toBe('i-00000001')
    expect(a?.macAddress).toMatch(/^fa:16:3e(:[0-9a-f]{2}){3}$/)
    expect([a?.macAddress, a?.portId, a?.reservationId]).toEqual([b?.macAddress, b?.portId, b?.reservationId])
  })

  it('accepts named and octal socket modes', () => {
    expect(parseReferenceConfig(base({agent: {socket_mode: 'all'}})).agent.socketMode).toBe(0o666)
    expect(parseReferenceConfig(base({agent: {socket_mode: 'group'}})).agent.socketMode).toBe(0o664)
    expect(parseReferenceConfig(base({agent: {socket_mode: '0600'}})).agent.socketMode).toBe(0o600)
  })
})

describe('mistakes, each named in one line', () => {
  it.each(([
    [base({secrett: 'x'}), /^secrett: unknown field/],
    [{instances: []}, /^secret: is required/],
    [base({log: 'loud'}), /^log: must be one of access, warning, off$/],
    [base({proxy: {listen: 'localhost:80'}}), /^proxy\.listen: "localhost:80" is not HOST:PORT/],
    [base({proxy: {network_id: 'n', router_id: 'r'}}), /^proxy: give router_id .* not both$/],
    [base({proxy: {faults: ['status=418']}}), /^proxy\.faults\[0\]: "status=418": haproxy can only answer/],
    [base({api: {faults: ['explode']}}), /^api\.faults\[0\]: "explode": unknown fault/],
    [base({agent: {socket: 'relative.sock'}}), /^agent\.socket: must be an absolute path$/],
    [base({agent: {socket: `/${'x'.repeat(120)}`}}), /^agent\.socket: is longer than a unix socket path/],
    [base({agent: {socket_mode: 'rwx'}}), /^agent\.socket_mode: must be deduce, user, group, all or an octal mode/],
    [base({agent: {nova_metadata_port: 70_000}}), /^agent\.nova_metadata_port: must be a whole number 1\.\.65535$/],
    [base({api: {vendordata_providers: ['Dynamic']}}), /^api\.vendordata_providers\[0\]: must be StaticJSON or DynamicJSON$/],
    [withInstance({hostnmae: 'x'}), /^instances\[0\]\.hostnmae: unknown field/],
    [withInstance({uuid: 'not-a-uuid'}), /^instances\[0\]\.uuid: "not-a-uuid" is not a UUID$/],
    [withInstance({fixed_ips: ['10.0.0.300']}), /^instances\[0\]\.fixed_ips\[0\]: "10\.0\.0\.300" is not an IP address$/],
    [withInstance({fixed_ips: []}), /^instances\[0\]\.fixed_ips: must list at least one IP address$/],
    [withInstance({network_id: undefined, router_id: undefined}), /^instances\[0\]: needs network_id or router_id/],
    [withInstance({public_keys: {a: 'k1', b: 'k2'}}), /^instances\[0\]\.public_keys: nova attaches at most one key pair/],
    [withInstance({user_data_base64: 'aGk='}), /^instances\[0\]: give user_data or user_data_base64, not both$/],
    [withInstance({mac_address: 'fa:16:3e'}), /^instances\[0\]\.mac_address: "fa:16:3e" is not a MAC address$/],
    [withInstance({password: 'p'.repeat(1021)}), /^instances\[0\]\.password: nova stores at most 1020 characters$/],
    [base({instances: [rawInstances()[0], rawInstances()[0]]}), /^instances\[1\]\.uuid: .* is already used by instances\[0\]$/],
  ] as [unknown, RegExp][]).map(([raw, message]) => [String(message), raw, message] as const))('refuses with %s', (_name, raw, message) => {
    expect(() => parseReferenceConfig(raw)).toThrow(message as RegExp)
  })

  it('never echoes the secret in an error', () => {
    const secret = 'very-secret-value-123'
    for (const raw of [{instances: [], secret: 42}, {instances: 'x', secret}, {proxy: {listen: 1}, secret}]) {
      try {
        parseReferenceConfig(raw)
      } catch (error) {
        expect((error as Error).message).not.toContain(secret)
      }
    }
  })
})

describe('flags over the config', () => {
  it('lets --socket, --router-id/--network-id, listen addresses, --echo-headers and --fault win', () => {
    const c = parseReferenceConfig(base({proxy: {router_id: 'r-config'}}))
    const f = applyFlags(c, {apiListen: '127.0.0.1:1', echoHeaders: true, faults: ['agent:close', 'api:delay=5'], networkId: 'n-flag', proxyListen: '127.0.0.1:2', socket: '/tmp/x.sock'})
    expect(f.proxy).toMatchObject({listen: '127.0.0.1:2', networkId: 'n-flag', routerId: undefined, socket: '/tmp/x.sock'})
    expect(f.agent.socket).toBe('/tmp/x.sock')
    expect(f.api).toMatchObject({echoHeaders: true, faults: [{kind: 'delay', ms: 5}], listen: '127.0.0.1:1'})
    expect(f.agent.faults).toEqual([{kind: 'close'}])
    // the config object itself is untouched
    expect(c.agent.faults).toEqual([])
    expect(applyFlags(c, {routerId: ROUTER}).proxy.routerId).toBe(ROUTER)
  })
})
