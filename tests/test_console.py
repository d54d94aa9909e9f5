"""The console's HTTP surface through Starlette's test client: login on every page, each
role's limits enforced by the server, CSRF refused, a supplier's user kept to its own rows
(404 for anything else, as for what does not exist), every action recorded with its user,
the login limit, the JSON twins — on SQLite and PostgreSQL."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from datetime import datetime

import pytest
from console_support import (
    ACADIA,
    BAD_FILE,
    KATAHDIN,
    PASSWORD,
    PINE_TREE,
    Store,
    console_app,
    csrf_of,
    log_in,
    make_store,
)
from sqlalchemy import select

from ebt.console.guard import LoginLimiter
from ebt.store.schema import ConsoleAction, InboundFile, OutboundFile, Outbox, WorkItem

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from starlette.testclient import TestClient

PAGES = [
    "/today",
    "/files",
    "/files?direction=out",
    "/accounts",
    "/accounts?by=name&q=thibodeau",
    "/accounts/00412345678",
    "/decisions",
    "/workitems",
    "/rules",
    "/rules/enrollment/1.0",
    "/audit",
]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Store]:
    schemas = request.getfixturevalue("postgres_schemas") if request.param != "sqlite" else None
    made, schema = make_store(request.param, tmp_path_factory.mktemp("console"), schemas)
    yield made
    made.sessions.kw["bind"].dispose()
    if schema:
        schemas.drop(schema)  # type: ignore[union-attr]


def client(store: Store, name: str | None = None, **kw: object) -> TestClient:
    made = TestClient(console_app(store, **kw))  # type: ignore[arg-type]
    if name:
        response = log_in(made, name)
        assert response.status_code == 303, response.text  # type: ignore[attr-defined]
    return made


def _id(store: Store, model: type, **where: object) -> int:
    with store.sessions() as session:
        query = select(model.id)  # type: ignore[attr-defined]
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        found = session.scalar(query.order_by(model.id))  # type: ignore[attr-defined]
    assert found is not None
    return int(found)


def _actions(store: Store) -> list[ConsoleAction]:
    with store.sessions() as session:
        return list(session.scalars(select(ConsoleAction).order_by(ConsoleAction.id)))


@pytest.mark.parametrize("path", [*PAGES, "/files/in/1", "/decisions/1", "/workitems/1"])
def test_every_page_wants_a_login(store: Store, path: str) -> None:
    anonymous = client(store)
    page = anonymous.get(path, follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login?next=")
    twin = anonymous.get(path.split("?")[0] + ".json")
    assert twin.status_code == 401 and twin.json() == {"error": "log in first"}


def test_every_page_answers_for_the_td_with_its_json_twin(store: Store) -> None:
    admin = client(store, "ada")
    for path in PAGES:
        page = admin.get(path)
        assert page.status_code == 200, path
        assert "<main" in page.text and 'name="csrf"' in page.text
        base, _, query = path.partition("?")
        twin = admin.get(f"{base}.json" + (f"?{query}" if query else ""))
        assert twin.status_code == 200 and twin.headers["content-type"] == "application/json"
    today = admin.get("/today.json").json()["today"]
    assert today["files_in_today"] == {"archived": 5}
    assert [s["key"] for s in today["rejects_per_day"]] == ["A13"]


def test_the_session_cookie_is_signed_httponly_and_samesite(store: Store) -> None:
    anonymous = client(store)
    response = log_in(anonymous, "vera")
    cookie = response.headers["set-cookie"]  # type: ignore[attr-defined]
    assert "ebt_console=" in cookie and "httponly" in cookie.lower()
    assert "samesite=strict" in cookie.lower()
    assert anonymous.get("/today.json").status_code == 200
    signed = anonymous.cookies["ebt_console"]
    forged = client(store)
    forged.cookies.set("ebt_console", "eyJ1c2VyIjogImFkYSIsICJyb2xlIjogImFkbWluIn0=" + signed[-30:])
    assert forged.get("/today.json").status_code == 401


def test_a_wrong_password_is_refused_and_recorded(store: Store) -> None:
    anonymous = client(store)
    response = log_in(anonymous, "otto", "not the password")
    assert response.status_code == 401  # type: ignore[attr-defined]
    assert "Wrong name or password" in response.text  # type: ignore[attr-defined]
    assert anonymous.get("/today.json").status_code == 401
    failed = [a for a in _actions(store) if a.action == "login" and a.outcome == "failed"]
    assert failed and failed[-1].user == "otto"


def test_login_attempts_are_limited(store: Store) -> None:
    limited = client(store, limiter=LoginLimiter(attempts=3, window=600))
    for _ in range(3):
        assert log_in(limited, "ada", "wrong").status_code == 401  # type: ignore[attr-defined]
    refused = log_in(limited, "ada")  # even the right password, until the window passes
    assert refused.status_code == 429  # type: ignore[attr-defined]
    assert int(refused.headers["retry-after"]) > 0  # type: ignore[attr-defined]


def test_a_form_without_the_sessions_csrf_token_is_refused(store: Store) -> None:
    operator = client(store, "otto")
    item = _id(store, WorkItem, kind="start_without_read")
    for token in (None, "forged-token"):
        data = {"note": "done"} | ({"csrf": token} if token else {})
        response = operator.post(f"/workitems/{item}/resolve", data=data)
        assert response.status_code == 403
    with store.sessions() as session:
        assert session.get(WorkItem, item).status == "open"  # type: ignore[union-attr]
    login = client(store)
    login.get("/login")
    forged = login.post("/login", data={"name": "ada", "password": PASSWORD, "csrf": "x"})
    assert forged.status_code == 403


def test_an_operator_resolves_a_work_item_with_a_note_recorded_with_their_name(
    store: Store,
) -> None:
    operator = client(store, "otto")
    item = _id(store, WorkItem, kind="final_bill_transfer")
    page = operator.get(f"/workitems/{item}")
    assert "Resolve" in page.text
    empty = operator.post(
        f"/workitems/{item}/resolve", data={"csrf": csrf_of(page.text), "note": " "}
    )
    assert "Say what was done" in empty.text
    done = operator.post(
        f"/workitems/{item}/resolve",
        data={"csrf": csrf_of(page.text), "note": "Transferred by hand to 00398765432."},
    )
    assert done.status_code == 200 and f"Work item #{item} resolved." in done.text
    assert "Resolved by otto" in done.text and "Transferred by hand" in done.text
    with store.sessions() as session:
        assert session.get(WorkItem, item).status == "resolved"  # type: ignore[union-attr]
    recorded = [a for a in _actions(store) if a.action == "resolve" and a.outcome == "done"]
    assert (recorded[-1].user, recorded[-1].role, recorded[-1].target) == (
        "otto",
        "operator",
        f"work_item:{item}",
    )
    again = operator.post(
        f"/workitems/{item}/resolve", data={"csrf": csrf_of(page.text), "note": "twice"}
    )
    assert again.status_code == 409


def test_a_viewer_sees_no_action_and_the_server_refuses_one(store: Store) -> None:
    viewer = client(store, "vera")
    item = _id(store, WorkItem, kind="start_without_read")
    page = viewer.get(f"/workitems/{item}")
    assert page.status_code == 200 and "/resolve" not in page.text
    sent = _id(store, OutboundFile, recipient=ACADIA)
    assert "/resend" not in viewer.get(f"/files/out/{sent}").text
    csrf = csrf_of(page.text)
    refused = viewer.post(f"/workitems/{item}/resolve", data={"csrf": csrf, "note": "x"})
    assert refused.status_code == 403
    assert viewer.post(f"/files/out/{sent}/resend", data={"csrf": csrf}).status_code == 403
    assert viewer.get("/audit").status_code == 403
    with store.sessions() as session:
        assert session.get(WorkItem, item).status == "open"  # type: ignore[union-attr]
    assert any(
        a.user == "vera" and a.outcome == "refused" and a.action == "resolve"
        for a in _actions(store)
    )


def test_an_operator_resends_a_sent_file(store: Store) -> None:
    operator = client(store, "otto")
    sent = _id(store, OutboundFile, recipient=PINE_TREE)
    page = operator.get(f"/files/out/{sent}")
    done = operator.post(
        f"/files/out/{sent}/resend", data={"csrf": csrf_of(page.text), "note": "lost by VAN"}
    )
    assert done.status_code == 200 and "back in the outbox" in done.text
    with store.sessions() as session:
        row = session.get(OutboundFile, sent)
        assert row is not None and row.resent_at is not None
        unsent = session.scalars(select(Outbox).where(Outbox.sent_at.is_(None))).all()
    assert unsent and all(m.recipient == PINE_TREE for m in unsent)
    assert any(a.action == "resend" and a.note == "lost by VAN" for a in _actions(store))


def test_an_operator_reprocesses_a_received_file_with_a_reason(store: Store) -> None:
    from ebt.store.schema import Reprocessing

    operator = client(store, "otto")
    bad = _id(store, InboundFile, name=BAD_FILE)
    page = operator.get(f"/files/in/{bad}")
    csrf = csrf_of(page.text)
    assert f"/files/in/{bad}/reprocess" in page.text
    no_reason = operator.post(f"/files/in/{bad}/reprocess", data={"csrf": csrf, "reason": ""})
    assert "Say why" in no_reason.text
    done = operator.post(
        f"/files/in/{bad}/reprocess", data={"csrf": csrf, "reason": "partner fixed its dates"}
    )
    assert done.status_code == 200 and f"{BAD_FILE}: " in done.text
    with store.sessions() as session:
        (record,) = session.scalars(select(Reprocessing).where(Reprocessing.file_id == bad))
    assert (record.operator, record.reason) == ("console:otto", "partner fixed its dates")
    assert any(a.action == "reprocess" and a.outcome == "done" for a in _actions(store))
    assert client(store, "vera").get(f"/files/in/{bad}").text.count("/reprocess") == 0


def test_a_supplier_gets_404_for_another_suppliers_file_account_and_decision(
    store: Store,
) -> None:
    pine = client(store, "pine")
    theirs = _id(store, InboundFile, partner=KATAHDIN)
    sent_to_acadia = _id(store, OutboundFile, recipient=ACADIA)
    for path in (
        f"/files/in/{theirs}",
        f"/files/in/{theirs}/original",
        f"/files/out/{sent_to_acadia}",
        f"/files/out/{sent_to_acadia}/original",
        "/accounts/00398765432",
        "/accounts/00734500019",
        f"/files/named/{BAD_FILE}",
        "/workitems",
        f"/workitems/{_id(store, WorkItem, kind='start_without_read')}",
    ):
        assert pine.get(path).status_code == 404, path
    nowhere = pine.get("/files/in/999999").text.replace("/999999.json", "/N.json")
    assert pine.get(f"/files/in/{theirs}").text.replace(f"/{theirs}.json", "/N.json") == nowhere
    assert pine.get(f"/files/in/{theirs}.json").json() == pine.get("/files/in/999.json").json()
    assert pine.get("/accounts/00000000000").status_code == 404
    decided = pine.get("/decisions.json?reference=ACA-RIN-20261105-0003").json()
    assert decided["decisions"] == []


def test_a_supplier_sees_its_own_rows_only(store: Store) -> None:
    pine = client(store, "pine")
    listed = pine.get("/files.json").json()["files"]["rows"]
    assert [f["partner"] for f in listed] == [PINE_TREE]
    mine = pine.get(f"/files/in/{listed[0]['id']}")
    assert mine.status_code == 200 and "PTP-ENR-20261102-0001" in mine.text
    assert pine.get("/accounts/00412345678").status_code == 200
    found = pine.get("/accounts.json?by=account&q=00398765432").json()
    assert found["accounts"]["rows"] == []
    today = pine.get("/today").text
    assert "Open work items" not in today and "Last sweeps" not in today
    assert "/workitems" not in pine.get("/today").text
    original = pine.get(f"/files/in/{listed[0]['id']}/original")
    assert original.status_code == 200 and original.content.startswith(b"ISA*")


def test_a_removed_user_is_out_at_the_next_request(store: Store, tmp_path: object) -> None:
    viewer = client(store, "vera")
    assert viewer.get("/today.json").status_code == 200
    text = store.users.read_text(encoding="utf-8")
    kept = text.split("[[user]]")
    store.users.write_text(
        "[[user]]".join(part for part in kept if 'name = "vera"' not in part), encoding="utf-8"
    )
    try:
        assert viewer.get("/today.json").status_code == 401
    finally:
        store.users.write_text(text, encoding="utf-8")


def test_login_goes_back_only_to_a_page_of_the_console(store: Store) -> None:
    anonymous = client(store)
    page = anonymous.get("/login")
    response = anonymous.post(
        "/login",
        data={
            "name": "vera",
            "password": PASSWORD,
            "csrf": csrf_of(page.text),
            "next": "//evil.example/x",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/today"


def test_pages_send_a_content_security_policy(store: Store) -> None:
    page = client(store, "vera").get("/today")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"


def test_the_file_page_shows_the_finding_at_its_segment(store: Store) -> None:
    bad = _id(store, InboundFile, name=BAD_FILE)
    page = client(store, "vera").get(f"/files/in/{bad}")
    segment = page.text.split('id="seg-12"')[1].split("</li>")[0]
    assert '<mark title="flagged by a finding">20261131</mark>' in segment
    assert "ELEMENT-DATE" in segment
    twin = client(store, "vera").get(f"/files/in/{bad}.json").json()
    (flagged,) = [s for s in twin["listing"]["segments"] if s["findings"]]
    assert flagged["number"] == 12 and flagged["elements"][0] == "DTM"


def test_actions_are_stamped_with_the_consoles_clock(store: Store) -> None:
    client(store, "ada")
    logins = [a for a in _actions(store) if a.action == "login" and a.user == "ada"]
    assert logins and logins[-1].at == datetime(2026, 11, 20, 15, 30)
    assert logins[-1].outcome == "done" and logins[-1].role == "admin"


def test_a_sent_997_links_to_the_file_it_answers(store: Store) -> None:
    bad = _id(store, InboundFile, name=BAD_FILE)
    with store.sessions() as session:
        holder = session.scalar(select(Outbox.file_name).where(Outbox.kind == f"ack:{bad}"))
    sent = _id(store, OutboundFile, name=holder)
    page = client(store, "vera").get(f"/files/out/{sent}")
    assert f'ack for <a href="/files/in/{bad}">received file #{bad}</a>' in page.text


def test_an_operator_replays_a_files_decisions_and_the_rest_are_refused(store: Store) -> None:
    """The replay view: a file's decisions evaluated again under the tables then (nothing
    changes) or now, with the outcome pairs counted; read-only, for the roles that may
    replay; a file the user may not see is 404, a role without replay 403."""
    operator = client(store, "otto")
    pine_file = _id(store, InboundFile, partner=PINE_TREE)
    form = operator.get("/decisions")
    assert 'action="/decisions/replay"' in form.text
    before = _actions(store)
    page = operator.get(f"/decisions/replay?file={pine_file}&rules=then")
    assert page.status_code == 200
    assert "decision(s) replayed under the rules then" in page.text
    assert ": 0 would change." in page.text
    assert "<td>enroll</td><td>enroll</td><td>1</td><td>0</td>" in page.text
    ranged = operator.get("/decisions/replay?from=2026-11-01&to=2026-11-30&rules=now")
    assert ranged.status_code == 200 and "replayed under the rules now" in ranged.text
    assert operator.get("/decisions/replay?file=999999").status_code == 404
    assert operator.get("/decisions/replay?file=1&rules=draft").status_code == 400
    assert len(_actions(store)) == len(before)  # read-only: nothing recorded, nothing done
    for name in ("vera", "pine"):
        refused = client(store, name).get(f"/decisions/replay?file={pine_file}")
        assert refused.status_code == 403
        assert 'action="/decisions/replay"' not in client(store, name).get("/decisions").text
    assert client(store).get("/decisions/replay", follow_redirects=False).status_code in (
        302,
        303,
    )
