"""A subscriber's invoices and payments, newest first, a page at a time."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from billing.models import Invoice, Payment
from billing.repository import Invoices, Payments
from career_kit.context import signed_in_user
from career_kit.pagination import Page


class PaymentHistory:
    async def invoices(self, session: AsyncSession, *, caller_id: str | None,
                       page: Page) -> list[Invoice]:
        return await Invoices(session).page(signed_in_user(caller_id), page)

    async def payments(self, session: AsyncSession, *, caller_id: str | None,
                       page: Page) -> list[Payment]:
        return await Payments(session).page(signed_in_user(caller_id), page)
