#!/usr/bin/env python3
"""mdctl's node collection for hosts without Node: python3 (3.6+) standard library only.

Reads the evidence recipes mdctl exports from its registry (`mdctl fleet recipes`), collects what
`mdctl capture` collects on a network node, in the same plan, and writes the same bundle
(manifest.json + items/) as a gzipped tarball. Secrets become salted fingerprints with the salt
given on the command line (one salt for every host of a fleet run), other credentials
`<redacted>`; only metadata-path processes are kept. Only reads: nothing on the host is changed
except the output file.
"""
import argparse
import concurrent.futures
import ctypes
import datetime
import grp
import hashlib
import hmac
import http.client
import json
import os
import pwd
import re
import shutil
import socket
import stat
import subprocess
import sys
import tarfile
import tempfile
import time
import uuid

FILE_LIMIT = 8 * 1024 * 1024
BODY_LIMIT = 256 * 1024
NETNS_DIR = '/run/netns'
CLONE_NEWNET = 0x40000000
METADATA_NS = re.compile(r'^(qrouter|qdhcp|ovnmeta)-(.+)$')
ENV = dict(os.environ, LC_ALL='C', LANG='C')
# this collector and the shells Ansible wraps it in carry the recipes on their command lines:
# they are not the host's processes
SELF = os.path.basename(__file__)


def now_ms():
    return time.monotonic() * 1000.0


class Recipes(object):
    def __init__(self, data):
        self.data = data
        self.by_key = dict((r['key'], r) for r in data['recipes'])
        self.process_filter = re.compile(data['processFilter'])
        self.secret_keys = [k.lower() for k in data['secretKeys']]
        self.sensitive = re.compile(data['sensitiveKey'], re.I)
        self.url_creds = re.compile(data['urlCredentials'])
        self.ini_line = re.compile(data['iniLine'], re.M)
        pf = data['paramFile']
        self.unsafe = re.compile(pf['unsafe'])
        self.leading_dots = re.compile(pf['leadingDots'])
        self.max_len = pf['maxLength']

    def fill(self, template, paths, param):
        out = template
        for name, value in (('neutron_config_dir', paths.get('neutron_config_dir', '')), ('nova_config', paths.get('nova_config', '')),
                            ('state_path', paths.get('state_path', '')), ('socket_path', paths.get('socket_path', '')),
                            ('param', '' if param is None else param)):
            out = out.replace('{' + name + '}', value)
        return out

    def path(self, key, paths, param=None):
        return self.fill(self.by_key[key]['path'], paths, param)

    def argv(self, key, paths, param=None):
        return [self.fill(a, paths, param) for a in self.by_key[key]['argv']]

    def bundle_file(self, key, param):
        if param is None:
            return 'items/%s.txt' % key
        safe = self.leading_dots.sub('_', self.unsafe.sub('_', param), count=1)[:self.max_len]
        return 'items/%s/%s.txt' % (key, safe)


class Redactor(object):
    """Same rules as mdctl's Redactor: fingerprints for the shared secret, `<redacted>` for other credentials."""

    def __init__(self, recipes, salt):
        self.r = recipes
        self.salt = salt
        self.seen = []

    def fingerprint(self, secret):
        fp = self.r.data['fingerprint']
        digest = hmac.new(self.salt.encode('utf-8'), secret.encode('utf-8'), hashlib.sha256).hexdigest()
        return '%s%s>' % (fp['prefix'], digest[:fp['hexLength']])

    def is_fingerprint(self, v):
        return v.startswith(self.r.data['fingerprint']['prefix']) and v.endswith('>')

    def remember(self, v):
        if v not in self.seen:
            self.seen.append(v)

    def redact_ini(self, text):
        def repl(m):
            indent, key, sep, value = m.group(1), m.group(2), m.group(3), m.group(4)
            v = value.strip()
            if v == '' or self.is_fingerprint(v) or v == '<redacted>':
                return m.group(0)
            if key.lower() in self.r.secret_keys:
                self.remember(v)
                return indent + key + sep + self.fingerprint(v)
            if self.r.sensitive.search(key):
                if len(v) >= 4:
                    self.remember(v)
                return indent + key + sep + '<redacted>'
            return self.r.url_creds.sub(lambda u: u.group(1) + '<redacted>@', m.group(0))
        return self.r.ini_line.sub(repl, text)

    def scrub(self, c):
        for s in self.seen:
            if s in c['stdout']:
                c['stdout'] = c['stdout'].replace(s, '<redacted>')
            if s in c['stderr']:
                c['stderr'] = c['stderr'].replace(s, '<redacted>')
        return c


