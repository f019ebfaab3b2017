"""Collaboration (Premium's "Team collaboration"): the owner shares a CV with another user by
their account e-mail as viewer, commenter or editor, and takes it back; collaborators comment
on sections and resolve comments. An editor's saves go through CvService like the owner's."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from career_kit.errors import InvalidArgument, NotFound, PermissionDenied
from career_kit.pagination import Page
from cv.access import ROLES, cv_for
from cv.content.fields import CUSTOM_ID, CUSTOM_REF_PREFIX, FORBIDDEN_CHARS, SECTIONS
from cv.models import Cv, CvComment, CvGrant, Person
from cv.repository import Comments, Grants, People

MAX_COLLABORATORS = 20
MAX_COMMENT_CHARS = 2000
MAX_COMMENTS = 500  # per CV


def _section(section: str) -> str:
    custom = section.removeprefix(CUSTOM_REF_PREFIX)
    if section in SECTIONS or (custom != section and CUSTOM_ID.fullmatch(custom)):
        return section
    raise InvalidArgument(f"section must be one of {', '.join(SECTIONS)} or custom:<id>")


class Collaboration:
    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.clock = clock

    async def share(self, session: AsyncSession, owner_id: uuid.UUID, cv_id: uuid.UUID, *,
                    email: str, role: str) -> tuple[CvGrant, Person]:
        if role not in ROLES:
            raise InvalidArgument(f"role must be one of {', '.join(ROLES)}")
        await cv_for(session, owner_id, cv_id, need="owner", for_update=True)
        person = await People(session).by_email(email.strip())
        if person is None:
            raise NotFound("There is no Career Tools account with that e-mail address; ask "
                           "them to sign up first.", problem_type="no-such-account")
        if person.user_id == owner_id:
            raise InvalidArgument("The CV is already yours.")
        grants = Grants(session)
        current = await grants.of_cv(cv_id)
        if (len(current) >= MAX_COLLABORATORS
                and all(grant.user_id != person.user_id for grant, _ in current)):
            raise InvalidArgument(f"A CV can be shared with at most {MAX_COLLABORATORS} people.")
        grant = CvGrant(cv_id=cv_id, user_id=person.user_id, role=role,
                        granted_at=self.clock())
        await grants.put(grant)
        return (await grants.get(cv_id, person.user_id)), person

    async def collaborators(self, session: AsyncSession, user_id: uuid.UUID,
                            cv_id: uuid.UUID) -> list[tuple[CvGrant, Person | None]]:
        await cv_for(session, user_id, cv_id)
        return await Grants(session).of_cv(cv_id)

    async def unshare(self, session: AsyncSession, user_id: uuid.UUID, cv_id: uuid.UUID,
                      collaborator_id: uuid.UUID) -> None:
        access = await cv_for(session, user_id, cv_id)
        if access.role != "owner" and collaborator_id != user_id:
            raise PermissionDenied("Only the CV's owner can remove other collaborators.",
                                   problem_type="cv-role")
        if not await Grants(session).remove(cv_id, collaborator_id):
            raise NotFound("The CV is not shared with that user.")

    async def shared_with(self, session: AsyncSession, user_id: uuid.UUID,
                          page: Page) -> list[tuple[Cv, str]]:
        return await Grants(session).shared_with(user_id, page)

    # -- comments --------------------------------------------------------------------------

    async def comment(self, session: AsyncSession, user_id: uuid.UUID, cv_id: uuid.UUID, *,
                      section: str, body: str) -> CvComment:
        await cv_for(session, user_id, cv_id, need="commenter", for_update=True)
        body = body.strip().replace("\r\n", "\n")
        if not body or len(body) > MAX_COMMENT_CHARS or FORBIDDEN_CHARS.search(body):
            raise InvalidArgument(f"body must be 1 to {MAX_COMMENT_CHARS} characters of text")
        comments = Comments(session)
        if await comments.count_of_cv(cv_id) >= MAX_COMMENTS:
            raise InvalidArgument(f"A CV can hold at most {MAX_COMMENTS} comments; delete "
                                  "resolved ones.")
        comment = CvComment(id=uuid.uuid4(), cv_id=cv_id, section=_section(section),
                            author_id=user_id, body=body, created_at=self.clock())
        await comments.add(comment)
        return comment

    async def comments(self, session: AsyncSession, user_id: uuid.UUID, cv_id: uuid.UUID, *,
                       section: str, include_resolved: bool) -> list[CvComment]:
        await cv_for(session, user_id, cv_id)
        return await Comments(session).of_cv(cv_id, section=section and _section(section),
                                              include_resolved=include_resolved)

    async def resolve(self, session: AsyncSession, user_id: uuid.UUID, cv_id: uuid.UUID,
                      comment_id: uuid.UUID, *, resolved: bool) -> CvComment:
        await cv_for(session, user_id, cv_id, need="commenter")
        comment = await self._comment(session, cv_id, comment_id)
        if resolved and comment.resolved_at is None:
            comment.resolved_at, comment.resolved_by = self.clock(), user_id
        elif not resolved:
            comment.resolved_at, comment.resolved_by = None, None
        return comment

    async def delete_comment(self, session: AsyncSession, user_id: uuid.UUID,
                             cv_id: uuid.UUID, comment_id: uuid.UUID) -> None:
        access = await cv_for(session, user_id, cv_id)
        comment = await self._comment(session, cv_id, comment_id)
        if comment.author_id != user_id and access.role != "owner":
            raise PermissionDenied("Only its author or the CV's owner can delete a comment.",
                                   problem_type="cv-role")
        await Comments(session).remove(comment)

    @staticmethod
    async def _comment(session: AsyncSession, cv_id: uuid.UUID,
                       comment_id: uuid.UUID) -> CvComment:
        comment = await Comments(session).get(cv_id, comment_id, for_update=True)
        if comment is None:
            raise NotFound("The CV has no such comment.")
        return comment
