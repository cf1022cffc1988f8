"""Settings: non-secret values from a TOML file, secrets only from the environment.

The settings file is found in this order: --config, $SOCIALDESK_CONFIG, ./socialdesk.toml,
/etc/socialdesk/socialdesk.toml; without any, commands that need no accounts run on the
built-in defaults. Data (the SQLite database, the demo day) lives in the state directory:
$SOCIALDESK_HOME, else systemd's $STATE_DIRECTORY, else $XDG_STATE_HOME/socialdesk
(~/.local/state/socialdesk) — never inside the installed package. Relative paths in [paths]
are taken from the settings file's folder; a relative SQLite path from the state directory.

A secret named NAME is read from the environment variable NAME, or from the file that
NAME_FILE points to (systemd's LoadCredential= puts files under $CREDENTIALS_DIRECTORY).
Secrets are wrapped in `Secret`, whose repr and str never show the value.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Any
from urllib.parse import unquote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from socialdesk.core import resources
from socialdesk.core.resources import default_path
from socialdesk.core.scrub import remember, scrub
from socialdesk.core.vocab import PLATFORMS

CONFIG_ENV = "SOCIALDESK_CONFIG"
HOME_ENV = "SOCIALDESK_HOME"
CONFIG_NAME = "socialdesk.toml"
SYSTEM_CONFIG = Path("/etc/socialdesk") / CONFIG_NAME
BUILT_IN = "(built-in defaults)"
DATABASE_ENV = "SOCIALDESK_DATABASE_URL"


class SettingsError(ValueError):
    """A setting is wrong; the message names the file and the key."""


class MissingSecret(SettingsError):
    """A secret that a component needs is not in the environment."""


def redact(text: str) -> str:
    """`text` with every secret value this process has revealed replaced by ********,
    whole, percent-encoded or in part (core.scrub, the one scrubber)."""
    return scrub(text)


class Secret:
    """A string that never shows itself in repr(), str() or f-strings."""

    __slots__ = ("_value", "source")

    def __init__(self, value: str, source: str = "") -> None:
        self._value = value
        self.source = source

    def reveal(self) -> str:
        # Log lines and stored error texts are scrubbed of it from now on, even when a
        # library or a server quotes it.
        remember(self._value)
        return self._value

    def __repr__(self) -> str:
        return f"Secret({self.source or 'value'}=********)"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def read_secret(name: str, environ: Mapping[str, str] | None = None) -> Secret | None:
    """NAME from the environment, else the file named by NAME_FILE, else the systemd
    credential $CREDENTIALS_DIRECTORY/NAME."""
    env = os.environ if environ is None else environ
    if env.get(name):
        return Secret(env[name], name)
    file_name = env.get(f"{name}_FILE")
    if not file_name and env.get("CREDENTIALS_DIRECTORY"):
        credential = Path(env["CREDENTIALS_DIRECTORY"]) / name
        file_name = str(credential) if credential.is_file() else None
    if file_name:
        path = Path(file_name)
        if not path.is_absolute() and env.get("CREDENTIALS_DIRECTORY"):
            path = Path(env["CREDENTIALS_DIRECTORY"]) / path
        try:
            value = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise MissingSecret(f"{name}_FILE={file_name}: cannot read ({exc.strerror})") from None
        if not value:
            raise MissingSecret(f"{name}_FILE={file_name}: the file is empty")
        return Secret(value, name)
    return None


def secret_env_name(account: str, key: str) -> str:
    """SOCIALDESK_<ACCOUNT>_<KEY>, upper case, with anything not alphanumeric as '_'."""
    return re.sub(r"[^A-Z0-9]+", "_", f"SOCIALDESK_{account}_{key}".upper())


@dataclass(frozen=True, slots=True)
class AccountConfig:
    """One platform account the desk polls and answers from."""

    name: str
    platform: str
    handle: str
    enabled: bool = True
    streams: tuple[str, ...] = ()
    poll_interval: int = 120
    options: Mapping[str, Any] = field(default_factory=dict)
    environ: Mapping[str, str] | None = field(default=None, repr=False, compare=False)

    def secret_name(self, key: str) -> str:
        return secret_env_name(self.name, key)

    def secret(self, key: str) -> Secret:
        """The account's secret `key`; MissingSecret names the variable to set."""
        found = self.optional_secret(key)
        if found is None:
            env = self.secret_name(key)
            raise MissingSecret(
                f"account {self.name!r} needs {key}: set {env} or {env}_FILE"
            )
        return found

    def optional_secret(self, key: str) -> Secret | None:
        return read_secret(self.secret_name(key), self.environ)