def capture(key, param, argv, exit_code, stdout, stderr, started, failure=None):
    c = {'key': key, 'argv': list(argv), 'exitCode': exit_code, 'stdout': stdout, 'stderr': stderr,
         'durationMs': int(round(now_ms() - started))}
    if param is not None:
        c['param'] = param
    if failure:
        c['failure'] = failure
    return c


def errno_text(e):
    if isinstance(e, FileNotFoundError):
        return 'No such file or directory', None
    if isinstance(e, IsADirectoryError):
        return 'Is a directory', None
    if isinstance(e, PermissionError):
        return 'Permission denied', 'permission'
    return e.strerror or str(e), None


def read_file(key, param, path, redactor, ini):
    started = now_ms()
    try:
        with open(path, 'rb') as f:
            text = f.read(FILE_LIMIT).decode('utf-8', 'replace')
    except OSError as e:
        what, failure = errno_text(e)
        return capture(key, param, ['read', path], 1, '', '%s: %s' % (path, what), started, failure), None
    raw = text
    if ini:
        text = redactor.redact_ini(text)
    return capture(key, param, ['read', path], 0, text, '', started), raw


def run(key, param, argv, timeout=10.0, logical=None):
    started = now_ms()
    try:
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV)
    except FileNotFoundError:
        return capture(key, param, logical or argv, 127, '', '%s: command not found' % argv[0], started, 'not-found')
    except PermissionError:
        return capture(key, param, logical or argv, 126, '', '%s: permission denied' % argv[0], started, 'permission')
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        return capture(key, param, logical or argv, -1, out.decode('utf-8', 'replace'), err.decode('utf-8', 'replace'), started, 'timeout')
    failure = 'not-found' if p.returncode == 127 else 'permission' if p.returncode == 126 else None
    return capture(key, param, logical or argv, p.returncode, out.decode('utf-8', 'replace'), err.decode('utf-8', 'replace'), started, failure)


# --- oslo.config ini, as far as the plan needs it (paths and the nova URL) ---

def parse_ini(text):
    sections = {'DEFAULT': {}}
    cur = sections['DEFAULT']
    last = None
    for line in text.split('\n'):
        s = line.strip()
        if s == '':
            last = None
            continue
        if s[0] in '#;' and not (line[0] in ' \t' and last):
            continue
        if line[0] in ' \t' and last is not None:
            cur[last] = cur[last] + '\n' + s
            continue
        if s.startswith('[') and s.endswith(']'):
            cur = sections.setdefault(s[1:-1], {})
            last = None
            continue
        m = re.match(r'^([^=:]+)[=:](.*)$', s)
        if not m:
            continue
        k, v = m.group(1).strip(), m.group(2).strip()
        if len(v) >= 2 and v[0] == v[-1] and v[0] in '"\'':
            v = v[1:-1]
        cur[k] = v
        last = k
    return sections


def ini_get(ini, section, key):
    if ini is None:
        return None
    sec = ini.get(section) if section == 'DEFAULT' else next((v for k, v in ini.items() if k.lower() == section.lower()), None)
    if sec is None:
        return None
    if key in sec:
        return sec[key]
    return sec.get(key.lower())


def ini_first(ini, names):
    for section, key in names:
        v = ini_get(ini, section, key)
        if v is not None:
            return v
    return None


def ini_of(c):
    return parse_ini(c['stdout']) if c and c['exitCode'] == 0 else None


def nova_base_url(agent_ini):
    host = ini_first(agent_ini, [('DEFAULT', 'nova_metadata_host'), ('DEFAULT', 'nova_metadata_ip')]) or '127.0.0.1'
    port = ini_first(agent_ini, [('DEFAULT', 'nova_metadata_port')]) or '8775'
    proto = ini_first(agent_ini, [('DEFAULT', 'nova_metadata_protocol')]) or 'http'
    return '%s://%s:%s' % (proto, '[%s]' % host if ':' in host else host, port)


