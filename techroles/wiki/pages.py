"""Reading pages, their history, and the one path every save goes through.

A page is read once into a :class:`PageSnapshot`; the new text is built from
that snapshot's text and saved through the same Pywikibot ``Page`` object, so
the save carries the base timestamp of the revision it was built from (never
a save built from two reads). After an edit conflict the page is read again
and the change re-applied to the new text by the caller.
"""
from __future__ import annotations

import gc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

import pywikibot
from pywikibot.exceptions import EditConflictError, NoPageError, PageSaveRelatedError

from techroles.errors import BotsExcludedError, FetchError, ShutoffError
from techroles.timefmt import iso, parse_iso
from techroles.wiki import api, httpcount
from techroles.wiki.api import FETCH_ERRORS


@dataclass
class PageSnapshot:
    """One read of one page: its text and the revision it came from."""

    page: pywikibot.Page
    text: str
    revid: int | None
    timestamp: datetime | None
    exists: bool
    content_model: str | None = None

    @property
    def site(self) -> pywikibot.site.APISite:
        return self.page.site

    @property
    def title(self) -> str:
        return self.page.title()


def site_key(site: pywikibot.site.APISite) -> str:
    return f'{site.family.name}:{site.code}'


def place(site: pywikibot.site.APISite, title: str) -> str:
    """``site:page`` for one-line messages."""
    return f'{site_key(site)}:{title}'


@httpcount.counted('page')
def read(site: pywikibot.site.APISite, title: str) -> PageSnapshot:
    """Read a page's current text (a fresh ``Page`` object every time)."""
    page = pywikibot.Page(site, title)
    api.count('page')
    try:
        text = page.get(get_redirect=True)
    except NoPageError:
        return PageSnapshot(page, '', None, None, False)
    except FETCH_ERRORS as exc:
        raise FetchError(f'{place(site, title)}: cannot read: {exc}'.splitlines()[0]) from exc
    return PageSnapshot(
        page, text, page.latest_revision_id,
        page.latest_revision.timestamp.replace(tzinfo=timezone.utc),
        True, page.content_model,
    )


@httpcount.counted('page')
def revisions_since(site: pywikibot.site.APISite, title: str,
                    since: datetime) -> tuple[list[tuple[int, datetime]], int | None]:
    """Revision ids and times newer than ``since`` (oldest first), and the
    id of the latest revision at or before ``since`` (None if none)."""
    newer: list[tuple[int, datetime]] = []
    before: int | None = None
    stamp = iso(since)
    for data in api.query(site, 'page', prop='revisions', titles=title, rvprop='ids|timestamp',
                          rvlimit='max', rvdir='newer', rvstart=stamp):
        for page in data['query'].get('pages', []):
            for rev in page.get('revisions', []):
                newer.append((rev['revid'], parse_iso(rev['timestamp'])))
    data = api.request(site, 'page', action='query', prop='revisions', titles=title,
                       rvprop='ids', rvlimit=1, rvdir='older', rvstart=stamp)
    for page in data.get('query', {}).get('pages', []):
        for rev in page.get('revisions', []):
            before = rev['revid']
    return newer, before


@httpcount.counted('page')
def last_revision_by(site: pywikibot.site.APISite, title: str,
                     user: str) -> tuple[int, datetime, str] | None:
    """The latest revision of ``title`` by ``user``: (revid, time, text), or None."""
    data = api.request(site, 'page', action='query', prop='revisions', titles=title,
                       rvuser=user, rvlimit=1, rvprop='ids|timestamp|content', rvslots='main')
    for page in data.get('query', {}).get('pages', []):
        for rev in page.get('revisions', []):
            return (rev['revid'], parse_iso(rev['timestamp']),
                    rev['slots']['main'].get('content', ''))
    return None


@httpcount.counted('page')
def revision_text(site: pywikibot.site.APISite, revid: int) -> str:
    data = api.request(site, 'page', action='query', prop='revisions', revids=revid,
                       rvprop='content', rvslots='main')
    for page in data.get('query', {}).get('pages', []):
        for rev in page.get('revisions', []):
            return rev['slots']['main'].get('content', '')
    raise FetchError(f'{site_key(site)}: revision {revid} not found')


