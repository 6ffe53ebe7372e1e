"""People editing the test wikis while the bot runs (test bed only).

A small client of the MediaWiki API that logs in with a BotPassword of the
farm's ``Admin`` account (or any fixture account given one) and edits,
protects or blocks. Tests use it to be the human who signs up between the
bot's read and its save, fills in the shutoff page, or protects a page; it
deliberately does not go through Pywikibot, so it cannot share the bot's
session or caches.
"""
from __future__ import annotations

import json
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from typing import Any

from testbed.farm import ADMIN, ADMIN_APP_PASSWORD, ADMIN_APPID, Farm


class Human:
    """A logged-in API client for one wiki of the farm."""

    def __init__(self, farm: Farm, dbname: str, user: str = ADMIN,
                 appid: str = ADMIN_APPID, password: str = ADMIN_APP_PASSWORD) -> None:
        self.url = farm.api_url(dbname)
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        token = self.get(action='query', meta='tokens', type='login')['query']['tokens']
        result = self.post(action='login', lgname=f'{user}@{appid}', lgpassword=password,
                           lgtoken=token['logintoken'])
        if result.get('login', {}).get('result') != 'Success':
            raise RuntimeError(f'{user} cannot log in on {dbname}: {result}')

    def _call(self, data: dict[str, Any] | None, params: dict[str, Any]) -> dict:
        params = {'format': 'json', 'formatversion': '2', **params}
        if data is None:
            request = urllib.request.Request(self.url + '?' + urllib.parse.urlencode(params))
        else:
            body = urllib.parse.urlencode({**params, **data}).encode()
            request = urllib.request.Request(self.url, data=body)
        with self.opener.open(request, timeout=30) as response:
            result = json.load(response)
        if 'error' in result:
            raise RuntimeError(f"API error: {result['error']}")
        return result

    def get(self, **params: Any) -> dict:
        return self._call(None, params)

    def post(self, **params: Any) -> dict:
        return self._call({}, params)

    def token(self) -> str:
        return self.get(action='query', meta='tokens')['query']['tokens']['csrftoken']

    def edit(self, title: str, text: str, summary: str = 'test edit', **extra: Any) -> dict:
        return self.post(action='edit', title=title, text=text, summary=summary,
                         token=self.token(), **extra)

    def text(self, title: str) -> str | None:
        data = self.get(action='query', prop='revisions', titles=title, rvprop='content',
                        rvslots='main')
        page = data['query']['pages'][0]
        if page.get('missing'):
            return None
        return page['revisions'][0]['slots']['main']['content']

    def protect(self, title: str, level: str = 'sysop') -> dict:
        return self.post(action='protect', title=title, protections=f'edit={level}|move={level}',
                         expiry='infinite', token=self.token())

    def block(self, user: str, **extra: Any) -> dict:
        return self.post(action='block', user=user, expiry=extra.pop('expiry', 'infinite'),
                         token=self.token(), **extra)

    def unblock(self, user: str) -> dict:
        return self.post(action='unblock', user=user, token=self.token())

    def recent_changes(self, title: str, limit: int = 50) -> list[dict]:
        """Recent changes of one page, newest first (they carry the bot flag)."""
        data = self.get(action='query', list='recentchanges', rclimit=500,
                        rcprop='title|user|flags|comment|ids|timestamp')
        return [rc for rc in data['query']['recentchanges'] if rc['title'] == title][:limit]

    def revisions(self, title: str, limit: int = 50) -> list[dict]:
        data = self.get(action='query', prop='revisions', titles=title, rvlimit=limit,
                        rvprop='ids|timestamp|user|comment|flags|content', rvslots='main')
        page = data['query']['pages'][0]
        return page.get('revisions', [])
