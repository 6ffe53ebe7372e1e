"""The KPI job: active tech ambassadors and Tech News translation coverage.

Statuses are recomputed with the same decision function and data layer as
``update`` (sharing its state store; when run after ``update`` in one
``techroles run``, its decisions are reused), never read back from cells.
Coverage comes from ``techroles.wiki.translate``. The figures go to the
report, one record per UTC date on the history page (a JSON page; a rerun
the same day replaces that record; at-delivery figures are frozen once
recorded), and the KPI page between its bot-owned markers.
"""
from __future__ import annotations

import re
from collections.abc import Mapping

from techroles import config as tr_config
from techroles import coverage, delivery, i18n, kpi, wikis
from techroles.errors import FetchError, PageContentError
from techroles.model import Decision, Status
from techroles.wiki import pages, sitefacts, translate
from techroles.wiki.jobs import Job
from techroles.wiki.pages import place
from techroles.wiki.sites import dbname_of, login, server_time, site_from_key


_DBNAME_RE = re.compile(r'[a-z][a-z0-9_]*\Z')


def unanswered_wikis(works) -> list[str]:
    """The wikis whose failure left someone ``unknown`` (from the facts' problems,
    which start with the wiki's database name)."""
    found = set()
    for work in works:
        for name, decision in work.decisions.items():
            fact = work.facts.get(name)
            if decision.status is not Status.UNKNOWN or fact is None:
                continue
            for problem in fact.problems:
                wiki = problem.split(':', 1)[0].split(' (', 1)[0].strip()
                if _DBNAME_RE.match(wiki):
                    found.add(wiki)
    return sorted(found)