def nova_listen_url(nova_ini):
    host = ini_first(nova_ini, [('DEFAULT', 'metadata_listen')])
    port = ini_first(nova_ini, [('DEFAULT', 'metadata_listen_port')])
    if host is None and port is None:
        return None
    h = '127.0.0.1' if host in (None, '0.0.0.0', '::') else host
    return 'http://%s:%s' % ('[%s]' % h if ':' in h else h, port or '8775')


# --- collectors the registry marks `internal` ---

def list_netns():
    try:
        names = sorted(os.listdir(NETNS_DIR))
    except FileNotFoundError:
        return ''
    lines = []
    for n in names:
        try:
            ino = os.stat(os.path.join(NETNS_DIR, n)).st_ino
        except OSError:
            ino = 0
        lines.append('%d %s\n' % (ino, n))
    return ''.join(lines)


def scan_proc(process_filter):
    out = []
    for pid in os.listdir('/proc'):
        if not pid.isdigit():
            continue
        try:
            with open('/proc/%s/cmdline' % pid, 'rb') as f:
                cmdline = [a.decode('utf-8', 'replace') for a in f.read().split(b'\0') if a]
            line = ' '.join(cmdline)
            if not process_filter.search(line) or SELF in line:
                continue
            try:
                netns = os.readlink('/proc/%s/ns/net' % pid)
            except OSError:
                netns = ''
            try:
                with open('/proc/%s/status' % pid) as f:
                    status = f.read()
            except OSError:
                status = ''
            sockets = []
            try:
                fds = os.listdir('/proc/%s/fd' % pid)
            except OSError:
                fds = []
            for fd in fds:
                try:
                    m = re.match(r'^socket:\[(\d+)\]$', os.readlink('/proc/%s/fd/%s' % (pid, fd)))
                except OSError:
                    continue
                if m:
                    sockets.append(int(m.group(1)))
            uid = re.search(r'^Uid:\s+(\d+)', status, re.M)
            comm = re.search(r'^Name:\s+(.*)$', status, re.M)
            ns = re.match(r'^net:\[(\d+)\]$', netns)
            out.append((int(pid), json.dumps({'cmdline': cmdline, 'comm': comm.group(1) if comm else '', 'netns': int(ns.group(1)) if ns else 0,
                                              'pid': int(pid), 'sockets': sockets, 'uid': int(uid.group(1)) if uid else -1},
                                             sort_keys=True, separators=(',', ':'), ensure_ascii=False)))
        except OSError:
            continue  # the process exited during the scan
    return ''.join(line + '\n' for _, line in sorted(out))


def list_proxy_confs(state_path):
    out, seen = [], False
    for d in ('ns-metadata-proxy', 'ovn-metadata-proxy'):
        try:
            for f in sorted(os.listdir(os.path.join(state_path, d))):
                if f.endswith('.conf'):
                    out.append('%s/%s\n' % (d, f))
            seen = True
        except FileNotFoundError:
            pass
    if not seen:
        raise FileNotFoundError(2, 'No such file or directory', '%s/ns-metadata-proxy' % state_path)
    return ''.join(out)


def name_of(db, ident):
    try:
        return (pwd.getpwuid(ident).pw_name if db == 'passwd' else grp.getgrgid(ident).gr_name)
    except KeyError:
        return 'UNKNOWN'


def stat_line(path):
    s = os.lstat(path)
    m = s.st_mode
    kind = ('socket' if stat.S_ISSOCK(m) else 'directory' if stat.S_ISDIR(m) else 'symbolic link' if stat.S_ISLNK(m)
            else ('regular empty file' if s.st_size == 0 else 'regular file') if stat.S_ISREG(m) else 'other')
    return '%s|%s|%o|%d|%d|%s|%s|%d\n' % (path, kind, m & 0o7777, s.st_uid, s.st_gid, name_of('passwd', s.st_uid), name_of('group', s.st_gid), s.st_ino)


def internal(key, param, argv, fn):
    started = now_ms()
    try:
        return capture(key, param, argv, 0, fn(), '', started)
    except OSError as e:
        what, failure = errno_text(e)
        where = e.filename if e.filename else ''
        return capture(key, param, argv, 1, '', '%s: %s' % (where, what) if isinstance(e, FileNotFoundError) else str(e), started, failure)


# --- namespaces: setns(2) per thread, the commands as children ---

_libc = ctypes.CDLL(None, use_errno=True)
_HOME = os.open('/proc/self/ns/net', os.O_RDONLY)


