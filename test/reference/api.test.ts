// nova's metadata API, through the real reference server on loopback: header checks in nova's
// order and texts, signature, tenant, the EC2 and OpenStack trees, password, faults.
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'

import {parseFault, parseReferenceConfig, type RunningServer, signInstanceId, startApi} from '../../src/reference/index.js'
import type {ApiOptions} from '../../src/reference/index.js'
import {KEY, logCollector, PROJECT, rawExchange, rawInstances, request, SECRET, USER_DATA, VM, VM2} from './helpers.js'

const instances = parseReferenceConfig({instances: rawInstances(), secret: SECRET}).instances
const signed = (uuid = VM.uuid, tenant = PROJECT, extra: Record<string, string> = {}): Record<string, string> => ({
  'X-Forwarded-For': VM.ip,
  'X-Instance-ID': uuid,
  'X-Instance-ID-Signature': signInstanceId(SECRET, uuid),
  'X-Tenant-ID': tenant,
  ...extra,
})

const started: RunningServer[] = []
async function api(opts: Partial<ApiOptions> = {}): Promise<RunningServer & {log: ReturnType<typeof logCollector>}> {
  const log = logCollector()
  const s = await startApi({instances, listen: '127.0.0.1:0', log: log.sink, secret: SECRET, ...opts})
  started.push(s)
  return Object.assign(s, {log})
}
afterEach(async () => {
  while (started.length > 0) await started.pop()?.close()
})

describe('root and header checks', () => {
  it('lists the EC2 versions at / without any header check', async () => {
    const s = await api()
    const r = await request(s, '/')
    expect(r.status).toBe(200)
    expect(r.headers['content-type']).toBe('text/plain; charset=UTF-8')
    expect(r.body).toBe('1.0\n2007-01-19\n2007-03-01\n2007-08-29\n2007-10-10\n2007-12-15\n2008-02-01\n2008-09-01\n2009-04-04\nlatest')
  })

  it.each([
    [{}, 'X-Instance-ID header is missing from request.'],
    [{'X-Instance-ID': VM.uuid}, 'X-Instance-ID-Signature header is missing from request.'],
    [{'X-Instance-ID': VM.uuid, 'X-Instance-ID-Signature': 'x'}, 'X-Tenant-ID header is missing from request.'],
  ])('answers 400 in nova order for %j: %s', async (headers, text) => {
    const s = await api()
    const r = await request(s, '/openstack', {headers})
    expect(r.status).toBe(400)
    expect(r.body).toBe(`400 Bad Request\n\n${text}\n\n   `)
  })

  it('refuses a repeated X-Instance-ID or X-Tenant-ID header with nova texts', async () => {
    const s = await api()
    const base = signed()
    const twoIds = await request(s, '/openstack', {headers: {...base, 'X-Instance-ID': [VM.uuid, VM.uuid]}})
    expect(twoIds.body).toContain('Multiple X-Instance-ID headers found within request.')
    const twoTenants = await request(s, '/openstack', {headers: {...base, 'X-Tenant-ID': [PROJECT, PROJECT]}})
    expect(twoTenants.body).toContain('Multiple X-Tenant-ID headers found within request.')
  })

  it('answers 403 "Invalid proxy request signature." as HTML for curl, and never logs the signature', async () => {
    const s = await api()
    const bad = 'f'.repeat(64)
    const r = await request(s, '/openstack', {headers: {...signed(), Accept: '*/*', 'X-Instance-ID-Signature': bad}})
    expect(r.status).toBe(403)
    expect(r.body).toBe(
      '<html>\n <head>\n  <title>403 Forbidden</title>\n </head>\n <body>\n  <h1>403 Forbidden</h1>\n  Invalid proxy request signature.<br /><br />\n\n\n\n </body>\n</html>',
    )
    const warn = s.log.records().find((l) => l.event === 'signature-mismatch')
    expect(warn?.msg).toBe(`X-Instance-ID-Signature does not match the expected signature for id: ${VM.uuid}. Request From: ${VM.ip}`)
    expect(s.log.lines.join('\n')).not.toContain(bad)
    expect(s.log.lines.join('\n')).not.toContain(signInstanceId(SECRET, VM.uuid))
  })

  it('answers 403 for an empty signature', async () => {
    const s = await api()
    const r = await request(s, '/openstack', {headers: {...signed(), 'X-Instance-ID-Signature': ''}})
    expect(r.status).toBe(403)
  })

  it('answers the 400 as JSON when the client asks for application/json', async () => {
    const s = await api()
    const r = await request(s, '/openstack', {headers: {Accept: 'application/json'}})
    expect(r.headers['content-type']).toBe('application/json')
    expect(JSON.parse(r.body)).toEqual({code: '400 Bad Request', message: 'X-Instance-ID header is missing from request.<br /><br />\n\n\n', title: 'Bad Request'})
  })

  it('answers 404 for a well-signed unknown instance, and for a tenant that does not own the instance', async () => {
    const s = await api()
    const unknown = 'aaaaaaaa-0000-4000-8000-000000000000'
    expect((await request(s, '/openstack', {headers: signed(unknown)})).status).toBe(404)
    expect(s.log.records().some((l) => l.msg === `Failed to get metadata for instance id: ${unknown}`)).toBe(true)
    const r = await request(s, '/openstack', {headers: signed(VM.uuid, 'someone-else')})
    expect(r.status).toBe(404)
    expect(s.log.records().some((l) => l.msg === `Tenant_id someone-else does not match tenant_id of instance ${VM.uuid}.`)).toBe(true)
  })
})

