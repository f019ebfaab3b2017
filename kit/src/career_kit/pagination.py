"""Lists a page at a time, the same way in every service (career.common.v1.PageRequest).

Keyset pagination, newest first: a page is read as `page_size + 1` rows ordered by
(created, key) descending, strictly before the cursor; the extra row says another page follows,
and the last row shown becomes the cursor of the next page. Unlike an offset, a cursor neither
skips nor repeats a row when new rows arrive between two pages. The page token is opaque to
clients (URL-safe base64 of the last row's time and key); a token that does not decode is
INVALID_ARGUMENT.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from career.common.v1 import pagination_pb2
from career_kit.errors import InvalidArgument

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100

R = TypeVar("R")


@dataclass(frozen=True)
class Cursor:
    """Where a page ends: the (created, key) of its last row."""

    created: datetime
    key: str

    def token(self) -> str:
        return base64.urlsafe_b64encode(f"{self.created.isoformat()}|{self.key}".encode()
                                        ).decode()

    @classmethod
    def of(cls, token: str) -> Cursor | None:
        """The cursor a page token stands for; None for the first page (empty token)."""
        if not token:
            return None
        try:
            created, key = base64.urlsafe_b64decode(token.encode()).decode().split("|", 1)
            return cls(datetime.fromisoformat(created), key)
        except (ValueError, UnicodeDecodeError):
            raise InvalidArgument("page_token is not valid") from None


@dataclass(frozen=True)
class Page:
    """What a repository needs to read one page: how many rows (one past the page) and
    before which cursor."""

    size: int
    before: Cursor | None

    @classmethod
    def of(cls, request: pagination_pb2.PageRequest) -> Page:
        """The page a PageRequest asks for: its size defaulted and capped (a negative one is
        INVALID_ARGUMENT), its token decoded."""
        if request.page_size < 0:
            raise InvalidArgument("page_size must not be negative")
        size = min(request.page_size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
        return cls(size, Cursor.of(request.page_token))

    @property
    def rows_to_read(self) -> int:
        """A page and one row more, to tell whether another page follows."""
        return self.size + 1

    def cut(self, rows: Sequence[R], cursor_of: Callable[[R], Cursor]
            ) -> tuple[list[R], pagination_pb2.PageResponse]:
        """The rows to show and the PageResponse (with the next page's token when the extra
        row came back)."""
        shown = list(rows[:self.size])
        token = cursor_of(shown[-1]).token() if len(rows) > self.size else ""
        return shown, pagination_pb2.PageResponse(next_page_token=token)

