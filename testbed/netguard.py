"""Refuse every network connection that would leave the machine.

Tests and the demo must never reach Wikimedia's real sites. ``install()``
patches the socket layer of the current process: a connection (or a name
lookup) to anything but the loopback interface raises ``NonLoopbackError``
and is recorded, in memory and, when given, in a report file that the test
session checks (subprocesses install the guard through ``sitecustomize``).
"""
from __future__ import annotations

import ipaddress
import os
import socket
import threading


class NonLoopbackError(ConnectionRefusedError):
    """A connection to a non-loopback address was attempted."""


#: Every refused destination, in order.
violations: list[str] = []
_lock = threading.Lock()
_report_file: str | None = None
_installed = False

LOOPBACK_NAMES = {'localhost', 'localhost.localdomain', 'ip6-localhost'}


def is_loopback(host: object) -> bool:
    """True for loopback addresses and names."""
    if not isinstance(host, str):
        return False
    name = host.strip('[]').lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name.split('%')[0]).is_loopback
    except ValueError:
        return False


def _refuse(where: str) -> None:
    with _lock:
        violations.append(where)
        if _report_file:
            with open(_report_file, 'a', encoding='utf-8') as report:
                report.write(f'{os.getpid()} {where}\n')
    raise NonLoopbackError(f'techroles test bed: connection to {where} refused (loopback only)')


def install(report_file: str | None = None) -> None:
    """Patch ``socket`` so only loopback connections are possible."""
    global _report_file, _installed
    _report_file = report_file
    if _installed:
        return
    _installed = True
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def check(sock: socket.socket, address: object) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            host = address[0] if isinstance(address, tuple) else address
            if not is_loopback(host):
                _refuse(f'{host}:{address[1] if isinstance(address, tuple) else "?"}')

    def connect(self: socket.socket, address: object) -> None:
        check(self, address)
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: object) -> int:
        check(self, address)
        return real_connect_ex(self, address)

    def getaddrinfo(host: object, *args: object, **kwargs: object) -> list:
        if host is not None and not is_loopback(host if isinstance(host, str) else
                                                host.decode() if isinstance(host, bytes) else host):
            _refuse(f'{host!s} (name lookup)')
        return real_getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = getaddrinfo  # type: ignore[assignment]