describe('EC2 tree', () => {
  let s: RunningServer
  beforeAll(async () => {
    s = await startApi({instances, listen: '127.0.0.1:0', log: false, secret: SECRET})
  })
  afterAll(async () => s.close())
  const get = (path: string, h = signed()) => request(s, path, {headers: h})

  it('lists meta-data/ and user-data under a version', async () => {
    expect((await get('/latest/')).body).toBe('meta-data/\nuser-data')
    expect((await get('/latest')).body).toBe('meta-data/\nuser-data')
  })

  it('lists the 2009-04-04 meta-data keys sorted, directories with a slash', async () => {
    const r = await get('/2009-04-04/meta-data/')
    expect(r.headers['content-type']).toBe('text/plain; charset=UTF-8')
    expect(r.body).toBe(
      [
        'ami-id', 'ami-launch-index', 'ami-manifest-path', 'block-device-mapping/', 'hostname', 'instance-action', 'instance-id', 'instance-type',
        'local-hostname', 'local-ipv4', 'placement/', 'public-hostname', 'public-ipv4', 'public-keys/', 'reservation-id', 'security-groups',
      ].join('\n'),
    )
  })

  it('gates keys by version: 1.0 has none of the later keys', async () => {
    expect((await get('/1.0/meta-data/')).body).toBe('ami-id\nami-launch-index\nami-manifest-path\nhostname\ninstance-id\nlocal-ipv4\npublic-keys/\nreservation-id\nsecurity-groups')
    expect((await get('/2007-08-29/meta-data/')).body).toContain('instance-type')
    expect((await get('/2007-08-29/meta-data/')).body).not.toContain('placement/')
  })

  it.each([
    ['/latest/meta-data/public-keys/', '0=mykey'],
    ['/latest/meta-data/public-keys/0/', 'openssh-key'],
    ['/latest/meta-data/public-keys/0/openssh-key', KEY],
    ['/latest/meta-data/placement/', 'availability-zone'],
    ['/latest/meta-data/placement/availability-zone', 'az1'],
    ['/latest/meta-data/hostname', 'vm1.novalocal'],
    ['/latest/meta-data/local-ipv4', VM.ip],
    ['/latest/meta-data/instance-id', 'i-00000001'],
    ['/latest/meta-data/ami-manifest-path', 'FIXME'],
    ['/latest/meta-data/instance-action', 'none'],
    ['/latest/meta-data/public-ipv4', ''],
    ['/latest/meta-data/block-device-mapping/', 'ami\nroot'],
    ['/latest/meta-data/block-device-mapping/root', '/dev/vda'],
    ['/latest/user-data', USER_DATA],
    ['/ec2/2009-04-04/meta-data/hostname', 'vm1.novalocal'],
  ])('serves %s', async (path, body) => {
    const r = await get(path)
    expect(r.status).toBe(200)
    expect(r.body).toBe(body)
  })

  it.each(['/2010-01-01/meta-data/', '/latest/meta-data/nope', '/latest/meta-data/hostname/x', '/nothing'])('answers 404 for %s', async (path) => {
    expect((await get(path)).status).toBe(404)
  })

  it('omits user-data and public-keys for an instance without them', async () => {
    const h = signed(VM2.uuid, 'otherproject')
    expect((await get('/latest/', h)).body).toBe('meta-data/')
    expect((await get('/latest/meta-data/', h)).body).not.toContain('public-keys/')
    expect((await get('/latest/user-data', h)).status).toBe(404)
  })
})

