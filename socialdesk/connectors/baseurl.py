"""Where a connector may send an account's token: the platform's own host, over https.

A base URL in the settings (`graph_url` and the like) exists for tests and proxies; taken
as given it would let a typo or a tampered file send the page token in clear text, or to
another host. So it must be https on one of the platform's hosts, unless the account's
options say `test_endpoint = true` (a loopback test server, the sandbox), which is named in
`accounts check` for as long as it is set.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from socialdesk.connectors.errors import Permanent

TEST_FLAG = "test_endpoint"


def is_test_endpoint(options: Mapping[str, Any]) -> bool:
    return options.get(TEST_FLAG) is True


def checked_base_url(url: str, *, hosts: Iterable[str], options: Mapping[str, Any],
                     key: str) -> str:
    """`url` if it is https on one of `hosts` (or the test flag is set); Permanent if not."""
    if is_test_endpoint(options):
        return url
    parts = urlsplit(url)
    allowed = sorted(hosts)
    if parts.scheme != "https":
        raise Permanent(f"options.{key} must be an https URL, not {parts.scheme or 'no'} "
                        f"scheme ({url.split('?')[0]!r}); set options.{TEST_FLAG} = true only "
                        "for a test server")
    if (parts.hostname or "") not in allowed or parts.username or parts.password:
        raise Permanent(f"options.{key} must be on {' or '.join(allowed)}, not "
                        f"{parts.hostname!r}; set options.{TEST_FLAG} = true only for a "
                        "test server")
    return url