@dataclass(frozen=True, slots=True)
class HoursChange:
    """Changed opening hours for an inclusive date range (e.g. Ramadan)."""

    start: date
    end: date
    open: time
    close: time


@dataclass(frozen=True, slots=True)
class WorkingHours:
    timezone: str = "Asia/Jakarta"
    open: time = time(8, 0)
    close: time = time(16, 0)
    closed_dates: tuple[date, ...] = ()
    open_dates: tuple[date, ...] = ()
    changed_hours: tuple[HoursChange, ...] = ()


@dataclass(frozen=True, slots=True)
class SlaSettings:
    response_hours: float = 1.0
    warn_before_minutes: int = 15


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str = "localhost"
    port: int = 25
    starttls: bool = False
    username: str = ""
    sender: str = "socialdesk@localhost"
    password_env: str = "SOCIALDESK_SMTP_PASSWORD"
    tls: bool = False
    """Implicit TLS from the first byte (port 465); `starttls` upgrades a plain connection."""
    ca_file: str = ""
    """A CA bundle to trust instead of the system's (an internal mail relay)."""


@dataclass(frozen=True, slots=True)
class DigestSettings:
    recipients: tuple[str, ...] = ()
    send_at: time = time(16, 30)
    console_url: str = ""
    """Base URL of the console, for the digest's links to breached messages."""


@dataclass(frozen=True, slots=True)
class BroadcastSettings:
    public_media_url: str = ""
    """Where the console serves the state directory's media/ folder to the internet
    (https://desk.example.go.id/media): Instagram fetches a broadcast's image from there."""


@dataclass(frozen=True, slots=True)
class RetentionSettings:
    """How long personal data stays (UU PDP No. 27/2022): after `message_days` a message's
    text, raw payload and author are removed or pseudonymised, and a ticket's summary is
    masked; 0 keeps them."""

    message_days: int = 180


@dataclass(frozen=True, slots=True)
class Settings:
    source: str
    database_url: str = field(repr=False)
    catalog_path: Path
    rules_dir: Path
    replies_dir: Path
    guard_path: Path
    lexicon_dir: Path
    digest_dir: Path
    state_dir: Path
    working_hours: WorkingHours = field(default_factory=WorkingHours)
    sla: SlaSettings = field(default_factory=SlaSettings)
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    digest: DigestSettings = field(default_factory=DigestSettings)
    accounts: tuple[AccountConfig, ...] = ()
    retention: RetentionSettings = field(default_factory=RetentionSettings)
    broadcast: BroadcastSettings = field(default_factory=BroadcastSettings)
    # The classifier's learned second opinion ([paths] model); None: the rules decide alone.
    model_path: Path | None = None
    # The outbound guard's learned second opinion ([paths] guard_model); None: rules alone.
    guard_model_path: Path | None = None