@httpcount.counted('page')
def listed_since(site: pywikibot.site.APISite, title: str, cutoff: datetime,
                 names: Sequence[str], people_in: Callable[[str], set[str]]) -> dict[str, datetime]:
    """When each name first appears in the page after ``cutoff``.

    Names already in the latest revision at or before ``cutoff`` (one extra
    read) are not returned; the others get the time of the first revision
    listing them, found by bisection over the revisions since ``cutoff``.
    ``people_in(text)`` gives the names a revision's text lists.
    """
    newer, before = revisions_since(site, title, cutoff)
    texts: dict[int, set[str]] = {}

    def people(revid: int) -> set[str]:
        if revid not in texts:
            texts[revid] = people_in(revision_text(site, revid))
        return texts[revid]

    old = people(before) if before is not None else set()
    out: dict[str, datetime] = {}
    for name in names:
        if name in old or not newer:
            continue
        lo, hi = 0, len(newer) - 1
        if name not in people(newer[hi][0]):
            continue
        while lo < hi:
            mid = (lo + hi) // 2
            if name in people(newer[mid][0]):
                hi = mid
            else:
                lo = mid + 1
        out[name] = newer[lo][1]
    return out


@httpcount.counted('page')
def shutoff_reason(site: pywikibot.site.APISite, title: str | None) -> str | None:
    """The shutoff page's content when it is filled in (any non-empty text)."""
    if not title:
        return None
    snap = read(site, title)
    if snap.exists and snap.text.strip():
        return snap.text.strip().splitlines()[0][:200]
    return None


class SavePath:
    """The one way techroles saves a page.

    Before every save it checks the shutoff page (``ShutoffError``) and the
    page's ``{{bots}}``/``{{nobots}}``; it saves synchronously
    (``asynchronous=False``: Pywikibot would otherwise save in the background
    under ``-always`` and only log conflicts), without cosmetic changes, with
    the bot flag, through the bot's ``userPut`` (which skips no-op edits, shows
    the diff and asks unless ``-always``), and lets ``EditConflictError``
    reach the caller, which re-reads and re-applies.
    """

    def __init__(self, bot: pywikibot.bot.BaseBot,
                 shutoffs: Sequence[tuple] = ()) -> None:
        self.bot = bot
        #: (site, title) of each shutoff page that stops the current job.
        self.shutoffs = list(shutoffs)

    def check_shutoff(self) -> None:
        for site, title in self.shutoffs:
            reason = shutoff_reason(site, title)
            if reason:
                raise ShutoffError(f'{place(site, title)}: shutoff page is filled in: {reason}')

    @httpcount.counted('save')
    def save(self, snap: PageSnapshot, new_text: str, summary: str, *,
             contentmodel: str | None = None) -> bool:
        """Save ``new_text`` over ``snap``; True when a revision was made.

        ``contentmodel`` (e.g. ``json`` for the history page) is sent only
        when the page does not have it yet.
        """
        self.check_shutoff()
        if snap.text.rstrip() == new_text.rstrip():
            return False
        if not _bot_may_edit(snap.page):
            raise BotsExcludedError(f'{place(snap.site, snap.title)}: '
                                    '{{bots}}/{{nobots}} excludes this bot: skipped')
        api.count('save')
        extra = {}
        if snap.revid:
            # Conflicts are detected on the revision the text was built from, not on
            # Pywikibot's base timestamp: it has whole seconds, and MediaWiki takes a
            # person's edit saved in the same second as that revision for a conflict
            # with oneself and lets the save overwrite it.
            extra.update(baserevid=snap.revid, basetimestamp=None)
        if contentmodel and snap.content_model != contentmodel:
            extra['contentmodel'] = contentmodel
        try:
            return self.bot.userPut(
                snap.page, snap.text, new_text, summary=summary, asynchronous=False,
                apply_cosmetic_changes=False, bot=True, minor=False,
                ignore_save_related_errors=False, ignore_server_errors=False, **extra,
            )
        except EditConflictError:
            raise
        except (PageSaveRelatedError, *FETCH_ERRORS) as exc:
            raise FetchError(f'{place(snap.site, snap.title)}: not saved: {_why(exc)}') from exc


def _bot_may_edit(page: pywikibot.Page) -> bool:
    """``page.botMayEdit()`` (cached on the page for Pywikibot's own checks), with
    the garbage collector paused: Pywikibot parses the whole page into a Page
    object per template, and on a 2 MB page with thousands of templates the
    collections that parse triggers took most of the run."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return page.botMayEdit()
    finally:
        if enabled:
            gc.enable()


def _why(exc: BaseException) -> str:
    """Why a save failed, in one line.

    Pywikibot's ``OtherPageSaveError`` says "Edit to page … failed:" and gives
    the reason (blocked, badtoken, maxlag …) on its second line.
    """
    text = f'{type(exc).__name__}: {str(exc).splitlines()[0].rstrip(":")}' if str(exc) \
        else type(exc).__name__
    reason = getattr(exc, 'reason', None)
    if reason is not None and str(reason).strip():
        text += f': {str(reason).strip().splitlines()[0]}'
    return text
