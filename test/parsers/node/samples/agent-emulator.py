#!/usr/bin/env python3
"""A stand-in for neutron-metadata-agent on its unix socket, used only to capture real
haproxy/ss/netstat/curl output for the parser samples.

usage: agent-emulator.py SOCKET_PATH
GET /            -> 200, nova's version list (what nova returns for "/")
GET /notfound    -> 404, neutron 2025.1+'s raw template (neutron/common/metadata.py RESPONSE)
anything else    -> 200, a one-line text body
"""
import os
import socket
import sys

VERSIONS = '1.0\n2007-01-19\n2007-03-01\n2007-08-29\n2007-10-10\n2007-12-15\n2008-02-01\n2008-09-01\n2009-04-04\nlatest'
ROUTER = '5a3c3b4e-1111-2222-3333-444455556666'


def not_found():
    title = '404 Not Found'
    message = f'Instance was not found on router {ROUTER}.'
    length = 95 + len(title) * 2 + len(message)
    body = (f'<html>\n <head>\n  <title>{title}</title>\n </head>\n <body>\n  <h1>{title}</h1>\n'
            f'  {message}<br /><br />\n\n\n </body>\n</html>')
    return (f'HTTP/1.1 {title}\nContent-Type: text/plain; charset=UTF-8\nConnection: close\n'
            f'Content-Length: {length}\n\n{body}').encode()


def ok(body):
    data = body.encode()
    head = f'HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Length: {len(data)}\r\n\r\n'
    return head.encode() + data


def main():
    path = sys.argv[1]
    if os.path.exists(path):
        os.unlink(path)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    os.chmod(path, 0o644)
    srv.listen(16)
    while True:
        conn, _ = srv.accept()
        with conn:
            req = conn.recv(4096).decode('latin-1')
            target = req.split(' ', 2)[1] if req.count(' ') >= 2 else '/'
            if target == '/':
                conn.sendall(ok(VERSIONS))
            elif target.startswith('/notfound'):
                conn.sendall(not_found())
            else:
                conn.sendall(ok('instance-id\n'))


main()