def scan_netns(ns, keys, recipes, paths, timeout):
    started = now_ms()
    cmds = [(k, recipes.argv(k, paths)) for k in keys]
    try:
        fd = os.open(os.path.join(NETNS_DIR, ns), os.O_RDONLY)
    except OSError as e:
        msg = 'namespace %s vanished during the scan: cannot open %s/%s: %s' % (ns, NETNS_DIR, ns, e.strerror)
        return [capture(k, ns, a, 1, '', msg, started, 'vanished') for k, a in cmds]
    try:
        if _libc.setns(fd, CLONE_NEWNET) != 0:
            msg = 'setns %s: %s' % (ns, os.strerror(ctypes.get_errno()))
            return [capture(k, ns, a, 1, '', msg, started, 'error') for k, a in cmds]
        results = []
        for k, a in cmds:
            c = run(k, ns, a, timeout)
            c['stderr'] = c['stderr'].strip()
            results.append(c)
        total = int(round(now_ms() - started))
        for c in results:
            c['durationMs'] = total
        return results
    finally:
        os.close(fd)
        _libc.setns(_HOME, CLONE_NEWNET)


# --- probes (read-only GETs, as mdctl's live source sends them) ---

class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout):
        http.client.HTTPConnection.__init__(self, 'localhost', timeout=timeout)
        self.unix_path = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        s.connect(self.unix_path)
        self.sock = s


def http_get(url, headers, user_agent, unix_path=None, timeout=5.0):
    """(exit code as curl gives it, raw response text, error text)"""
    m = re.match(r'^(https?)://(\[[^\]]+\]|[^/:]+)(?::(\d+))?(/.*)?$', url)
    if not m:
        return 1, '', 'bad URL %s' % url
    host, port, path = m.group(2).strip('[]'), int(m.group(3) or 80), m.group(4) or '/'
    conn = UnixHTTPConnection(unix_path, timeout) if unix_path else http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.putrequest('GET', path, skip_host=bool(unix_path), skip_accept_encoding=True)
        if unix_path:
            conn.putheader('Host', 'localhost')
        for k, v in [('Accept', '*/*'), ('Connection', 'close'), ('User-Agent', user_agent)] + list(headers.items()):
            conn.putheader(k, v)
        conn.endheaders()
        resp = conn.getresponse()
        body = resp.read(BODY_LIMIT)
        head = ['HTTP/%s %d %s' % ('1.1' if resp.version == 11 else '1.0', resp.status, resp.reason or '')]
        head[0] = head[0].rstrip()
        for k, v in resp.getheaders():
            head.append('%s: %s' % (k, v))
        return 0, '\r\n'.join(head) + '\r\n\r\n' + body.decode('utf-8', 'replace'), ''
    except socket.timeout as e:
        return 28, '', 'operation timed out after %d ms' % int(timeout * 1000)
    except (ConnectionRefusedError, FileNotFoundError, PermissionError, OSError) as e:
        if isinstance(e, http.client.RemoteDisconnected):
            return 52, '', 'empty reply from server (%s)' % e
        if isinstance(e, ConnectionResetError):
            return 56, '', 'connection reset: %s' % e
        return 7, '', 'failed to connect: %s' % e
    except http.client.HTTPException as e:
        return 56, '', 'recv failure: %s' % e
    finally:
        conn.close()


def plan_probes(namespaces, agent_ini, nova_ini, instance_ips, probe_ip):
    nova = nova_base_url(agent_ini)
    probes = [{'key': 'probe.nova-root', 'param': nova, 'url': nova + '/'}, {'key': 'probe.nova-signed', 'param': nova, 'url': nova + '/openstack'}]
    listen = nova_listen_url(nova_ini)
    if listen and listen != nova:
        probes.append({'key': 'probe.nova-root', 'param': listen, 'url': listen + '/'})
    targets = []
    for ns in namespaces:
        m = METADATA_NS.match(ns)
        if m and m.group(1) != 'ovnmeta':
            targets.append(('router' if m.group(1) == 'qrouter' else 'network', m.group(2)))
    ips = instance_ips or [probe_ip]
    agent_targets = targets if instance_ips else targets[:1]
    for kind, ident in agent_targets[:16]:
        for ip in ips:
            probes.append({'key': 'probe.agent', 'param': '%s:%s@%s' % (kind, ident, ip), 'url': 'http://169.254.169.254/',
                           'headers': {'X-Forwarded-For': ip, 'X-Neutron-Router-ID' if kind == 'router' else 'X-Neutron-Network-ID': ident}})
    if not targets:
        probes.append({'key': 'probe.agent', 'param': 'none@%s' % probe_ip, 'url': 'http://169.254.169.254/', 'headers': {'X-Forwarded-For': probe_ip}})
    for ns in [n for n in namespaces if not n.startswith('qrouter-')][:64]:
        probes.append({'key': 'probe.ns-http', 'param': ns, 'netns': ns})
    return probes


