# Records, per host, how the mdctl fleet playbook ended: captured, failed (task, message) or
# unreachable, and writes it as JSON to $MDCTL_FLEET_RESULTS when the playbook ends. The
# operator's own stdout callback keeps printing as usual.
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = '''
    name: mdctl_results
    type: notification
    short_description: per-host outcome of the mdctl fleet playbook, as JSON
    description:
      - "Writes the outcome of every host (status, failing task, message, rc) as JSON to the file named by MDCTL_FLEET_RESULTS."
    requirements:
      - enabled in callbacks_enabled (mdctl does this through ANSIBLE_CALLBACKS_ENABLED)
'''

import json
import os
import time

from ansible.plugins.callback import CallbackBase


def _tail(text, n=600):
    text = text or ''
    if not isinstance(text, str):
        text = str(text)
    return text[-n:]


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'notification'
    CALLBACK_NAME = 'mdctl_results'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self.hosts = {}
        self.started = time.time()

    def _set(self, result, status):
        name = result._host.get_name()
        r = result._result or {}
        entry = {'status': status, 'task': result._task.get_name()}
        for k in ('msg', 'rc', 'module_stderr', 'module_stdout', 'stderr', 'stdout'):
            if k in r and r[k] not in (None, ''):
                entry[k] = r[k] if k == 'rc' else _tail(r[k])
        prev = self.hosts.get(name)
        if prev is None or prev['status'] == 'ok':
            self.hosts[name] = entry

    def v2_runner_on_ok(self, result):
        if result._host.get_name() not in self.hosts:
            self.hosts[result._host.get_name()] = {'status': 'ok'}

    def v2_runner_on_failed(self, result, ignore_errors=False):
        if not ignore_errors:
            self._set(result, 'failed')

    def v2_runner_on_unreachable(self, result):
        self._set(result, 'unreachable')

    def v2_playbook_on_stats(self, stats):
        path = os.environ.get('MDCTL_FLEET_RESULTS')
        if not path:
            return
        for name in stats.processed:
            self.hosts.setdefault(name, {'status': 'ok'})
        with open(path, 'w') as f:
            json.dump({'durationS': round(time.time() - self.started, 3), 'hosts': self.hosts}, f)
