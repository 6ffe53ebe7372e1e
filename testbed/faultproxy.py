"""A fault-injecting HTTP proxy in front of the farm's wikis (test bed only).

Each :class:`FaultProxy` listens on its own loopback port and forwards every
request to one wiki's ``php -S`` port, unchanged, unless a :class:`Rule`
matches it. Rules match on the API parameters of the request (GET query
string and form-encoded POST body, merged), optionally only on the *n*-th
match or a limited number of times, and then:

* answer an HTTP error (``http``: 500, 503 …) without reaching the wiki;
* ``delay`` the answer beyond the client's read timeout;
* answer a real-looking ``maxlag`` API error with ``Retry-After``;
* answer any other API error as MediaWiki does (``api_error``: e.g.
  ``assertuserfailed``, ``badtoken``), with the ``MediaWiki-API-Error``
  header;
* ``close`` the connection without an answer (a wiki going away);
* ``expire_session``: forward the request without its cookies, so the wiki
  itself answers as it does to an expired session (``assertuserfailed`` …);
* ``strip_continue``: forward, then remove ``continue`` from the JSON answer
  (an answer that silently lacks its later pages);
* ``transform``: forward, then pass the decoded JSON answer through
  ``transform`` (an answer of a shape nobody foresaw, e.g. rows without a
  field the client reads);
* ``pass`` (forward unchanged), optionally with ``rewrite`` (parameters
  replaced before forwarding, e.g. ``uclimit=2`` to force continuation on
  the small fixture histories) and a ``before`` hook run first in the proxy's
  thread (a human protecting the page between the bot's read and its save).

Every request is logged (:attr:`FaultProxy.log`) with its parameters, what
was done and, for JSON answers, the decoded answer, so tests can check what
the bot sent (e.g. that a save carries the base timestamp of the read it was
built from).

The bot under test runs in a subprocess; the proxies live in the test
process (one thread per connection). :class:`ProxiedFarm` starts one proxy
per wiki and writes a Pywikibot configuration directory whose family files
point at the proxies instead of the wikis (``Farm.write_pywikibot_config`` on
a copy of the farm with the proxies' ports), so the code under test makes
its ordinary ``pywikibot.Site(...)`` calls. Run the bot with
``PYWIKIBOT_DIR=proxied.pywikibot_dir`` (``proxied.env()``).
"""
from __future__ import annotations

import contextlib
import dataclasses
import gzip
import http.client
import json
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from testbed.farm import Farm, free_port


#: Matches any value, as long as the parameter is present.
PRESENT = object()
#: Matches only when the parameter is absent.
ABSENT = object()

Matcher = str | object | Callable[[str], bool]


def has(value: str) -> Callable[[str], bool]:
    """Matcher: a multi-value parameter (``a|b``) contains ``value``."""
    return lambda given: value in given.split('|')


def any_of(*values: str) -> Callable[[str], bool]:
    """Matcher: the parameter is one of ``values``."""
    return lambda given: given in values


@dataclass
class ProxyRequest:
    """One request as the proxy saw it."""

    wiki: str
    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.params.get(name, default)


@dataclass
class Rule:
    """When a request matches ``match``, do ``action`` (see the module docstring).

    ``match`` maps a parameter to a string (exact), :data:`PRESENT`,
    :data:`ABSENT` or a predicate; ``method`` restricts to GET or POST;
    ``where`` is an extra predicate over the whole :class:`ProxyRequest`.
    Of the matching requests, the first ``after`` pass through; then the
    action applies ``times`` times (None: always); ``nth`` (1-based) is
    shorthand for ``after=nth - 1, times=1``.
    """

    action: str = 'pass'
    match: Mapping[str, Matcher] = field(default_factory=dict)
    method: str | None = None
    where: Callable[[ProxyRequest], bool] | None = None
    status: int = 500
    code: str = ''
    info: str = ''
    delay: float = 0.0
    retry_after: int = 1
    rewrite: Mapping[str, str] = field(default_factory=dict)
    before: Callable[[ProxyRequest], None] | None = None
    transform: Callable[[dict], dict] | None = None
    after: int = 0
    times: int | None = None
    nth: int | None = None
    #: How many requests matched, and how many the action was applied to.
    matched: int = 0
    applied: int = 0

    def __post_init__(self) -> None:
        if self.nth is not None:
            self.after, self.times = self.nth - 1, 1

    def matches(self, request: ProxyRequest) -> bool:
        if self.method and request.method != self.method:
            return False
        for name, want in self.match.items():
            got = request.params.get(name)
            if want is ABSENT:
                if got is not None:
                    return False
                continue
            if got is None:
                return False
            if want is PRESENT:
                continue
            if callable(want):
                if not want(got):
                    return False
            elif got != want:
                return False
        return self.where is None or self.where(request)

    def take(self) -> bool:
        """Count a match; True when the action applies to it."""
        self.matched += 1
        if self.matched <= self.after:
            return False
        if self.times is not None and self.applied >= self.times:
            return False
        self.applied += 1
        return True