describe('OpenStack tree', () => {
  let s: RunningServer
  beforeAll(async () => {
    s = await startApi({instances, listen: '127.0.0.1:0', log: false, now: () => new Date('2020-01-01T00:00:00Z'), secret: SECRET})
  })
  afterAll(async () => s.close())
  const get = (path: string) => request(s, path, {headers: signed()})

  it('lists only versions dated up to today, plus latest', async () => {
    expect((await get('/openstack')).body).toBe('2012-08-10\n2013-04-04\n2013-10-17\n2015-10-15\n2016-06-30\n2016-10-06\n2017-02-22\n2018-08-27\nlatest')
  })

  it.each([
    ['2012-08-10', 'meta_data.json\nuser_data'],
    ['2013-04-04', 'meta_data.json\nuser_data\npassword'],
    ['2013-10-17', 'meta_data.json\nuser_data\npassword\nvendor_data.json'],
    ['2015-10-15', 'meta_data.json\nuser_data\npassword\nvendor_data.json\nnetwork_data.json'],
    ['2016-10-06', 'meta_data.json\nuser_data\npassword\nvendor_data.json\nnetwork_data.json\nvendor_data2.json'],
    ['latest', 'meta_data.json\nuser_data\npassword\nvendor_data.json\nnetwork_data.json\nvendor_data2.json'],
  ])('lists /openstack/%s as nova does', async (v, body) => {
    expect((await get(`/openstack/${v}`)).body).toBe(body)
    expect((await get(`/openstack/${v}/`)).body).toBe(body)
  })

  it('serves meta_data.json with nova keys in nova order, gated by version', async () => {
    const latest = await get('/openstack/latest/meta_data.json')
    expect(latest.headers['content-type']).toBe('application/json')
    const md = JSON.parse(latest.body) as Record<string, unknown>
    expect(Object.keys(md)).toEqual(['uuid', 'meta', 'public_keys', 'keys', 'hostname', 'name', 'launch_index', 'availability_zone', 'random_seed', 'project_id', 'devices', 'dedicated_cpus'])
    expect(md).toMatchObject({availability_zone: 'az1', hostname: 'vm1.novalocal', keys: [{data: KEY, name: 'mykey', type: 'ssh'}], meta: {role: 'web'}, name: 'vm1', project_id: PROJECT, public_keys: {mykey: KEY}, uuid: VM.uuid})
    expect(Buffer.from(md.random_seed as string, 'base64')).toHaveLength(512)
    expect(latest.body.startsWith(`{"uuid": "${VM.uuid}", "meta": {"role": "web"}`)).toBe(true)
    const old = JSON.parse((await get('/openstack/2012-08-10/meta_data.json')).body) as Record<string, unknown>
    expect(Object.keys(old)).toEqual(['uuid', 'meta', 'public_keys', 'keys', 'hostname', 'name', 'launch_index', 'availability_zone'])
  })

  it('gives a fresh random_seed on every request', async () => {
    const a = JSON.parse((await get('/openstack/latest/meta_data.json')).body) as {random_seed: string}
    const b = JSON.parse((await get('/openstack/latest/meta_data.json')).body) as {random_seed: string}
    expect(a.random_seed).not.toBe(b.random_seed)
  })

  it('serves user_data, vendor data and network data with nova content types', async () => {
    const ud = await get('/openstack/latest/user_data')
    expect([ud.body, ud.headers['content-type']]).toEqual([USER_DATA, 'text/plain; charset=UTF-8'])
    const vd = await get('/openstack/latest/vendor_data.json')
    expect([vd.body, vd.headers['content-type']]).toEqual(['{}', 'application/json'])
    const vd2 = await get('/openstack/latest/vendor_data2.json')
    expect([vd2.body, vd2.headers['content-type']]).toEqual(['{"static": {}}', 'application/json'])
    const nd = await get('/openstack/latest/network_data.json')
    expect(nd.headers['content-type']).toBe('text/plain; charset=UTF-8')
    expect(Object.keys(JSON.parse(nd.body) as object)).toEqual(['links', 'networks', 'services'])
  })

  it('still serves a version dated after today when asked explicitly, as nova does', async () => {
    expect((await get('/openstack/2025-04-04/meta_data.json')).status).toBe(200)
  })

  it.each(['/openstack/2011-01-01', '/openstack/latest/nope', '/openstack/2012-08-10/vendor_data.json', '/openstack/2012-08-10/password', '/openstack/content/0000'])(
    'answers 404 for %s',
    async (path) => {
      expect((await get(path)).status).toBe(404)
    },
  )
})

