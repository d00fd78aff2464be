import {describe, expect, it} from 'vitest'
import {hasConfigDrive, parseBlkid} from '../../../src/parsers/guest-blkid.js'
import {expectParseError, sample, warningsOf} from './helpers.js'

const UUID = /^[0-9a-f-]{36}$/

describe('parseBlkid (blkid, blkid -o export, lsblk -P; real util-linux 2.38 output)', () => {
  it('reads a config drive (label config-2) and a root filesystem from blkid', () => {
    const devs = parseBlkid(sample('blkid--config-drive.txt'))
    expect(devs.map((d) => [d.device.replace(/^.*\//, ''), d.label, d.type])).toEqual([
      ['config-drive.img', 'config-2', 'ext4'],
      ['data.img', 'cloudimg-rootfs', 'ext4'],
    ])
    expect(devs.every((d) => UUID.test(d.uuid ?? ''))).toBe(true)
    expect(hasConfigDrive(devs)).toBe(true)
  })

  it('reads `blkid -o export` to the same devices', () => {
    expect(parseBlkid(sample('blkid--export.txt'))).toEqual(parseBlkid(sample('blkid--config-drive.txt')))
  })

  it('reads lsblk -P pairs and leaves out empty labels and types', () => {
    const devs = parseBlkid(sample('blkid--lsblk-config-drive.txt'))
    expect(devs).toEqual([{device: 'sr0', label: 'config-2', type: 'iso9660'}, {device: 'vda'}, {device: 'vda1', label: 'cloudimg-rootfs', type: 'ext4'}])
    expect(hasConfigDrive(devs)).toBe(true)
    const host = parseBlkid(sample('blkid--lsblk-pairs.txt'))
    expect(host.length).toBeGreaterThan(0)
    expect(hasConfigDrive(host)).toBe(false)
  })

  it('matches the config-2 label in any case and un-escapes values', () => {
    expect(hasConfigDrive(parseBlkid('/dev/sr0: LABEL="CONFIG-2" TYPE="vfat"\n'))).toBe(true)
    expect(parseBlkid('/dev/vdb: LABEL="a \\"b\\"" TYPE="ext4"\nNAME="vdc" LABEL="x\\x20y" FSTYPE=""\n').map((d) => d.label)).toEqual(['a "b"', 'x y'])
  })

  it('keeps device paths that contain colons (by-path names)', () => {
    expect(parseBlkid('/dev/disk/by-path/pci-0000:00:05.0: LABEL="config-2" TYPE="iso9660"\n')[0]?.device).toBe('/dev/disk/by-path/pci-0000:00:05.0')
  })

  it('stops at a line that does not fit and keeps the devices before it', () => {
    const devs = parseBlkid('/dev/vda1: LABEL="root" TYPE="ext4"\ngarbage here\n')
    expect(devs).toEqual([{device: '/dev/vda1', label: 'root', type: 'ext4'}])
    expect(warningsOf(devs)).toHaveLength(1)
  })

  it('gives nothing for empty output, refuses error text and binary data', () => {
    expect(parseBlkid(sample('blkid--empty.txt'))).toEqual([])
    expect(hasConfigDrive([])).toBe(false)
    expectParseError(() => parseBlkid(sample('blkid--error.txt')), /blkid: command not found/)
    expectParseError(() => parseBlkid(sample('blkid--binary.txt')), /binary/)
  })
})
