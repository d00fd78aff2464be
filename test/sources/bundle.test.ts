import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'

import type {Paths} from '../../src/evidence/registry.js'
import {BundleError, BundleSource, readManifest, RecordingSource, writeBundle} from '../../src/sources/bundle.js'
import type {Capture} from '../../src/sources/capture.js'
import type {ProbeSpec, Source} from '../../src/sources/source.js'

const dirs: string[] = []
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'mdctl-bundle-test-'))
  dirs.push(d)
  return d
}
afterAll(() => dirs.forEach((d) => rmSync(d, {force: true, recursive: true})))

const paths: Paths = {neutronConfigDir: '/etc/neutron', novaConfig: '/etc/nova/nova.conf', socketPath: '/var/lib/neutron/metadata_proxy', statePath: '/var/lib/neutron'}

/** A source that returns canned captures: stands in for a host so the bundle format can be pinned. */
class Canned implements Source {
  readonly kind = 'live' as const
  readonly origin = 'live:test'
  readonly capturedAt = '2026-11-21T00:00:00.000Z'
  readonly salt = 'abc'
  async get(key: string, _p: Paths, param?: string): Promise<Capture> {
    return {argv: ['cat', key], durationMs: 3, exitCode: key === 'node.l3-ini' ? 1 : 0, key, origin: this.origin, ...(param ? {param} : {}), stderr: key === 'node.l3-ini' ? 'No such file or directory' : '', stdout: `out of ${key}${param ?? ''}\n`}
  }
  async netns(ns: string): Promise<Capture[]> {
    return ['netns.iptables', 'netns.listeners', 'netns.addr'].map((key) => ({argv: [key], durationMs: 1, exitCode: 0, key, origin: this.origin, param: ns, stderr: '', stdout: `${key} of ${ns}`}))
  }
  async probe(spec: ProbeSpec): Promise<Capture> {
    return {argv: ['http-get'], durationMs: 1, exitCode: 7, key: spec.key, origin: this.origin, param: spec.param, stderr: 'failed to connect', stdout: ''}
  }
}

describe('bundles', () => {
  it('replay gives back the very captures that were recorded: argv, exit code, stderr, output', async () => {
    const rec = new RecordingSource(new Canned())
    const live = [await rec.get('node.agent-ini', paths), await rec.get('node.l3-ini', paths), ...(await rec.netns('qrouter-1', paths)), await rec.probe({key: 'probe.nova-root', param: 'http://x:8775'}, paths), await rec.get('node.proxy-conf', paths, '../../etc/passwd')]
    const dir = tmp()
    const m = await writeBundle(dir, {host: 'h', kind: 'node', options: {passive: false}, source: rec}, rec.captures)
    expect(m.items).toHaveLength(live.length)
    const b = await BundleSource.open(dir)
    const replayed = [await b.get('node.agent-ini', paths), await b.get('node.l3-ini', paths), ...(await b.netns('qrouter-1')), await b.probe({key: 'probe.nova-root', param: 'http://x:8775'}), await b.get('node.proxy-conf', paths, '../../etc/passwd')]
    const strip = (c: Capture) => ({argv: c.argv, exitCode: c.exitCode, key: c.key, param: c.param, stderr: c.stderr, stdout: c.stdout})
    expect(replayed.map(strip)).toEqual(live.map(strip))
    expect(b.salt).toBe('abc')
  })

  it('says "not in bundle" for evidence that was never captured', async () => {
    const dir = tmp()
    await writeBundle(dir, {host: 'h', kind: 'node', options: {}, source: new Canned()}, [])
    const c = await (await BundleSource.open(dir)).get('node.ps', paths)
    expect(c.exitCode).toBe(-1)
    expect(c.stderr).toMatch(/not in bundle/)
  })

  const bad: Array<[string, (dir: string) => void, RegExp]> = [
    ['a directory without a manifest', () => {}, /not an mdctl bundle: no manifest.json/],
    ['a truncated manifest', (d) => writeFileSync(join(d, 'manifest.json'), '{"format":"mdctl-bundle","items":[{"ke'), /not valid JSON/],
    ['a binary manifest', (d) => writeFileSync(join(d, 'manifest.json'), Buffer.from([0, 1, 2, 255, 254])), /not valid JSON/],
    ['some other JSON', (d) => writeFileSync(join(d, 'manifest.json'), '[1,2,3]'), /not an mdctl bundle manifest/],
    ['a newer format version', (d) => writeFileSync(join(d, 'manifest.json'), JSON.stringify({format: 'mdctl-bundle', formatVersion: 9, items: []})), /format version 9 is not supported/],
    ['a malformed item', (d) => writeFileSync(join(d, 'manifest.json'), JSON.stringify({format: 'mdctl-bundle', formatVersion: 1, items: [{key: 1}]})), /malformed item/],
    ['an item pointing outside the bundle', (d) => writeFileSync(join(d, 'manifest.json'), JSON.stringify({format: 'mdctl-bundle', formatVersion: 1, items: [{exitCode: 0, file: '../../../etc/shadow', key: 'node.ps'}]})), /points outside the bundle/],
  ]
  for (const [what, make, msg] of bad) {
    it(`refuses ${what} with a one-line error`, async () => {
      const dir = tmp()
      make(dir)
      const err = await readManifest(dir).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(BundleError)
      expect((err as Error).message).toMatch(msg)
      expect((err as Error).message).not.toContain('\n')
    })
  }

  it('turns a missing item file into "unreadable" evidence instead of an exception', async () => {
    const dir = tmp()
    mkdirSync(join(dir, 'items'))
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({format: 'mdctl-bundle', formatVersion: 1, items: [{argv: ['ps'], durationMs: 1, exitCode: 0, file: 'items/node.ps.txt', key: 'node.ps'}]}))
    const c = await (await BundleSource.open(dir)).get('node.ps', paths)
    expect(c.exitCode).toBe(-1)
    expect(c.stderr).toMatch(/unreadable: ENOENT/)
  })
})
