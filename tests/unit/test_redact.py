"""Credentials are redacted from every log record (techroles.wiki.redact)."""
from __future__ import annotations

import logging

import pytest

from techroles.wiki.redact import REDACTED, install, redact


pytestmark = pytest.mark.unit


@pytest.mark.parametrize(('text', 'secret'), [
    ('/api.php, action=login&lgname=Bot%40app&lgpassword=tb0123456789abcdef&lgtoken=1a2b%2B%5C',
     'tb0123456789abcdef'),
    ("{'action': ['login'], 'lgpassword': ['pw-123456'], 'format': ['json']}", 'pw-123456'),
    ("{'token': ['c0ffee+\\\\'], 'text': ['x']}", 'c0ffee'),
    ("{'Set-Cookie': 'metawiki_session=abcdef0123456789; path=/; HttpOnly'}", 'abcdef0123456789'),
    ('Cookie: metawiki_BPsession=q1w2e3r4t5y6; metawikiToken=zz99zz99', 'q1w2e3r4t5y6'),
    ('Cookie: metawiki_BPsession=q1w2e3r4t5y6; metawikiToken=zz99zz99', 'zz99zz99'),
    ('password=Bot-testbed-1234&x=1', 'Bot-testbed-1234'),
])
def test_secrets_are_replaced(text: str, secret: str) -> None:
    clean = redact(text)
    assert secret not in clean and REDACTED in clean


def test_ordinary_text_is_kept() -> None:
    for text in ('the password page explains it', 'action=query&list=users&ususers=A|B',
                 'metawikiUserID=3', 'ERROR meta:meta:Tech/Ambassadors/List: not saved'):
        assert redact(text) == text


def test_every_log_record_is_redacted(caplog: pytest.LogCaptureFixture) -> None:
    install()
    install()  # idempotent
    with caplog.at_level(logging.INFO, logger='techroles.test.redact'):
        logging.getLogger('techroles.test.redact').info('%s, %s', '/api.php',
                                              'action=login&lgpassword=hunter2hunter2')
    assert 'hunter2hunter2' not in caplog.text and 'lgpassword=<redacted>' in caplog.text
