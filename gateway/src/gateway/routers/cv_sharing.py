"""A CV's public links and who else may work on it.

- /cvs/{id}/share: the owner's public links (create with an optional expiry, list with their
  counters, revoke, statistics by day).
- /public/cvs/{slug} and /public/cvs/{slug}/pdf: what a link shows, without sign-in. The cv
  service counts one view per viewer and hour: the viewer is the signed-in user if there is
  one, else a hash of the client address and user agent (never stored as such).
- /cvs/{id}/collaborators, /cvs/shared: sharing with other users as viewer, commenter or
  editor; /cvs/{id}/comments: comments on a section, resolved and reopened.
"""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from career.cv.v1 import cv_pb2
from career_kit import context
from career_kit.conversions import timestamp
from gateway.access_tokens import CurrentCaller
from gateway.clients import ClientsDep
from gateway.conversions import PageSize, PageToken, page_request
from gateway.routers.cv_sharing_schemas import (
    CollaboratorIn,
    CollaboratorOut,
    CollaboratorsOut,
    CommentIn,
    CommentOut,
    CommentsOut,
    DayOut,
    LinkOut,
    LinksOut,
    LinkStatsOut,
    NewLinkIn,
    PublicCvOut,
    ResolveIn,
    collaborator_out,
    comment_out,
    link_out,
    public_cv_out,
)
from gateway.routers.cvs import file_response
from gateway.routers.cvs_schemas import CvsOut, cv_out

router = APIRouter(tags=["cvs"])
public_router = APIRouter(tags=["public"])

StatsDays = Annotated[int, Query(ge=1, le=366, description="Days back from today (UTC)")]


def _viewer(request: Request) -> str:
    if (caller := context.caller.get()) is not None:
        return caller.user_id
    address = request.client.host if request.client else ""
    agent = request.headers.get("user-agent", "")
    return "anon:" + hashlib.sha256(f"{address}\n{agent}".encode()).hexdigest()


# -- public links ---------------------------------------------------------------------------

@router.post("/cvs/{cv_id}/share", response_model=LinkOut, status_code=201,
             summary="Create a public link to a CV (owner only)")
async def create_link(cv_id: str, body: NewLinkIn, caller: CurrentCaller,
                      clients: ClientsDep) -> LinkOut:
    return link_out(await clients.cv.CreateShareLink(cv_pb2.CreateShareLinkRequest(
        id=cv_id, expires_at=timestamp(body.expires_at))))


@router.get("/cvs/{cv_id}/share", response_model=LinksOut,
            summary="A CV's public links with their view and download counts")
async def list_links(cv_id: str, caller: CurrentCaller, clients: ClientsDep) -> LinksOut:
    reply = await clients.cv.ListShareLinks(cv_pb2.ListShareLinksRequest(id=cv_id))
    return LinksOut(links=[link_out(link) for link in reply.links])


@router.delete("/cvs/{cv_id}/share/{link_id}", status_code=204,
               summary="Revoke a public link: it stops working at once")
async def revoke_link(cv_id: str, link_id: str, caller: CurrentCaller,
                      clients: ClientsDep) -> Response:
    await clients.cv.RevokeShareLink(cv_pb2.RevokeShareLinkRequest(id=cv_id, link_id=link_id))
    return Response(status_code=204)


@router.get("/cvs/{cv_id}/share/{link_id}/stats", response_model=LinkStatsOut,
            summary="Views and downloads of a public link by day")
async def link_stats(cv_id: str, link_id: str, caller: CurrentCaller, clients: ClientsDep,
                     days: StatsDays = 30) -> LinkStatsOut:
    reply = await clients.cv.GetShareLinkStats(cv_pb2.GetShareLinkStatsRequest(
        id=cv_id, link_id=link_id, days=days))
    return LinkStatsOut(link=link_out(reply.link), days=[
        DayOut(day=day.day, views=day.views, downloads=day.downloads) for day in reply.days])


@public_router.get("/public/cvs/{slug}", response_model=PublicCvOut,
                   summary="The CV behind a public link (no sign-in; counts a view)")
async def public_cv(slug: str, request: Request, clients: ClientsDep,
                    response: Response) -> PublicCvOut:
    cv = await clients.cv.GetPublicCv(cv_pb2.GetPublicCvRequest(slug=slug,
                                                                viewer=_viewer(request)))
    # The owner may revoke the link at any time: no shared cache may keep it.
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return public_cv_out(cv, slug)


