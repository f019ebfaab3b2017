"""The AuthService servicer: protobuf <-> domain, one unit of work per call."""

from __future__ import annotations

from typing import Any

import grpc
from google.protobuf.json_format import MessageToDict
from google.protobuf.message import Message

from auth import models
from auth.repository import ActiveSession
from auth.service import LINK, LOGIN, AuthService, IssuedTokens, SignIn
from auth.service.profile import KEEP
from career.auth.v1 import auth_pb2, auth_pb2_grpc
from career_kit import context
from career_kit.conversions import datetime_of, timestamp
from career_kit.pagination import Cursor, Page
from career_kit.unit_of_work import UnitOfWork

SERVICE_NAME = "career.auth.v1.AuthService"


# PreferencesUpdate field -> key in users.preferences.
_PREFERENCE_KEYS = {"email_notifications": "emailNotifications", "job_alerts": "jobAlerts",
                    "newsletter": "newsletter", "theme": "theme", "language": "language"}


def _optional(message: Message, field: str) -> Any:
    return getattr(message, field) if message.HasField(field) else None


def preference_changes(update: auth_pb2.PreferencesUpdate) -> dict[str, Any]:
    return {key: getattr(update, field) for field, key in _PREFERENCE_KEYS.items()
            if update.HasField(field)}


def user_message(user: models.User) -> auth_pb2.User:
    prefs = user.preferences or {}
    return auth_pb2.User(
        id=str(user.id), email=user.email, name=user.name,
        tier=models.TIERS.value_of(user.tier), roles=list(user.roles or ()),
        email_verified_at=timestamp(user.email_verified_at),
        preferences=auth_pb2.Preferences(
            email_notifications=bool(prefs.get("emailNotifications", True)),
            job_alerts=bool(prefs.get("jobAlerts", True)),
            newsletter=bool(prefs.get("newsletter", False)),
            theme=str(prefs.get("theme", "system")), language=str(prefs.get("language", "en"))),
        social_links={str(k): str(v) for k, v in (user.social_links or {}).items()},
        profile_image_url=user.profile_image_url or "",
        profile_image=(auth_pb2.ProfileImage(file_id=user.profile_image["file_id"],
                                             urls=user.profile_image.get("urls", {}))
                       if user.profile_image else None),
        two_factor_enabled=user.two_factor_enabled,
        last_login_at=timestamp(user.last_login_at), created_at=timestamp(user.created_at),
    )


def token_pair(tokens: IssuedTokens) -> auth_pb2.TokenPair:
    return auth_pb2.TokenPair(
        access_token=tokens.access.token,
        access_expires_at=timestamp(tokens.access.expires_at),
        refresh_token=tokens.refresh_token,
        refresh_expires_at=timestamp(tokens.refresh_expires_at),
        session_id=str(tokens.session_id),
    )


def login_response(sign_in: SignIn) -> auth_pb2.LoginResponse:
    reply = auth_pb2.LoginResponse(user=user_message(sign_in.user),
                                   two_factor_token=sign_in.two_factor_token or "")
    if sign_in.tokens is not None:
        reply.tokens.CopyFrom(token_pair(sign_in.tokens))
    return reply


_INTENTS = {auth_pb2.OAUTH_INTENT_UNSPECIFIED: LOGIN, auth_pb2.OAUTH_INTENT_LOGIN: LOGIN,
            auth_pb2.OAUTH_INTENT_LINK: LINK}
_INTENT_MESSAGES = {LOGIN: auth_pb2.OAUTH_INTENT_LOGIN, LINK: auth_pb2.OAUTH_INTENT_LINK}


def identity_message(identity: models.OAuthIdentity) -> auth_pb2.OAuthIdentity:
    return auth_pb2.OAuthIdentity(provider=identity.provider, subject=identity.subject,
                                  email=identity.email or "",
                                  created_at=timestamp(identity.created_at))


def session_message(active: ActiveSession) -> auth_pb2.Session:
    return auth_pb2.Session(
        id=str(active.id), created_at=timestamp(active.created_at),
        last_used_at=timestamp(active.last_used_at), expires_at=timestamp(active.expires_at),
        user_agent=active.user_agent or "", ip=active.ip or "")


