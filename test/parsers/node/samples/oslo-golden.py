#!/usr/bin/env python3
"""Parse every ini--*.txt sample with oslo.config's own iniparser (from an oslo.config git checkout)
and write what oslo.config sees next to it as ini--*.oslo.json.

usage: oslo-golden.py OSLO_CONFIG_GIT_DIR SAMPLES_DIR
The parser subclass mirrors oslo_config.cfg.ConfigParser: values of a repeated key are appended
(a single-valued option then takes the last one), and an option before any section is an error.
"""
import glob
import json
import os
import subprocess
import sys
import types

git_dir, samples = sys.argv[1], sys.argv[2]
src = subprocess.run(['git', '-C', git_dir, 'show', 'HEAD:oslo_config/iniparser.py'], check=True, capture_output=True, text=True).stdout
iniparser = types.ModuleType('iniparser')
exec(compile(src, 'oslo_config/iniparser.py', 'exec'), iniparser.__dict__)


class Parser(iniparser.BaseParser):
    def __init__(self):
        self.sections = {}
        self.section = None

    def new_section(self, section):
        self.sections.setdefault(section, {})
        self.section = section

    def assignment(self, key, value):
        if not self.section:
            raise self.parse_exc('Section must be started before assignment', self.lineno, '')
        self.sections[self.section].setdefault(key, []).append('\n'.join(value))


for path in sorted(glob.glob(os.path.join(samples, 'ini--*.txt'))):
    p = Parser()
    error = None
    with open(path) as f:
        try:
            p.parse(f.readlines())
        except iniparser.ParseError as e:
            error = {'line': e.lineno, 'message': e.msg}
    out = {'error': error, 'sections': {s: {k: v[-1] for k, v in kv.items()} for s, kv in p.sections.items()}}
    with open(path[:-4] + '.oslo.json', 'w') as f:
        json.dump(out, f, indent=1, sort_keys=True)
        f.write('\n')
    print(os.path.basename(path), 'error' if error else 'ok', error or '')