@public_router.get("/public/cvs/{slug}/pdf", summary="The PDF behind a public link",
                   responses={200: {"content": {"application/pdf": {}},
                                    "description": "The CV as PDF"}})
async def public_pdf(slug: str, request: Request, clients: ClientsDep) -> Response:
    export = await clients.cv.ExportPublicCv(
        cv_pb2.ExportPublicCvRequest(slug=slug, viewer=_viewer(request)), timeout=30)
    response = file_response(export)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


# -- collaboration --------------------------------------------------------------------------

@router.post("/cvs/{cv_id}/collaborators", response_model=CollaboratorOut, status_code=201,
             summary="Share a CV with another user as viewer, commenter or editor")
async def share_cv(cv_id: str, body: CollaboratorIn, caller: CurrentCaller,
                   clients: ClientsDep) -> CollaboratorOut:
    return collaborator_out(await clients.cv.ShareCv(cv_pb2.ShareCvRequest(
        id=cv_id, email=body.email, role=body.role)))


@router.get("/cvs/{cv_id}/collaborators", response_model=CollaboratorsOut,
            summary="Who a CV is shared with")
async def list_collaborators(cv_id: str, caller: CurrentCaller,
                             clients: ClientsDep) -> CollaboratorsOut:
    reply = await clients.cv.ListCollaborators(cv_pb2.ListCollaboratorsRequest(id=cv_id))
    return CollaboratorsOut(collaborators=[collaborator_out(c) for c in reply.collaborators])


@router.delete("/cvs/{cv_id}/collaborators/{user_id}", status_code=204,
               summary="Stop sharing a CV with someone (or leave a CV shared with you)")
async def unshare_cv(cv_id: str, user_id: str, caller: CurrentCaller,
                     clients: ClientsDep) -> Response:
    await clients.cv.UnshareCv(cv_pb2.UnshareCvRequest(id=cv_id, user_id=user_id))
    return Response(status_code=204)


@router.get("/cvs/shared", response_model=CvsOut,
            summary="CVs others have shared with one, most recently updated first")
async def shared_with_me(caller: CurrentCaller, clients: ClientsDep, page_size: PageSize = 20,
                         page_token: PageToken = None) -> CvsOut:
    reply = await clients.cv.ListSharedWithMe(cv_pb2.ListCvsRequest(
        page=page_request(page_size, page_token)))
    return CvsOut(cvs=[cv_out(cv) for cv in reply.cvs],
                  next_page_token=reply.page.next_page_token or None)


@router.post("/cvs/{cv_id}/comments", response_model=CommentOut, status_code=201,
             summary="Comment on a section of a CV (commenters, editors, the owner)")
async def add_comment(cv_id: str, body: CommentIn, caller: CurrentCaller,
                      clients: ClientsDep) -> CommentOut:
    return comment_out(await clients.cv.AddComment(cv_pb2.AddCommentRequest(
        id=cv_id, section=body.section, body=body.body)))


@router.get("/cvs/{cv_id}/comments", response_model=CommentsOut,
            summary="Comments on a CV, oldest first")
async def list_comments(cv_id: str, caller: CurrentCaller, clients: ClientsDep,
                        section: Annotated[str, Query(max_length=80)] = "",
                        include_resolved: bool = True) -> CommentsOut:
    reply = await clients.cv.ListComments(cv_pb2.ListCommentsRequest(
        id=cv_id, section=section, include_resolved=include_resolved))
    return CommentsOut(comments=[comment_out(c) for c in reply.comments])


@router.post("/cvs/{cv_id}/comments/{comment_id}/resolve", response_model=CommentOut,
             summary="Resolve a comment (or reopen it with resolved=false)")
async def resolve_comment(cv_id: str, comment_id: str, body: ResolveIn, caller: CurrentCaller,
                          clients: ClientsDep) -> CommentOut:
    return comment_out(await clients.cv.ResolveComment(cv_pb2.ResolveCommentRequest(
        id=cv_id, comment_id=comment_id, resolved=body.resolved)))


@router.delete("/cvs/{cv_id}/comments/{comment_id}", status_code=204,
               summary="Delete a comment (its author or the CV's owner)")
async def delete_comment(cv_id: str, comment_id: str, caller: CurrentCaller,
                         clients: ClientsDep) -> Response:
    await clients.cv.DeleteComment(cv_pb2.DeleteCommentRequest(id=cv_id,
                                                               comment_id=comment_id))
    return Response(status_code=204)
