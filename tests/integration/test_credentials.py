"""Credentials never leak (issue 8).

``update``, ``kpi`` and ``run`` run with ``-log`` through fault proxies, with
their own Pywikibot configuration directory (so its ``logs/`` and
``apicache/`` hold only these runs): a login that fails once (Pywikibot logs
the failed request's parameters), a login refused, saves refused with an API
error (logged with parameters and response headers), a wiki answering 500.
Then every output is searched for the BotPassword, the account's main
password and every session cookie value the wikis handed out: stdout,
stderr, the reports, Pywikibot's log files and API cache, the pages the bot
wrote and their edit summaries. The credential stores themselves (the
password file, the cookie jar) are the only files allowed to hold them.
"""
from __future__ import annotations

import re

import pytest

from testbed.farm import BOT_APP_PASSWORD, BOT_PASSWORD
from testbed.faultproxy import ProxiedFarm, has
from testbed.humans import Human
from tests.integration.helpers import AMBASSADORS, config, run, signup
from tests.integration.test_update import everyone_page


pytestmark = pytest.mark.integration

BOT_PAGES = ['User:TechRolesBot/status', 'User:TechRolesBot/evidence',
             'User:TechRolesBot/explanation', 'User:TechRolesBot/KPI',
             'User:TechRolesBot/KPI history.json', AMBASSADORS]
CREDENTIAL_STORES = {'user-password.py'}


def cookie_values(proxies: ProxiedFarm) -> set[str]:
    """Every session cookie value sent to or set by the wikis."""
    values = set()
    for entry in proxies.log():
        for header in (entry.request.headers.get('cookie', ''),):
            values |= set(re.findall(r'=([^;\s]{16,})', header))
    for jar in proxies.pywikibot_dir.glob('*.lwp'):
        values |= set(re.findall(r'=\\?"?([A-Za-z0-9%+/]{16,})', jar.read_text()))
    return values


def test_no_output_holds_a_credential(wiki, farm, tmp_path_factory, tmp_path):
    proxies = ProxiedFarm(farm, tmp_path_factory.mktemp('credentials')).start()
    try:
        signup(wiki, everyone_page())
        cfg = config(tmp_path)
        outcomes = []
        meta = proxies['metawiki']
        # 1. The first login request fails (HTTP 500); Pywikibot retries it.
        meta.add(action='http', status=500, match={'action': 'login'}, nth=1)
        outcomes.append(run('update', cfg, '-always', '-log', env=proxies.env()))
        proxies.clear_rules()
        # 2. kpi, then run, with saves refused and a wiki failing.
        outcomes.append(run('kpi', cfg, '-always', '-log', env=proxies.env()))
        meta.add(action='api_error', code='badtoken', info='Invalid CSRF token.',
                 match={'action': 'edit'})
        proxies['frwiki'].add(action='http', status=500, match={'list': has('usercontribs')})
        outcomes.append(run('run', cfg, '-always', '-log', '-verbose',
                            '--kpi-report', str(tmp_path / 'kpi.json'), env=proxies.env()))
        proxies.clear_rules()
        # 3. No session, and the login refused.
        for jar in proxies.pywikibot_dir.glob('*.lwp'):
            jar.unlink()
        meta.add(action='expire_session', match={'action': 'login'})
        outcomes.append(run('update', cfg, '-always', '-log', env=proxies.env()))
        proxies.clear_rules()
        assert [o.code for o in outcomes] == [0, 0, 1, 1], [o.stderr[-500:] for o in outcomes]
        secrets = {'BotPassword': BOT_APP_PASSWORD, 'password': BOT_PASSWORD}
        cookies = cookie_values(proxies)
        assert cookies, 'no session cookie seen'
        secrets |= {f'cookie {i}': value for i, value in enumerate(sorted(cookies))}

        outputs: dict[str, str] = {}
        for i, outcome in enumerate(outcomes):
            outputs[f'run {i} stdout'] = outcome.stdout
            outputs[f'run {i} stderr'] = outcome.stderr
        for path in sorted(tmp_path.glob('*.json')):
            outputs[f'report {path.name}'] = path.read_text()
        pwb = proxies.pywikibot_dir
        files = [p for p in pwb.rglob('*') if p.is_file()
                 and p.name not in CREDENTIAL_STORES and p.suffix != '.lwp']
        logs = [p for p in files if p.parent.name == 'logs']
        cache = [p for p in files if 'apicache' in p.parent.name]
        assert logs and cache, sorted(str(p.relative_to(pwb)) for p in files)
        for path in files:
            outputs[str(path.relative_to(pwb))] = path.read_bytes().decode('latin-1')
        human = Human(wiki, 'metawiki')
        for title in BOT_PAGES:
            for rev in human.revisions(title):
                outputs[f'{title} r{rev["revid"]}'] = (rev['slots']['main'].get('content', '')
                                                       + '\n' + rev['comment'])
        leaks = [(name, where) for where, content in outputs.items()
                 for name, secret in secrets.items() if secret in content]
        assert not leaks, leaks
        # The log did record the failed login request, without its password.
        log = '\n'.join(outputs[str(p.relative_to(pwb))] for p in logs)
        assert 'action=login' in log and 'lgpassword=<redacted>' in log
    finally:
        proxies.stop()