class KpiJob(Job):
    """Compute both KPIs, write the history record and the KPI page."""

    name = 'kpi'

    def __init__(self, cfg: tr_config.Config, *, update=None, **kwargs) -> None:
        super().__init__(cfg, **kwargs)
        self.update = update
        if update is not None:  # one run: share what the update job learnt
            self.problems = update.problems
            self.changes = update.changes
            self.store = update.store
            self.sites = update.sites

    def people(self):
        """Decisions and row wikis per listed person, from an update job's work."""
        from techroles.wiki.update import UpdateJob

        job = self.update
        if job is None:
            job = UpdateJob(self.cfg, source=self.source)
            job.problems, job.store, job.sites, job.now = \
                self.problems, self.store, self.sites, self.now
            job.works = [w for spec in self.cfg.tables if (w := job.load(spec)) is not None]
            job.collect(job.works)
        return job.works

    def ambassadors(self, works) -> dict:
        decisions: dict[str, Decision] = {}
        people_wikis: dict[str, set[str]] = {}
        for work in works:
            if work.spec.kind != 'ambassadors':
                continue
            for name, decision in work.decisions.items():
                decisions.setdefault(name, decision)
                people_wikis.setdefault(name, set()).update(
                    w for _, row in work.rows[name] for w in row.wikis)
        return kpi.ambassador_kpi(decisions, {n: sorted(w) for n, w in people_wikis.items()},
                                  target_wikis=self.cfg.target_wikis,
                                  family_of=wikis.project_group,
                                  unanswered_wikis=unanswered_wikis(works))

    def people_of(self, works, kind: str) -> tuple[dict[str, Decision], dict[str, list[str]]]:
        """Decisions, and row wikis (ambassadors) or languages (translators)."""
        decisions: dict[str, Decision] = {}
        where: dict[str, set[str]] = {}
        for work in works:
            if work.spec.kind != kind:
                continue
            for name, decision in work.decisions.items():
                decisions.setdefault(name, decision)
                where.setdefault(name, set()).update(
                    x for _, row in work.rows[name]
                    for x in (row.wikis if kind == 'ambassadors' else row.languages))
        return decisions, {name: sorted(found) for name, found in where.items()}

    def reach(self, works, translation: dict) -> tuple[dict, dict] | None:
        """The ``reach`` and ``help_needed`` blocks (None without a site matrix
        or a delivery list: the figure is then left out, not shown as 0)."""
        ref = self.cfg.delivery_list
        if ref is None:
            return None
        site = site_from_key(ref.site)
        try:
            facts = sitefacts.read_site_facts(self.meta)
            snap = pages.read(site, ref.title)
        except (FetchError, PageContentError) as exc:
            self.problem(place(site, ref.title), f'reach not computed: {exc}')
            return None
        if facts is None or not snap.exists:
            return None
        found, warnings = kpi.communities(delivery.parse_targets(snap.text, snap.content_model),
                                          dbname_of(site), facts)
        for warning in warnings:
            self.problem(place(site, ref.title), warning, severity='warning')
        decisions, people_wikis = self.people_of(works, 'ambassadors')
        block = kpi.reach(found, facts, decisions, people_wikis,
                          unanswered_wikis=unanswered_wikis(works))
        translators, languages = self.people_of(works, 'translators')
        return block, kpi.help_needed(block, translation, translators, languages,
                                      source_language=self.cfg.tech_news.source_language)

    def targeted_languages(self, works) -> list[str]:
        languages = {lang for work in works if work.spec.kind == 'translators'
                     for rows in work.rows.values() for _, row in rows
                     for lang in row.languages}
        targets, warnings = kpi.select_targets(self.cfg.targeted_languages, languages,
                                               self.cfg.tech_news.source_language)
        for warning in warnings:
            self.problem('kpi', warning, severity='warning')
        return targets

    def period(self) -> list[tuple[int, int]]:
        news = self.cfg.tech_news
        if news.start is not None and news.end is not None:
            return coverage.period_between(news.start, news.end)
        return coverage.reporting_period(self.now.date(), news.weeks)

    def history(self) -> tuple[list[dict], bool]:
        """The recorded history (and whether it could be read)."""
        ref = self.cfg.history_page
        if ref is None:
            return [], True
        site = site_from_key(ref.site)
        try:
            snap = pages.read(site, ref.title)
            return kpi.parse_history(snap.text if snap.exists else ''), True
        except (FetchError, PageContentError) as exc:
            self.problem(place(site, ref.title), f'history unreadable: {exc}: not updated')
            return [], False

    def translation(self, works, history: list[dict]) -> tuple[dict, bool]:
        news = self.cfg.tech_news
        site = site_from_key(self.cfg.delivery_list.site) if self.cfg.delivery_list \
            else self.meta
        targeted = self.targeted_languages(works)
        data = translate.collect_coverage(
            site, weeks=self.period(), languages=targeted, prefix=news.prefix,
            source_language=news.source_language,
            delivery_list=self.cfg.delivery_list.title if self.cfg.delivery_list else None,
            delivery_hour_utc=news.delivery_hour_utc, frozen=kpi.frozen_at_delivery(history),
            stats_retries=self.cfg.messagegroupstats_retries,
            stats_retry_wait=self.cfg.messagegroupstats_retry_wait, now=self.now,
        )
        where = place(site, news.prefix)
        for warning in data.warnings:
            self.problem(where, warning, severity='warning')
        section = kpi.translation_kpi(
            data.issues, targeted, data.figures, self.thresholds(),
            totals=data.totals, deliveries={i: tuple(d) for i, d in data.deliveries.items()},
        )
        return section, data.has_translate

    def thresholds(self) -> Mapping:
        t = self.cfg.thresholds
        return {'content': t.content, 'issues': t.issues, 'languages': t.languages}

    def work(self) -> None:
        ref = self.cfg.kpi_page
        write_site = site_from_key(ref.site) if ref else self.meta
        login(write_site)
        self.now = server_time(write_site)
        works = self.people()
        history, history_ok = self.history()
        self.report = {'ambassadors': self.ambassadors(works)}
        translation, has_translate = self.translation(works, history)
        self.report['translation'] = translation
        reached = self.reach(works, translation)
        if reached is not None:
            self.report['reach'], self.report['help_needed'] = reached
        for line in kpi.check_report(self.report):
            self.problem('kpi', f'inconsistent figure: {line}')
        for lang, figures in translation['languages'].items():
            if figures['issues_incomplete']:
                self.problem('kpi', f'{lang}: incomplete figures for '
                             + ', '.join(figures['issues_incomplete']))
        if history_ok:
            history = kpi.merge_history(history, kpi.history_record(self.report,
                                                                    self.now.date()))
            self.write_history(history)
        self.write_kpi_page(history, has_translate)

    def write_history(self, history: list[dict]) -> None:
        ref = self.cfg.history_page
        if ref is None:
            return
        site = site_from_key(ref.site)
        where = place(site, ref.title)
        summary = i18n.message('techroles-summary-history', self.language(site),
                               self.now.strftime('%Y-%m-%d'))
        if self.cfg.summary_hashtag:
            summary += f' {self.cfg.summary_hashtag}'
        try:
            snap = pages.read(site, ref.title)
            self.save_path.save(snap, kpi.history_json(history), summary, contentmodel='json')
        except (FetchError, PageContentError) as exc:
            self.problem(where, f'history not saved: {exc}')
        if self.cfg.history_tab_page is not None:
            self.write_tabular(history)

    def write_tabular(self, history: list[dict]) -> None:
        ref = self.cfg.history_tab_page
        site = site_from_key(ref.site)
        data = kpi.tabular_data(history)
        problems = kpi.check_tabular(data)
        where = place(site, ref.title)
        if problems:
            self.problem(where, 'tabular data refused: ' + '; '.join(problems))
            return
        import json

        try:
            snap = pages.read(site, ref.title)
            self.save_path.save(snap, json.dumps(data, ensure_ascii=False, indent=1),
                                'techroles KPI history', contentmodel='Tabular.JsonConfig')
        except (FetchError, PageContentError) as exc:
            self.problem(where, f'tabular data not saved: {exc}')

    def write_kpi_page(self, history: list[dict], has_translate: bool) -> None:
        ref = self.cfg.kpi_page
        if ref is None:
            return
        site = site_from_key(ref.site)
        lang = self.language(site)
        tables = {t.kind: t for t in self.cfg.tables}
        here = dbname_of(site)
        news_site = dbname_of(site_from_key(self.cfg.delivery_list.site)) \
            if self.cfg.delivery_list else here
        links = kpi.KpiLinks(
            ambassador_table=tables['ambassadors'].page if 'ambassadors' in tables else None,
            translator_table=tables['translators'].page if 'translators' in tables else None,
            history_page=self.cfg.history_page.title if self.cfg.history_page else None,
            has_translate=has_translate,
            issues_interwiki='' if news_site == here else 'm:',
        )
        text = kpi.render_kpi_section(
            self.report, history, lang=lang, links=links, now=self.now,
            msg=lambda key, *p: i18n.message(key, lang, *p), direction=i18n.direction(lang),
        )
        self.write_section(ref, 'kpi', text, 'techroles-summary-kpi',
                           self.now.strftime('%Y-%m-%d'))
