"""The officers' web pages, served by the one HTTP server beside the webhooks: login from a chat link, the unit's
report with its child units and drill-down, late branches, targets, files by signed link, and `/metrics`.

Scope is decided on every request from the roles the database holds now, never from the URL or the cookie: the
session cookie only says which chat identity opened which login link, so a role revoked since ends the rights at
the next request. The used link's row stands for the session on the server: logout deletes it, so a copy of the
cookie (stolen, or left in another browser) opens nothing afterwards. A unit outside the caller's subtree
answers exactly like one that does not exist (404).

A login link is opened in two steps: `GET /login/<token>` only shows a button, and the `POST` it sends uses the
link up. Chat apps and mail scanners fetch a link to preview it; were the `GET` to use the link, the preview would
spend it before the person could.

Every form carries a CSRF token: an HMAC of a random value kept in a cookie of its own (`bot.web.auth`). Every
page is sent with a Content-Security-Policy that allows no script at all, `X-Frame-Options: DENY` and no
Referer (a login link's token is in its URL).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.app import App
from bot.inbox import DATABASE_FAILURES
from bot.web.auth import CSRF_COOKIE, SESSION_COOKIE, SESSION_TTL, Session, Signer, new_nonce
from bot.web.files import FILE_PURPOSE, FILE_TTL
from bot.web.pages import SORTS, breadcrumbs, environment, period_choices, read_period, sorted_children
from conversations.flows.report import TARGET_ROLES, parse_target
from conversations.flows.web import LOGIN_PATH
from conversations.i18n import Translator, period_label
from conversations.reports import render_chart, render_workbook
from conversations.reports.summary import rate
from conversations.reports.suppress import sensitive_texts
from conversations.validate import Invalid
from storage import audit
from storage.calendar import Period
from storage.evaluations import late_branch_count, late_branches
from storage.members import roles_of
from storage.models import ChatIdentity, Member, MemberStatus, TargetMetric, Unit
from storage.reports import REPORT_ROLES, child_units, may_view, report_for, viewable_root
from storage.targets import TARGET_MAX, set_target, targets_for
from storage.units import ancestor_ids, unit_by_id, units_by_ids
from storage.web import (
    actions_since,
    end_web_session,
    login_link_open,
    secretaries_reachable,
    shared_file,
    token_digest,
    use_login_link,
    web_person,
    web_session_open,
)

__all__ = ["web_routes"]

FORM_LIMIT = 4096  # bytes of a form body: our forms send a few short fields
TARGETS_PER_MINUTE = 30
MAX_LATE = 300
_MAX_ID = 2**31 - 1  # ids are 32-bit: a larger number in a URL names no unit (and PostgreSQL would refuse it)
_STATIC = Path(__file__).resolve().parent / "static"
_PNG, _XLSX = "image/png", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

Endpoint = Callable[[Request], Awaitable[Response]]


def web_routes(app: App) -> list[BaseRoute]:
    """Return the web pages' routes for the one HTTP server."""
    site = _Site(app)
    return [
        Route("/", site.guarded(site.home), methods=["GET"]),
        Route(LOGIN_PATH + "{token}", site.guarded(site.login_page), methods=["GET"]),
        Route(LOGIN_PATH.rstrip("/"), site.guarded(site.login), methods=["POST"]),
        Route("/logout", site.guarded(site.logout), methods=["POST"]),
        Route("/u/{unit_id:int}", site.guarded(site.report), methods=["GET"]),
        Route("/u/{unit_id:int}/late", site.guarded(site.late), methods=["GET"]),
        Route("/u/{unit_id:int}/targets", site.guarded(site.targets), methods=["GET", "POST"]),
        Route("/f/{token}", site.guarded(site.file), methods=["GET"]),
        Route("/static/web.css", site.stylesheet, methods=["GET"]),
        Route("/favicon.ico", site.no_icon, methods=["GET"]),
        Route("/metrics", site.metrics.endpoint(app.sessions), methods=["GET"]),
    ]


@dataclass(slots=True)
class _Viewer:
    """Who is looking, as the database says now: their chat identity, member record and report roles."""

    identity: ChatIdentity
    member: Member
    roles: Sequence[tuple[str, Unit]]
    t: Translator


