"""The fake identity provider, driven by a real OAuth client (Authlib) and verified with PyJWT."""

from __future__ import annotations

import secrets
import warnings
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest

from devstack.fakes.identity import LINKEDIN_ERROR, FakeIdentityProvider

with warnings.catch_warnings():
    # Authlib 1.x warns (with an "always" filter of its own) that its httpx module is deprecated.
    import authlib.deprecate  # noqa: F401  (installs that filter before ours)

    warnings.simplefilter("ignore")
    from authlib.integrations.httpx_client import AsyncOAuth2Client, OAuthError

REDIRECT = "http://app.test/auth/callback"
GOOGLE_SCOPE = "openid email profile"
LINKEDIN_SCOPE = "openid profile email"
X_SCOPE = "tweet.read users.read offline.access"


@pytest.fixture
def idp() -> Iterator[FakeIdentityProvider]:
    with FakeIdentityProvider() as fake:
        for provider in ("google", "linkedin", "x", "facebook"):
            fake.register_client(provider, f"{provider}-app", f"{provider}-secret", [REDIRECT])
        fake.add_user(
            "google", sub="10769150350006150715113", email="ann@example.com", name="Ann Lee"
        )
        fake.add_user("linkedin", sub="782bbtaQ", email="ann@example.com", name="Ann Lee")
        fake.add_user(
            "x", sub="2244994945", email="ann@example.com", name="Ann Lee", username="ann"
        )
        fake.add_user("facebook", sub="10158000000000001", email="ann@example.com", name="Ann Lee")
        yield fake


def oauth_client(
    idp: FakeIdentityProvider,
    provider: str,
    scope: str,
    auth_method: str,
    secret: str | None = None,
    **kwargs,
) -> AsyncOAuth2Client:
    return AsyncOAuth2Client(
        client_id=f"{provider}-app",
        client_secret=secret or f"{provider}-secret",
        scope=scope,
        redirect_uri=REDIRECT,
        code_challenge_method="S256",
        token_endpoint_auth_method=auth_method,
        **kwargs,
    )


async def authorize(client: AsyncOAuth2Client, url: str, **params) -> tuple[str, str, str]:
    """Open the authorize URL like a browser would; returns (Location, state, code_verifier)."""
    verifier = secrets.token_urlsafe(48)
    uri, state = client.create_authorization_url(url, code_verifier=verifier, **params)
    async with httpx.AsyncClient() as browser:
        response = await browser.get(uri)
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(REDIRECT + "?")
    return location, state, verifier