def run_probe(p, recipes, paths, agent_secret):
    key, param = p['key'], p['param']
    argv = recipes.argv(key, paths, param)
    ua = recipes.data['userAgent']
    if key == 'probe.ns-http':
        real = ['nsenter', '--net=%s/%s' % (NETNS_DIR, p['netns']), 'curl', '-sS', '-i', '-m', '3', '-A', ua, 'http://169.254.169.254/']
        return run(key, param, real, 6.0, logical=argv)
    headers = dict(p.get('headers') or {})
    if key == 'probe.nova-signed':
        ident = str(uuid.uuid4())
        headers['X-Instance-ID'] = ident
        headers['X-Tenant-ID'] = uuid.uuid4().hex
        headers['X-Forwarded-For'] = '192.0.2.1'
        headers['X-Instance-ID-Signature'] = hmac.new((agent_secret or '').encode('utf-8'), ident.encode('utf-8'), hashlib.sha256).hexdigest()
    started = now_ms()
    rc, out, err = http_get(p['url'], headers, ua, paths['socket_path'] if key == 'probe.agent' else None)
    return capture(key, param, argv, rc, out, err, started)


def find_secret(text, secret_keys):
    for line in text.split('\n'):
        m = re.match(r'^\s*([A-Za-z_]+)\s*[=:]\s*(.*?)\s*$', line)
        if m and m.group(1).lower() in secret_keys:
            return m.group(2)
    return None


# --- the plan: the same steps, in the same order, as mdctl's collectNode ---

CONFIG_KEYS = ('node.neutron-conf', 'node.agent-ini', 'node.l3-ini', 'node.dhcp-ini', 'node.nova-conf')


def config_paths(recipes, opts):
    """(layout name, {config key: path}): the first layout with a config on this host, its first existing candidate per key."""
    if opts.neutron_config_dir or opts.nova_config:
        boot = {'neutron_config_dir': opts.neutron_config_dir or '/etc/neutron', 'nova_config': opts.nova_config or '/etc/nova/nova.conf'}
        return None, dict((k, recipes.path(k, boot)) for k in CONFIG_KEYS)
    layouts = recipes.data.get('layouts') or []
    for layout in layouts:
        cands = layout['configs']
        if any(os.path.exists(p) for k in CONFIG_KEYS for p in cands.get(k, [])):
            return layout['name'], dict((k, next((p for p in cands.get(k, []) if os.path.exists(p)), (cands.get(k) or [''])[0])) for k in CONFIG_KEYS)
    last = layouts[-1]['configs'] if layouts else {}
    return (layouts[-1]['name'] if layouts else None), dict((k, (last.get(k) or [''])[0]) for k in CONFIG_KEYS)


