"""Who may do what with a CV: its owner everything; a collaborator what their grant's role
allows (viewer < commenter < editor); anybody else nothing, and for them the CV does not exist
(NOT_FOUND, never PERMISSION_DENIED), so ids cannot be probed. Owner-only actions (delete,
trash, share links, grants) are `need="owner"`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from career_kit.errors import NotFound, PermissionDenied
from cv.models import Cv
from cv.repository import Cvs, Grants

ROLES = ("viewer", "commenter", "editor")
_RANK = {"viewer": 0, "commenter": 1, "editor": 2, "owner": 3}
_VERBS = {"commenter": "comment on", "editor": "edit", "owner": "manage"}


@dataclass(frozen=True)
class Access:
    cv: Cv
    role: str  # "owner" or a grant's role


async def cv_for(session: AsyncSession, user_id: uuid.UUID, cv_id: uuid.UUID, *,
                 need: str = "viewer", for_update: bool = False,
                 trashed: bool = False) -> Access:
    """The CV with the caller's role, if that role is at least `need`. A CV in the trash is
    only its owner's (`trashed=True` to reach it)."""
    cv = await Cvs(session).get(cv_id, for_update=for_update)
    if cv is None or (cv.deleted_at is not None) != trashed:
        raise NotFound("There is no such CV.")
    if cv.owner_id == user_id:
        role = "owner"
    else:
        grant = None if trashed else await Grants(session).get(cv_id, user_id)
        if grant is None:
            raise NotFound("There is no such CV.")
        role = grant.role
    if _RANK[role] < _RANK[need]:
        raise PermissionDenied(
            f"As {role} of this CV you cannot {_VERBS[need]} it; its owner can change your role.",
            problem_type="cv-role")
    return Access(cv, role)
