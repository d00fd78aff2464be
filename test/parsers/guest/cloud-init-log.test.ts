import {describe, expect, it} from 'vitest'
import {cloudInitCause, MAX_LINES, parseCloudInitLog} from '../../../src/parsers/guest-cloud-init-log.js'
import {expectParseError, sample} from './helpers.js'

describe('parseCloudInitLog', () => {
  it('reads a real cloud-init 22.4 log of an unreachable metadata service (OpenStack then Ec2)', () => {
    const log = parseCloudInitLog(sample('cloud-init-log--22.4-unreachable.txt'))
    expect(log.noActiveMetadataService).toBe(true)
    expect(log.givingUp.map((g) => g.kind)).toEqual(['openstack', 'ec2'])
    const [openstack, ...ec2] = log.failures
    // cloud-init 22.4 logs `Calling 'None' failed`: the URL is rebuilt from urllib3's message
    expect(openstack).toMatchObject({url: 'http://169.254.169.254/openstack', elapsed: 0, maxWait: '-1s'})
    expect(openstack?.reason).toMatch(/\[Errno 101\] Network is unreachable/)
    expect(new Set(ec2.map((f) => f.url))).toEqual(new Set(['http://169.254.169.254/2009-04-04/meta-data/instance-id', 'http://[fd00:ec2::254]/2009-04-04/meta-data/instance-id']))
    expect(ec2.every((f) => f.maxWait === '3s')).toBe(true)
    expect(log.lastBootLine).toBe(3)
    expect(log.datasource).toBeUndefined()
  })

  it('reads the ARP dead end (zeroconf guest): errno 113 No route to host after ~3 s', () => {
    const log = parseCloudInitLog(sample('cloud-init-log--22.4-no-route.txt'))
    const first = log.failures[0]
    expect(first?.url).toBe('http://169.254.169.254/openstack')
    expect(first?.reason).toMatch(/\[Errno 113\] No route to host/)
    expect(first?.elapsed).toBeGreaterThanOrEqual(2)
    expect(log.noActiveMetadataService).toBe(true)
  })

  it('reads a real successful crawl: metadata source, datasource and every URL read', () => {
    const log = parseCloudInitLog(sample('cloud-init-log--22.4-ok.txt'))
    expect(log).toMatchObject({failures: [], givingUp: [], noActiveMetadataService: false, datasource: 'OpenStack', metadataSource: 'http://169.254.169.254'})
    expect(log.successReads).toContain('http://169.254.169.254/openstack/2018-08-27/meta_data.json')
    expect(log.successReads).toContain('http://169.254.169.254/latest/meta-data/instance-id')
  })

  it('reads the old line without `Calling` from seed 000', () => {
    expect(parseCloudInitLog(sample('cloud-init-log--seed000-old.txt')).failures).toEqual([
      {url: 'http://169.254.169.254/2009-04-04/meta-data/instance-id', elapsed: 0, maxWait: '120s', reason: 'http error [404]', line: 1},
    ])
  })

  it('reads newer wording: log_util.py, IPv6 link-local URL, [n/240s], Loaded datasource None', () => {
    const log = parseCloudInitLog(sample('cloud-init-log--master.txt'))
    expect(log.failures.map((f) => [f.url, f.maxWait, f.line])).toEqual([
      ['http://[fe80::a9fe:a9fe%25eth0]/openstack', '-1s', 2],
      ['http://169.254.169.254/openstack', '-1s', 3],
      ['http://169.254.169.254/2009-04-04/meta-data/instance-id', '240s', 6],
    ])
    expect(log.failures[2]?.reason).toBe('bad status code [503]')
    expect(log).toMatchObject({noActiveMetadataService: true, datasource: 'None', lastBootLine: 1})
    expect(log.givingUp).toEqual([
      {kind: 'openstack', line: 4},
      {kind: 'ec2', line: 7},
    ])
  })

  it('reads syslog/journal prefixes as well', () => {
    const log = parseCloudInitLog("Nov 21 10:00:00 vm cloud-init[412]: url_helper.py[WARNING]: Calling 'http://169.254.169.254/2009-04-04/meta-data/instance-id' failed [50/120s]: request error [timed out]\n")
    expect(log.failures[0]).toMatchObject({elapsed: 50, maxWait: '120s', reason: 'request error [timed out]'})
  })

  it(`reads only the last ${MAX_LINES} lines of a huge log, with absolute line numbers`, () => {
    const filler = 'x - util.py[DEBUG]: filler\n'.repeat(MAX_LINES + 5000)
    const early = "2026 - url_helper.py[WARNING]: Calling 'http://169.254.169.254/early' failed [0/120s]: old boot\n"
    const late = "2026 - url_helper.py[WARNING]: Calling 'http://169.254.169.254/late' failed [1/120s]: this boot\n"
    const log = parseCloudInitLog(early + filler + late)
    expect(log.failures).toEqual([{url: 'http://169.254.169.254/late', elapsed: 1, maxWait: '120s', reason: 'this boot', line: MAX_LINES + 5002}])
    expect(log.warnings.join()).toMatch(/last 20000 lines only \(5002 earlier lines skipped\)/)
  })

  it('gives an empty result for an empty log and refuses binary data', () => {
    expect(parseCloudInitLog(sample('cloud-init-log--empty.txt'))).toEqual({failures: [], noActiveMetadataService: false, givingUp: [], successReads: [], warnings: []})
    expectParseError(() => parseCloudInitLog(sample('cloud-init-log--binary.txt')), /binary/)
  })

  it('reads a status only where cloud-init writes one, never from addresses, ports or timeouts (real 22.4 url_helper lines)', () => {
    const log = parseCloudInitLog(sample('cloud-init-log--22.4-statuses.txt'))
    expect(log.failures.map((f) => cloudInitCause(f.reason))).toEqual([
      {kind: 'status', status: 403},
      {kind: 'status', status: 503},
      {kind: 'connect-timeout'},
      {kind: 'read-timeout'},
      {kind: 'refused'},
    ])
    // the object address of a urllib3 error varies per run; one holding "403" is still a timeout
    const timeout = log.failures[2]?.reason ?? ''
    expect(cloudInitCause(timeout.replace(/0x[0-9a-f]+/, '0x7f4031a95950'))).toEqual({kind: 'connect-timeout'})
    expect(cloudInitCause("request error [403 Client Error: Forbidden for url: http://169.254.169.254/openstack/2018-08-27/meta_data.json]")).toEqual({kind: 'status', status: 403})
    expect(cloudInitCause('http error [404]')).toEqual({kind: 'status', status: 404})
    expect(cloudInitCause('request error [port=8403 something]')).toEqual({kind: 'other'})
  })
})