class _Reader:
    """Typed access to one TOML table, with errors that name file and key."""

    def __init__(self, data: Mapping[str, Any], source: str, prefix: str = "") -> None:
        self.data = data
        self.source = source
        self.prefix = prefix

    def fail(self, key: str, what: str) -> SettingsError:
        return SettingsError(f"{self.source}: {self.prefix}{key}: {what}")

    def only(self, *keys: str) -> None:
        """Refuse any key but `keys`: a misspelt key would otherwise be silently ignored."""
        for key in self.data:
            if key not in keys:
                near = difflib.get_close_matches(str(key), keys, n=1)
                hint = f" (did you mean {near[0]!r}?)" if near else ""
                raise self.fail(str(key), f"unknown key{hint}; known: {', '.join(keys)}")

    def table(self, key: str) -> _Reader:
        value = self.data.get(key, {})
        if not isinstance(value, Mapping):
            raise self.fail(key, "must be a table")
        return _Reader(value, self.source, f"{self.prefix}{key}.")

    def get(self, key: str, kind: type | tuple[type, ...], default: Any) -> Any:
        if key not in self.data:
            return default
        value = self.data[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if isinstance(value, bool) and bool not in kinds:
            raise self.fail(key, f"must be {kinds[0].__name__}, not a boolean")
        if not isinstance(value, kinds):
            raise self.fail(key, f"must be {kinds[0].__name__}, got {value!r}")
        return value

    def text(self, key: str, default: str) -> str:
        return str(self.get(key, str, default))

    def clock_time(self, key: str, default: time) -> time:
        raw = self.get(key, (str, time), None)
        if raw is None:
            return default
        if isinstance(raw, time):
            return raw
        try:
            return time.fromisoformat(raw)
        except ValueError:
            raise self.fail(key, f"must be a time like 08:00, got {raw!r}") from None

    def dates(self, key: str) -> tuple[date, ...]:
        raw = self.get(key, list, [])
        out = []
        for value in raw:
            if isinstance(value, date):
                out.append(value)
                continue
            try:
                out.append(date.fromisoformat(str(value)))
            except ValueError:
                raise self.fail(key, f"{value!r} is not a date like 2026-12-31") from None
        return tuple(out)

    def one_date(self, key: str) -> date:
        if key not in self.data:
            raise self.fail(key, "is required")
        return _Reader({key: [self.data[key]]}, self.source, self.prefix).dates(key)[0]

    def strings(self, key: str) -> tuple[str, ...]:
        raw = self.get(key, list, [])
        if not all(isinstance(v, str) for v in raw):
            raise self.fail(key, "must be a list of strings")
        return tuple(raw)


def _working_hours(r: _Reader) -> WorkingHours:
    r.only("timezone", "open", "close", "closed_dates", "open_dates", "changed_hours")
    tz = r.text("timezone", "Asia/Jakarta")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise r.fail("timezone", f"unknown time zone {tz!r}") from None
    opening, closing = r.clock_time("open", time(8)), r.clock_time("close", time(16))
    if opening >= closing:
        raise r.fail("close", "must be later than open")
    changes = []
    for index, raw in enumerate(r.get("changed_hours", list, [])):
        if not isinstance(raw, Mapping):
            raise r.fail(f"changed_hours[{index}]", "must be a table")
        c = _Reader(raw, r.source, f"{r.prefix}changed_hours[{index}].")
        c.only("start", "end", "open", "close")
        start, end = c.one_date("start"), c.one_date("end")
        change = HoursChange(start, end, c.clock_time("open", opening),
                             c.clock_time("close", closing))
        if change.end < change.start:
            raise c.fail("end", "is before start")
        if change.open >= change.close:
            raise c.fail("close", "must be later than open")
        changes.append(change)
    return WorkingHours(
        timezone=tz, open=opening, close=closing, closed_dates=r.dates("closed_dates"),
        open_dates=r.dates("open_dates"), changed_hours=tuple(changes),
    )


def _accounts(
    raw: Any, source: str, environ: Mapping[str, str] | None,
) -> tuple[AccountConfig, ...]:
    if not isinstance(raw, list):
        raise SettingsError(f"{source}: accounts: must be an array of tables ([[accounts]])")
    seen: set[str] = set()
    out = []
    for index, entry in enumerate(raw):
        if not isinstance(entry, Mapping):
            raise SettingsError(f"{source}: accounts[{index}]: must be a table")
        r = _Reader(entry, source, f"accounts[{index}].")
        r.only("name", "platform", "handle", "enabled", "streams", "poll_interval", "options")
        name = r.text("name", "")
        if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,40}", name):
            raise r.fail("name", "must be 1-41 characters of a-z, 0-9, '-' or '_'")
        if name in seen:
            raise r.fail("name", f"duplicate account name {name!r}")
        seen.add(name)
        platform = r.text("platform", "")
        if platform not in PLATFORMS:
            raise r.fail("platform", f"must be one of {', '.join(PLATFORMS)}, got {platform!r}")
        interval = r.get("poll_interval", int, 120)
        if not 5 <= interval <= 86400:
            raise r.fail("poll_interval", "must be between 5 and 86400 seconds")
        options = r.get("options", Mapping, {})
        out.append(AccountConfig(
            name=name, platform=platform, handle=r.text("handle", name),
            enabled=r.get("enabled", bool, True), streams=r.strings("streams"),
            poll_interval=interval, options=dict(options), environ=environ,
        ))
    return tuple(out)


