"""The rules of the cv service: CVs with validated content, saves that name the version they
were made on, versions (autosaves coalesced), the design (template and options, premium
templates behind the plan), completion, the trash and its purge. No gRPC types. Who may do
what is `cv.access`; exports, links and collaboration have their own modules.

A save increases the CV's `version` (the concurrency token the gateway shows as the ETag) and
records what was saved in `cv_versions`, unless the newest recorded version is the same
author's from less than the autosave window ago: then that one is replaced, so an editor that
saves every few seconds leaves one version per pause, not hundreds.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from career_kit.context import id_argument
from career_kit.conversions import utc_now
from career_kit.errors import FailedPrecondition, InvalidArgument, NotFound
from career_kit.events import Outbox
from career_kit.pagination import Page
from career_kit.unit_of_work import UnitOfWork
from cv import events
from cv.access import Access, cv_for
from cv.completion import is_complete
from cv.config import Settings
from cv.content.schema import ContentInvalid, blank_content, validate_content, validate_section
from cv.export_store import ExportStore
from cv.models import Cv, CvVersion
from cv.photos import Photos
from cv.plans import PlanGate
from cv.render.options import OptionsInvalid, parse_options
from cv.render.templates import DEFAULT_TEMPLATE, TEMPLATES
from cv.repository import AiCalls, Comments, Cvs, ExportFiles, Grants, People, Versions

log = logging.getLogger(__name__)

MAX_TITLE = 200
PURGE_BATCH = 100


def _json(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise InvalidArgument(f"{what} is not valid JSON: {exc}") from None


def _invalid(exc: ContentInvalid) -> InvalidArgument:
    # 422 at the gateway (problem type invalid-content), naming the field.
    return InvalidArgument(str(exc), problem_type="invalid-content")


def _title(title: str) -> str:
    title = title.strip()
    if len(title) > MAX_TITLE or any(ord(ch) < 32 for ch in title):
        raise InvalidArgument(f"title must be at most {MAX_TITLE} characters of plain text")
    return title or "Untitled CV"


def _template(template: str) -> str:
    template = template or DEFAULT_TEMPLATE
    if template not in TEMPLATES:
        raise InvalidArgument(f"template must be one of {', '.join(TEMPLATES)}")
    return template


def _options(options_json: str) -> dict[str, Any]:
    """Options as stored: only what the user set (defaults stay defaults as they change)."""
    if not options_json:
        return {}
    data = _json(options_json, "options_json")
    try:
        parse_options(data)
    except OptionsInvalid as exc:
        raise InvalidArgument(str(exc), problem_type="invalid-content") from None
    return data


class CvService:
    def __init__(self, unit: UnitOfWork, outbox: Outbox, settings: Settings, plans: PlanGate,
                 photos: Photos, exports: ExportStore,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self.unit = unit
        self.outbox = outbox
        self.settings = settings
        self.plans = plans
        self.photos = photos
        self.exports = exports
        self.clock = clock

    # -- CVs -------------------------------------------------------------------------------

    async def get(self, session: AsyncSession, user_id: uuid.UUID, cv_id: uuid.UUID) -> Access:
        return await cv_for(session, user_id, cv_id)

    async def create(self, session: AsyncSession, owner_id: uuid.UUID, *, title: str,
                     template: str, content_json: str, copy_of: str,
                     options_json: str = "") -> Cv:
        options = _options(options_json)
        if copy_of:
            source = (await cv_for(session, owner_id, id_argument(copy_of, "copy_of"),
                                   need="owner")).cv
            title = title or f"{source.title} (copy)"
            template, content = template or source.template, source.content
            options = options or source.options
        else:
            try:
                content = (validate_content(_json(content_json, "content_json"))
                           if content_json else blank_content())
            except ContentInvalid as exc:
                raise _invalid(exc) from None
        template = _template(template)
        await self.plans.require_template(owner_id, template)
        return await self.add_cv(session, owner_id, title=title, template=template,
                                 content=content, options=options)

    async def add_cv(self, session: AsyncSession, owner_id: uuid.UUID, *, title: str,
                     template: str, content: dict[str, Any], options: dict[str, Any]) -> Cv:
        """Store a new CV from checked parts (its first version, cv.created)."""
        now = self.clock()
        cv = Cv(id=uuid.uuid4(), owner_id=owner_id, title=_title(title), template=template,
                content=content, options=options, version=1, download_count=0,
                created_at=now, updated_at=now)
        if content.get("photo"):
            await self.photos.attach(owner_id, cv.id, content["photo"])
        await Cvs(session).add(cv)
        await Versions(session).add(CvVersion(
            cv_id=cv.id, version=1, author_id=owner_id, title=cv.title, template=cv.template,
            content=content, options=options, created_at=now, saved_at=now))
        await self.outbox.add(session, events.cv_created(cv))
        await self._note_completion(session, cv)
        return cv

    async def page(self, session: AsyncSession, owner_id: uuid.UUID, page: Page, *,
                   trashed: bool = False) -> list[Cv]:
        return await Cvs(session).page_of_owner(owner_id, page, trashed=trashed)

    async def replace(self, session: AsyncSession, user_id: uuid.UUID, cv_id: uuid.UUID, *,
                      expected_version: int, title: str, template: str,
                      content_json: str) -> Access:
        access = await self._for_write(session, user_id, cv_id, expected_version)
        try:
            content = validate_content(_json(content_json, "content_json"))
        except ContentInvalid as exc:
            raise _invalid(exc) from None
        template = _template(template)
        if template != access.cv.template:
            await self.plans.require_template(access.cv.owner_id, template)
        await self._save(session, access.cv, user_id, title=_title(title), template=template,
                         content=content)
        return access

    async def update_section(self, session: AsyncSession, user_id: uuid.UUID,
                             cv_id: uuid.UUID, *, expected_version: int, section: str,
                             value_json: str) -> Access:
        access = await self._for_write(session, user_id, cv_id, expected_version)
        cv = access.cv
        try:
            value = validate_section(section, _json(value_json, "value_json"))
            content = validate_content({**cv.content, section: value})
        except ContentInvalid as exc:
            raise _invalid(exc) from None
        await self._save(session, cv, user_id, title=cv.title, template=cv.template,
                         content=content)
        return access

    async def set_design(self, session: AsyncSession, user_id: uuid.UUID, cv_id: uuid.UUID, *,
                         expected_version: int, template: str, options_json: str) -> Access:
        """Template and render options, saved as a version like any edit."""
        access = await self._for_write(session, user_id, cv_id, expected_version)
        cv = access.cv
        template = _template(template or cv.template)
        options = _options(options_json)
        if template != cv.template:
            await self.plans.require_template(cv.owner_id, template)
        await self._save(session, cv, user_id, title=cv.title, template=template,
                         content=cv.content, options=options)
        return access

    async def _for_write(self, session: AsyncSession, user_id: uuid.UUID, cv_id: uuid.UUID,
                         expected_version: int) -> Access:
        access = await cv_for(session, user_id, cv_id, need="editor", for_update=True)
        cv = access.cv
        if expected_version <= 0:
            raise InvalidArgument("expected_version must name the version this edit was made "
                                  "on (If-Match)")
        if cv.version != expected_version:
            raise FailedPrecondition(
                f"The CV was saved since (version {cv.version}, this edit was made on "
                f"{expected_version}); reload it and apply the edit again.",
                problem_type="stale-version")
        return access

    async def _save(self, session: AsyncSession, cv: Cv, author_id: uuid.UUID, *, title: str,
                    template: str, content: dict[str, Any],
                    options: dict[str, Any] | None = None, coalesce: bool = True) -> None:
        now = self.clock()
        if content.get("photo") and content["photo"] != cv.content.get("photo"):
            await self.photos.attach(cv.owner_id, cv.id, content["photo"])
        cv.version += 1
        cv.title, cv.template, cv.content, cv.updated_at = title, template, content, now
        if options is not None:
            cv.options = options
        versions = Versions(session)
        newest = await versions.newest(cv.id)
        saved = CvVersion(cv_id=cv.id, version=cv.version, author_id=author_id, title=title,
                          template=template, content=content, options=cv.options,
                          created_at=now, saved_at=now)
        window = timedelta(seconds=self.settings.autosave_window_seconds)
        # Version 1 (the CV as created) is never folded into: it is what "start over" restores.
        if (coalesce and newest is not None and newest.author_id == author_id
                and now - newest.created_at < window and newest.version != 1):
            saved.created_at = newest.created_at
            await versions.replace(newest, saved)
        else:
            await versions.add(saved)
        await self.outbox.add(session, events.cv_updated(cv, author_id))
        await self._note_completion(session, cv)

    async def _note_completion(self, session: AsyncSession, cv: Cv) -> None:
        """cv.completed, once per CV: the first save that makes it complete."""
        if cv.completed_at is None and is_complete(cv.content):
            cv.completed_at = self.clock()
            await session.flush()
            await self.outbox.add(session, events.cv_completed(cv))

    # -- trash -----------------------------------------------------------------------------

    async def delete(self, session: AsyncSession, owner_id: uuid.UUID, cv_id: uuid.UUID, *,
                     expected_version: int) -> None:
        cv = (await cv_for(session, owner_id, cv_id, need="owner", for_update=True)).cv
        if expected_version and cv.version != expected_version:
            raise FailedPrecondition("The CV was saved since; reload it before deleting it.",
                                     problem_type="stale-version")
        cv.deleted_at = self.clock()

    async def restore(self, session: AsyncSession, owner_id: uuid.UUID,
                      cv_id: uuid.UUID) -> Cv:
        cv = (await cv_for(session, owner_id, cv_id, need="owner", for_update=True,
                           trashed=True)).cv
        cv.deleted_at = None
        cv.updated_at = self.clock()
        return cv

    async def purge_trash(self) -> int:
        """Delete for good up to a batch of CVs in the trash for longer than the setting."""
        cutoff = self.clock() - timedelta(seconds=self.settings.trash_retention_seconds)

        async def purge(session: AsyncSession) -> list[tuple[Cv, set[str], list[uuid.UUID]]]:
            cvs = Cvs(session)
            expired = await cvs.trashed_before(cutoff, PURGE_BATCH)
            purged = [(cv, await Versions(session).photos_of(cv.id),
                       await ExportFiles(session).files_of(cv.id)) for cv in expired]
            for cv in expired:
                await cvs.remove(cv)
            return purged

        purged = await self.unit(purge)
        # After the commit: a photo is released only once no CV can bring it back.
        for cv, photos, exports in purged:
            await self.photos.release(cv.owner_id, cv.id, photos)
            await self.exports.release(cv.owner_id, cv.id, exports)
        return len(purged)

    async def run_purge(self) -> None:
        """The background job: purge what is due, then wait for the next interval."""
        while True:
            try:
                while await self.purge_trash() == PURGE_BATCH:
                    pass
            except Exception:
                log.exception("trash purge failed")
            await asyncio.sleep(self.settings.purge_interval_seconds)

    # -- versions --------------------------------------------------------------------------

    async def versions(self, session: AsyncSession, user_id: uuid.UUID, cv_id: uuid.UUID,
                       page: Page) -> list[CvVersion]:
        await cv_for(session, user_id, cv_id)
        return await Versions(session).page_of(cv_id, page)

    async def version(self, session: AsyncSession, user_id: uuid.UUID, cv_id: uuid.UUID,
                      number: int) -> CvVersion:
        await cv_for(session, user_id, cv_id)
        found = await Versions(session).get(cv_id, number)
        if found is None:
            raise NotFound(f"The CV has no version {number}.")
        return found

    async def restore_version(self, session: AsyncSession, user_id: uuid.UUID,
                              cv_id: uuid.UUID, number: int, *,
                              expected_version: int) -> Access:
        access = await self._for_write(session, user_id, cv_id, expected_version)
        old = await Versions(session).get(cv_id, number)
        if old is None:
            raise NotFound(f"The CV has no version {number}.")
        # Its own version, never folded into an autosave: a restore is a deliberate step back.
        await self._save(session, access.cv, user_id, title=old.title, template=old.template,
                         content=old.content, options=old.options, coalesce=False)
        return access

    # -- erasure ---------------------------------------------------------------------------

    async def erase_user(self, session: AsyncSession, user_id: str) -> None:
        """user.deleted: every CV of the user and, with them, every version, link, grant,
        comment and cover letter on them; the user's grants on others' CVs, their comments
        there, their AI usage, and what the service knew of them."""
        user = uuid.UUID(user_id)
        await Cvs(session).erase_owner(user)
        await Grants(session).erase_user(user)
        await Comments(session).erase_author(user)
        await People(session).remove(user)
        await AiCalls(session).erase_user(user)
