"""Keep credentials out of everything logged.

Pywikibot writes the parameters of a request that failed to its log (with
``-log``, to ``logs/*.log`` in the configuration directory): for a failed
login request that is ``lgpassword=<the BotPassword>``; API errors are
logged with their parameters (tokens) and response headers (session
cookies). :func:`install` wraps the logging record factory so that every
record, whoever logs it and wherever it goes, has such values replaced by
``<redacted>`` before any handler sees it.
"""
from __future__ import annotations

import logging
import re


REDACTED = '<redacted>'

#: ``name=value`` (URL-encoded parameters, cookies) and ``'name': ['value']``
#: / ``'name': 'value'`` (Python reprs of parameters and headers).
_NAMES = r'(?:lg)?password|(?:lg|csrf|login)?token|[\w.-]*session|[\w.-]*Token|oauth_[a-z_]+'
_PAIR = re.compile(rf'(?i)(\b(?:{_NAMES})=)([^&;,\s\'"\]]+)')
_REPR = re.compile(rf'(?i)(([\'"])(?:{_NAMES})\2\s*:\s*\[?\s*[\'"])([^\'"]+)')


def redact(text: str) -> str:
    """``text`` with password, token and session cookie values replaced."""
    return _REPR.sub(lambda m: m.group(1) + REDACTED,
                     _PAIR.sub(lambda m: m.group(1) + REDACTED, text))


def install() -> None:
    """Redact every log record from now on (idempotent)."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, 'techroles_redacts', False):
        return

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed record: leave it to logging
            return record
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, ()
        return record

    factory.techroles_redacts = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