def query(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def verify_id_token(idp: FakeIdentityProvider, provider: str, id_token: str, **expect) -> dict:
    jwks_uri = idp.endpoints(provider)["jwks_uri"]
    key = jwt.PyJWKClient(jwks_uri).get_signing_key_from_jwt(id_token)
    return jwt.decode(
        id_token,
        key.key,
        algorithms=["RS256"],
        audience=f"{provider}-app",
        issuer=expect.pop("issuer"),
        options={"require": ["exp", "iat", "iss", "aud", "sub"]},
    )


# ---------------------------------------------------------------- Google


async def test_google_discovery_document(idp: FakeIdentityProvider) -> None:
    async with httpx.AsyncClient() as http:
        doc = (await http.get(idp.endpoints("google")["discovery"])).json()
    assert doc["issuer"] == "https://accounts.google.com"
    assert doc["authorization_endpoint"] == idp.url("google", "/o/oauth2/v2/auth")
    assert doc["token_endpoint"] == idp.url("google", "/token")
    assert doc["userinfo_endpoint"] == idp.url("google", "/v1/userinfo")
    assert doc["jwks_uri"] == idp.url("google", "/oauth2/v3/certs")
    assert "code" in doc["response_types_supported"]
    assert doc["id_token_signing_alg_values_supported"] == ["RS256"]
    assert "S256" in doc["code_challenge_methods_supported"]
    assert {"openid", "email", "profile"} <= set(doc["scopes_supported"])


async def test_google_login_with_pkce_and_nonce(idp: FakeIdentityProvider) -> None:
    ep = idp.endpoints("google")
    nonce = secrets.token_urlsafe(16)
    async with oauth_client(idp, "google", GOOGLE_SCOPE, "client_secret_basic") as client:
        location, state, verifier = await authorize(
            client, ep["authorization_endpoint"], nonce=nonce
        )
        assert query(location)["state"] == state
        token = await client.fetch_token(
            ep["token_endpoint"], authorization_response=location, code_verifier=verifier
        )
        assert token["token_type"] == "Bearer"
        assert token["expires_in"] == 3599
        assert set(token["scope"].split()) == {"openid", "email", "profile"}
        assert "refresh_token" not in token  # only with access_type=offline
        claims = verify_id_token(
            idp, "google", token["id_token"], issuer="https://accounts.google.com"
        )
        assert claims["nonce"] == nonce
        assert claims["sub"] == "10769150350006150715113"
        assert claims["email"] == "ann@example.com"
        assert claims["email_verified"] is True
        assert claims["name"] == "Ann Lee"
        assert claims["azp"] == "google-app"
        assert claims["exp"] - claims["iat"] == 3600

        info = (await client.get(ep["userinfo_endpoint"])).json()
    assert info == {
        "sub": "10769150350006150715113",
        "name": "Ann Lee",
        "given_name": "Ann",
        "family_name": "Lee",
        "picture": "https://example.invalid/google/10769150350006150715113.jpg",
        "email": "ann@example.com",
        "email_verified": True,
    }
    (token_request,) = idp.requests_for("google", "/token")
    assert token_request.headers["authorization"].startswith("Basic ")
    assert token_request.form["code_verifier"] == verifier
    assert token_request.status == 200
    (auth_request,) = idp.requests_for("google", "/o/oauth2/v2/auth")
    assert auth_request.query["code_challenge_method"] == "S256"


async def test_google_issuer_without_scheme_and_form_auth_and_refresh() -> None:
    with FakeIdentityProvider(google_issuer="accounts.google.com") as idp:
        idp.register_client("google", "google-app", "google-secret", [REDIRECT])
        idp.add_user("google", sub="1", email="a@example.com", name="A B")
        ep = idp.endpoints("google")
        async with oauth_client(idp, "google", GOOGLE_SCOPE, "client_secret_post") as client:
            location, _, verifier = await authorize(
                client, ep["authorization_endpoint"], access_type="offline", prompt="consent"
            )
            token = await client.fetch_token(
                ep["token_endpoint"], authorization_response=location, code_verifier=verifier
            )
            claims = verify_id_token(idp, "google", token["id_token"], issuer="accounts.google.com")
            assert "nonce" not in claims
            refresh = token["refresh_token"]
            new = await client.refresh_token(ep["token_endpoint"], refresh_token=refresh)
            assert new["access_token"] != token["access_token"]
            again = await client.refresh_token(ep["token_endpoint"], refresh_token=refresh)
            assert again["access_token"]  # Google refresh tokens do not rotate
        (first, *_) = idp.requests_for("google", "/token")
        assert first.form["client_secret"] == "google-secret"


async def test_google_pkce_mismatch_is_invalid_grant(idp: FakeIdentityProvider) -> None:
    ep = idp.endpoints("google")
    async with oauth_client(idp, "google", GOOGLE_SCOPE, "client_secret_basic") as client:
        location, _, _ = await authorize(client, ep["authorization_endpoint"])
        with pytest.raises(OAuthError) as err:
            await client.fetch_token(
                ep["token_endpoint"], authorization_response=location, code_verifier="x" * 43
            )
    assert err.value.error == "invalid_grant"


async def test_google_code_is_single_use(idp: FakeIdentityProvider) -> None:
    ep = idp.endpoints("google")
    async with oauth_client(idp, "google", GOOGLE_SCOPE, "client_secret_basic") as client:
        location, _, verifier = await authorize(client, ep["authorization_endpoint"])
        token = await client.fetch_token(
            ep["token_endpoint"], authorization_response=location, code_verifier=verifier
        )
        with pytest.raises(OAuthError) as err:
            await client.fetch_token(
                ep["token_endpoint"], authorization_response=location, code_verifier=verifier
            )
        assert err.value.error == "invalid_grant"
        # The replay also revoked what the code had issued.
    async with httpx.AsyncClient() as http:
        response = await http.get(
            ep["userinfo_endpoint"],
            headers={"Authorization": f"Bearer {token['access_token']}"},
        )
    assert response.status_code == 401


async def test_google_code_expires(idp: FakeIdentityProvider) -> None:
    ep = idp.endpoints("google")
    async with oauth_client(idp, "google", GOOGLE_SCOPE, "client_secret_basic") as client:
        location, _, verifier = await authorize(client, ep["authorization_endpoint"])
        idp.advance_time(idp.code_ttl + 1)
        with pytest.raises(OAuthError) as err:
            await client.fetch_token(
                ep["token_endpoint"], authorization_response=location, code_verifier=verifier
            )
    assert err.value.error == "invalid_grant"


async def test_google_token_redirect_uri_must_match(idp: FakeIdentityProvider) -> None:
    idp.register_client("google", "google-app", "google-secret", [REDIRECT, REDIRECT + "2"])
    ep = idp.endpoints("google")
    async with oauth_client(idp, "google", GOOGLE_SCOPE, "client_secret_basic") as client:
        location, _, verifier = await authorize(client, ep["authorization_endpoint"])
        with pytest.raises(OAuthError) as err:
            await client.fetch_token(
                ep["token_endpoint"],
                authorization_response=location,
                code_verifier=verifier,
                redirect_uri=REDIRECT + "2",
            )
    assert err.value.error == "redirect_uri_mismatch"


async def test_google_bad_client_secret(idp: FakeIdentityProvider) -> None:
    ep = idp.endpoints("google")
    async with oauth_client(
        idp, "google", GOOGLE_SCOPE, "client_secret_basic", secret="wrong"
    ) as client:
        location, _, verifier = await authorize(client, ep["authorization_endpoint"])
        with pytest.raises(OAuthError) as err:
            await client.fetch_token(
                ep["token_endpoint"], authorization_response=location, code_verifier=verifier
            )
    assert err.value.error == "invalid_client"


@pytest.mark.parametrize("provider", ["google", "linkedin", "x", "facebook"])
async def test_authorize_rejects_unknown_client_and_redirect_uri(
    idp: FakeIdentityProvider, provider: str
) -> None:
    url = idp.endpoints(provider)["authorization_endpoint"]
    base = {
        "response_type": "code",
        "scope": "openid",
        "state": "s1",
        "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        "code_challenge_method": "S256",
    }
    async with httpx.AsyncClient() as browser:
        unknown = await browser.get(
            url, params=base | {"client_id": "nope", "redirect_uri": REDIRECT}
        )
        other = await browser.get(
            url,
            params=base | {"client_id": f"{provider}-app", "redirect_uri": "http://evil.test/cb"},
        )
    for response in (unknown, other):
        assert response.status_code == 400
        assert "location" not in response.headers
        assert response.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize("provider", ["google", "linkedin", "x", "facebook"])
async def test_user_denies(idp: FakeIdentityProvider, provider: str) -> None:
    idp.deny_next(provider)
    scope = {"google": GOOGLE_SCOPE, "linkedin": LINKEDIN_SCOPE, "x": X_SCOPE}.get(
        provider, "email"
    )
    async with oauth_client(idp, provider, scope, "client_secret_post") as client:
        location, state, _ = await authorize(
            client, idp.endpoints(provider)["authorization_endpoint"]
        )
        params = query(location)
        assert params["error"] == "access_denied"
        assert params["state"] == state
        assert "code" not in params
        if provider == "facebook":
            assert params["error_reason"] == "user_denied"
        # Only the next login is denied.
        location, _, _ = await authorize(client, idp.endpoints(provider)["authorization_endpoint"])
        assert "code" in query(location)


async def test_next_login_chooses_the_user(idp: FakeIdentityProvider) -> None:
    idp.add_user("google", sub="2002", email="bob@example.com", name="Bob")
    idp.next_login("google", "10769150350006150715113")
    ep = idp.endpoints("google")
    async with oauth_client(idp, "google", GOOGLE_SCOPE, "client_secret_basic") as client:
        location, _, verifier = await authorize(client, ep["authorization_endpoint"])
        await client.fetch_token(
            ep["token_endpoint"], authorization_response=location, code_verifier=verifier
        )
        info = (await client.get(ep["userinfo_endpoint"])).json()
    assert info["email"] == "ann@example.com"
    with pytest.raises(KeyError):
        idp.next_login("google", "unknown")


# ---------------------------------------------------------------- LinkedIn


async def test_linkedin_login(idp: FakeIdentityProvider) -> None:
    ep = idp.endpoints("linkedin")
    async with httpx.AsyncClient() as http:
        doc = (await http.get(ep["discovery"])).json()
    assert doc["issuer"] == "https://www.linkedin.com/oauth"
    assert doc["token_endpoint"] == idp.url("linkedin", "/oauth/v2/accessToken")
    assert doc["jwks_uri"] == ep["jwks_uri"]
    assert doc["id_token_signing_alg_values_supported"] == ["RS256"]

    nonce = secrets.token_urlsafe(16)
    async with oauth_client(idp, "linkedin", LINKEDIN_SCOPE, "client_secret_post") as client:
        location, _, verifier = await authorize(client, doc["authorization_endpoint"], nonce=nonce)
        token = await client.fetch_token(
            doc["token_endpoint"], authorization_response=location, code_verifier=verifier
        )
        assert token["expires_in"] == 5183999
        assert token["scope"] == "openid,profile,email"
        assert "refresh_token" not in token  # programmatic refresh is for partners only
        claims = verify_id_token(
            idp, "linkedin", token["id_token"], issuer="https://www.linkedin.com/oauth"
        )
        assert claims["nonce"] == nonce
        assert claims["sub"] == "782bbtaQ"
        assert claims["email"] == "ann@example.com"
        info = (await client.get(doc["userinfo_endpoint"])).json()
    assert info["sub"] == "782bbtaQ"
    assert info["email_verified"] is True
    assert info["locale"] == {"country": "US", "language": "en"}
    assert {"name", "given_name", "family_name", "picture", "email"} <= set(info)
    (token_request,) = idp.requests_for("linkedin", "/oauth/v2/accessToken")
    assert token_request.form["client_secret"] == "linkedin-secret"


async def test_linkedin_code_reuse_and_pkce_mismatch(idp: FakeIdentityProvider) -> None:
    ep = idp.endpoints("linkedin")
    async with oauth_client(idp, "linkedin", LINKEDIN_SCOPE, "client_secret_post") as client:
        location, _, verifier = await authorize(client, ep["authorization_endpoint"])
        with pytest.raises(OAuthError) as mismatch:
            await client.fetch_token(
                ep["token_endpoint"], authorization_response=location, code_verifier="y" * 43
            )
        await client.fetch_token(
            ep["token_endpoint"], authorization_response=location, code_verifier=verifier
        )
        with pytest.raises(OAuthError) as reuse:
            await client.fetch_token(
                ep["token_endpoint"], authorization_response=location, code_verifier=verifier
            )
    for err in (mismatch, reuse):
        assert err.value.error == "invalid_request"
        assert err.value.description == LINKEDIN_ERROR


# ---------------------------------------------------------------- X


async def test_x_requires_s256_pkce(idp: FakeIdentityProvider) -> None:
    url = idp.endpoints("x")["authorization_endpoint"]
    base = {
        "response_type": "code",
        "client_id": "x-app",
        "redirect_uri": REDIRECT,
        "scope": X_SCOPE,
        "state": "s",
    }
    async with httpx.AsyncClient() as browser:
        missing = await browser.get(url, params=base)
        plain = await browser.get(
            url, params=base | {"code_challenge": "abc", "code_challenge_method": "plain"}
        )
    assert missing.status_code == plain.status_code == 400
    assert "location" not in missing.headers and "location" not in plain.headers


async def test_x_login_refresh_rotation_and_users_me(idp: FakeIdentityProvider) -> None:
    ep = idp.endpoints("x")
    async with oauth_client(idp, "x", X_SCOPE, "client_secret_basic") as client:
        location, _, verifier = await authorize(client, ep["authorization_endpoint"])
        token = await client.fetch_token(
            ep["token_endpoint"], authorization_response=location, code_verifier=verifier
        )
        assert token["token_type"] == "bearer"
        assert token["expires_in"] == 7200
        assert token["scope"] == X_SCOPE
        assert "id_token" not in token
        me = (await client.get(ep["userinfo_endpoint"])).json()
        assert me == {"data": {"id": "2244994945", "name": "Ann Lee", "username": "ann"}}

        first_refresh = token["refresh_token"]
        rotated = await client.refresh_token(ep["token_endpoint"], refresh_token=first_refresh)
        assert rotated["refresh_token"] != first_refresh
        assert rotated["access_token"] != token["access_token"]
        with pytest.raises(OAuthError) as err:
            await client.refresh_token(ep["token_endpoint"], refresh_token=first_refresh)
        assert err.value.error == "invalid_request"
        assert err.value.description == "Value passed for the token was invalid."
        again = await client.refresh_token(
            ep["token_endpoint"], refresh_token=rotated["refresh_token"]
        )
        assert again["refresh_token"] not in (first_refresh, rotated["refresh_token"])

        idp.advance_time(7201)
        expired = await client.get(ep["userinfo_endpoint"])
    assert expired.status_code == 401
    assert expired.json()["title"] == "Unauthorized"
    (token_request, *_) = idp.requests_for("x", "/2/oauth2/token")
    assert token_request.headers["authorization"].startswith("Basic ")
    assert token_request.form["code_verifier"] == verifier


async def test_x_no_refresh_token_without_offline_access(idp: FakeIdentityProvider) -> None:
    ep = idp.endpoints("x")
    async with oauth_client(idp, "x", "tweet.read users.read", "client_secret_basic") as client:
        location, _, verifier = await authorize(client, ep["authorization_endpoint"])
        token = await client.fetch_token(
            ep["token_endpoint"], authorization_response=location, code_verifier=verifier
        )
    assert "refresh_token" not in token


async def test_x_errors(idp: FakeIdentityProvider) -> None:
    ep = idp.endpoints("x")
    async with oauth_client(idp, "x", X_SCOPE, "client_secret_basic") as client:
        location, _, verifier = await authorize(client, ep["authorization_endpoint"])
        with pytest.raises(OAuthError) as mismatch:
            await client.fetch_token(
                ep["token_endpoint"], authorization_response=location, code_verifier="z" * 43
            )
        await client.fetch_token(
            ep["token_endpoint"], authorization_response=location, code_verifier=verifier
        )
        with pytest.raises(OAuthError) as reuse:
            await client.fetch_token(
                ep["token_endpoint"], authorization_response=location, code_verifier=verifier
            )
    assert mismatch.value.error == "invalid_request"
    assert mismatch.value.description == (
        "Value passed for the code verifier did not match the code challenge."
    )
    assert reuse.value.error == "invalid_request"
    assert reuse.value.description == "Value passed for the authorization code was invalid."

    # A confidential client must authenticate with HTTP Basic.
    async with oauth_client(idp, "x", X_SCOPE, "client_secret_post") as client:
        location, _, verifier = await authorize(client, ep["authorization_endpoint"])
        with pytest.raises(OAuthError) as no_basic:
            await client.fetch_token(
                ep["token_endpoint"], authorization_response=location, code_verifier=verifier
            )
    assert no_basic.value.error == "unauthorized_client"


async def test_x_confirmed_email_needs_scope_and_field(idp: FakeIdentityProvider) -> None:
    ep = idp.endpoints("x")
    for scope, expected in ((X_SCOPE, None), (X_SCOPE + " users.email", "ann@example.com")):
        async with oauth_client(idp, "x", scope, "client_secret_basic") as client:
            location, _, verifier = await authorize(client, ep["authorization_endpoint"])
            await client.fetch_token(
                ep["token_endpoint"], authorization_response=location, code_verifier=verifier
            )
            plain = (await client.get(ep["userinfo_endpoint"])).json()["data"]
            with_field = (
                await client.get(ep["userinfo_endpoint"], params={"user.fields": "confirmed_email"})
            ).json()["data"]
        assert "confirmed_email" not in plain
        assert with_field.get("confirmed_email") == expected


async def test_rfc_error_style() -> None:
    with FakeIdentityProvider(error_style="rfc") as idp:
        idp.register_client("x", "x-app", "x-secret", [REDIRECT])
        idp.add_user("x", sub="1", name="A")
        ep = idp.endpoints("x")
        async with oauth_client(idp, "x", X_SCOPE, "client_secret_basic") as client:
            location, _, verifier = await authorize(client, ep["authorization_endpoint"])
            with pytest.raises(OAuthError) as mismatch:
                await client.fetch_token(
                    ep["token_endpoint"], authorization_response=location, code_verifier="z" * 43
                )
            token = await client.fetch_token(
                ep["token_endpoint"], authorization_response=location, code_verifier=verifier
            )
            await client.refresh_token(ep["token_endpoint"], refresh_token=token["refresh_token"])
            with pytest.raises(OAuthError) as old_refresh:
                await client.refresh_token(
                    ep["token_endpoint"], refresh_token=token["refresh_token"]
                )
            with pytest.raises(OAuthError) as reuse:
                await client.fetch_token(
                    ep["token_endpoint"], authorization_response=location, code_verifier=verifier
                )
    assert mismatch.value.error == reuse.value.error == old_refresh.value.error == "invalid_grant"


# ---------------------------------------------------------------- Facebook


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_facebook_login_and_me(idp: FakeIdentityProvider, method: str) -> None:
    ep = idp.endpoints("facebook")
    assert ep["token_endpoint"].endswith("/facebook/v26.0/oauth/access_token")
    async with oauth_client(
        idp, "facebook", "email,public_profile", "client_secret_post"
    ) as client:
        location, _, verifier = await authorize(client, ep["authorization_endpoint"])
        # Authlib's client_secret_post only fills a request body: for GET, pass the credentials
        # as parameters (they end up in the query string, as Facebook's docs show).
        credentials = (
            {"client_id": "facebook-app", "client_secret": "facebook-secret"}
            if method == "GET"
            else {}
        )
        token = await client.fetch_token(
            ep["token_endpoint"],
            authorization_response=location,
            code_verifier=verifier,
            method=method,
            **credentials,
        )
        assert token["token_type"] == "bearer"
        me = (
            await client.get(ep["userinfo_endpoint"], params={"fields": "id,name,email,picture"})
        ).json()
    assert me == {
        "id": "10158000000000001",
        "name": "Ann Lee",
        "email": "ann@example.com",
        "picture": {
            "data": {
                "height": 50,
                "is_silhouette": False,
                "url": "https://example.invalid/facebook/10158000000000001.jpg",
                "width": 50,
            }
        },
    }
    (token_request,) = idp.requests_for("facebook", "/v26.0/oauth/access_token")
    assert token_request.method == method
    sent = token_request.query if method == "GET" else token_request.form
    assert sent["client_secret"] == "facebook-secret"
    assert sent["redirect_uri"] == REDIRECT

    # access_token as a query parameter works too; a bad token is error 190.
    async with httpx.AsyncClient() as http:
        by_query = await http.get(
            idp.url("facebook", "/me"), params={"access_token": token["access_token"]}
        )
        bad = await http.get(ep["userinfo_endpoint"], params={"access_token": "nope"})
        long_lived = await http.get(
            ep["token_endpoint"],
            params={
                "grant_type": "fb_exchange_token",
                "client_id": "facebook-app",
                "client_secret": "facebook-secret",
                "fb_exchange_token": token["access_token"],
            },
        )
    assert by_query.json() == {"id": "10158000000000001", "name": "Ann Lee"}
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == 190
    assert long_lived.json()["expires_in"] == 5183944


async def test_facebook_code_reuse_and_wrong_redirect(idp: FakeIdentityProvider) -> None:
    ep = idp.endpoints("facebook")
    async with oauth_client(idp, "facebook", "email", "client_secret_post") as client:
        location, _, verifier = await authorize(client, ep["authorization_endpoint"])
        code = query(location)["code"]
        base = {
            "client_id": "facebook-app",
            "client_secret": "facebook-secret",
            "code": code,
            "code_verifier": verifier,
        }
        async with httpx.AsyncClient() as http:
            wrong = await http.get(
                ep["token_endpoint"], params=base | {"redirect_uri": "http://app.test/other"}
            )
            ok = await http.post(ep["token_endpoint"], data=base | {"redirect_uri": REDIRECT})
            reuse = await http.post(ep["token_endpoint"], data=base | {"redirect_uri": REDIRECT})
    assert wrong.status_code == 400
    assert wrong.json()["error"]["error_subcode"] == 36008
    assert ok.status_code == 200
    assert reuse.status_code == 400
    assert reuse.json()["error"] | {"fbtrace_id": ""} == {
        "message": "This authorization code has been used.",
        "type": "OAuthException",
        "code": 100,
        "error_subcode": 36009,
        "fbtrace_id": "",
    }