@dataclass
class LogEntry:
    """A request, what the proxy did, and the answer (JSON decoded when it was JSON)."""

    request: ProxyRequest
    outcome: str
    status: int | None = None
    answer: Any = None
    time: float = 0.0

    @property
    def params(self) -> dict[str, str]:
        return self.request.params


HOP_BY_HOP = {'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te',
              'trailer', 'upgrade', 'content-length', 'content-encoding'}


class FaultProxy:
    """A proxy for one wiki; rules added with :meth:`add`, cleared with :meth:`clear`."""

    def __init__(self, wiki: str, upstream_port: int, port: int | None = None) -> None:
        self.wiki = wiki
        self.upstream_port = upstream_port
        self.port = port or free_port()
        self.rules: list[Rule] = []
        self.log: list[LogEntry] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- control -----------------------------------------------------------
    def add(self, rule: Rule | None = None, **kwargs: Any) -> Rule:
        rule = rule or Rule(**kwargs)
        with self._lock:
            self.rules.append(rule)
        return rule

    def clear(self) -> None:
        """Remove every rule and forget the log."""
        with self._lock:
            self.rules = []
            self.log = []

    def clear_rules(self) -> None:
        """Remove every rule (the faults); keep the log."""
        with self._lock:
            self.rules = []

    def requests(self, **match: Matcher) -> list[LogEntry]:
        """Logged requests whose parameters match (as in :class:`Rule`)."""
        probe = Rule(match=match)
        with self._lock:
            return [e for e in self.log if probe.matches(e.request)]

    def start(self) -> None:
        proxy = self

        class Handler(_Handler):
            owner = proxy

        self._server = ThreadingHTTPServer(('127.0.0.1', self.port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        name=f'faultproxy-{self.wiki}', daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # -- the work ----------------------------------------------------------
    def _rule_for(self, request: ProxyRequest) -> Rule | None:
        with self._lock:
            for rule in self.rules:
                if rule.matches(request) and rule.take():
                    return rule
        return None

    def _record(self, entry: LogEntry) -> None:
        with self._lock:
            self.log.append(entry)


def _decode_params(path: str, headers: Mapping[str, str], body: bytes) -> dict[str, str]:
    params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(path).query,
                                         keep_blank_values=True))
    ctype = headers.get('content-type', '')
    if body and ctype.startswith('application/x-www-form-urlencoded'):
        params.update(urllib.parse.parse_qsl(body.decode('utf-8', 'replace'),
                                             keep_blank_values=True))
    elif body and ctype.startswith('multipart/form-data'):
        from email.parser import BytesParser
        from email.policy import HTTP

        message = BytesParser(policy=HTTP).parsebytes(
            b'Content-Type: ' + ctype.encode() + b'\r\n\r\n' + body)
        for part in message.iter_parts():
            name = part.get_param('name', header='content-disposition')
            if name:
                params[name] = part.get_content() if part.get_content_maintype() == 'text' \
                    else part.get_payload(decode=True).decode('utf-8', 'replace')
    return params


def api_error(code: str, info: str, **extra: Any) -> dict:
    """An API error body as MediaWiki 1.39 writes it (formatversion 2)."""
    return {'error': {'code': code, 'info': info, **extra,
                      'docref': 'See http://127.0.0.1/api.php for API usage.'},
            'servedby': 'faultproxy'}


