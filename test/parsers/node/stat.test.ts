import {spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {createServer, type Server} from 'node:net'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'

import {ParseError} from '../../../src/parsers/errors.js'
import {parseLsLong, parseStat} from '../../../src/parsers/stat.js'
import {sample, samplesOf} from './samples.js'

const FORMAT = '%n|%F|%a|%u|%g|%U|%G|%i'

describe('parseStat on real stat output', () => {
  const types: Record<string, string> = {
    'stat--dir.txt': 'directory',
    'stat--empty.txt': 'file',
    'stat--file.txt': 'file',
    'stat--link.txt': 'symlink',
    'stat--metadata_proxy.txt': 'socket',
  }
  for (const [file, type] of Object.entries(types)) {
    it(`reads ${file} as a ${type}`, () => {
      const s = parseStat(sample(file))
      expect(s.type).toBe(type)
      expect(s.path).toMatch(/^\/tmp\/mdnp-capture\.[^/]+\//)
      expect(s.inode).toBeGreaterThan(0)
    })
  }

  it('reads the agent socket owned by nobody with mode 0644', () => {
    expect(parseStat(sample('stat--metadata_proxy.txt'))).toMatchObject({gid: 65534, group: 'nogroup', mode: 0o644, type: 'socket', uid: 65534, user: 'nobody'})
  })

  it('gives the same inode for the socket file as ss -xe reports for its listener', async () => {
    const {parseSsListeners} = await import('../../../src/parsers/ss-listeners.js')
    const [listener] = parseSsListeners(sample('ss-listeners--rtr-Hxlep.txt'))
    expect(parseStat(sample('stat--metadata_proxy.txt')).inode).toBe(listener?.fileInode)
  })

  it('refuses stat error text', () => {
    expect(() => parseStat(sample('stat--error-missing.txt'))).toThrow(ParseError)
    expect(() => parseStat('')).toThrow(/empty stat output/)
  })

  it('keeps a path containing | and leaves UNKNOWN names unset', () => {
    expect(parseStat('/odd|name|socket|660|1000|1000|UNKNOWN|UNKNOWN|42\n')).toEqual({gid: 1000, inode: 42, mode: 0o660, path: '/odd|name', type: 'socket', uid: 1000})
  })

  it('has an expectation for every stat sample', () => {
    expect(samplesOf('stat')).toEqual([...Object.keys(types), 'stat--error-missing.txt'].sort())
  })
})

describe('parseStat against stat run now on files this test makes', () => {
  const canRun = spawnSync('stat', ['--version']).status === 0
  if (!canRun) console.warn('SKIPPING the live stat check: GNU `stat` is not installed (coreutils)')
  const dir = mkdtempSync(path.join(tmpdir(), 'mdnp-stat-'))
  let server: Server | undefined
  afterAll(() => {
    server?.close()
    rmSync(dir, {force: true, recursive: true})
  })

  it.skipIf(!canRun)('reads a unix socket, a file, a directory and a symlink with their real modes', async () => {
    const sock = path.join(dir, 'metadata_proxy')
    server = createServer()
    await new Promise<void>((resolve) => server?.listen(sock, resolve))
    writeFileSync(path.join(dir, 'file'), 'x', {mode: 0o640})
    symlinkSync(sock, path.join(dir, 'link'))
    const want: Record<string, string> = {'': 'directory', file: 'file', link: 'symlink', metadata_proxy: 'socket'}
    for (const [name, type] of Object.entries(want)) {
      const p = path.join(dir, name)
      const out = spawnSync('stat', ['-c', FORMAT, p], {encoding: 'utf8'}).stdout
      const parsed = parseStat(out)
      expect(parsed.type, name).toBe(type)
      expect(parsed.path).toBe(p)
      const ls = parseLsLong(spawnSync('ls', ['-ld', p], {encoding: 'utf8'}).stdout)
      expect(ls.type, name).toBe(type)
      expect(ls.mode, name).toBe(parsed.mode)
    }
    expect(parseStat(spawnSync('stat', ['-c', FORMAT, path.join(dir, 'file')], {encoding: 'utf8'}).stdout).mode).toBe(0o640)
  })
})

describe('parseLsLong', () => {
  it('reads the seed 001 `ll` line of the devstack socket', () => {
    expect(parseLsLong(sample('ls-long--seed001.txt'))).toEqual({group: 'stack', mode: 0o644, path: '/opt/stack/data/neutron/metadata_proxy', size: 0, type: 'socket', user: 'stack'})
  })

  it('reads the lab socket, file, empty file, directory (default and ISO dates) and symlink', () => {
    expect(parseLsLong(sample('ls-long--metadata_proxy.txt'))).toMatchObject({group: 'nogroup', mode: 0o644, type: 'socket', user: 'nobody'})
    expect(parseLsLong(sample('ls-long--file.txt'))).toMatchObject({mode: 0o644, size: 2, type: 'file'})
    expect(parseLsLong(sample('ls-long--empty.txt'))).toMatchObject({size: 0, type: 'file'})
    expect(parseLsLong(sample('ls-long--dir.txt'))).toMatchObject({mode: 0o755, type: 'directory'})
    expect(parseLsLong(sample('ls-long--dir-long-iso.txt'))).toMatchObject({mode: 0o755, type: 'directory'})
    const link = parseLsLong(sample('ls-long--link.txt'))
    expect(link.type).toBe('symlink')
    expect(link.linkTarget).toMatch(/\/state\/run\/metadata_proxy$/)
    expect(link.path).toMatch(/\/link$/)
  })

  it('has an expectation for every ls-long sample', () => {
    expect(samplesOf('ls-long')).toEqual(['ls-long--dir-long-iso.txt', 'ls-long--dir.txt', 'ls-long--empty.txt', 'ls-long--file.txt', 'ls-long--link.txt', 'ls-long--metadata_proxy.txt', 'ls-long--seed001.txt'])
  })

  it('reads setuid, setgid and sticky bits, an old-year date and an ACL mark', () => {
    expect(parseLsLong('-rwsr-sr-T+ 1 root root 10 Jan  3  2019 /usr/bin/x').mode).toBe(0o7754)
    expect(parseLsLong('drwxrwxrwt 2 root root 4096 Jul  1 13:30 /tmp').mode).toBe(0o1777)
  })

  it('refuses ls error text and `total` lines', () => {
    expect(() => parseLsLong("ls: cannot access '/var/lib/neutron/metadata_proxy': No such file or directory")).toThrow(ParseError)
    expect(() => parseLsLong('total 0')).toThrow(ParseError)
    expect(() => parseLsLong('')).toThrow(ParseError)
  })
})