def collect(recipes, opts, redactor):
    caps = []
    keep = caps.append
    layout, where = config_paths(recipes, opts)
    opts.layout = layout
    opts.neutron_config_dir = opts.neutron_config_dir or os.path.dirname(where['node.agent-ini'])
    opts.nova_config = opts.nova_config or where['node.nova-conf']
    boot = {'neutron_config_dir': opts.neutron_config_dir, 'nova_config': opts.nova_config, 'state_path': opts.state_path or '', 'socket_path': ''}
    configs = {}
    agent_secret = None
    for key in CONFIG_KEYS:
        r = recipes.by_key[key]
        c, raw = read_file(key, None, where[key], redactor, r.get('redact') == 'ini')
        if key == 'node.agent-ini' and raw is not None:
            agent_secret = find_secret(raw, recipes.secret_keys)
        configs[key] = c
        keep(c)
    neutron_conf, agent_ini = ini_of(configs['node.neutron-conf']), ini_of(configs['node.agent-ini'])
    state_path = opts.state_path or ini_first(neutron_conf, [('DEFAULT', 'state_path')]) or '/var/lib/neutron'
    sock = ini_first(agent_ini, [('DEFAULT', 'metadata_proxy_socket')]) or ini_first(neutron_conf, [('DEFAULT', 'metadata_proxy_socket')])
    sock = sock.replace('${state_path}', state_path).replace('$state_path', state_path) if sock else state_path + '/metadata_proxy'
    paths = dict(boot, state_path=state_path, socket_path=sock)

    def node(key, fn=None):
        r = recipes.by_key[key]
        argv = recipes.argv(key, paths)
        c = internal(key, None, argv, fn) if fn else run(key, None, argv)
        keep(c)
        return c

    netns = node('node.netns', list_netns)
    ps = node('node.ps')
    if ps['exitCode'] == 0:
        ps['stdout'] = ''.join(l + '\n' for l in ps['stdout'].split('\n') if recipes.process_filter.search(l) and SELF not in l)
    node('node.proc-net', lambda: scan_proc(recipes.process_filter))
    node('node.unix-listeners')
    conf_dir = node('node.proxy-conf-dir', lambda: list_proxy_confs(state_path))
    node('node.tcp-listeners')
    node('node.addr')

    names = []
    if netns['exitCode'] == 0:
        for line in netns['stdout'].split('\n'):
            parts = line.strip().split(None, 1)
            if len(parts) == 2 and METADATA_NS.match(parts[1].split(' ')[0]):
                names.append(parts[1].split(' ')[0])
    workers = min(8, 2 * (os.cpu_count() or 1))
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as ex:
        futures = [ex.submit(scan_netns, ns, recipes.data['netnsKeys'][METADATA_NS.match(ns).group(1)], recipes, paths, opts.timeout) for ns in names]
        for f in futures:
            for c in f.result():
                keep(c)

    confs = []
    for ns in names:
        kind, ident = METADATA_NS.match(ns).groups()
        rel = '%s-metadata-proxy/%s.conf' % ('ovn' if kind == 'ovnmeta' else 'ns', ident)
        if rel not in confs:
            confs.append(rel)
    if conf_dir['exitCode'] == 0:
        for rel in [l.strip() for l in conf_dir['stdout'].split('\n') if l.strip()]:
            if rel not in confs:
                confs.append(rel)
    conf_caps = {}
    for rel in confs:
        c, _ = read_file('node.proxy-conf', rel, recipes.path('node.proxy-conf', paths, rel), redactor, False)
        conf_caps[rel] = c
        keep(c)
    for rel in confs:
        ident = re.search(r'([^/]+)\.conf$', rel).group(1)
        c, _ = read_file('node.pidfile', ident + '.pid.haproxy', recipes.path('node.pidfile', paths, ident + '.pid.haproxy'), redactor, False)
        keep(c)
        if c['exitCode'] != 0:
            keep(read_file('node.pidfile', ident + '.pid', recipes.path('node.pidfile', paths, ident + '.pid'), redactor, False)[0])
    for ns in names:
        kind, ident = METADATA_NS.match(ns).groups()
        if kind == 'qrouter':
            keep(read_file('node.ha-state', ident, recipes.path('node.ha-state', paths, ident), redactor, False)[0])
    for ns in names:
        kind, ident = METADATA_NS.match(ns).groups()
        if kind == 'qdhcp':
            keep(read_file('node.dhcp-opts', ident, recipes.path('node.dhcp-opts', paths, ident), redactor, False)[0])

    sockets = [sock]
    for rel in confs:
        c = conf_caps[rel]
        m = re.search(r'^\s*server\s+\S+\s+(/\S+)', c['stdout'], re.M) if c['exitCode'] == 0 else None
        if m and m.group(1) not in sockets:
            sockets.append(m.group(1))
    for s in sockets:
        keep(internal('node.socket-stat', s, recipes.argv('node.socket-stat', paths, s), lambda s=s: stat_line(s)))

    if not opts.passive:
        for p in plan_probes(names, agent_ini, ini_of(configs['node.nova-conf']), opts.instance_ip, recipes.data['probeIp']):
            keep(run_probe(p, recipes, paths, agent_secret))
    return [redactor.scrub(c) for c in caps]