class _Handler(BaseHTTPRequestHandler):
    owner: FaultProxy
    protocol_version = 'HTTP/1.1'

    def log_message(self, format: str, *args: Any) -> None:
        return  # quiet

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_HEAD(self) -> None:
        self._handle()

    def _handle(self) -> None:
        proxy = self.owner
        length = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(length) if length else b''
        headers = {k.lower(): v for k, v in self.headers.items()}
        request = ProxyRequest(proxy.wiki, self.command, self.path,
                               _decode_params(self.path, headers, body), headers, body)
        rule = proxy._rule_for(request)
        action = rule.action if rule else 'pass'
        entry = LogEntry(request, action, time=time.time())
        proxy._record(entry)
        try:
            if rule is not None and rule.before is not None:
                rule.before(request)
            if action == 'http':
                self._answer(rule.status, b'<html><body><h1>Server error</h1>'
                             b'<p>Injected by the test bed.</p></body></html>',
                             {'Content-Type': 'text/html; charset=utf-8',
                              **({'Retry-After': str(rule.retry_after)}
                                 if rule.status == 503 else {})})
                entry.status = rule.status
                return
            if action == 'close':
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)
                entry.status = None
                return
            if action == 'maxlag':
                lag = max(rule.retry_after, 1)
                data = api_error('maxlag', f'Waiting for 127.0.0.1: {lag} seconds lagged.',
                                 host='127.0.0.1', lag=lag, type='db')
                self._json(data, {'Retry-After': str(rule.retry_after),
                                  'X-Database-Lag': str(lag),
                                  'MediaWiki-API-Error': 'maxlag'})
                entry.status, entry.answer = 200, data
                return
            if action == 'api_error':
                data = api_error(rule.code, rule.info or rule.code)
                self._json(data, {'MediaWiki-API-Error': rule.code})
                entry.status, entry.answer = 200, data
                return
            if action == 'delay':
                time.sleep(rule.delay)
            status, out_headers, payload = self._forward(request, rule)
            if action == 'strip_continue':
                payload = self._strip_continue(payload, out_headers)
            if action == 'transform' and rule is not None and rule.transform is not None:
                with contextlib.suppress(ValueError):
                    payload = json.dumps(rule.transform(json.loads(payload))).encode()
            entry.status = status
            ctype = next((v for k, v in out_headers.items() if k.lower() == 'content-type'), '')
            if 'json' in str(ctype):
                with contextlib.suppress(ValueError):
                    entry.answer = json.loads(payload)
            self._answer(status, payload, out_headers)
        except (TimeoutError, BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (e.g. after a delay)
        except OSError:
            # The wiki is down: do as a dead server would, close without answering.
            entry.outcome += ' (upstream unreachable)'
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)

    def _forward(self, request: ProxyRequest, rule: Rule | None
                 ) -> tuple[int, dict[str, str], bytes]:
        path, body = request.path, request.body
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() not in HOP_BY_HOP and k.lower() != 'accept-encoding'}
        headers['Accept-Encoding'] = 'identity'
        if rule is not None and rule.action == 'expire_session':
            headers = {k: v for k, v in headers.items() if k.lower() != 'cookie'}
        if rule is not None and rule.rewrite:
            path, body = self._rewrite(request, rule.rewrite)
        if body:
            headers['Content-Length'] = str(len(body))
        conn = http.client.HTTPConnection('127.0.0.1', self.owner.upstream_port, timeout=60)
        try:
            conn.request(request.method, path, body=body or None, headers=headers)
            response = conn.getresponse()
            payload = response.read()
            out_headers: dict[str, str] = {}
            cookies: list[str] = []
            for key, value in response.getheaders():
                if key.lower() == 'set-cookie':
                    cookies.append(value)
                elif key.lower() not in HOP_BY_HOP:
                    out_headers[key] = value
            if response.getheader('Content-Encoding') == 'gzip':
                payload = gzip.decompress(payload)
            if cookies:
                out_headers['Set-Cookie'] = cookies  # type: ignore[assignment]
            return response.status, out_headers, payload
        finally:
            conn.close()

    @staticmethod
    def _rewrite(request: ProxyRequest, rewrite: Mapping[str, str]) -> tuple[str, bytes]:
        split = urllib.parse.urlsplit(request.path)
        query = dict(urllib.parse.parse_qsl(split.query, keep_blank_values=True))
        form = request.headers.get('content-type', '').startswith(
            'application/x-www-form-urlencoded')
        body_params = dict(urllib.parse.parse_qsl(request.body.decode('utf-8', 'replace'),
                                                  keep_blank_values=True)) if form else {}
        for name, value in rewrite.items():
            if name in body_params:
                body_params[name] = value
            elif name in query:
                query[name] = value
        path = urllib.parse.urlunsplit(split._replace(query=urllib.parse.urlencode(query)))
        body = urllib.parse.urlencode(body_params).encode() if form else request.body
        return path, body

    @staticmethod
    def _strip_continue(payload: bytes, headers: dict[str, str]) -> bytes:
        try:
            data = json.loads(payload)
        except ValueError:
            return payload
        data.pop('continue', None)
        data.pop('query-continue', None)
        return json.dumps(data).encode()

    def _json(self, data: dict, extra: Mapping[str, str]) -> None:
        self._answer(200, json.dumps(data).encode(),
                     {'Content-Type': 'application/json; charset=utf-8', **extra})

    def _answer(self, status: int, payload: bytes, headers: Mapping[str, Any]) -> None:
        self.send_response(status)
        for key, value in headers.items():
            for one in (value if isinstance(value, list) else [value]):
                self.send_header(key, one)
        self.send_header('Content-Length', str(len(payload)))
        self.end_headers()
        if self.command != 'HEAD':
            self.wfile.write(payload)


