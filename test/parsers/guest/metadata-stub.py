#!/usr/bin/env python3
"""Stand-ins for the hops behind haproxy, for capturing real curl/wget/cloud-init output.

Run inside a test namespace only. Modes:
  unix-silent PATH      accept on a unix socket, read, never answer   (haproxy -> 504)
  unix-closing PATH     accept, read, close without answering          (haproxy -> 502)
  unix-agent PATH       answer like neutron-metadata-agent / nova: bodies from the
                        metadata-path fact sheet (sections 7.4 and 8.3)
  tcp-reset HOST PORT   read the request, then reset the connection    (curl exit 56)
  tcp-empty HOST PORT   read the request, close without answering      (curl exit 52)
  tcp-silent HOST PORT  accept, never answer                           (curl exit 28)
  tcp-metadata HOST PORT  a tiny nova metadata API for cloud-init's OpenStack datasource
"""
import json
import os
import socket
import socketserver
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler

ROUTER = "5a3c3b4e-1111-2222-3333-444455556666"


def agent_template(status, title, message):
    # neutron/common/metadata.py encode_http_reponse (2025.1+): \n line endings, text/plain
    body = (
        "<html>\n <head>\n  <title>%s</title>\n </head>\n <body>\n  <h1>%s</h1>\n"
        "  %s<br /><br />\n\n\n </body>\n</html>" % (title, title, message)
    )
    head = "HTTP/1.1 %s\nContent-Type: text/plain; charset=UTF-8\nConnection: close\nContent-Length: %d\n\n" % (
        title, len(body))
    return (head + body).encode()


def webob(title, explanation):
    # webob.exc HTML page for Accept */* (curl, python-requests)
    body = (
        "<html>\n <head>\n  <title>%s</title>\n </head>\n <body>\n  <h1>%s</h1>\n"
        "  %s<br /><br />\n\n\n\n </body>\n</html>" % (title, title, explanation)
    )
    head = ("HTTP/1.1 %s\r\nContent-Type: text/html; charset=UTF-8\r\nContent-Length: %d\r\n"
            "Date: Sat, 21 Nov 2026 10:00:00 GMT\r\nConnection: close\r\n\r\n") % (title, len(body))
    return (head + body).encode()


AGENT = {
    "/instance-not-found": agent_template(404, "404 Not Found", "Instance was not found on router %s." % ROUTER),
    "/nova-unreachable": agent_template(
        503, "503 Service Unavailable",
        "The remote metadata server is temporarily unavailable. Please try again later."),
    "/signature": webob("403 Forbidden", "Invalid proxy request signature."),
    "/unknown-error": webob("500 Internal Server Error", "An unknown error has occurred. Please try your request again."),
    "/nova-500": webob("500 Internal Server Error", "Remote metadata server experienced an internal server error."),
    "/missing-headers": webob("400 Bad Request", "X-Instance-ID header is missing from request."),
}

OS_VERSIONS = ["2012-08-10", "2013-04-04", "2013-10-17", "2015-10-15", "2016-06-30",
               "2016-10-06", "2017-02-22", "2018-08-27", "2020-10-14", "latest"]
META = {"uuid": "0b2d6c1e-8f3a-4c55-9d7e-3f1a2b4c5d6e", "hostname": "vm.novalocal", "name": "vm",
        "launch_index": 0, "availability_zone": "nova", "project_id": "6f70656e737461636b20697320636f6f6c"}
EC2 = {"instance-id": "i-00000001", "local-ipv4": "10.0.0.5", "hostname": "vm.novalocal",
       "placement/": None}


def metadata(path):
    """(status, content type, body) for the nova metadata paths cloud-init 22.4 reads."""
    path = path.split("?")[0]
    if path in ("/", ""):
        return 200, "text/plain", "\n".join(["1.0", "2007-01-19", "2009-04-04", "latest"])
    if path.rstrip("/") == "/openstack":
        return 200, "text/plain", "\n".join(OS_VERSIONS)
    for v in OS_VERSIONS:
        if path == "/openstack/%s/meta_data.json" % v:
            return 200, "application/json", json.dumps(META)
    if path.rstrip("/") in ("/latest/meta-data", "/2009-04-04/meta-data"):
        return 200, "text/plain", "\n".join(["hostname", "instance-id", "local-ipv4"])
    for k, val in EC2.items():
        if val is not None and path.endswith("/meta-data/" + k):
            return 200, "text/plain", val
    if path.endswith("/password"):
        return 200, "text/plain", ""
    return 404, "text/html; charset=UTF-8", webob("404 Not Found", "The resource could not be found.").split(b"\r\n\r\n", 1)[1].decode()


class MetadataHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def address_string(self):
        return "guest"

    def log_message(self, *args):
        pass

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        raw = AGENT.get(self.path) if self.server.agent else None
        if raw:
            self.wfile.write(raw)
            self.close_connection = True
            return
        status, ctype, body = metadata(self.path)
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = _answer
    do_POST = _answer


class UnixHTTP(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True
    agent = True


class TcpHTTP(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True
    agent = False


def raw_server(sock, on_conn):
    sock.listen(64)
    while True:
        conn, _ = sock.accept()
        threading.Thread(target=on_conn, args=(conn,), daemon=True).start()


def silent(conn):
    try:
        conn.recv(65536)
        time.sleep(3600)
    finally:
        conn.close()


def closing(conn):
    conn.recv(65536)
    conn.close()


def reset(conn):
    conn.recv(65536)
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


def unix_socket(path):
    if os.path.exists(path):
        os.unlink(path)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    return s


def tcp_socket(host, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, int(port)))
    return s


def main():
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "unix-silent":
        raw_server(unix_socket(args[0]), silent)
    elif mode == "unix-closing":
        raw_server(unix_socket(args[0]), closing)
    elif mode == "unix-agent":
        if os.path.exists(args[0]):
            os.unlink(args[0])
        UnixHTTP(args[0], MetadataHandler).serve_forever()
    elif mode == "tcp-reset":
        raw_server(tcp_socket(*args), reset)
    elif mode == "tcp-empty":
        raw_server(tcp_socket(*args), closing)
    elif mode == "tcp-silent":
        raw_server(tcp_socket(*args), silent)
    elif mode == "tcp-metadata":
        TcpHTTP((args[0], int(args[1])), MetadataHandler).serve_forever()
    else:
        sys.exit("unknown mode %s" % mode)


if __name__ == "__main__":
    main()