def security_event_message(event: models.SecurityEvent) -> auth_pb2.SecurityEvent:
    return auth_pb2.SecurityEvent(id=str(event.id), kind=event.kind, ip=str(event.ip or ""),
                                  created_at=timestamp(event.created_at))


def _event_cursor(event: models.SecurityEvent) -> Cursor:
    return Cursor(event.created_at, str(event.id))


class AuthServicer(auth_pb2_grpc.AuthServiceServicer):
    def __init__(self, unit: UnitOfWork, service: AuthService) -> None:
        self.unit = unit
        self.service = service

    async def Register(self, request: auth_pb2.RegisterRequest,
                       ctx: grpc.aio.ServicerContext) -> auth_pb2.RegisterResponse:
        registration = await self.unit(lambda s: self.service.registration.register(
            s, email=request.email, password=request.password, name=request.name))
        reply = auth_pb2.RegisterResponse(
            verification_required=registration.verification_required)
        if registration.user is not None:
            reply.user.CopyFrom(user_message(registration.user))
        return reply

    async def Login(self, request: auth_pb2.LoginRequest,
                    ctx: grpc.aio.ServicerContext) -> auth_pb2.LoginResponse:
        sessions = self.service.sessions
        checked = await self.unit.read(lambda reads: sessions.check_password(
            reads, email=request.email, password=request.password))
        sign_in = await self.unit(lambda s: sessions.login(
            s, email=request.email, password=request.password, checked=checked,
            user_agent=request.user_agent, ip=request.ip))
        return login_response(sign_in)

    async def Refresh(self, request: auth_pb2.RefreshRequest,
                      ctx: grpc.aio.ServicerContext) -> auth_pb2.RefreshResponse:
        tokens = await self.unit(lambda s: self.service.sessions.refresh(
            s, refresh_token=request.refresh_token, user_agent=request.user_agent,
            ip=request.ip))
        return auth_pb2.RefreshResponse(tokens=token_pair(tokens))

    async def Logout(self, request: auth_pb2.LogoutRequest,
                     ctx: grpc.aio.ServicerContext) -> auth_pb2.LogoutResponse:
        await self.unit(lambda s: self.service.sessions.logout(
            s, caller_id=context.caller_id(), refresh_token=request.refresh_token,
            session_id=request.session_id, access_jti=request.access_jti,
            access_expires_at=datetime_of(request, "access_expires_at")))
        return auth_pb2.LogoutResponse()

    async def LogoutAll(self, request: auth_pb2.LogoutAllRequest,
                        ctx: grpc.aio.ServicerContext) -> auth_pb2.LogoutAllResponse:
        revoked = await self.unit(lambda s: self.service.sessions.logout_all(
            s, caller_id=context.caller_id(), access_jti=request.access_jti,
            access_expires_at=datetime_of(request, "access_expires_at")))
        return auth_pb2.LogoutAllResponse(revoked_sessions=revoked)

    async def GetMe(self, request: auth_pb2.GetMeRequest,
                    ctx: grpc.aio.ServicerContext) -> auth_pb2.User:
        user = await self.unit.read(lambda reads: self.service.profile.get_me(
            reads, caller_id=context.caller_id()))
        return user_message(user)

    async def ListSessions(self, request: auth_pb2.ListSessionsRequest,
                           ctx: grpc.aio.ServicerContext) -> auth_pb2.ListSessionsResponse:
        sessions = await self.unit(lambda s: self.service.sessions.list_active(
            s, caller_id=context.caller_id()))
        return auth_pb2.ListSessionsResponse(sessions=[session_message(a) for a in sessions])

    async def RevokeSession(self, request: auth_pb2.RevokeSessionRequest,
                            ctx: grpc.aio.ServicerContext) -> auth_pb2.RevokeSessionResponse:
        await self.unit(lambda s: self.service.sessions.revoke(
            s, caller_id=context.caller_id(), session_id=request.session_id))
        return auth_pb2.RevokeSessionResponse()

    async def VerifyEmail(self, request: auth_pb2.VerifyEmailRequest,
                          ctx: grpc.aio.ServicerContext) -> auth_pb2.VerifyEmailResponse:
        user = await self.unit(lambda s: self.service.registration.verify_email(
            s, token=request.token))
        return auth_pb2.VerifyEmailResponse(user=user_message(user))

    async def ResendVerification(self, request: auth_pb2.ResendVerificationRequest,
                                 ctx: grpc.aio.ServicerContext
                                 ) -> auth_pb2.ResendVerificationResponse:
        await self.unit(lambda s: self.service.registration.resend_verification(
            s, email=request.email))
        return auth_pb2.ResendVerificationResponse()

    async def ForgotPassword(self, request: auth_pb2.ForgotPasswordRequest,
                             ctx: grpc.aio.ServicerContext) -> auth_pb2.ForgotPasswordResponse:
        await self.unit(lambda s: self.service.registration.forgot_password(
            s, email=request.email))
        return auth_pb2.ForgotPasswordResponse()

    async def ResetPassword(self, request: auth_pb2.ResetPasswordRequest,
                            ctx: grpc.aio.ServicerContext) -> auth_pb2.ResetPasswordResponse:
        await self.unit(lambda s: self.service.registration.reset_password(
            s, token=request.token, new_password=request.new_password))
        return auth_pb2.ResetPasswordResponse()

    async def ChangePassword(self, request: auth_pb2.ChangePasswordRequest,
                             ctx: grpc.aio.ServicerContext) -> auth_pb2.ChangePasswordResponse:
        change = await self.unit(lambda s: self.service.profile.change_password(
            s, caller_id=context.caller_id(), current_password=request.current_password,
            new_password=request.new_password, refresh_token=request.refresh_token,
            session_id=request.session_id, auth_time=datetime_of(request, "auth_time")))
        reply = auth_pb2.ChangePasswordResponse(revoked_sessions=change.revoked_sessions)
        if change.access is not None and change.session_id is not None:
            reply.access_token = change.access.token
            reply.access_expires_at.CopyFrom(timestamp(change.access.expires_at))
            reply.session_id = str(change.session_id)
        return reply

    async def UpdateMe(self, request: auth_pb2.UpdateMeRequest,
                       ctx: grpc.aio.ServicerContext) -> auth_pb2.User:
        caller = str(context.signed_in_user(context.caller_id()))
        image: Any = KEEP
        if request.HasField("profile_image_file_id"):
            image = (await self.service.profile_images.attach(
                caller, request.profile_image_file_id)
                if request.profile_image_file_id else None)
        user, replaced = await self.unit(lambda s: self.service.profile.update_me(
            s, caller_id=caller, name=_optional(request, "name"),
            preferences=(preference_changes(request.preferences)
                         if request.HasField("preferences") else None),
            social_links=(dict(request.social_links.links)
                          if request.HasField("social_links") else None),
            profile_image_url=_optional(request, "profile_image_url"), profile_image=image))
        if replaced:
            await self.service.profile_images.release(caller, replaced)
        return user_message(user)

    async def DeleteMe(self, request: auth_pb2.DeleteMeRequest,
                       ctx: grpc.aio.ServicerContext) -> auth_pb2.DeleteMeResponse:
        await self.unit(lambda s: self.service.profile.delete_me(
            s, caller_id=context.caller_id(), password=request.password,
            access_jti=request.access_jti,
            access_expires_at=datetime_of(request, "access_expires_at"),
            auth_time=datetime_of(request, "auth_time")))
        return auth_pb2.DeleteMeResponse()

    async def GetJwks(self, request: auth_pb2.GetJwksRequest,
                      ctx: grpc.aio.ServicerContext) -> auth_pb2.GetJwksResponse:
        return auth_pb2.GetJwksResponse(jwks_json=self.service.tokens.jwks_json())

    async def StartOAuth(self, request: auth_pb2.StartOAuthRequest,
                         ctx: grpc.aio.ServicerContext) -> auth_pb2.StartOAuthResponse:
        url, state = await self.unit(lambda s: self.service.oauth.start(
            s, provider=request.provider, intent=_INTENTS.get(request.intent, LOGIN),
            caller_id=context.caller_id()))
        return auth_pb2.StartOAuthResponse(authorization_url=url, state=state)

    async def FinishOAuth(self, request: auth_pb2.FinishOAuthRequest,
                          ctx: grpc.aio.ServicerContext) -> auth_pb2.FinishOAuthResponse:
        outcome = await self.unit(lambda s: self.service.oauth.finish(
            s, provider=request.provider, state=request.state, code=request.code,
            error=request.error, user_agent=request.user_agent, ip=request.ip))
        login = login_response(outcome.sign_in)
        reply = auth_pb2.FinishOAuthResponse(
            user=login.user, two_factor_token=login.two_factor_token,
            intent=_INTENT_MESSAGES[outcome.intent], linked=outcome.linked)
        if login.HasField("tokens"):
            reply.tokens.CopyFrom(login.tokens)
        return reply

    async def ListIdentities(self, request: auth_pb2.ListIdentitiesRequest,
                             ctx: grpc.aio.ServicerContext) -> auth_pb2.ListIdentitiesResponse:
        identities = await self.unit(lambda s: self.service.oauth.list_identities(
            s, caller_id=context.caller_id()))
        return auth_pb2.ListIdentitiesResponse(
            identities=[identity_message(i) for i in identities])

    async def UnlinkIdentity(self, request: auth_pb2.UnlinkIdentityRequest,
                             ctx: grpc.aio.ServicerContext) -> auth_pb2.UnlinkIdentityResponse:
        await self.unit(lambda s: self.service.oauth.unlink(
            s, caller_id=context.caller_id(), provider=request.provider))
        return auth_pb2.UnlinkIdentityResponse()

    async def SetupTwoFactor(self, request: auth_pb2.SetupTwoFactorRequest,
                             ctx: grpc.aio.ServicerContext) -> auth_pb2.SetupTwoFactorResponse:
        setup = await self.unit(lambda s: self.service.two_factor.setup(
            s, caller_id=context.caller_id()))
        return auth_pb2.SetupTwoFactorResponse(secret=setup.secret,
                                               otpauth_uri=setup.otpauth_uri)

    async def EnableTwoFactor(self, request: auth_pb2.EnableTwoFactorRequest,
                              ctx: grpc.aio.ServicerContext) -> auth_pb2.EnableTwoFactorResponse:
        codes = await self.unit(lambda s: self.service.two_factor.enable(
            s, caller_id=context.caller_id(), code=request.code))
        return auth_pb2.EnableTwoFactorResponse(recovery_codes=codes)

    async def DisableTwoFactor(self, request: auth_pb2.DisableTwoFactorRequest,
                               ctx: grpc.aio.ServicerContext
                               ) -> auth_pb2.DisableTwoFactorResponse:
        await self.unit(lambda s: self.service.two_factor.disable(
            s, caller_id=context.caller_id(), password=request.password, code=request.code))
        return auth_pb2.DisableTwoFactorResponse()

    async def CompleteTwoFactorLogin(self, request: auth_pb2.CompleteTwoFactorLoginRequest,
                                     ctx: grpc.aio.ServicerContext) -> auth_pb2.LoginResponse:
        sign_in = await self.unit(lambda s: self.service.two_factor.complete_login(
            s, two_factor_token=request.two_factor_token, code=request.code,
            recovery_code=request.recovery_code, user_agent=request.user_agent,
            ip=request.ip))
        return login_response(sign_in)

    async def RecordSecurityEvent(self, request: auth_pb2.RecordSecurityEventRequest,
                                  ctx: grpc.aio.ServicerContext
                                  ) -> auth_pb2.RecordSecurityEventResponse:
        detail_kind = request.WhichOneof("detail")
        detail = (MessageToDict(getattr(request, detail_kind), preserving_proto_field_name=True,
                                always_print_fields_with_no_presence=True)
                  if detail_kind else {})
        await self.unit(lambda s: self.service.security_events.report(
            s, kind=request.kind, user_id=request.user_id, ip=request.ip,
            detail_kind=detail_kind, detail=detail))
        return auth_pb2.RecordSecurityEventResponse()

    async def ListSecurityEvents(self, request: auth_pb2.ListSecurityEventsRequest,
                                 ctx: grpc.aio.ServicerContext
                                 ) -> auth_pb2.ListSecurityEventsResponse:
        page = Page.of(request.page)
        rows = await self.unit(lambda s: self.service.security_events.of_user(
            s, caller_id=context.caller_id(), page=page))
        shown, page_info = page.cut(rows, _event_cursor)
        return auth_pb2.ListSecurityEventsResponse(
            events=[security_event_message(e) for e in shown], page=page_info)

    def add_to_server(self, server: grpc.aio.Server) -> None:
        auth_pb2_grpc.add_AuthServiceServicer_to_server(self, server)