class ProxiedFarm:
    """One :class:`FaultProxy` per wiki of ``farm``, and a Pywikibot config through them.

    ``base`` receives the Pywikibot configuration directory (``pywikibot/``:
    families pointing at the proxies, the same account and password file as
    the farm's). ``socket_timeout`` is shortened so that a delayed answer
    becomes a client timeout within seconds.
    """

    def __init__(self, farm: Farm, base: Path, *,
                 socket_timeout: tuple[float, float] = (3, 2),
                 extra_config: Iterable[str] = ()) -> None:
        self.farm = farm
        self.proxies = {db: FaultProxy(db, port) for db, port in farm.ports.items()}
        self.shadow = dataclasses.replace(
            farm, base=Path(base), ports={db: p.port for db, p in self.proxies.items()},
            pids={})
        self.socket_timeout = socket_timeout
        self.extra_config = list(extra_config)

    def __getitem__(self, dbname: str) -> FaultProxy:
        return self.proxies[dbname]

    @property
    def pywikibot_dir(self) -> Path:
        return self.shadow.pywikibot_dir

    def env(self) -> dict[str, str]:
        return {'PYWIKIBOT_DIR': str(self.pywikibot_dir)}

    def start(self) -> ProxiedFarm:
        self.shadow.base.mkdir(parents=True, exist_ok=True)
        self.shadow.write_pywikibot_config()
        config = self.pywikibot_dir / 'user-config.py'
        with config.open('a', encoding='utf-8') as out:
            out.write('# faultproxy: a delayed answer is a timeout within seconds\n')
            out.write(f'socket_timeout = {tuple(self.socket_timeout)!r}\n')
            for line in self.extra_config:
                out.write(line + '\n')
        for proxy in self.proxies.values():
            proxy.start()
        return self

    def stop(self) -> None:
        for proxy in self.proxies.values():
            proxy.stop()

    def clear(self) -> None:
        for proxy in self.proxies.values():
            proxy.clear()

    def clear_rules(self) -> None:
        for proxy in self.proxies.values():
            proxy.clear_rules()

    def log(self) -> list[LogEntry]:
        """Every proxy's log, in time order."""
        entries = [e for p in self.proxies.values() for e in list(p.log)]
        return sorted(entries, key=lambda e: e.time)


__all__ = ['ABSENT', 'PRESENT', 'FaultProxy', 'LogEntry', 'ProxiedFarm', 'ProxyRequest', 'Rule',
           'any_of', 'api_error', 'has']