class _Site:
    def __init__(self, app: App) -> None:
        self.app = app
        self.signer = Signer(app.web_key)
        self.metrics = app.metrics
        self.secure = app.settings.web_address().startswith("https://")
        self.css = (_STATIC / "web.css").read_bytes()

    # --- plumbing

    def guarded(self, endpoint: Endpoint) -> Endpoint:
        """Answer a database failure with a 503 page (counted), and send the security headers with every page."""

        async def run(request: Request) -> Response:
            try:
                response = await endpoint(request)
            except DATABASE_FAILURES:
                self.metrics.database_errors.inc()
                response = self._page(request, "message.html", self._t(None), HTTPStatus.SERVICE_UNAVAILABLE,
                                      title="web.unavailable_title", text="web.unavailable")
            response.headers.update(_HEADERS)
            response.headers.setdefault("Cache-Control", "no-store")
            return response

        return run

    def _now(self) -> datetime:
        return self.app.clock()

    def _t(self, viewer: _Viewer | None) -> Translator:
        return viewer.t if viewer is not None else self.app.catalogs.get(None)

    def _nonce(self, request: Request) -> tuple[str, bool]:
        """Return the CSRF cookie's value, and whether it is new (to be set on the response)."""
        nonce = request.cookies.get(CSRF_COOKIE)
        return (nonce, False) if nonce and len(nonce) <= 64 else (new_nonce(), True)

    def _page(self, request: Request, template: str, t: Translator, status: int = HTTPStatus.OK, *,
              viewer: _Viewer | None = None, **values: Any) -> HTMLResponse:
        nonce, new = self._nonce(request)
        html = environment().get_template(template).render(
            t=t, viewer=viewer, csrf=self.signer.csrf_token(nonce), num=t.number,
            pct=lambda value: rate(t, value), **values)
        response = HTMLResponse(html, status_code=status)
        if new:
            self._cookie(response, CSRF_COOKIE, nonce, samesite="strict", max_age=None)
        return response

    def _cookie(self, response: Response, name: str, value: str, *, samesite: str, max_age: int | None) -> None:
        response.set_cookie(name, value, max_age=max_age, httponly=True, secure=self.secure,
                            samesite=samesite)  # type: ignore[arg-type]

    def _not_found(self, request: Request, viewer: _Viewer | None) -> HTMLResponse:
        return self._page(request, "message.html", self._t(viewer), HTTPStatus.NOT_FOUND, viewer=viewer,
                          title="web.not_found_title", text="web.not_found")

    def _signed_out(self, request: Request) -> HTMLResponse:
        response = self._page(request, "message.html", self._t(None), HTTPStatus.UNAUTHORIZED,
                              title="web.signed_out_title", text="web.signed_out")
        if SESSION_COOKIE in request.cookies:
            response.delete_cookie(SESSION_COOKIE, httponly=True, secure=self.secure, samesite="lax")
        return response

    async def _form(self, request: Request) -> dict[str, str] | None:
        """Return the urlencoded form if its CSRF token matches the cookie, else None."""
        length = request.headers.get("Content-Length", "")
        if not length.isdigit() or int(length) > FORM_LIMIT:
            return None
        body = await request.body()
        if len(body) > FORM_LIMIT:
            return None
        try:
            fields = parse_qs(body.decode(), max_num_fields=20, strict_parsing=False)
        except (UnicodeDecodeError, ValueError):
            return None
        form = {name: values[0] for name, values in fields.items()}
        if not self.signer.csrf_valid(request.cookies.get(CSRF_COOKIE), form.get("csrf")):
            return None
        return form

    def _refused_form(self, request: Request, viewer: _Viewer | None) -> HTMLResponse:
        return self._page(request, "message.html", self._t(viewer), HTTPStatus.FORBIDDEN, viewer=viewer,
                          title="web.form_refused_title", text="web.form_refused")

    async def _viewer(self, request: Request, session: AsyncSession) -> _Viewer | None:
        """Return who the session cookie belongs to, if they still hold a report role; else None."""
        cookie = self.signer.session(request.cookies.get(SESSION_COOKIE), now=self._now())
        if cookie is None or not await web_session_open(session, link_id=cookie.link_id,
                                                        identity_id=cookie.identity_id):
            return None
        return await self._person(session, cookie.identity_id, member_id=cookie.member_id)

    async def _person(self, session: AsyncSession, identity_id: int, *, member_id: int | None = None
                      ) -> _Viewer | None:
        """Return who the chat identity is now, if they hold a report role (and are still `member_id`, when
        given: an identity linked to someone else since is not the session's person)."""
        found = await web_person(session, identity_id=identity_id)
        if found is None:
            return None
        identity, member = found
        if member.id is None or member.status == MemberStatus.LEFT or member_id not in (None, member.id):
            return None
        roles = [(role, unit) for role, unit in await roles_of(session, member_id=member.id)
                 if role in REPORT_ROLES and unit.active]
        if not roles:
            return None
        return _Viewer(identity, member, roles, self.app.catalogs.get(identity.locale))

    async def _unit(self, session: AsyncSession, viewer: _Viewer, request: Request) -> Unit | None:
        """Return the unit the URL names if the viewer may see it; an unknown one and one outside the scope
        look the same."""
        unit_id = request.path_params["unit_id"]
        if not 0 < unit_id <= _MAX_ID:
            return None
        unit = await unit_by_id(session, unit_id=unit_id)
        return unit if unit is not None and unit.active and may_view(viewer.roles, unit) else None

    async def _viewed_unit(self, request: Request, session: AsyncSession) -> tuple[_Viewer, Unit] | Response:
        """Return who is looking and the unit the URL names, or the page to answer instead: signed out, or
        not found (an unknown unit and one outside the viewer's scope look the same)."""
        viewer = await self._viewer(request, session)
        if viewer is None:
            return self._signed_out(request)
        unit = await self._unit(session, viewer, request)
        return (viewer, unit) if unit is not None else self._not_found(request, viewer)

    async def _crumbs(self, session: AsyncSession, viewer: _Viewer, unit: Unit) -> list[Unit]:
        return breadcrumbs(await units_by_ids(session, ids=ancestor_ids(unit.path)), viewer.roles)

    # --- pages

    async def home(self, request: Request) -> Response:
        async with self.app.sessions() as session:
            viewer = await self._viewer(request, session)
        root = viewable_root(viewer.roles) if viewer is not None else None
        if root is None:
            return self._page(request, "message.html", self._t(None), title="web.home_title", text="web.home")
        return RedirectResponse(f"/u/{root.id}", status_code=HTTPStatus.SEE_OTHER)

    async def login_page(self, request: Request) -> Response:
        token = request.path_params["token"]
        async with self.app.sessions() as session:
            usable = len(token) <= 64 and await login_link_open(session, digest=token_digest(token), now=self._now())
        if not usable:
            self.metrics.logins.labels(outcome="refused").inc()
            return self._page(request, "message.html", self._t(None), HTTPStatus.NOT_FOUND,
                              title="web.link_gone_title", text="web.link_gone")
        return self._page(request, "login.html", self._t(None), token=token)

    async def login(self, request: Request) -> Response:
        form = await self._form(request)
        if form is None:
            return self._refused_form(request, None)
        token, now = form.get("token", ""), self._now()
        async with self.app.sessions() as session, session.begin():
            used = await use_login_link(session, digest=token_digest(token), now=now) \
                if 0 < len(token) <= 64 else None
            viewer = await self._person(session, used[1]) if used is not None else None
        if used is None:
            self.metrics.logins.labels(outcome="refused").inc()
            return self._page(request, "message.html", self._t(None), HTTPStatus.NOT_FOUND,
                              title="web.link_gone_title", text="web.link_gone")
        if viewer is None:  # the role was taken away between /web and the click
            self.metrics.logins.labels(outcome="no_role").inc()
            return self._signed_out(request)
        assert viewer.identity.id is not None and viewer.member.id is not None
        self.metrics.logins.labels(outcome="ok").inc()
        response = RedirectResponse("/", status_code=HTTPStatus.SEE_OTHER)
        cookie = self.signer.session_cookie(Session(viewer.identity.id, viewer.member.id, used[0]), now=now)
        self._cookie(response, SESSION_COOKIE, cookie, samesite="lax", max_age=int(SESSION_TTL.total_seconds()))
        self._cookie(response, CSRF_COOKIE, new_nonce(), samesite="strict", max_age=None)
        return response

    async def logout(self, request: Request) -> Response:
        """End the session on the server (a stolen copy of the cookie stops working too) and drop the cookie."""
        if await self._form(request) is None:
            return self._refused_form(request, None)
        cookie = self.signer.session(request.cookies.get(SESSION_COOKIE), now=self._now())
        if cookie is not None:
            async with self.app.sessions() as session, session.begin():
                await end_web_session(session, link_id=cookie.link_id, identity_id=cookie.identity_id)
        response = RedirectResponse("/", status_code=HTTPStatus.SEE_OTHER)
        response.delete_cookie(SESSION_COOKIE, httponly=True, secure=self.secure, samesite="lax")
        return response

    async def report(self, request: Request) -> Response:
        async with self.app.sessions() as session:
            viewed = await self._viewed_unit(request, session)
            if isinstance(viewed, Response):
                return viewed
            viewer, unit = viewed
            today = self._now().astimezone(self.app.tz).date()
            period = read_period(request.query_params.get("period"), today=today)
            report = await report_for(session, unit=unit, period=period, calendar=self.app.calendar,
                                      tz=self.app.tz)
            crumbs = await self._crumbs(session, viewer, unit)
        t = viewer.t
        sort = request.query_params.get("sort")
        descending = request.query_params.get("dir") != "asc"
        rows = sorted_children(report.children, key=sort, descending=descending)
        return self._page(
            request, "report.html", t, viewer=viewer, unit=unit, report=report, crumbs=crumbs, rows=rows,
            period=period, period_name=period_label(t, period), periods=period_choices(t, today=today),
            columns=SORTS.values(), sort=sort if sort in SORTS else None, descending=descending,
            chart=self._file_link(unit, period, "png", t), workbook=self._file_link(unit, period, "xlsx", t),
            sensitive=sensitive_texts(t, report),
        )

    async def late(self, request: Request) -> Response:
        calendar = self.app.calendar
        async with self.app.sessions() as session:
            viewed = await self._viewed_unit(request, session)
            if isinstance(viewed, Response):
                return viewed
            viewer, unit = viewed
            today = self._now().astimezone(self.app.tz).date()
            period = calendar.last_overdue(today)
            args: dict[str, Any] = {"period": period.code, "deadline_end": calendar.deadline_end(period, self.app.tz),
                                    "root_path": unit.path}
            count = await late_branch_count(session, **args)
            rows = await late_branches(session, limit=MAX_LATE, **args)
            reachable = await secretaries_reachable(session, unit_ids=[row.unit_id for row in rows])
            crumbs = await self._crumbs(session, viewer, unit)
        t = viewer.t
        return self._page(request, "late.html", t, viewer=viewer, unit=unit, crumbs=crumbs, rows=rows,
                          count=count, reachable=reachable, period_name=period_label(t, period),
                          deadline=t.date(calendar.deadline(period)), tz=self.app.tz)

    async def targets(self, request: Request) -> Response:
        form: dict[str, str] | None = None
        if request.method == "POST":
            form = await self._form(request)
            if form is None:
                return self._refused_form(request, None)
        today = self._now().astimezone(self.app.tz).date()
        year = _year(form.get("year") if form else request.query_params.get("year"), default=today.year)
        async with self.app.sessions() as session, session.begin():
            viewed = await self._viewed_unit(request, session)
            if isinstance(viewed, Response):
                return viewed
            viewer, unit = viewed
            children = list(await child_units(session, root=unit))
            settable = {child.id for child in children if child.id is not None and _may_set(viewer.roles, child)}
            notice: tuple[str, dict[str, Any]] | None = None
            status = HTTPStatus.OK
            if form is not None:
                notice, status = await self._save_targets(session, viewer, children, settable, form, year)
            values = await targets_for(session, unit_ids=[c.id for c in children if c.id is not None], year=year)
            crumbs = await self._crumbs(session, viewer, unit)
        return self._page(request, "targets.html", viewer.t, status, viewer=viewer, unit=unit, crumbs=crumbs,
                          children=children, values=values, settable=settable, year=year, notice=notice,
                          metrics=list(TargetMetric), years=range(today.year + 1, today.year - 3, -1))

    async def _save_targets(
        self, session: AsyncSession, viewer: _Viewer, children: list[Unit], settable: set[int], form: dict[str, str],
        year: int,
    ) -> tuple[tuple[str, dict[str, Any]], HTTPStatus]:
        """Set the targets a child's form sent (blank fields left as they are); return the notice and status."""
        child = next((c for c in children if str(c.id) == form.get("unit")), None)
        member_id, now = viewer.member.id, self._now()
        assert member_id is not None
        if child is None or child.id is None or child.id not in settable:
            return ("web.targets_not_allowed", {}), HTTPStatus.FORBIDDEN
        since = now - timedelta(minutes=1)
        if await actions_since(session, actor_member_id=member_id, action="target.set", since=since) \
                >= TARGETS_PER_MINUTE:
            return ("web.too_fast", {}), HTTPStatus.TOO_MANY_REQUESTS
        try:
            given = {metric: parse_target(text) for metric in TargetMetric
                     if (text := form.get(metric.value, "").strip())}
        except Invalid:
            values = {"unit": child.name, "limit": viewer.t.number(TARGET_MAX)}
            return ("web.targets_bad_value", values), HTTPStatus.BAD_REQUEST
        for metric, value in given.items():
            await set_target(session, unit_id=child.id, year=year, metric=metric, value=value, set_by=member_id,
                             at=now)
            await audit.record(session, actor_member_id=member_id, action="target.set",
                               target=f"unit:{child.id}:{year}:{metric.value}", at=now)
        return ("web.targets_saved" if given else "web.targets_nothing", {"unit": child.name}), HTTPStatus.OK

    async def file(self, request: Request) -> Response:
        now = self._now()
        payload = self.signer.unsign(FILE_PURPOSE, request.path_params["token"], now=now)
        kept = payload.get("f") if payload is not None else None
        if isinstance(kept, int) and 0 < kept <= _MAX_ID:
            return await self._kept_file(request, kept)
        spec = _FileSpec.of(payload) if payload is not None else None
        if spec is None:
            return self._file_gone(request)
        async with self.app.sessions() as session:
            unit = await unit_by_id(session, unit_id=spec.unit_id)
            if unit is None or not unit.active:
                return self._file_gone(request)
            report = await report_for(session, unit=unit, period=spec.period, calendar=self.app.calendar,
                                      tz=self.app.tz)
        t = self.app.catalogs.get(spec.locale)
        name = f"baocao-{unit.code}-{spec.period.code}.{spec.kind}"
        self.metrics.files.labels(kind=spec.kind).inc()
        if spec.kind == "png":
            chart = await asyncio.to_thread(render_chart, t, report)
            return Response(chart, media_type=_PNG, headers={"Content-Disposition": f'inline; filename="{name}"',
                                                             "Cache-Control": "private, max-age=300"})
        today = now.astimezone(self.app.tz).date()
        workbook = await asyncio.to_thread(render_workbook, t, report, today=today)
        return Response(workbook, media_type=_XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'})

    async def _kept_file(self, request: Request, file_id: int) -> Response:
        """Serve a file a channel put at a link (`bot.web.files`)."""
        async with self.app.sessions() as session:
            found = await shared_file(session, file_id=file_id, now=self._now())
        if found is None:
            return self._file_gone(request)
        self.metrics.files.labels(kind="kept").inc()
        shown = "inline" if found.mime_type.startswith("image/") else "attachment"
        name = "".join(ch for ch in found.filename if ch.isascii() and (ch.isalnum() or ch in "-_.")) or "file"
        return Response(found.content, media_type=found.mime_type,
                        headers={"Content-Disposition": f'{shown}; filename="{name}"',
                                 "Cache-Control": "private, max-age=300"})

    def _file_gone(self, request: Request) -> HTMLResponse:
        return self._page(request, "message.html", self._t(None), HTTPStatus.NOT_FOUND,
                          title="web.file_gone_title", text="web.file_gone")

    def _file_link(self, unit: Unit, period: Period, kind: str, t: Translator) -> str:
        token = self.signer.sign(FILE_PURPOSE, {"u": unit.id, "p": period.code, "k": kind, "l": t.locale},
                                 expires=self._now() + FILE_TTL)
        return f"/f/{token}"

    async def no_icon(self, request: Request) -> Response:
        # Browsers ask for it on every site; answering "nothing here" keeps their consoles free of 404s.
        return Response(status_code=HTTPStatus.NO_CONTENT, headers={"Cache-Control": "public, max-age=86400"})

    async def stylesheet(self, request: Request) -> Response:
        return Response(self.css, media_type="text/css", headers={"Cache-Control": "public, max-age=3600"})


@dataclass(frozen=True, slots=True)
class _FileSpec:
    """What a signed file link names: a unit's report for a period, as a chart or a workbook, in a language."""

    unit_id: int
    period: Period
    kind: str
    locale: str

    @classmethod
    def of(cls, payload: dict[str, Any]) -> _FileSpec | None:
        unit_id, period, kind, locale = (payload.get(k) for k in ("u", "p", "k", "l"))
        if not isinstance(unit_id, int) or kind not in ("png", "xlsx") or not isinstance(locale, str) \
                or not isinstance(period, str):
            return None
        try:
            return cls(unit_id, Period.parse(period), kind, locale)
        except ValueError:
            return None


def _may_set(roles: Sequence[tuple[str, Unit]], unit: Unit) -> bool:
    """Tell whether the roles let their holder set `unit`'s targets: officer or admin strictly above it."""
    return any(role in TARGET_ROLES and held.id != unit.id and unit.path.startswith(held.path) for role, held in roles)


def _year(text: str | None, *, default: int) -> int:
    """Return the year a form or query names when it is a plausible one (near `default`), else `default`."""
    if text and text.isascii() and text.isdigit() and len(text) == 4 and abs(int(text) - default) <= 3:
        return int(text)
    return default
