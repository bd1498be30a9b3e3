"""Who may talk to the app: a WSGI middleware in front of every request.

Three checks, in this order, each answering before the app sees the request:

- **Host** (403): the ``Host`` header must name the address the app serves. A page on
  another site can make a browser send requests to ``127.0.0.1:8050`` under its own host
  name (DNS rebinding); such requests name that site, not us, and are refused. On
  loopback the allowed names are ``localhost``, ``127.0.0.1`` and ``[::1]`` with the
  served port; beyond loopback also the names given with ``--allow-host`` and those of
  this machine.
- **Size** (413): a request body larger than ``max_request_bytes`` is refused: unread
  when its ``Content-Length`` says so, after ``max_request_bytes + 1`` bytes when it
  comes in chunks (Flask's ``MAX_CONTENT_LENGTH`` is set too, behind the guard).
- **Token** (403), only when a token is set (the app serves beyond loopback): the first
  visit carries ``?token=...`` (the URL printed at start, as Jupyter does), which sets a
  cookie and redirects to the same page without it; every later request must carry the
  cookie. Tokens are compared in constant time (``hmac.compare_digest``).
"""

from __future__ import annotations

import hmac
import io
import ipaddress
import secrets
import socket
from collections.abc import Callable, Iterable
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, urlencode

COOKIE = "fission_token"
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]


def is_loopback(host: str) -> bool:
    """Whether listening on ``host`` serves this machine only."""
    if host.strip("[]") in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def new_token() -> str:
    """A fresh token (256 random bits, URL-safe text)."""
    return secrets.token_urlsafe(32)


def _host_name(name: str) -> str:
    """A host name as a ``Host`` header writes it: IPv6 addresses in brackets."""
    name = name.strip("[]").lower()
    return f"[{name}]" if ":" in name else name


def allowed_hosts(host: str, port: int, extra: Iterable[str] = ()) -> frozenset[str]:
    """The ``Host`` header values the app answers when listening on ``host:port``:
    loopback names always; beyond loopback also ``host`` itself (unless it is a
    wildcard), this machine's names and addresses, and ``extra`` (``--allow-host``)."""
    names = set(LOOPBACK_NAMES)
    if not is_loopback(host):
        names.update(extra)
        if host not in ("", "0.0.0.0", "::"):
            names.add(host)
        names.update(_machine_names())
    values = set()
    for name in names:
        values.add(f"{_host_name(name)}:{port}")
        if port == 80:
            values.add(_host_name(name))
    return frozenset(values)


def _machine_names() -> set[str]:
    """This machine's host name, full name and addresses (best effort: no network)."""
    names = {socket.gethostname(), socket.getfqdn()}
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None)
    except OSError:
        infos = []
    names.update(str(info[4][0]) for info in infos)
    return {n for n in names if n}


class Guard:
    """The middleware: ``Guard(app, hosts=..., token=..., max_request_bytes=...)``."""

    def __init__(
        self,
        app: WSGIApp,
        *,
        hosts: frozenset[str],
        token: str | None,
        max_request_bytes: int,
    ) -> None:
        self.app = app
        self.hosts = hosts
        self.token = token
        self.max_request_bytes = max_request_bytes

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        host = environ.get("HTTP_HOST", "").lower()
        if host not in self.hosts:
            return _answer(start_response, "403 Forbidden", f"host {host!r} is not served here")
        if not _body_fits(environ, self.max_request_bytes):
            return _answer(
                start_response,
                "413 Request Entity Too Large",
                f"request body over {self.max_request_bytes:,} bytes",
            )
        if self.token is None:
            return self.app(environ, start_response)
        query = parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        given = next((v for k, v in query if k == "token"), None)
        if given is not None and self._matches(given):
            rest = urlencode([(k, v) for k, v in query if k != "token"])
            location = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "/")
            cookie = f"{COOKIE}={self.token}; Path=/; HttpOnly; SameSite=Strict"
            start_response(
                "303 See Other",
                [("Location", location + (f"?{rest}" if rest else "")), ("Set-Cookie", cookie)],
            )
            return [b""]
        if self._matches(_cookie(environ)):
            return self.app(environ, start_response)
        return _answer(
            start_response, "403 Forbidden", "open the URL with ?token=... that fission app printed"
        )

    def _matches(self, given: str | None) -> bool:
        assert self.token is not None
        # Bytes, so any text compares in constant time (str needs ASCII).
        return given is not None and hmac.compare_digest(
            given.encode("utf-8", "replace"), self.token.encode("utf-8")
        )


def _body_fits(environ: Environ, limit: int) -> bool:
    """Whether the request body is at most ``limit`` bytes. A body without a length
    (chunked) is read here, at most ``limit + 1`` bytes, and handed on as a sized one."""
    length = environ.get("CONTENT_LENGTH")
    if length:
        try:
            return int(length) <= limit
        except ValueError:
            return True  # werkzeug then reads no body
    if not environ.get("wsgi.input_terminated"):
        return True  # no length and not chunked: there is no body to read
    body = environ["wsgi.input"].read(limit + 1)
    if len(body) > limit:
        return False
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    environ.pop("wsgi.input_terminated")
    return True


def _cookie(environ: Environ) -> str | None:
    cookies: SimpleCookie = SimpleCookie()
    try:
        cookies.load(environ.get("HTTP_COOKIE", ""))
    except CookieError:  # a malformed header: no token
        return None
    morsel = cookies.get(COOKIE)
    return morsel.value if morsel is not None else None


def _answer(start_response: StartResponse, status: str, text: str) -> list[bytes]:
    body = f"{status}: {text}\n".encode()
    start_response(
        status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))]
    )
    return [body]
