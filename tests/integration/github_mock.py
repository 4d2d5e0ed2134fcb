"""A loopback HTTPS stand-in for the GitHub API, with a CA made at test time.

gh and dev8-init reach it as a GitHub Enterprise host: DEV8_GITHUB_HOST and
GH_HOST = localhost:PORT, SSL_CERT_FILE = the CA. What a token gets is set per
token: valid (with scopes and an optional expiry), 401, 500, a hang, or a rate
limit. Every request is counted, so tests can check how often they came. Bare
repositories in `git_root` are served over git's smart HTTP to a valid token.
"""

import base64
import contextlib
import http.server
import json
import os
import shutil
import socketserver
import ssl
import subprocess
import tempfile
import threading
import time


def make_ca_and_cert(directory):
    """A throwaway CA and a localhost certificate signed by it (openssl CLI)."""
    def run(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=directory)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=dev8 test CA",
        "-keyout", "ca.key", "-out", "ca.pem")
    run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
        "-keyout", "server.key", "-out", "server.csr")
    with open(os.path.join(directory, "san.ext"), "w") as ext:
        ext.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-days", "2", "-extfile", "san.ext", "-out", "server.pem")
    return (os.path.join(directory, "ca.pem"), os.path.join(directory, "server.pem"),
            os.path.join(directory, "server.key"))


class Token:
    """How the mock answers one token."""

    def __init__(self, mode="valid", login="octocat", scopes="repo, read:org, workflow",
                 expires=None, retry_after=None):
        self.mode = mode          # valid | invalid | error | hang | rate_limited
        self.login = login
        self.scopes = scopes      # None: a fine-grained token (no X-OAuth-Scopes)
        self.expires = expires    # "2026-01-01 00:00:00 UTC" or None
        self.retry_after = retry_after  # rate_limited: Retry-After seconds, else x-ratelimit-reset


class GitHubMock:
    def __init__(self, directory):
        self.ca, cert, key = make_ca_and_cert(directory)
        self.tokens = {}
        self.requests = []        # (path, token) of every request
        self.lock = threading.Lock()
        self.release = threading.Event()  # lets hung requests go
        # Bare repositories served over git's smart HTTP as /OWNER/REPO.git,
        # to whoever gives a valid token as its password (as GitHub does).
        self.git_root = os.path.join(directory, "git")
        os.makedirs(self.git_root)
        mock = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in separate writes: without this, Nagle and
            # the client's delayed ACK add 40 ms to every answer.
            disable_nagle_algorithm = True

            def log_message(self, *args):
                pass

            def do_GET(self):
                self.body = b""
                mock._route(self)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                self.body = self.rfile.read(length)
                mock._route(self)

        class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True

        self.server = Server(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.host = f"localhost:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def count(self, path=None, token=None):
        with self.lock:
            return sum(1 for p, t in self.requests
                       if (path is None or p == path) and (token is None or t == token))

    def _token_of(self, handler):
        auth = handler.headers.get("Authorization", "")
        for prefix in ("token ", "bearer ", "Bearer "):
            if auth.startswith(prefix):
                return auth[len(prefix):]
        return None

    def _send(self, handler, status, body, headers=()):
        data = json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)

    def _route(self, handler):
        path = handler.path.split("?")[0]
        if ".git/" in path and not path.startswith("/api/"):
            return self._git(handler, path)
        return self._answer(handler)

    def _git(self, handler, path):
        """`git http-backend` behind Basic authentication, as a CGI."""
        secret = None
        auth = handler.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            user_and_password = base64.b64decode(auth[6:]).decode(errors="replace")
            secret = user_and_password.partition(":")[2]
        with self.lock:
            self.requests.append((path, secret))
        token = self.tokens.get(secret)
        if token is None or token.mode != "valid":
            handler.send_response(401)
            handler.send_header("WWW-Authenticate", 'Basic realm="GitHub"')
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        query = handler.path.partition("?")[2]
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "GIT_PROJECT_ROOT": self.git_root,
               "GIT_HTTP_EXPORT_ALL": "1", "PATH_INFO": path, "QUERY_STRING": query,
               "REQUEST_METHOD": handler.command, "REMOTE_USER": token.login,
               "CONTENT_TYPE": handler.headers.get("Content-Type", ""),
               "CONTENT_LENGTH": str(len(handler.body)),
               "HTTP_GIT_PROTOCOL": handler.headers.get("Git-Protocol", "")}
        out = subprocess.run(["git", "http-backend"], input=handler.body, env=env,
                             capture_output=True).stdout
        head, _, body = out.partition(b"\r\n\r\n")
        status = 200
        headers = []
        for line in head.decode(errors="replace").split("\r\n"):
            name, _, value = line.partition(":")
            if name.lower() == "status":
                status = int(value.split()[0])
            elif name:
                headers.append((name, value.strip()))
        handler.send_response(status)
        for name, value in headers:
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def _answer(self, handler):
        path = handler.path.split("?")[0]
        secret = self._token_of(handler)
        with self.lock:
            self.requests.append((path, secret))
        token = self.tokens.get(secret)
        if token is None or token.mode == "invalid":
            return self._send(handler, 401, {"message": "Bad credentials"})
        if token.mode == "hang":
            self.release.wait(60)
            return self._send(handler, 504, {"message": "released"})
        if token.mode == "error":
            return self._send(handler, 500, {"message": "Server Error"})
        if token.mode == "rate_limited":
            if token.retry_after is not None:
                return self._send(handler, 429, {"message": "Too many requests"},
                                  [("Retry-After", str(token.retry_after))])
            reset = str(int(time.time()) + 60)
            return self._send(handler, 403, {"message": "API rate limit exceeded"},
                              [("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", reset)])
        headers = []
        if token.scopes is not None:
            headers.append(("X-OAuth-Scopes", token.scopes))
        if token.expires:
            headers.append(("github-authentication-token-expiration", token.expires))
        if path.endswith("/graphql"):
            return self._send(handler, 200, {"data": {"viewer": {"login": token.login}}}, headers)
        if path.endswith("/user"):
            return self._send(handler, 200, {"login": token.login, "id": 1}, headers)
        return self._send(handler, 200, {"current_user_url": "/user"}, headers)


@contextlib.contextmanager
def started():
    """A running mock in a folder of its own, removed afterwards. Folder and CA
    are readable by everyone: gh and the steps read the CA as the developer,
    and a container reads it through a bind mount."""
    directory = tempfile.mkdtemp(prefix="d8gh-", dir="/tmp")
    os.chmod(directory, 0o755)
    mock = GitHubMock(directory)
    os.chmod(mock.ca, 0o644)
    try:
        yield mock
    finally:
        mock.close()
        shutil.rmtree(directory, ignore_errors=True)