def state_dir(environ: Mapping[str, str] | None = None) -> Path:
    """$SOCIALDESK_HOME, else systemd's $STATE_DIRECTORY, else the user's XDG state folder."""
    env = os.environ if environ is None else environ
    if env.get(HOME_ENV):
        return Path(env[HOME_ENV]).expanduser()
    if env.get("STATE_DIRECTORY"):
        # systemd may list several folders separated by colons; the first is ours.
        return Path(env["STATE_DIRECTORY"].split(":")[0])
    xdg = env.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(xdg) / "socialdesk"


def _remember_password(url: str) -> None:
    found = re.match(r"[^:/]+://[^:/@]*:([^@/]+)@", url)
    if found:
        remember(found.group(1))
        remember(unquote(found.group(1)))


def parse_settings(
    data: Mapping[str, Any], source: str, base_dir: Path | None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Settings from parsed TOML. `base_dir` anchors relative [paths] (None: built-ins)."""
    env = os.environ if environ is None else environ
    root = _Reader(data, source)
    known = {"database", "paths", "working_hours", "sla", "smtp", "digest", "accounts",
             "retention", "broadcast"}
    for key in data:
        if key not in known:
            near = difflib.get_close_matches(str(key), sorted(known), n=1)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            raise root.fail(key, f"unknown section{hint} (known: {', '.join(sorted(known))})")
    home = state_dir(env)
    db = root.table("database")
    db.only("url")
    # The URL may carry the password: also from SOCIALDESK_DATABASE_URL_FILE (or a systemd
    # credential), and scrubbed from every later log line or error.
    from_env = read_secret(DATABASE_ENV, env)
    url = from_env.reveal() if from_env else db.text("url", "sqlite:///socialdesk.db")
    _remember_password(url)
    if "://" not in url:
        raise db.fail("url", f"is not a database URL: {url!r}")
    scheme = url.split("://", 1)[0].split("+", 1)[0]
    if scheme not in ("sqlite", "postgresql", "postgres"):
        raise db.fail("url", f"unsupported database {scheme!r}: use sqlite:///PATH or "
                             "postgresql+psycopg://USER@HOST/NAME")
    url = _anchor_sqlite(url, home)
    paths = root.table("paths")
    paths.only("catalog", "rules", "replies", "guard", "lexicon", "digest_templates", "model",
               "guard_model")

    def path(key: str, default: str) -> Path:
        if key not in paths.data:
            return default_path(default, must_exist=key != "digest_templates")
        p = Path(paths.text(key, default)).expanduser()
        if not p.is_absolute():
            p = (base_dir or Path.cwd()) / p
        if not p.exists():
            raise paths.fail(key, f"{p} does not exist")
        return p

    sla = root.table("sla")
    sla.only("response_hours", "warn_before_minutes")
    response_hours = sla.get("response_hours", (int, float), 1.0)
    if not 0 < response_hours <= 40:
        raise sla.fail("response_hours", "must be between 0 and 40 working hours")
    warn = sla.get("warn_before_minutes", int, 15)
    if not 0 <= warn <= 480:
        raise sla.fail("warn_before_minutes", "must be between 0 and 480")
    smtp = root.table("smtp")
    smtp.only("host", "port", "starttls", "username", "from", "password_env", "tls",
              "ca_file")
    port = smtp.get("port", int, 25)
    if not 1 <= port <= 65535:
        raise smtp.fail("port", "must be a TCP port (1-65535)")
    if smtp.get("tls", bool, False) and smtp.get("starttls", bool, False):
        raise smtp.fail("tls", "choose implicit TLS (tls) or STARTTLS (starttls), not both")
    digest = root.table("digest")
    digest.only("recipients", "send_at", "console_url")
    recipients = digest.strings("recipients")
    for address in recipients:
        if not re.fullmatch(r"[^@\s]+@[^@\s]+", address):
            raise digest.fail("recipients", f"{address!r} is not an e-mail address")
    return Settings(
        source=source,
        database_url=url,
        catalog_path=path("catalog", resources.CATALOG),
        rules_dir=path("rules", resources.RULES),
        replies_dir=path("replies", resources.REPLIES),
        guard_path=path("guard", resources.GUARD),
        lexicon_dir=path("lexicon", resources.LEXICON),
        digest_dir=path("digest_templates", resources.DIGEST),
        state_dir=home,
        working_hours=_working_hours(root.table("working_hours")),
        sla=SlaSettings(float(response_hours), warn),
        smtp=SmtpSettings(
            host=smtp.text("host", "localhost"), port=port,
            starttls=smtp.get("starttls", bool, False), username=smtp.text("username", ""),
            sender=smtp.text("from", "socialdesk@localhost"),
            password_env=smtp.text("password_env", "SOCIALDESK_SMTP_PASSWORD"),
            tls=smtp.get("tls", bool, False), ca_file=smtp.text("ca_file", ""),
        ),
        digest=DigestSettings(recipients, digest.clock_time("send_at", time(16, 30)),
                              console_url=digest.text("console_url", "").rstrip("/")),
        accounts=_accounts(data.get("accounts", []), source, environ),
        retention=_retention(root.table("retention")),
        broadcast=_broadcast(root.table("broadcast")),
        model_path=_model_path(paths, path),
        guard_model_path=_guard_model_path(paths, path),
    )


# Whether the packaged second opinion is used when [paths] names no model (data/README.md
# says why: it is kept on only where it measured better on sets nobody tuned on).
MODEL_BY_DEFAULT = True


def _model_path(paths: _Reader, path: Callable[[str, str], Path]) -> Path | None:
    """[paths] model: a weights file, "" for the rules alone, absent for the default."""
    if "model" in paths.data:
        return None if paths.text("model", "") == "" else path("model", "")
    return default_path(resources.SECOND_OPINION) if MODEL_BY_DEFAULT else None


def _guard_model_path(paths: _Reader, path: Callable[[str, str], Path]) -> Path | None:
    """[paths] guard_model: a weights file, "" for the guard's rules alone, absent for the
    packaged one (it only holds for review a reply the rules pass; it never blocks)."""
    if "guard_model" in paths.data:
        return None if paths.text("guard_model", "") == "" else path("guard_model", "")
    return default_path(resources.GUARD_MODEL)


def _broadcast(r: _Reader) -> BroadcastSettings:
    r.only("public_media_url")
    url = r.text("public_media_url", "").rstrip("/")
    if url and not re.fullmatch(r"https?://[^\s/]+(/\S*)?", url):
        raise r.fail("public_media_url", f"is not an http(s) URL: {url!r}")
    return BroadcastSettings(url)


def _retention(r: _Reader) -> RetentionSettings:
    r.only("message_days")
    days = r.get("message_days", int, 180)
    if not 0 <= days <= 3650:
        raise r.fail("message_days", "must be between 0 (keep) and 3650 days")
    return RetentionSettings(days)


def _anchor_sqlite(url: str, home: Path) -> str:
    """A relative SQLite path is taken from the state directory, not the working directory."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
        rel = url[len(prefix):]
        return prefix + str((home / rel).resolve())
    return url


def find_config(explicit: str | Path | None = None,
                environ: Mapping[str, str] | None = None) -> Path | None:
    """--config, else $SOCIALDESK_CONFIG, else ./socialdesk.toml, else /etc/socialdesk/."""
    env = os.environ if environ is None else environ
    if explicit:
        return Path(explicit)
    if env.get(CONFIG_ENV):
        return Path(env[CONFIG_ENV])
    for candidate in (Path.cwd() / CONFIG_NAME, SYSTEM_CONFIG):
        if candidate.is_file():
            return candidate
    return None


def config_path(explicit: str | Path | None = None) -> Path | None:
    return find_config(explicit)


def load_settings(
    path: str | Path | None = None, environ: Mapping[str, str] | None = None,
    *, required: bool = False,
) -> Settings:
    file = find_config(path, environ)
    if file is None:
        if required:
            raise SettingsError(
                f"no settings file: pass --config FILE, set {CONFIG_ENV}, or create "
                f"./{CONFIG_NAME} or {SYSTEM_CONFIG} (`socialdesk init` writes one)"
            )
        return parse_settings({}, BUILT_IN, None, environ)
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise SettingsError(f"{file}: cannot read settings ({exc.strerror})") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SettingsError(f"{file}: not valid TOML ({exc})") from None
    return parse_settings(data, str(file), file.resolve().parent, environ)
