"""Does a broadcast fit each account it is meant for? Length as the platform counts it, the
guard, what the platform lets an app publish at all, and what a post costs there."""

from __future__ import annotations

from dataclasses import dataclass

from socialdesk.connectors.x import XConnector
from socialdesk.core.vocab import platform_of
from socialdesk.desk.context import Desk

# The guard's outbound reason for any link on X: replies must not carry one (price and spam
# rules), but an approved broadcast may, at the higher price shown before approval.
LINK_ON_X = "link_on_x"
NO_POST_API = {
    "youtube": "YouTube has no API for community posts; publish this one by hand in YouTube "
               "Studio",
}


@dataclass(frozen=True, slots=True)
class Fit:
    """One account's verdict on a broadcast text."""

    account: str
    platform: str
    length: int
    limit: int
    problems: tuple[str, ...]
    price: str = ""
    """What one post costs there, when the platform charges for it (X)."""

    @property
    def ok(self) -> bool:
        return not self.problems


def fit(desk: Desk, account: str, text: str, *, image: str | None = None) -> Fit:
    channel = desk.channel(account)
    platform = platform_of(channel)
    connector = desk.connector(account)
    length = desk.guard.weighted_length(text, channel)
    limit = desk.guard.limits.get(channel, connector.text_limit or 280)
    problems: list[str] = []
    if platform == "instagram" and not image:
        problems.append("Instagram needs an image with the text (--image)")
    elif platform == "instagram" and not desk.settings.broadcast.public_media_url:
        # Instagram fetches the image from a public address; without one it cannot publish.
        problems.append("Instagram fetches the image from a public address: set [broadcast] "
                        "public_media_url to where the console's /media is reachable")
    if "post" not in connector.capabilities:
        problems.append(NO_POST_API.get(platform, f"{platform} connector cannot post"))
    verdict = desk.guard.check_outbound(text, channel=channel)
    problems += [f"guard: {r}" for r in verdict.reasons if r != LINK_ON_X]
    # A broadcast is an announcement: a text that interprets rules, announces an unregulated
    # policy or touches excluded information is refused as a reply to it would be.
    problems += [f"guard: {topic}" for topic in desk.guard.check_inbound(text)]
    price = ""
    if platform == "x":
        # The sandbox imitating X charges nothing; the price shown is the real one.
        costs = XConnector.cost_per_call
        with_link = bool(desk.guard.links(text))
        dollars = costs["with_link" if with_link else "post"]
        price = f"US${dollars:.3f} per post" + (" (with a link: the higher price)"
                                                if with_link else "")
    return Fit(account, platform, length, limit, tuple(dict.fromkeys(problems)), price)
