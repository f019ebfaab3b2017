"""A real S3-protocol server for tests: moto's, on 127.0.0.1, in a background thread.

Never used by production code (moto is a dev dependency). moto speaks S3 faithfully (multipart
uploads, paging, bucket policies for anonymous reads, ContentType) but does not check the
signature of a presigned URL, so this server puts a check in front of it: a request carrying
`X-Amz-Signature` in its query is verified with SigV4 against the credentials the fake knows,
and refused as S3 refuses it (`SignatureDoesNotMatch`, `InvalidAccessKeyId`, `AccessDenied`
"Request has expired", a lifetime over 7 days). Requests signed in the Authorization header are
passed through unchecked, as moto does by default.

moto keeps its state per process, not per server: two MotoS3 in one process share buckets.

    with MotoS3() as s3:
        s3.create_bucket("career-files", policy=public_read_policy("career-files"))
        client = s3.client()
        ...
        s3.keys("career-files")
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, quote
from xml.sax.saxutils import escape

import boto3
from botocore.config import Config
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import BaseWSGIServer, make_server

from devstack.servers import free_port

MAX_PRESIGN_SECONDS = 7 * 24 * 3600

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class MotoS3:
    """moto's S3 on 127.0.0.1:<free port>, with presigned-URL signatures checked."""

    def __init__(self, *, region: str = "us-east-1", access_key_id: str = "testing",
                 secret_access_key: str = "testing", clock: Callable[[], float] = time.time,
                 ) -> None:
        self.region = region
        self.access_key_id = access_key_id
        self.secret_access_key = secret_access_key
        self._clock = clock
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    def start(self, port: int = 0) -> MotoS3:
        """Serve on 127.0.0.1:`port` (0: a free one); returns self once it accepts requests."""
        if self._server is not None:
            return self
        app = PresignedUrlCheck(DomainDispatcherApplication(create_backend_app),
                                {self.access_key_id: self.secret_access_key}, self._clock)
        # A free port below the ephemeral range, not 0 (serving.py says why).
        self._server = make_server("127.0.0.1", port or free_port(), app, threaded=True,
                                   request_handler=_QuietHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto-s3",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = self._thread = None

    def __enter__(self) -> MotoS3:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("call start() first")
        return f"http://127.0.0.1:{self._server.server_port}"

    def client(self) -> Any:
        """A boto3 S3 client for this server (path-style, SigV4), with the fake's credentials."""
        return boto3.session.Session().client(
            "s3", endpoint_url=self.url, region_name=self.region,
            aws_access_key_id=self.access_key_id, aws_secret_access_key=self.secret_access_key,
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))

    def create_bucket(self, name: str, *, policy: Mapping[str, Any] | None = None) -> None:
        """Create the bucket (no error if it exists) and set its policy, when given."""
        client = self.client()
        try:
            client.create_bucket(Bucket=name)
        except client.exceptions.BucketAlreadyOwnedByYou:
            pass
        if policy is not None:
            client.put_bucket_policy(Bucket=name, Policy=json.dumps(policy))

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        """Every key in the bucket under `prefix`, for assertions."""
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket,
                                                                        Prefix=prefix)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

    def object(self, bucket: str, key: str) -> tuple[bytes, str]:
        """An object's bytes and stored Content-Type, for assertions."""
        response = self.client().get_object(Bucket=bucket, Key=key)
        return response["Body"].read(), response["ContentType"]


class PresignedUrlCheck:
    """WSGI middleware: verify SigV4 query signatures (presigned URLs) before moto sees them."""

    def __init__(self, app: WsgiApp, credentials: Mapping[str, str],
                 clock: Callable[[], float]) -> None:
        self.app = app
        self.credentials = dict(credentials)
        self.clock = clock

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        query = environ.get("QUERY_STRING", "")
        if "X-Amz-Signature=" not in query:
            return self.app(environ, start_response)
        refusal = self.refusal(environ, parse_qsl(query, keep_blank_values=True))
        if refusal is None:
            return self.app(environ, start_response)
        status, code, message = refusal
        body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
                f"<Message>{escape(message)}</Message></Error>").encode()
        start_response(status, [("Content-Type", "application/xml"),
                                ("Content-Length", str(len(body)))])
        return [body]

    def refusal(self, environ: dict[str, Any], pairs: list[tuple[str, str]]
                ) -> tuple[str, str, str] | None:
        """None when the presigned request is valid, else (HTTP status, S3 code, message)."""
        params = dict(pairs)
        try:
            access_key, date, region, service, terminal = params["X-Amz-Credential"].split("/")
            stamp = datetime.strptime(params["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
            expires = int(params["X-Amz-Expires"])
            signed_headers = params["X-Amz-SignedHeaders"].split(";")
        except (KeyError, ValueError):
            return ("400 Bad Request", "AuthorizationQueryParametersError",
                    "Query-string authentication version 4 requires the X-Amz-Algorithm, "
                    "X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, "
                    "and X-Amz-Expires parameters.")
        if params.get("X-Amz-Algorithm") != "AWS4-HMAC-SHA256" or terminal != "aws4_request":
            return ("400 Bad Request", "AuthorizationQueryParametersError",
                    "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"")
        if not 0 < expires <= MAX_PRESIGN_SECONDS:
            return ("400 Bad Request", "AuthorizationQueryParametersError",
                    "X-Amz-Expires must be less than a week (in seconds) that is 604800")
        secret = self.credentials.get(access_key)
        if secret is None:
            return ("403 Forbidden", "InvalidAccessKeyId",
                    "The AWS Access Key Id you provided does not exist in our records.")
        canonical_request = "\n".join([
            environ["REQUEST_METHOD"],
            _raw_path(environ),
            "&".join(f"{_uri_encode(name)}={_uri_encode(value)}"
                     for name, value in sorted(pairs) if name != "X-Amz-Signature"),
            "".join(f"{name}:{_header(environ, name)}\n" for name in signed_headers),
            ";".join(signed_headers),
            "UNSIGNED-PAYLOAD",
        ])
        scope = f"{date}/{region}/{service}/aws4_request"
        string_to_sign = "\n".join(["AWS4-HMAC-SHA256", params["X-Amz-Date"], scope,
                                    hashlib.sha256(canonical_request.encode()).hexdigest()])
        key = f"AWS4{secret}".encode()
        for part in (date, region, service, "aws4_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        expected = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, params["X-Amz-Signature"]):
            return ("403 Forbidden", "SignatureDoesNotMatch",
                    "The request signature we calculated does not match the signature you "
                    "provided. Check your key and signing method.")
        if stamp.timestamp() + expires < self.clock():
            return "403 Forbidden", "AccessDenied", "Request has expired"
        return None


def _raw_path(environ: dict[str, Any]) -> str:
    # The path as sent (still percent-encoded): S3 signs it without normalising it.
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw:
        return raw.split("?", 1)[0]
    return quote(environ.get("PATH_INFO", "/"), safe="/~")


def _uri_encode(text: str) -> str:
    return quote(text, safe="-_.~")


def _header(environ: dict[str, Any], name: str) -> str:
    if name == "host":
        return environ.get("HTTP_HOST", "").strip()
    return " ".join(environ.get("HTTP_" + name.upper().replace("-", "_"), "").split())


class _QuietHandler(MotoRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        """No access log: a test run would print a line for every S3 call."""
