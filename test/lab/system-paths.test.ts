import {createHash} from 'node:crypto'
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'

import {LabError} from '../../src/lab/errors.js'
import type {SystemPathsRecord} from '../../src/lab/state.js'
import {claimSystemPaths, planSystemPaths, readAsideRecord, releaseSystemPaths} from '../../src/lab/system-paths.js'

// `lab up --system-paths` on a copy of a Debian node's paths: dpkg's records say what was shipped.
const root = mkdtempSync(join(tmpdir(), 'mdctl-syspaths-'))
afterAll(() => rmSync(root, {force: true, recursive: true}))
const md5 = (s: string): string => createHash('md5').update(s).digest('hex')

function node(name: string): {etc: string; state: string; dpkg: string; aside: string} {
  const base = join(root, name)
  const etc = join(base, 'etc/neutron')
  const state = join(base, 'var/lib/neutron')
  const dpkg = join(base, 'dpkg')
  mkdirSync(join(etc, 'plugins/ml2'), {recursive: true})
  mkdirSync(join(state, 'dhcp'), {recursive: true})
  mkdirSync(join(dpkg, 'info'), {recursive: true})
  const rootwrap = '[DEFAULT]\nfilters_path=/etc/neutron/rootwrap.d\n'
  const template = '[DEFAULT]\n# nova_metadata_host = 127.0.0.1\n'
  writeFileSync(join(etc, 'rootwrap.conf'), rootwrap)
  writeFileSync(join(etc, 'metadata_agent.ini'), template)
  // a conffile (status) and a template the postinst copied from /usr/share (md5sums)
  writeFileSync(join(dpkg, 'status'), `Package: neutron-common\nConffiles:\n ${join(etc, 'rootwrap.conf')} ${md5(rootwrap)}\n ${join(etc, 'gone.conf')} 0123456789abcdef0123456789abcdef obsolete\n`)
  writeFileSync(join(dpkg, 'info', 'neutron-metadata-agent.md5sums'), `${md5(template)}  usr/share/neutron-metadata-agent/metadata_agent.ini\n`)
  return {aside: join(base, 'aside'), dpkg, etc, state}
}

describe('lab up --system-paths', () => {
  it('moves byte-identical package files aside and puts them back on down, removing what the lab wrote', async () => {
    const n = node('clean')
    const plan = await planSystemPaths([n.etc, n.state], n.dpkg)
    expect(plan.packageFiles.sort()).toEqual([join(n.etc, 'metadata_agent.ini'), join(n.etc, 'rootwrap.conf')])
    const record: SystemPathsRecord = {moved: [], preexistingDirs: plan.preexistingDirs, trees: [n.etc, n.state]}
    let saves = 0
    await claimSystemPaths(record, plan.packageFiles, n.aside, async () => {
      saves++
    })
    expect(saves).toBe(3)
    expect(existsSync(join(n.etc, 'rootwrap.conf'))).toBe(false)
    // the record beside the files survives a lost state file
    expect((await readAsideRecord(n.aside))?.moved.map((m) => m.from).sort()).toEqual(plan.packageFiles.sort())
    // the lab writes its node
    writeFileSync(join(n.etc, 'metadata_agent.ini'), '[DEFAULT]\nmetadata_proxy_shared_secret = lab\n')
    mkdirSync(join(n.state, 'ns-metadata-proxy'))
    writeFileSync(join(n.state, 'ns-metadata-proxy', 'r.conf'), 'global\n')
    await releaseSystemPaths((await readAsideRecord(n.aside))!, n.aside)
    expect(existsSync(n.aside)).toBe(false)
    expect(readFileSync(join(n.etc, 'metadata_agent.ini'), 'utf8')).toContain('nova_metadata_host')
    expect(existsSync(join(n.etc, 'rootwrap.conf'))).toBe(true)
    expect(existsSync(join(n.state, 'ns-metadata-proxy'))).toBe(false)
    expect(existsSync(join(n.state, 'dhcp'))).toBe(true)
  })

  it('refuses when a config was changed by hand, naming it, and touches nothing', async () => {
    const n = node('edited')
    writeFileSync(join(n.etc, 'rootwrap.conf'), '[DEFAULT]\nfilters_path=/etc/neutron/rootwrap.d\nuse_syslog=True\n')
    writeFileSync(join(n.state, 'dhcp', 'leases'), 'x')
    await expect(planSystemPaths([n.etc, n.state], n.dpkg)).rejects.toThrow(LabError)
    await expect(planSystemPaths([n.etc, n.state], n.dpkg)).rejects.toThrow(/rootwrap\.conf, .*leases were neither written by the lab nor shipped unchanged by a Debian package/)
    expect(readFileSync(join(n.etc, 'metadata_agent.ini'), 'utf8')).toContain('nova_metadata_host')
  })
})
