import {cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'

import {runDoctor} from '../../src/engine/doctor.js'
import type {NodeOptions} from '../../src/engine/collect-node.js'
import {BundleSource, readManifest} from '../../src/sources/bundle.js'

// One enormous line in any piece of node evidence must cost doctor --from time in proportion to
// its size: a parser or check that rescans its input (a backtracking regex, an indexOf loop)
// turns 3 MB into minutes.
const FIXTURE = new URL('../../fixtures/lab-healthy-router/', import.meta.url).pathname
const tmp = mkdtempSync(join(tmpdir(), 'mdctl-huge-line-'))
afterAll(() => rmSync(tmp, {force: true, recursive: true}))

const MB3 = 3 * 1024 * 1024
/** Lines shaped to get past each format's first checks, so the deep paths see the huge value. */
const LINES: Record<string, (n: number) => string> = {
  letters: (n) => 'a'.repeat(n),
  'path-like': (n) => `ns-metadata-proxy/${'a'.repeat(n)}.conf`,
  'ini value': (n) => `metadata_proxy_shared_secret = ${'x'.repeat(n)}`,
  'slashes and colons': (n) => '/:'.repeat(n / 2),
  'spaces and digits': (n) => '1 '.repeat(n / 2),
  'header-like': (n) => `X-Neutron-Router-ID: ${'f'.repeat(n)}`,
  'blanks then a letter': (n) => `${' '.repeat(n)}x`,
}

async function doctorMs(dir: string): Promise<number> {
  const manifest = await readManifest(dir)
  const opts = {...(manifest.options as Partial<NodeOptions>), neutronConfigDir: '/etc/neutron', novaConfig: '/etc/nova/nova.conf', passive: false} as NodeOptions
  const saved = manifest.options as Partial<NodeOptions>
  if (saved.neutronConfigDir) opts.neutronConfigDir = saved.neutronConfigDir
  if (saved.novaConfig) opts.novaConfig = saved.novaConfig
  const started = performance.now()
  await runDoctor(await BundleSource.open(dir), opts)
  return performance.now() - started
}

describe('doctor --from with one 3 MB line in a piece of evidence', async () => {
  const manifest = await readManifest(FIXTURE)
  const files = manifest.items.map((i) => i.file).filter((f): f is string => typeof f === 'string')

  for (const [shape, line] of Object.entries(LINES)) {
    it(`takes time linear in the line (${shape}) in every node evidence item`, async () => {
      const slow: string[] = []
      for (const file of files) {
        const dir = join(tmp, `${shape.replaceAll(' ', '-')}-${file.replaceAll('/', '_')}`)
        cpSync(FIXTURE, dir, {recursive: true})
        const original = readFileSync(join(FIXTURE, file), 'utf8')
        // baseline: the same item with a small line of the same shape, so parse paths match
        writeFileSync(join(dir, file), `${original}${line(3 * 1024)}\n`)
        const small = await doctorMs(dir)
        writeFileSync(join(dir, file), `${original}${line(MB3)}\n`)
        const big = await doctorMs(dir)
        rmSync(dir, {force: true, recursive: true})
        // linear work on 3 MB is tens of milliseconds; a quadratic pass is minutes
        if (big > 10 * small + 1000) slow.push(`${file}: ${Math.round(big)} ms vs ${Math.round(small)} ms`)
      }
      expect(slow).toEqual([])
    }, 600_000)
  }
})