describe('password', () => {
  it('stores a 100-character POST once, returns it on GET, then answers 409', async () => {
    const s = await api()
    const url = '/openstack/2013-10-17/password'
    const empty = await request(s, url, {headers: signed()})
    expect([empty.status, empty.body, empty.headers['content-type']]).toEqual([200, '', 'text/html; charset=UTF-8'])
    const pw = 'p'.repeat(100)
    expect((await request(s, url, {body: pw, headers: signed(), method: 'POST'})).status).toBe(200)
    expect((await request(s, url, {headers: signed()})).body).toBe(pw)
    const again = await request(s, url, {body: 'x', headers: {...signed(), Accept: '*/*'}, method: 'POST'})
    expect(again.status).toBe(409)
    expect(again.body).toContain('There was a conflict when trying to complete your request.')
  })

  it('refuses more than 1020 bytes with "Request is too large." and other methods with nova text', async () => {
    const s = await api()
    const url = '/openstack/latest/password'
    const big = await request(s, url, {body: 'p'.repeat(1021), headers: signed(), method: 'POST'})
    expect([big.status, big.body]).toEqual([400, '400 Bad Request\n\nRequest is too large.\n\n   '])
    const put = await request(s, url, {body: 'p', headers: signed(), method: 'PUT'})
    expect([put.status, put.body]).toEqual([400, '400 Bad Request\n\nGET and POST only are supported.\n\n   '])
    expect((await request(s, url, {body: 'p'.repeat(1020), headers: signed(), method: 'POST'})).status).toBe(200)
  })
})

describe('service_metadata_proxy off', () => {
  it('finds the instance by the TCP peer and ignores X-Forwarded-For and X-Instance-ID', async () => {
    const s = await api({serviceMetadataProxy: false})
    const r = await request(s, '/latest/meta-data/instance-id', {headers: {'X-Forwarded-For': VM2.ip, 'X-Instance-ID': VM2.uuid}})
    expect([r.status, r.body]).toEqual([200, 'i-00000001'])
    expect(s.log.records().some((l) => l.event === 'instance-id-ignored')).toBe(true)
  })

  it('answers 404 for a peer address no instance has', async () => {
    const s = await api({serviceMetadataProxy: false})
    const r = await request(s, '/openstack', {localAddress: '127.0.0.2'})
    expect(r.status).toBe(404)
    expect(s.log.records().some((l) => l.msg === 'Failed to get metadata for IP 127.0.0.2: no metadata')).toBe(true)
  })
})

