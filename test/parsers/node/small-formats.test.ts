import {describe, expect, it} from 'vitest'

import {ParseError} from '../../../src/parsers/errors.js'
import {parseNetnsList} from '../../../src/parsers/netns-list.js'
import {parsePidFile} from '../../../src/parsers/pidfile.js'
import {parseProcNet} from '../../../src/parsers/proc-net.js'

describe('namespace list', () => {
  it('reads the live source\'s "inode name" lines and `ip netns list` output (seed 000), inode 0 when unknown', () => {
    expect(parseNetnsList('4026532001 qdhcp-a\n4026532002 qrouter-b\n')).toEqual([{inode: 4026532001, name: 'qdhcp-a'}, {inode: 4026532002, name: 'qrouter-b'}])
    expect(parseNetnsList('qdhcp-df4191cb-6303-415b-a5b1-7708809f9a0f\nqrouter-c43ebbe2 (id: 3)\n')).toEqual([{inode: 0, name: 'qdhcp-df4191cb-6303-415b-a5b1-7708809f9a0f'}, {inode: 0, name: 'qrouter-c43ebbe2'}])
    expect(parseNetnsList('')).toEqual([])
  })
  it('refuses error text and binary data', () => {
    expect(() => parseNetnsList('ls: cannot access /run/netns: Permission denied\n')).toThrow(ParseError)
    expect(() => parseNetnsList('\u0000\u0001')).toThrow(ParseError)
  })
})

describe('process map', () => {
  it('reads JSON lines, filling absent fields with neutral values', () => {
    expect(parseProcNet('{"pid":7,"comm":"haproxy","cmdline":["haproxy","-f","x.conf"],"netns":42,"sockets":[5,6],"uid":0}\n{"pid":8}\n')).toEqual([
      {cmdline: ['haproxy', '-f', 'x.conf'], comm: 'haproxy', netns: 42, pid: 7, sockets: [5, 6], uid: 0},
      {cmdline: [], comm: '', netns: 0, pid: 8, sockets: [], uid: -1},
    ])
  })
  it('refuses a line that is not a process object', () => {
    expect(() => parseProcNet('{"pid":7}\n{"pid":\n')).toThrow(/not a JSON line/)
    expect(() => parseProcNet('[1,2]\n')).toThrow(/without pid/)
  })
})

describe('pid file', () => {
  it('reads one pid and refuses anything else', () => {
    expect(parsePidFile('4242\n')).toBe(4242)
    expect(() => parsePidFile('4242 4243\n')).toThrow(ParseError)
    expect(() => parsePidFile('')).toThrow(ParseError)
  })
})
