"""Adapters for the HTTP e-mail APIs: Resend, SendGrid, Mailgun and Amazon SES v2."""

from __future__ import annotations

import json

import httpx
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from notify.email.base import OutgoingEmail, PermanentSendError, TransientSendError


def _raise_for_status(provider: str, response: httpx.Response) -> None:
    if response.is_success:
        return
    detail = f"{provider} answered {response.status_code}: {response.text[:500]}"
    if response.status_code in (408, 429) or response.status_code >= 500:
        raise TransientSendError(detail)
    raise PermanentSendError(detail)


class _HttpSender:
    name = "http"

    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        self.client = httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout)

    async def _post(self, url: str, **kwargs) -> httpx.Response:
        try:
            response = await self.client.post(url, **kwargs)
        except httpx.TransportError as exc:  # connection refused/reset, timeouts
            raise TransientSendError(f"{self.name}: {exc!r}") from exc
        _raise_for_status(self.name, response)
        return response

    async def aclose(self) -> None:
        await self.client.aclose()


class ResendSender(_HttpSender):
    """`POST /emails` with a Bearer key; the idempotency key makes a retried send harmless."""

    name = "resend"

    def __init__(self, api_key: str, base_url: str = "https://api.resend.com",
                 timeout: float = 10.0) -> None:
        super().__init__(base_url, timeout)
        self.api_key = api_key

    async def send(self, message: OutgoingEmail) -> str:
        body = {"from": message.sender, "to": [message.to], "subject": message.subject,
                "html": message.html, "text": message.text}
        if message.headers:
            body["headers"] = message.headers
        if message.tags:
            body["tags"] = [{"name": k, "value": v} for k, v in message.tags.items()]
        headers = {"Authorization": f"Bearer {self.api_key}"}
        if message.idempotency_key:
            headers["Idempotency-Key"] = message.idempotency_key
        response = await self._post("/emails", json=body, headers=headers)
        return response.json()["id"]


class SendGridSender(_HttpSender):
    """`POST /v3/mail/send`: 202 with an empty body, the id in `X-Message-Id`."""

    name = "sendgrid"

    def __init__(self, api_key: str, base_url: str = "https://api.sendgrid.com",
                 timeout: float = 10.0) -> None:
        super().__init__(base_url, timeout)
        self.api_key = api_key

    async def send(self, message: OutgoingEmail) -> str:
        name, _, address = _split_address(message.sender)
        sender = {"email": address, **({"name": name} if name else {})}
        body: dict = {
            "personalizations": [{"to": [{"email": message.to}]}],
            "from": sender,
            "subject": message.subject,
            # SendGrid requires text/plain before text/html.
            "content": [{"type": "text/plain", "value": message.text},
                        {"type": "text/html", "value": message.html}],
        }
        if message.headers:
            body["headers"] = message.headers
        if message.tags or message.idempotency_key:
            body["custom_args"] = {**message.tags, **(
                {"idempotency_key": message.idempotency_key} if message.idempotency_key else {})}
        response = await self._post("/v3/mail/send", json=body,
                                    headers={"Authorization": f"Bearer {self.api_key}"})
        return response.headers.get("X-Message-Id", "")


class MailgunSender(_HttpSender):
    """`POST /v3/{domain}/messages`, Basic `api:KEY`, multipart/form-data."""

    name = "mailgun"

    def __init__(self, api_key: str, domain: str, base_url: str = "https://api.mailgun.net",
                 timeout: float = 10.0) -> None:
        super().__init__(base_url, timeout)
        self.api_key = api_key
        self.domain = domain

    async def send(self, message: OutgoingEmail) -> str:
        fields: list[tuple[str, str]] = [
            ("from", message.sender), ("to", message.to), ("subject", message.subject),
            ("text", message.text), ("html", message.html),
        ]
        fields += [(f"h:{k}", v) for k, v in message.headers.items()]
        fields += [(f"v:{k}", v) for k, v in message.tags.items()]
        fields += [("o:tag", v) for v in message.tags.values()]
        if message.idempotency_key:
            fields.append(("v:idempotency-key", message.idempotency_key))
        # (name, (None, value)) entries make httpx send multipart/form-data without files.
        files = [(k, (None, v.encode())) for k, v in fields]
        response = await self._post(f"/v3/{self.domain}/messages", files=files,
                                    auth=("api", self.api_key))
        return response.json()["id"]


class SesSender(_HttpSender):
    """SES v2 `POST /v2/email/outbound-emails`, signed with SigV4 (service `ses`)."""

    name = "ses"

    def __init__(self, access_key_id: str, secret_access_key: str, region: str,
                 base_url: str | None = None, timeout: float = 10.0) -> None:
        super().__init__(base_url or f"https://email.{region}.amazonaws.com", timeout)
        self.credentials = Credentials(access_key_id, secret_access_key)
        self.region = region

    async def send(self, message: OutgoingEmail) -> str:
        simple: dict = {
            "Subject": {"Data": message.subject, "Charset": "UTF-8"},
            "Body": {"Text": {"Data": message.text, "Charset": "UTF-8"},
                     "Html": {"Data": message.html, "Charset": "UTF-8"}},
        }
        if message.headers:
            simple["Headers"] = [{"Name": k, "Value": v} for k, v in message.headers.items()]
        body: dict = {"FromEmailAddress": message.sender,
                      "Destination": {"ToAddresses": [message.to]},
                      "Content": {"Simple": simple}}
        if message.tags:
            body["EmailTags"] = [{"Name": k, "Value": v} for k, v in message.tags.items()]
        data = json.dumps(body).encode()
        url = f"{self.client.base_url}/v2/email/outbound-emails"
        request = AWSRequest(method="POST", url=url, data=data,
                             headers={"Content-Type": "application/json"})
        SigV4Auth(self.credentials, "ses", self.region).add_auth(request)
        headers = {k: v for k, v in request.headers.items() if k.lower() != "host"}
        response = await self._post(url, content=data, headers=headers)
        return response.json()["MessageId"]


def _split_address(value: str) -> tuple[str, str, str]:
    """'Name <a@b.c>' -> ('Name', '', 'a@b.c'); 'a@b.c' -> ('', '', 'a@b.c')."""
    if "<" in value and value.endswith(">"):
        name, _, rest = value.partition("<")
        return name.strip().strip('"'), "", rest[:-1].strip()
    return "", "", value.strip()
