"""What a Facebook Page or Instagram token may do, named per thing the desk needs.

Graph describes a token to itself (`debug_token`: the permissions granted to it), so
`accounts check` can name each missing permission without sending anything: a reply, a
hide or a private reply that would fail later is reported now, with the permission to add.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from socialdesk.connectors.errors import ConnectorError
from socialdesk.connectors.graph import GraphClient

# (what the desk does, the streams that need it, the permissions it takes)
Need = tuple[str, frozenset[str], tuple[str, ...]]
COMMENTS = frozenset({"comments"})
DIRECT = frozenset({"dms"})
NEEDS: Mapping[str, tuple[Need, ...]] = {
    "facebook": (
        ("read comments with their ids and authors", COMMENTS,
         ("pages_read_engagement", "pages_read_user_content")),
        ("reply to comments", COMMENTS, ("pages_manage_engagement",)),
        ("hide comments", COMMENTS, ("pages_manage_engagement",)),
        ("reply privately to a comment", COMMENTS, ("pages_messaging",)),
        ("read and answer Messenger", DIRECT, ("pages_messaging",)),
    ),
    "instagram": (
        ("read comments with their ids and authors", COMMENTS,
         ("instagram_basic", "instagram_manage_comments")),
        ("reply to comments", COMMENTS, ("instagram_manage_comments",)),
        ("hide comments", COMMENTS, ("instagram_manage_comments",)),
        ("reply privately to a comment", COMMENTS, ("instagram_manage_messages",)),
        ("read mentions and answer them", frozenset({"mentions"}),
         ("instagram_basic", "instagram_manage_comments")),
        ("read and answer Instagram Direct", DIRECT,
         ("instagram_manage_messages", "pages_manage_metadata")),
    ),
}


def granted(graph: GraphClient) -> frozenset[str]:
    """The permissions granted to the client's token; raises ConnectorError when Graph will
    not say."""
    body = graph.get("debug_token", {"input_token": graph.token()})
    data = body.get("data")
    scopes = data.get("scopes") if isinstance(data, Mapping) else None
    if not isinstance(scopes, list):
        raise ConnectorError("debug_token answered without data.scopes")
    return frozenset(str(s) for s in scopes)


def missing(platform: str, streams: Collection[str], scopes: Collection[str]) -> list[str]:
    """One line per thing the desk needs on these streams that the permissions do not
    allow, naming the permissions to add."""
    lines = []
    for what, needed_by, permissions in NEEDS[platform]:
        if not needed_by & set(streams):
            continue
        lacking = [p for p in permissions if p not in scopes]
        if lacking:
            lines.append(f"cannot {what}: the token lacks {', '.join(lacking)}")
    return lines


def permission_problems(graph: GraphClient, platform: str,
                        streams: Collection[str]) -> list[str]:
    try:
        scopes = granted(graph)
    except ConnectorError as exc:
        return [f"the token's permissions could not be read (debug_token): {exc.reason}"]
    return missing(platform, streams, scopes)
