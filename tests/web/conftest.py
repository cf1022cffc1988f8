"""A console on the test database: the sandbox accounts of the desk tests, four users (two
agents, a supervisor, an admin), and signed-in test clients."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from socialdesk.app import auth, users
from socialdesk.web.app import create_app
from socialdesk.web.security import LoginLimiter
from tests.desk_helpers import START, Rig, make_rig

PASSWORD = "kata-sandi-yang-panjang"
USERS = {"ani": "agent", "budi": "agent", "sari": "supervisor", "adi": "admin"}
# Monday 30 November 2026, 09:30 WIB: the desk has been open for an hour and a half.
OPEN_AT = START + timedelta(hours=2)


@dataclass
class Console:
    rig: Rig
    app: FastAPI
    clients: list[TestClient] = field(default_factory=list)

    def client(self) -> TestClient:
        client = TestClient(self.app, follow_redirects=False)
        self.clients.append(client)
        return client

    def signed_in(self, username: str) -> tuple[TestClient, str]:
        """A client signed in as `username`, and its session's CSRF token."""
        client = self.client()
        answer = self.sign_in(client, username, PASSWORD)
        assert answer.status_code == 303, answer.text
        page = client.get("/queue")
        token = re.search(r'data-csrf="([^"]+)"', page.text)
        assert token is not None
        return client, token.group(1)

    def sign_in(self, client: TestClient, username: str, password: str) -> Any:
        """Post the sign-in form as a browser does: with the token the form came with."""
        form = client.get("/login")
        token = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert token is not None
        return client.post("/login", data={"username": username, "password": password,
                                           "csrf": token.group(1)})

    def token(self, username: str) -> str:
        return auth.issue_token(self.rig.desk, username, "tests", actor="tests").token

    def message(self, text: str, *, account: str = "sb-x", author: str = "warga_a",
                minutes: int = 100) -> int:
        """A message on the sandbox network, polled into the desk (not triaged): its id."""
        from sqlalchemy import func, select

        from socialdesk.store.models import Message

        self.rig.say(account, text, at=timedelta(minutes=minutes), author=author)
        self.rig.poll_all()
        with self.rig.session() as session:
            return int(session.scalar(select(func.max(Message.id))) or 0)


@pytest.fixture(autouse=True)
def quick_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 at its smallest cost: the tests check who gets in, not how slow guessing is."""
    monkeypatch.setattr(users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024,
                                                          parallelism=1))


@pytest.fixture
def console(engine: Engine, tmp_path: Path) -> Iterator[Console]:
    rig = make_rig(engine, tmp_path)
    rig.clock.set(OPEN_AT)
    for name, role in USERS.items():
        users.add_user(rig.desk, name, PASSWORD, role=role, display_name=name.title(),
                       actor="tests")
    app = create_app(rig.desk, limiter=LoginLimiter(attempts=5, window=900))
    made = Console(rig, app)
    yield made
    for client in made.clients:
        client.close()