def write_bundle(directory, recipes, caps, manifest_base):
    items, seen, files = [], set(), set()
    for c in caps:
        ident = (c['key'], c.get('param'))
        if ident in seen:
            continue
        seen.add(ident)
        f = recipes.bundle_file(c['key'], c.get('param'))
        if f in files:
            f = f[:-len('.txt')] + '-%d.txt' % len(items)
        files.add(f)
        full = os.path.join(directory, f)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, 'w', encoding='utf-8') as out:
            out.write(c['stdout'])
        item = {'argv': c['argv'], 'durationMs': c['durationMs'], 'exitCode': c['exitCode'], 'file': f, 'key': c['key']}
        if c.get('param') is not None:
            item['param'] = c['param']
        if c['stderr']:
            item['stderr'] = c['stderr']
        if c.get('failure'):
            item['failure'] = c['failure']
        items.append(item)
    manifest = dict(manifest_base, items=items)
    with open(os.path.join(directory, 'manifest.json'), 'w', encoding='utf-8') as out:
        out.write(json.dumps(manifest, indent=2, ensure_ascii=False) + '\n')
    return manifest


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--recipes', help='file holding the JSON of `mdctl fleet recipes`')
    ap.add_argument('--recipes-json', help='the JSON of `mdctl fleet recipes` itself')
    ap.add_argument('--out', help='tarball to write (default: bundle.tar.gz in a new private directory, printed as MDCTL_DIR=)')
    ap.add_argument('--salt', required=True, help='salt of the secret fingerprints (the same for every host of a run)')
    ap.add_argument('--neutron-config-dir', help="default: the deployment layout's (first candidate that exists)")
    ap.add_argument('--nova-config', help="default: the deployment layout's")
    ap.add_argument('--state-path')
    ap.add_argument('--passive', action='store_true')
    ap.add_argument('--instance-ip', action='append', default=[])
    ap.add_argument('--inventory-hostname', default='')
    ap.add_argument('--groups', default='', help='comma-separated inventory groups of this host')
    ap.add_argument('--timeout', type=float, default=5.0, help='seconds allowed per command in a namespace')
    opts = ap.parse_args(argv)
    if opts.recipes_json:
        recipes = Recipes(json.loads(opts.recipes_json))
    elif opts.recipes:
        with open(opts.recipes) as f:
            recipes = Recipes(json.load(f))
    else:
        ap.error('--recipes or --recipes-json is required')
    if recipes.data.get('format') != 1:
        sys.stderr.write('recipes format %r is not supported by this collector\n' % recipes.data.get('format'))
        return 2
    captured_at = datetime.datetime.utcnow().strftime('%Y-%m-%dT%H:%M:%S.%f')[:-3] + 'Z'
    host = socket.gethostname()
    redactor = Redactor(recipes, opts.salt)
    caps = collect(recipes, opts, redactor)
    options = {'neutronConfigDir': opts.neutron_config_dir, 'novaConfig': opts.nova_config, 'passive': opts.passive}
    if opts.state_path:
        options['statePath'] = opts.state_path
    if opts.instance_ip:
        options['instanceIps'] = opts.instance_ip
    base = {'capturedAt': captured_at, 'format': 'mdctl-bundle', 'formatVersion': 1, 'host': host, 'kind': 'node', 'options': options,
            'salt': opts.salt, 'source': {'kind': 'live', 'origin': 'live:%s' % host}, 'tool': recipes.data['tool'],
            'fleet': {'inventoryHostname': opts.inventory_hostname, 'groups': [g for g in opts.groups.split(',') if g],
                      'layout': opts.layout, 'collector': 'python %d.%d.%d' % sys.version_info[:3]}}
    top = None
    if opts.out is None:
        top = tempfile.mkdtemp(prefix='mdctl-')
        opts.out = os.path.join(top, 'bundle.tar.gz')
    work = tempfile.mkdtemp(prefix='mdctl-bundle-', dir=os.path.dirname(os.path.abspath(opts.out)))
    try:
        write_bundle(work, recipes, caps, base)
        with tarfile.open(opts.out, 'w:gz') as tar:
            tar.add(work, arcname='bundle')
    except BaseException:
        if top:
            shutil.rmtree(top, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if top:
        sys.stdout.write('MDCTL_DIR=%s\n' % top)
    sys.stdout.write('MDCTL_ITEMS=%d\n' % len(caps))
    return 0


if __name__ == '__main__':
    sys.exit(main())
