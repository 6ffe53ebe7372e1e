"""A farm of real local MediaWiki wikis for tests, the demo and the benchmark.

Debian's ``mediawiki`` package on sqlite, one ``php -S 127.0.0.1:PORT``
process per wiki, all wikis from one code base (``MW_CONFIG_FILE`` picks a
wiki's LocalSettings.php). The farm is built once into a template directory
(install.php, accounts, BotPasswords) and copied from there; a test resets a
wiki by copying its sqlite file back (milliseconds).

Pywikibot reaches the wikis through its ordinary configuration: the farm
writes a config directory (``user-config.py``, family files, a password file)
whose ``family_files`` map the production family names (``meta``,
``wikipedia``, ``mediawiki`` …) to the local wikis, so the code under test
makes the same ``pywikibot.Site('fr', 'wikipedia')`` calls as in production.

Test bed only: nothing in ``techroles`` outside ``testbed`` imports
this module.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path


MW_INSTALL_PATH = Path(os.environ.get('MW_INSTALL_PATH', '/usr/share/mediawiki'))
PHP_DIR = Path(__file__).parent / 'php'

ADMIN = 'Admin'
ADMIN_PASSWORD = 'Admin-testbed-1234'
BOT = 'TechRolesBot'
BOT_PASSWORD = 'Bot-testbed-1234'
#: BotPassword of the bot: ``TechRolesBot@techroles``.
BOT_APPID = 'techroles'
BOT_APP_PASSWORD = 'tb0123456789abcdef0123456789abcd'
#: The grants an operator gives the bot (README lists them): ``editmycssjs``
#: lets it write the JSON history page in its own user space.
BOT_GRANTS = ('basic', 'highvolume', 'editpage', 'createeditmovepage', 'editmycssjs')
ADMIN_APPID = 'testbed'
ADMIN_APP_PASSWORD = 'ad0123456789abcdef0123456789abcd'
ADMIN_GRANTS = (
    'basic', 'highvolume', 'editpage', 'createeditmovepage', 'editprotected',
    'protect', 'blockusers', 'delete', 'editmycssjs', 'editsiteconfig', 'editinterface',
    'rollback', 'patrol', 'editmyoptions',
)

#: Bump when the template's contents change (settings, accounts …).
TEMPLATE_VERSION = 4


class FarmError(RuntimeError):
    """The test bed cannot be set up or reached."""


@dataclass(frozen=True)
class WikiSpec:
    """One wiki of the farm, named as in production."""

    dbname: str
    lang: str
    family: str
    code: str
    sitename: str
    #: Project suffix as in the site matrix (``wiki``, ``wiktionary`` …) or
    #: the special wiki's code (``meta``, ``mediawiki`` …).
    project: str
    #: Whether the test-only stand-ins (CentralAuth, Translate …) answer here.
    standins: bool = True


META = WikiSpec('metawiki', 'en', 'meta', 'meta', 'Meta-Wiki', 'meta')
FRWIKI = WikiSpec('frwiki', 'fr', 'wikipedia', 'fr', 'Wikipédia', 'wiki')
ARWIKI = WikiSpec('arwiki', 'ar', 'wikipedia', 'ar', 'ويكيبيديا', 'wiki')
MEDIAWIKIWIKI = WikiSpec('mediawikiwiki', 'en', 'mediawiki', 'mediawiki', 'MediaWiki', 'mediawiki')

#: The farm every test and the demo use.
DEFAULT_WIKIS: tuple[WikiSpec, ...] = (META, FRWIKI, ARWIKI, MEDIAWIKIWIKI)


def mediawiki_version() -> str:
    """The installed MediaWiki version, read from its source (not assumed)."""
    defines = MW_INSTALL_PATH / 'includes' / 'Defines.php'
    try:
        text = defines.read_text()
    except OSError as exc:
        raise FarmError(f'MediaWiki is not installed at {MW_INSTALL_PATH}') from exc
    marker = "define( 'MW_VERSION', '"
    start = text.index(marker) + len(marker)
    return text[start:text.index("'", start)]


def testbed_available() -> str | None:
    """None when a farm can be built here, else the reason in one line."""
    if shutil.which('php') is None:
        return 'php is not installed (run make setup)'
    if not (MW_INSTALL_PATH / 'maintenance' / 'install.php').exists():
        return f'MediaWiki is not installed at {MW_INSTALL_PATH} (run make setup)'
    return None


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def default_data_root() -> Path:
    """Where live wiki data goes: tmpfs when the machine has it."""
    shm = Path('/dev/shm')
    if shm.is_dir() and os.access(shm, os.W_OK):
        return shm
    return Path(os.environ.get('TMPDIR', '/tmp'))


@dataclass
class Farm:
    """Several local wikis, their servers and a Pywikibot config for them.

    ``base`` holds one directory per wiki (sqlite files, LocalSettings.php),
    ``farm.json`` (read by the wikis and the stand-ins), ``standins.json`` and
    the Pywikibot config directory ``pywikibot/``.
    """

    base: Path
    wikis: tuple[WikiSpec, ...] = DEFAULT_WIKIS
    cache: Path | None = None
    ports: dict[str, int] = field(default_factory=dict)
    pids: dict[str, int] = field(default_factory=dict)
    #: Wikis the bot account is configured for in Pywikibot's ``usernames``.
    login_wikis: tuple[str, ...] = ('metawiki',)

    # -- layout -----------------------------------------------------------
    def spec(self, dbname: str) -> WikiSpec:
        for wiki in self.wikis:
            if wiki.dbname == dbname:
                return wiki
        raise KeyError(dbname)

    def wiki_dir(self, dbname: str) -> Path:
        return self.base / dbname

    def sqlite(self, dbname: str) -> Path:
        return self.wiki_dir(dbname) / f'{dbname}.sqlite'

    @property
    def pywikibot_dir(self) -> Path:
        return self.base / 'pywikibot'

    def url(self, dbname: str) -> str:
        return f'http://127.0.0.1:{self.ports[dbname]}'

    def api_url(self, dbname: str) -> str:
        return self.url(dbname) + '/api.php'

    def page_url(self, dbname: str, title: str) -> str:
        return self.url(dbname) + '/index.php/' + urllib.parse.quote(title.replace(' ', '_'))

    # -- building ---------------------------------------------------------
    def template_key(self) -> str:
        """A key that changes whenever the template would differ."""
        digest = hashlib.sha256()
        digest.update(f'{TEMPLATE_VERSION}:{mediawiki_version()}'.encode())
        for path in (PHP_DIR / 'TestbedSettings.php', PHP_DIR / 'seed.php'):
            digest.update(path.read_bytes())
        for wiki in self.wikis:
            digest.update(repr(asdict(wiki)).encode())
        return digest.hexdigest()[:16]

    def create(self) -> None:
        """Make the wiki directories, from the template cache when possible."""
        reason = testbed_available()
        if reason:
            raise FarmError(reason)
        self.base.mkdir(parents=True, exist_ok=True)
        for wiki in self.wikis:
            self.ports.setdefault(wiki.dbname, free_port())
        self.write_farm_file()
        template = (self.cache or self.base / '.template') / self.template_key()
        if not (template / 'complete').exists():
            self._build_template(template)
        for wiki in self.wikis:
            target = self.wiki_dir(wiki.dbname)
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(template / wiki.dbname, target)
            self._write_local_settings(wiki)
        self.write_pywikibot_config()
        if not (self.base / 'standins.json').exists():
            self.write_standins({})

    def _build_template(self, template: Path) -> None:
        tmp = template.with_name(template.name + f'.tmp{os.getpid()}')
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        # The template is a farm of its own (no servers): install.php, then
        # the accounts every wiki has.
        builder = Farm(base=tmp, wikis=self.wikis, ports=dict(self.ports))
        builder.write_farm_file()
        for wiki in self.wikis:
            builder._install(wiki)
        for wiki in self.wikis:
            builder.seed(wiki.dbname, [
                {'op': 'create_user', 'name': BOT, 'password': BOT_PASSWORD, 'groups': ['bot']},
                {'op': 'bot_password', 'user': BOT, 'appid': BOT_APPID,
                 'password': BOT_APP_PASSWORD, 'grants': list(BOT_GRANTS)},
                {'op': 'create_user', 'name': ADMIN, 'password': ADMIN_PASSWORD,
                 'groups': ['sysop', 'bureaucrat']},
                {'op': 'bot_password', 'user': ADMIN, 'appid': ADMIN_APPID,
                 'password': ADMIN_APP_PASSWORD, 'grants': list(ADMIN_GRANTS)},
            ])
        for wiki in self.wikis:
            (tmp / wiki.dbname / 'LocalSettings.php').unlink()
        (tmp / 'farm.json').unlink()
        (tmp / 'complete').write_text('ok\n')
        if template.exists():
            shutil.rmtree(tmp)  # another process won the race
        else:
            tmp.rename(template)

    def _install(self, wiki: WikiSpec) -> None:
        target = self.wiki_dir(wiki.dbname)
        target.mkdir(parents=True)
        confpath = self.base / f'.install-{wiki.dbname}'
        confpath.mkdir()
        env = {k: v for k, v in os.environ.items() if k != 'MW_CONFIG_FILE'}
        self._run([
            'php', str(MW_INSTALL_PATH / 'maintenance' / 'install.php'), '--quiet',
            '--dbtype', 'sqlite', '--dbpath', str(target), '--dbname', wiki.dbname,
            '--server', 'http://127.0.0.1', '--scriptpath', '', '--lang', wiki.lang,
            '--pass', ADMIN_PASSWORD, '--confpath', str(confpath), '--skins', 'Vector',
            wiki.sitename, ADMIN,
        ], env=env)
        shutil.rmtree(confpath)
        self._write_local_settings(wiki)
        self.maint(wiki.dbname, 'update.php', '--quick')

    def _write_local_settings(self, wiki: WikiSpec) -> None:
        php = lambda s: "'" + s.replace('\\', '\\\\').replace("'", "\\'") + "'"  # noqa: E731
        (self.wiki_dir(wiki.dbname) / 'LocalSettings.php').write_text(
            '<?php\n'
            '# Written by testbed/farm.py: a test-bed wiki, never production.\n'
            '$wgTechrolesWikiDir = __DIR__;\n'
            f'$wgDBname = {php(wiki.dbname)};\n'
            f'$wgLanguageCode = {php(wiki.lang)};\n'
            f'$wgSitename = {php(wiki.sitename)};\n'
            f'require_once {php(str(PHP_DIR / "TestbedSettings.php"))};\n',
        )

    def write_farm_file(self) -> None:
        """``farm.json``: what the wikis and the stand-ins know of the farm."""
        data = {'wikis': {
            wiki.dbname: {
                **asdict(wiki), 'port': self.ports.get(wiki.dbname),
                'url': f'http://127.0.0.1:{self.ports.get(wiki.dbname)}',
                'dir': str(self.wiki_dir(wiki.dbname)),
            } for wiki in self.wikis
        }}
        (self.base / 'farm.json').write_text(json.dumps(data, indent=1, ensure_ascii=False))

    def write_standins(self, data: dict) -> None:
        """Replace the stand-ins' data file (re-read on every request)."""
        (self.base / 'standins.json').write_text(json.dumps(data, indent=1, ensure_ascii=False))
        with contextlib.suppress(FileNotFoundError):
            (self.base / 'standins-state.json').unlink()

    def read_standins(self) -> dict:
        try:
            return json.loads((self.base / 'standins.json').read_text())
        except FileNotFoundError:
            return {}

    def write_pywikibot_config(self) -> None:
        """A Pywikibot config directory whose families point at the farm."""
        pwb = self.pywikibot_dir
        (pwb / 'families').mkdir(parents=True, exist_ok=True)
        families: dict[str, dict[str, str]] = {}
        for wiki in self.wikis:
            families.setdefault(wiki.family, {})[wiki.code] = f'127.0.0.1:{self.ports[wiki.dbname]}'
        lines = [
            '# Written by testbed/farm.py for the local test bed.',
            '# Production operators: see user-config.py.sample instead.',
            "family = 'meta'",
            "mylang = 'meta'",
        ]
        for name, langs in sorted(families.items()):
            path = pwb / 'families' / f'{name}_family.py'
            path.write_text(
                '"""Test-bed family: the production name, served by local wikis."""\n'
                'from pywikibot import family\n\n\n'
                'class Family(family.Family):\n'
                f'    name = {name!r}\n'
                f'    langs = {langs!r}\n\n'
                '    def scriptpath(self, code):\n'
                "        return ''\n\n"
                '    def protocol(self, code):\n'
                "        return 'http'\n",
            )
            lines.append(f'family_files[{name!r}] = {str(path)!r}')
        for dbname in self.login_wikis:
            wiki = self.spec(dbname)
            lines.append(f'usernames[{wiki.family!r}][{wiki.code!r}] = {BOT!r}')
        lines += [
            "password_file = 'user-password.py'",
            'put_throttle = 0',
            'minthrottle = 0',
            'maxthrottle = 1',
            'max_retries = 1',
            'retry_wait = 0',
            'retry_max = 1',
            'socket_timeout = (6.05, 30)',
            'write_maxlag = 5',
            "user_agent_description = 'techroles test bed (nobody@example.invalid)'",
            "console_encoding = 'utf-8'",
            'noisysleep = 1000.0',
        ]
        (pwb / 'user-config.py').write_text('\n'.join(lines) + '\n')
        password = pwb / 'user-password.py'
        password.write_text(f'({BOT!r}, BotPassword({BOT_APPID!r}, {BOT_APP_PASSWORD!r}))\n')
        password.chmod(0o600)

    # -- running ----------------------------------------------------------
    def start(self) -> None:
        """Start one ``php -S`` per wiki and wait until each answers.

        A free port can be taken by another process between ``free_port()``
        and php binding it; then php exits and the readiness check would
        talk to someone else's server. Each wiki is therefore checked by its
        ``wikiid`` and, if it is not ours, started again on a fresh port (the
        farm file and the Pywikibot config follow).
        """
        for _attempt in range(5):
            self.write_farm_file()
            for wiki in self.wikis:
                if wiki.dbname not in self.pids:
                    self._spawn(wiki)
            taken = [w.dbname for w in self.wikis if not self._wait_ready(w.dbname)]
            if not taken:
                return
            for dbname in taken:
                self.stop_wiki(dbname)
                self.ports[dbname] = free_port()
            if (self.pywikibot_dir / 'user-config.py').exists():
                self.write_pywikibot_config()
        raise FarmError(f'could not find free ports for {", ".join(taken)}')

    def _spawn(self, wiki: WikiSpec) -> None:
        log = open(self.wiki_dir(wiki.dbname) / 'server.log', 'ab')  # noqa: SIM115
        settings = self.wiki_dir(wiki.dbname) / 'LocalSettings.php'
        env = {**os.environ, 'MW_CONFIG_FILE': str(settings)}
        proc = subprocess.Popen(
            ['php', '-S', f'127.0.0.1:{self.ports[wiki.dbname]}', '-t', str(MW_INSTALL_PATH)],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env,
            start_new_session=True,
        )
        log.close()
        self.pids[wiki.dbname] = proc.pid
        (self.wiki_dir(wiki.dbname) / 'server.pid').write_text(f'{proc.pid}\n')

    def _wait_ready(self, dbname: str, timeout: float = 30) -> bool:
        """Wait until ``dbname`` answers; False when its port serves another wiki."""
        deadline = time.monotonic() + timeout
        url = self.api_url(dbname) + '?action=query&meta=siteinfo&format=json'
        last: Exception | None = None
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url, timeout=10) as response:
                    wikiid = json.load(response)['query']['general'].get('wikiid')
                return wikiid == dbname
            except (OSError, ValueError, KeyError) as exc:
                last = exc
                time.sleep(0.05)
        raise FarmError(f'{dbname} did not answer on {url}: {last}')

    def stop(self) -> None:
        """Stop every server of this farm, by pid."""
        for dbname, pid in list(self.pids.items()):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
            for _ in range(100):
                try:
                    waited, _status = os.waitpid(pid, os.WNOHANG)
                except ChildProcessError:
                    waited = pid  # not our child (started by another process)
                    try:
                        os.kill(pid, 0)
                        time.sleep(0.02)
                        continue
                    except ProcessLookupError:
                        pass
                if waited == pid:
                    break
                time.sleep(0.02)
            else:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            del self.pids[dbname]
            with contextlib.suppress(FileNotFoundError):
                (self.wiki_dir(dbname) / 'server.pid').unlink()

    def stop_wiki(self, dbname: str) -> None:
        """Stop one wiki's server (a wiki going down mid-run)."""
        pids, self.pids = self.pids, {dbname: self.pids[dbname]}
        try:
            self.stop()
        finally:
            self.pids = {k: v for k, v in pids.items() if k != dbname}

    def start_wiki(self, dbname: str) -> None:
        self.start()

    # -- snapshots --------------------------------------------------------
    def snapshot(self, name: str) -> None:
        """Save every wiki's database (and the stand-ins' data) as ``name``."""
        for wiki in self.wikis:
            dest = self.wiki_dir(wiki.dbname) / 'snapshots' / name
            dest.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(self.sqlite(wiki.dbname), dest / 'db.sqlite')
        standins = self.base / 'standins.json'
        shutil.copyfile(standins, self.base / f'standins.{name}.json')

    def restore(self, name: str) -> None:
        """Put every wiki back to snapshot ``name`` while the servers run.

        Sessions live in ``wikicache.sqlite``, which is not restored, so a
        logged-in client stays logged in. Pywikibot ``Page`` objects cache
        text: make new ones after a restore.
        """
        for wiki in self.wikis:
            src = self.wiki_dir(wiki.dbname) / 'snapshots' / name / 'db.sqlite'
            tmp = self.sqlite(wiki.dbname).with_suffix('.restore')
            shutil.copyfile(src, tmp)
            os.replace(tmp, self.sqlite(wiki.dbname))
        shutil.copyfile(self.base / f'standins.{name}.json', self.base / 'standins.json')
        with contextlib.suppress(FileNotFoundError):
            (self.base / 'standins-state.json').unlink()

    def has_snapshot(self, name: str) -> bool:
        return all(
            (self.wiki_dir(w.dbname) / 'snapshots' / name / 'db.sqlite').exists()
            for w in self.wikis
        )

    # -- maintenance ------------------------------------------------------
    def _run(self, cmd: Sequence[str], env: dict[str, str] | None = None,
             input: bytes | None = None) -> str:
        proc = subprocess.run(
            cmd, env=env, input=input, capture_output=True, cwd=str(MW_INSTALL_PATH),
            check=False,
        )
        if proc.returncode != 0:
            tail = (proc.stdout + proc.stderr).decode(errors='replace').strip()[-2000:]
            raise FarmError(f'{" ".join(map(str, cmd[:3]))} failed ({proc.returncode}): {tail}')
        return proc.stdout.decode(errors='replace')

    def maint(self, dbname: str, script: str, *args: str, input: bytes | None = None) -> str:
        """Run a maintenance script (a path, or a name under maintenance/)."""
        path = Path(script)
        if not path.is_absolute():
            path = MW_INSTALL_PATH / 'maintenance' / script
        env = {
            **os.environ,
            'MW_CONFIG_FILE': str(self.wiki_dir(dbname) / 'LocalSettings.php'),
            'MW_INSTALL_PATH': str(MW_INSTALL_PATH),
        }
        return self._run(['php', str(path), *args], env=env, input=input)

    def seed(self, dbname: str, ops: Iterable[dict]) -> None:
        """Apply fixture operations (see ``php/seed.php``) in one PHP process."""
        ops = list(ops)
        if not ops:
            return
        path = self.base / f'.seed-{dbname}-{os.getpid()}.json'
        path.write_text(json.dumps(ops, ensure_ascii=False))
        try:
            self.maint(dbname, str(PHP_DIR / 'seed.php'), str(path))
        finally:
            path.unlink()

    def import_dump(self, dbname: str, xml: str) -> None:
        """Import an XML dump with backdated revisions, then fix user rows.

        importDump leaves ``user_editcount`` at 0 and registration at import
        time: registration becomes the first imported edit, edit counts are
        recounted.
        """
        path = self.base / f'.dump-{dbname}-{os.getpid()}.xml'
        path.write_text(xml, encoding='utf-8')
        try:
            self.maint(dbname, 'importDump.php', '--no-updates', str(path))
        finally:
            path.unlink()
        self.seed(dbname, [{'op': 'sql', 'query': (
            'UPDATE user SET user_registration = ('
            ' SELECT MIN(rev_timestamp) FROM revision JOIN actor ON rev_actor = actor_id'
            ' WHERE actor_user = user_id) '
            'WHERE user_id IN (SELECT actor_user FROM actor JOIN revision ON rev_actor = actor_id'
            ' WHERE actor_user IS NOT NULL) AND (user_registration IS NULL OR user_registration >'
            ' (SELECT MIN(rev_timestamp) FROM revision JOIN actor ON rev_actor = actor_id'
            ' WHERE actor_user = user_id))'
        )}, {'op': 'sql', 'query': (
            'UPDATE user SET user_editcount = (SELECT COUNT(*) FROM revision JOIN actor'
            ' ON rev_actor = actor_id WHERE actor_user = user_id)'
        )}])

    # -- environment for Pywikibot processes -------------------------------
    def environ(self) -> dict[str, str]:
        """Environment variables that point Pywikibot at this farm."""
        return {'PYWIKIBOT_DIR': str(self.pywikibot_dir)}

    def save_state(self) -> None:
        """Record ports and pids so ``make stop`` and later commands find them."""
        (self.base / 'state.json').write_text(json.dumps({
            'ports': self.ports, 'pids': self.pids,
            'wikis': [asdict(w) for w in self.wikis],
        }))

    @classmethod
    def load(cls, base: Path) -> Farm:
        """The farm recorded in ``base/state.json``."""
        state = json.loads((base / 'state.json').read_text())
        return cls(
            base=base, wikis=tuple(WikiSpec(**w) for w in state['wikis']),
            ports=state['ports'], pids={k: int(v) for k, v in state['pids'].items()},
        )

    def running(self) -> bool:
        """True when every wiki of the farm answers."""
        try:
            return all(self._wait_ready(wiki.dbname, timeout=1) for wiki in self.wikis)
        except (FarmError, KeyError):
            return False