describe('X-Metadata-Provider path', () => {
  it('answers nova 400s for the load-balancer path', async () => {
    const s = await api()
    expect((await request(s, '/openstack', {headers: {'X-Metadata-Provider': 'p1'}})).body).toContain('X-Forwarded-For is missing from request.')
    const sig = signInstanceId(SECRET, 'p1')
    const r = await request(s, '/openstack', {headers: {'X-Forwarded-For': VM.ip, 'X-Metadata-Provider': 'p1', 'X-Metadata-Provider-Signature': sig}})
    expect(r.body).toContain('Could not find any subnets for provider p1')
    const bad = await request(s, '/openstack', {headers: {'X-Forwarded-For': VM.ip, 'X-Metadata-Provider': 'p1', 'X-Metadata-Provider-Signature': 'x'}})
    expect(bad.status).toBe(403)
  })
})

describe('echo headers', () => {
  it('returns what reached nova but hides the signature value', async () => {
    const s = await api({echoHeaders: true})
    const r = await request(s, '/openstack/latest/meta_data.json', {headers: signed()})
    expect(r.status).toBe(200)
    const echo = JSON.parse(r.body) as {headers: [string, string][]; path: string}
    const h = Object.fromEntries(echo.headers.map(([k, v]) => [k.toLowerCase(), v]))
    expect(h).toMatchObject({'x-forwarded-for': VM.ip, 'x-instance-id': VM.uuid, 'x-instance-id-signature': '<hidden: valid>', 'x-tenant-id': PROJECT})
    expect(r.body).not.toContain(signInstanceId(SECRET, VM.uuid))
    expect(r.body).not.toContain(SECRET)
  })
})

describe('robustness', () => {
  it('answers 413 and closes for a body over the limit', async () => {
    const s = await api({maxBodyBytes: 2048})
    const r = await request(s, '/openstack/latest/password', {body: 'x'.repeat(5000), headers: signed(), method: 'POST'})
    expect(r.status).toBe(413)
    expect(r.headers.connection).toBe('close')
  })

  it('answers 431 for headers over 16 KiB and 400 for a malformed request line', async () => {
    const s = await api()
    const big = await rawExchange(s, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`)
    expect(big.data.toString()).toMatch(/^HTTP\/1.1 431 Request Header Fields Too Large\r\n/)
    const junk = await rawExchange(s, 'GARBAGE\r\n\r\n')
    expect(junk.data.toString()).toMatch(/^HTTP\/1.1 400 Bad Request\r\n/)
  })
})

describe('faults', () => {
  it('status=503 answers webob 503', async () => {
    const s = await api({faults: [parseFault('status=503', 'api', 't')]})
    const r = await request(s, '/openstack', {headers: signed()})
    expect([r.status, r.body]).toEqual([503, '503 Service Unavailable\n\nThe server is currently unavailable. Please try again at a later time.\n\n   '])
  })

  it('wrong-secret makes every signature fail (403)', async () => {
    const s = await api({faults: [parseFault('wrong-secret', 'api', 't')]})
    expect((await request(s, '/openstack', {headers: signed()})).status).toBe(403)
  })

  it('drop-header=X-Tenant-ID makes nova see no tenant (400)', async () => {
    const s = await api({faults: [parseFault('drop-header=X-Tenant-ID', 'api', 't')]})
    expect((await request(s, '/openstack', {headers: signed()})).body).toContain('X-Tenant-ID header is missing from request.')
  })

  it('delay=300 answers no sooner than 300 ms', async () => {
    const s = await api({faults: [parseFault('delay=300', 'api', 't')]})
    const t0 = performance.now()
    expect((await request(s, '/')).status).toBe(200)
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290)
  })

  it('close drops the connection without a reply', async () => {
    const s = await api({faults: [parseFault('close', 'api', 't')]})
    const r = await rawExchange(s, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n')
    expect([r.closedBy === 'timeout', r.data.length]).toEqual([false, 0])
  })

  it('refuse leaves nobody listening on the address', async () => {
    const s = await api({faults: [parseFault('refuse', 'api', 't')]})
    await expect(request(s, '/')).rejects.toMatchObject({code: 'ECONNREFUSED'})
  })
})
