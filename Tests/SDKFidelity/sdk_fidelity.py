#!/usr/bin/env python3
"""Check that the official Avala Python SDK (PyPI `avala==0.10.0`) accepts the simulator.

Usage:
    pip install avala==0.10.0
    AVALA_BASE_URL=http://127.0.0.1:8787/api/v1 \
    AVALA_API_KEY=avk_sim_... \
    AVALA_ALLOW_INSECURE_BASE_URL=1 \
    python3 Tests/SDKFidelity/sdk_fidelity.py

The client is built the way the SDK's README does it (`avala.Client()`, which reads
AVALA_API_KEY and AVALA_BASE_URL itself). Every check prints `ok <name>` or
`FAIL <name>: <reason>`; the last line is `N passed, M failed`, and the exit status
is 1 when anything failed. The API key is never printed.

Optional environment:
    SDK_CHECK_EXPORT_TIMEOUT   seconds exports.wait() may take (default 30)
    SDK_CHECK_DELIVERY_TIMEOUT seconds to wait for the webhook delivery record (default 15)
    SDK_CHECK_VERBOSE=1        also print a `# <name>: <detail>` line after passing checks
    SDK_CHECK_EMAIL            invitation email (default sdk-check-<random>@example.com,
                               unique so the script can be re-run on one simulator)

Expected seed (see docs/SIMULATOR.md): organization `acme-ai` with several members and
a pending invitation, at least two projects (one `active`, one `completed`), datasets
owned by `acme-ai` with slugs, and exports in each status.
"""

from __future__ import annotations

import os
import sys
import time
import traceback
import uuid
from typing import Any, Callable, Dict, List, Optional

try:
    import avala
    from avala import Client
    from avala._pagination import CursorPage
    from avala.errors import AuthenticationError, AvalaError, NotFoundError
    from avala.resources.exports import TERMINAL_STATUSES
except ImportError as exc:  # pragma: no cover - environment problem
    print(f"FAIL import: {exc} (run `pip install avala==0.10.0`)")
    print("0 passed, 1 failed")
    sys.exit(1)

EXPECTED_SDK_VERSION = "0.10.0"
ORG = "acme-ai"
OTHER_ORG = "acme-labelers"
HOOK_URL = "https://example.invalid/hook"
HOOK_EVENTS = ["export.completed"]
MISSING_UID = "00000000-0000-4000-8000-000000000000"
MAX_PAGES = 50  # the SDK's own cap for page walks (resources/organizations.py:14)

EXPORT_TIMEOUT = float(os.environ.get("SDK_CHECK_EXPORT_TIMEOUT", "30"))
DELIVERY_TIMEOUT = float(os.environ.get("SDK_CHECK_DELIVERY_TIMEOUT", "15"))
VERBOSE = os.environ.get("SDK_CHECK_VERBOSE", "") not in ("", "0")
INVITE_EMAIL = os.environ.get("SDK_CHECK_EMAIL") or f"sdk-check-{uuid.uuid4().hex[:8]}@example.com"

MEMBER_ROLES = {"owner", "admin", "member"}
DELIVERY_STATUSES = {"pending", "delivered", "failed"}


class CheckFailed(AssertionError):
    pass


def expect(condition: bool, reason: str) -> None:
    if not condition:
        raise CheckFailed(reason)


def expect_str(value: Any, what: str) -> None:
    expect(isinstance(value, str) and value != "", f"{what} should be a non-empty string, got {value!r}")


class Context:
    """State shared between checks (earlier checks feed later ones)."""

    def __init__(self) -> None:
        self.client: Optional[Client] = None
        self.datasets: List[Any] = []
        self.acme_dataset: Any = None
        self.projects: List[Any] = []
        self.active_project: Any = None
        self.project_export_uid: Optional[str] = None
        self.dataset_export_uid: Optional[str] = None
        self.hook: Any = None
        self.hook_deleted = False
        self.members: List[Any] = []
        self.invitation: Any = None

    def need(self, attr: str, producer: str) -> Any:
        value = getattr(self, attr)
        if value is None or value == []:
            raise CheckFailed(f"needs the result of '{producer}', which did not pass")
        return value


# ── helpers ─────────────────────────────────────────────────────────────────


def walk(list_fn: Callable[..., CursorPage], **kwargs: Any) -> List[Any]:
    """Follow `next_cursor` the way an SDK user does; fail on cycles or runaway paging."""
    items: List[Any] = []
    seen_cursors = set()
    cursor: Optional[str] = None
    for _ in range(MAX_PAGES):
        page = list_fn(cursor=cursor, **kwargs) if cursor else list_fn(**kwargs)
        expect(isinstance(page, CursorPage), f"list returned {type(page).__name__}, not CursorPage")
        items.extend(page)  # CursorPage is iterable
        if not page.has_more:
            return items
        cursor = page.next_cursor
        expect(cursor not in seen_cursors, f"cursor {cursor!r} came back twice (paging loop)")
        seen_cursors.add(cursor)
        expect(len(page) > 0, f"page before cursor {cursor!r} was empty but `next` was set")
    raise CheckFailed(f"more than {MAX_PAGES} pages; `next` never became null")


def uids(items: List[Any], attr: str = "uid") -> List[str]:
    return [getattr(item, attr) for item in items]


def expect_unique(ids: List[str], what: str) -> None:
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    expect(not dupes, f"duplicate {what}: {dupes[:5]}")


def check_paging(list_fn: Callable[..., CursorPage], key: str = "uid", exact: bool = True, **filters: Any) -> str:
    """limit=1 pages must cover the same items as the default listing, without repeats.

    Also exercises the README's manual-pagination pattern, which sends `cursor`
    *without* re-sending `limit`.
    """
    everything = uids(walk(list_fn, **filters), key)
    expect_unique(everything, f"{key}s in the full listing")

    first = list_fn(limit=1, **filters)
    if not everything:
        expect(len(first) == 0 and not first.has_more, "empty collection but limit=1 returned something")
        return "empty collection"
    expect(len(first) == 1, f"limit=1 returned {len(first)} items")
    if len(everything) > 1:
        expect(first.has_more, "limit=1 with more than one item: `next` should carry a cursor")
        expect_str(first.next_cursor, "next_cursor parsed from `next`")

    one_by_one: List[str] = []
    seen_cursors = set()
    page = first
    for _ in range(MAX_PAGES):
        expect(len(page) <= 1, f"limit=1 page held {len(page)} items")
        one_by_one.extend(uids(page.items, key))
        if not page.has_more:
            break
        expect(page.next_cursor not in seen_cursors, f"cursor {page.next_cursor!r} came back twice (paging loop)")
        seen_cursors.add(page.next_cursor)
        page = list_fn(limit=1, cursor=page.next_cursor, **filters)
    else:
        raise CheckFailed(f"limit=1 walk exceeded {MAX_PAGES} pages")
    expect_unique(one_by_one, f"{key}s across limit=1 pages")
    if exact:
        expect(
            sorted(one_by_one) == sorted(everything),
            f"limit=1 walk saw {len(one_by_one)} items, full listing {len(everything)}",
        )

    if first.has_more:
        rest = list_fn(cursor=first.next_cursor, **filters)  # README pattern: cursor only
        rest_ids = uids(rest.items, key)
        expect(len(rest_ids) > 0, "page after the first (cursor only, no limit) was empty")
        expect(getattr(first.items[0], key) not in rest_ids, "second page repeats the first page's item")
    return f"{len(everything)} items"


def wait_for_export(client: Client, uid: str) -> Any:
    """`Exports.wait` with a short poll interval (the SDK's floor is 0.5 s)."""
    try:
        return client.exports.wait(uid, interval=0.5, timeout=EXPORT_TIMEOUT)
    except TimeoutError as exc:
        raise CheckFailed(f"{exc}; wait() stops only on status {sorted(TERMINAL_STATUSES)}")


# ── checks ──────────────────────────────────────────────────────────────────


def check_sdk_version(ctx: Context) -> str:
    from importlib.metadata import version

    installed = version("avala")
    expect(installed == EXPECTED_SDK_VERSION, f"avala {installed} installed, expected {EXPECTED_SDK_VERSION}")
    return installed


def check_client_construct(ctx: Context) -> None:
    for var in ("AVALA_BASE_URL", "AVALA_API_KEY"):
        expect(bool(os.environ.get(var)), f"{var} is not set")
    ctx.client = Client()  # reads AVALA_API_KEY / AVALA_BASE_URL, as in the SDK README
    expect(avala.Avala is Client, "avala.Avala alias missing")


def check_auth_rejected(ctx: Context) -> None:
    ctx.need("client", "client.construct")
    bad = Client(api_key="avk_sdk_check_wrong_key", base_url=os.environ["AVALA_BASE_URL"])
    try:
        bad.datasets.list()
    except AuthenticationError as exc:
        expect(exc.status_code == 401, f"status_code {exc.status_code}")
        return
    except AvalaError as exc:
        raise CheckFailed(f"wrong key gave {type(exc).__name__} (HTTP {exc.status_code}), expected 401")
    finally:
        bad.close()
    raise CheckFailed("a wrong API key was accepted")


def check_datasets_list(ctx: Context) -> str:
    client = ctx.need("client", "client.construct")
    page = client.datasets.list()
    expect(isinstance(page, CursorPage), "not a CursorPage")
    ctx.datasets = walk(client.datasets.list)
    expect(len(ctx.datasets) >= 1, "no datasets")
    for d in ctx.datasets:
        expect_str(d.uid, "dataset.uid")
        expect_str(d.name, f"dataset {d.uid} name")
        expect_str(d.slug, f"dataset {d.uid} slug")
        expect(isinstance(d.item_count, int) and d.item_count >= 0, f"dataset {d.uid} item_count {d.item_count!r}")
    expect_unique(uids(ctx.datasets), "dataset uids")
    acme = [d for d in ctx.datasets if d.owner_name == ORG]
    expect(acme, f"no dataset has owner_name {ORG!r} (owner_names: {sorted({str(d.owner_name) for d in ctx.datasets})})")
    ctx.acme_dataset = acme[0]
    return f"{len(ctx.datasets)} datasets"


def check_datasets_paging(ctx: Context) -> str:
    client = ctx.need("client", "client.construct")
    return check_paging(client.datasets.list)


def check_datasets_get(ctx: Context) -> None:
    client = ctx.need("client", "client.construct")
    listed = ctx.need("acme_dataset", "datasets.list")
    got = client.datasets.get(listed.uid)
    expect(got.uid == listed.uid, f"uid {got.uid!r} != {listed.uid!r}")
    expect((got.name, got.slug, got.owner_name) == (listed.name, listed.slug, listed.owner_name),
           f"detail {(got.name, got.slug, got.owner_name)} != list {(listed.name, listed.slug, listed.owner_name)}")


def check_datasets_get_by_slug(ctx: Context) -> None:
    client = ctx.need("client", "client.construct")
    listed = ctx.need("acme_dataset", "datasets.list")
    got = client.datasets.get_by_slug(ORG, listed.slug)
    expect(got.uid == listed.uid, f"GET /datasets/{ORG}/{listed.slug}/ gave uid {got.uid!r}, expected {listed.uid!r}")
    expect(got.owner_name == ORG, f"owner_name {got.owner_name!r}")


def check_datasets_not_found(ctx: Context) -> None:
    client = ctx.need("client", "client.construct")
    try:
        client.datasets.get(MISSING_UID)
    except NotFoundError as exc:
        expect(exc.status_code == 404, f"status_code {exc.status_code}")
        return
    except AvalaError as exc:
        raise CheckFailed(f"got {type(exc).__name__} (HTTP {exc.status_code}), expected NotFoundError")
    raise CheckFailed("unknown dataset uid returned a dataset")


def check_projects_list(ctx: Context) -> str:
    client = ctx.need("client", "client.construct")
    ctx.projects = walk(client.projects.list)
    expect(len(ctx.projects) >= 2, f"{len(ctx.projects)} projects, expected at least 2")
    for p in ctx.projects:
        expect_str(p.uid, "project.uid")
        expect_str(p.name, f"project {p.uid} name")
    expect_unique(uids(ctx.projects), "project uids")
    statuses = {p.status for p in ctx.projects}
    expect({"active", "completed"} <= statuses, f"statuses {sorted(map(str, statuses))}; want 'active' and 'completed'")
    ctx.active_project = next(p for p in ctx.projects if p.status == "active")
    return f"{len(ctx.projects)} projects"


def check_projects_paging(ctx: Context) -> str:
    client = ctx.need("client", "client.construct")
    return check_paging(client.projects.list)


def check_projects_get(ctx: Context) -> None:
    client = ctx.need("client", "client.construct")
    listed = ctx.need("active_project", "projects.list")
    got = client.projects.get(listed.uid)
    expect((got.uid, got.name, got.status) == (listed.uid, listed.name, listed.status),
           f"detail {(got.uid, got.name, got.status)} != list {(listed.uid, listed.name, listed.status)}")


def check_exports_create(ctx: Context) -> str:
    client = ctx.need("client", "client.construct")
    project = ctx.need("active_project", "projects.list")
    export = client.exports.create(project=project.uid)
    expect_str(export.uid, "export.uid")
    expect_str(export.status, "export.status")
    ctx.project_export_uid = export.uid
    return f"status {export.status}"


def check_exports_wait(ctx: Context) -> str:
    client = ctx.need("client", "client.construct")
    uid = ctx.need("project_export_uid", "exports.create")
    started = time.monotonic()
    final = wait_for_export(client, uid)
    elapsed = time.monotonic() - started
    expect(final.uid == uid, f"uid {final.uid!r}")
    expect(final.status in TERMINAL_STATUSES, f"status {final.status!r}")
    if final.status == "exported":
        expect_str(final.download_url, "download_url of an exported export")
    return f"{final.status} after {elapsed:.1f}s"


def check_exports_create_for_dataset(ctx: Context) -> str:
    client = ctx.need("client", "client.construct")
    dataset = ctx.need("acme_dataset", "datasets.list")
    export = client.exports.create(dataset=dataset.uid)
    expect_str(export.uid, "export.uid")
    ctx.dataset_export_uid = export.uid
    final = wait_for_export(client, export.uid)
    expect(final.status in TERMINAL_STATUSES, f"status {final.status!r}")
    return final.status


def check_exports_list(ctx: Context) -> str:
    client = ctx.need("client", "client.construct")
    created = ctx.need("project_export_uid", "exports.create")
    exports = walk(client.exports.list)
    expect_unique(uids(exports), "export uids")
    expect(created in uids(exports), f"created export {created} not listed")
    statuses = {e.status for e in exports}
    expect({"exported", "failed"} <= statuses, f"statuses {sorted(map(str, statuses))}; seed should cover each")
    for e in exports:
        if e.status == "exported":
            expect_str(e.download_url, f"download_url of exported export {e.uid}")
    got = client.exports.get(created)
    expect(got.uid == created, "exports.get returned another uid")
    return ", ".join(sorted(map(str, statuses)))


def check_exports_newest_first(ctx: Context) -> None:
    client = ctx.need("client", "client.construct")
    newest = ctx.need("dataset_export_uid", "exports.create_for_dataset")
    page = client.exports.list(limit=1)
    expect(len(page) == 1 and page.items[0].uid == newest,
           f"first export is {uids(page.items)}, expected the newest ({newest}) [docs: newest first]")


def check_exports_paging(ctx: Context) -> str:
    client = ctx.need("client", "client.construct")
    return check_paging(client.exports.list)


def check_organizations_list(ctx: Context) -> str:
    client = ctx.need("client", "client.construct")
    # Page-number endpoint: the SDK's own walker passes `next`'s value back as
    # `page=` (resources/organizations.py:86-98), so do the same.
    orgs: List[Any] = []
    page = client.organizations.list()
    for _ in range(MAX_PAGES):
        orgs.extend(page)
        if not page.has_more:
            break
        page = client.organizations.list(page=page.next_cursor)
    else:
        raise CheckFailed(f"more than {MAX_PAGES} pages")
    slugs = [o.slug for o in orgs]
    expect_unique(slugs, "organization slugs")
    expect({ORG, OTHER_ORG} <= set(slugs), f"slugs {slugs}; want {ORG} and {OTHER_ORG}")
    for o in orgs:
        expect_str(o.uid, "organization.uid")
        expect_str(o.name, f"organization {o.slug} name")
    return f"{len(orgs)} organizations"


def check_organizations_get(ctx: Context) -> None:
    client = ctx.need("client", "client.construct")
    org = client.organizations.get(ORG)
    expect(org.slug == ORG, f"slug {org.slug!r}")
    expect_str(org.uid, "organization.uid")
    expect_str(org.name, "organization.name")


def check_members_list(ctx: Context) -> str:
    client = ctx.need("client", "client.construct")
    ctx.members = walk(client.organizations.list_members, slug=ORG)
    expect(len(ctx.members) >= 2, f"{len(ctx.members)} members in {ORG}, expected several")
    for m in ctx.members:
        expect_str(m.user_uid, "member.user_uid")
        expect(m.role is None or m.role in MEMBER_ROLES, f"member {m.user_uid} role {m.role!r}")
    expect_unique(uids(ctx.members, "user_uid"), "member user_uids")
    expect(any(m.role == "owner" for m in ctx.members), f"{ORG} has no owner")
    expect(any(m.username or m.email for m in ctx.members), "no member carries username or email")
    return f"{len(ctx.members)} members"


def check_members_paging(ctx: Context) -> str:
    client = ctx.need("client", "client.construct")
    return check_paging(client.organizations.list_members, key="user_uid", slug=ORG)


def check_members_role_filter(ctx: Context) -> None:
    client = ctx.need("client", "client.construct")
    members = ctx.need("members", "organizations.members")
    owners = walk(client.organizations.list_members, slug=ORG, role="owner")
    expect(owners and all(m.role == "owner" for m in owners), f"role=owner gave roles {[m.role for m in owners]}")
    expected = sorted(m.user_uid for m in members if m.role == "owner")
    expect(sorted(uids(owners, "user_uid")) == expected, "role=owner result differs from the full list's owners")


def check_members_other_org_distinct(ctx: Context) -> None:
    client = ctx.need("client", "client.construct")
    members = ctx.need("members", "organizations.members")
    others = walk(client.organizations.list_members, slug=OTHER_ORG)
    expect(sorted(uids(others, "user_uid")) != sorted(uids(members, "user_uid")),
           f"{OTHER_ORG} lists exactly {ORG}'s members; slug ignored?")


def check_invitation_create(ctx: Context) -> str:
    client = ctx.need("client", "client.construct")
    inv = client.organizations.create_invitation(ORG, email=INVITE_EMAIL, role="member")
    expect_str(inv.uid, "invitation.uid")
    expect(inv.invited_email == INVITE_EMAIL, f"invited_email {inv.invited_email!r}")
    expect(inv.role in (None, "member"), f"role {inv.role!r}")
    expect(inv.status in (None, "pending"), f"status {inv.status!r}")
    expect(inv.organization_slug in (None, ORG), f"organization_slug {inv.organization_slug!r}")
    expect(inv.is_expired in (None, False), f"is_expired {inv.is_expired!r}")
    ctx.invitation = inv
    return inv.status or "no status field"


def check_invitations_list(ctx: Context) -> str:
    client = ctx.need("client", "client.construct")
    inv = ctx.need("invitation", "organizations.invitation_create")
    invitations = walk(client.organizations.list_invitations, slug=ORG)
    expect(inv.uid in uids(invitations), "new invitation not listed")
    expect(len(invitations) >= 2, f"{len(invitations)} invitations; the seeded pending one is missing")
    for i in invitations:
        expect_str(i.invited_email, f"invitation {i.uid} invited_email")
    return f"{len(invitations)} invitations"


def check_webhooks_create(ctx: Context) -> None:
    client = ctx.need("client", "client.construct")
    hook = client.webhooks.create(target_url=HOOK_URL, events=HOOK_EVENTS)
    expect_str(hook.uid, "webhook.uid")
    expect(hook.target_url == HOOK_URL, f"target_url {hook.target_url!r}")
    expect(hook.events == HOOK_EVENTS, f"events {hook.events!r}")
    expect(hook.is_active is True, f"is_active {hook.is_active!r}")
    expect_str(hook.secret, "server-generated secret in the create response")
    ctx.hook = hook


def check_webhooks_list(ctx: Context) -> None:
    client = ctx.need("client", "client.construct")
    hook = ctx.need("hook", "webhooks.create")
    listed = [h for h in walk(client.webhooks.list) if h.uid == hook.uid]
    expect(len(listed) == 1, f"new webhook listed {len(listed)} times")
    h = listed[0]
    expect((h.target_url, h.events, h.is_active) == (HOOK_URL, HOOK_EVENTS, True),
           f"listed as {(h.target_url, h.events, h.is_active)}")
    expect(not h.secret, "secret is returned by the list endpoint; it should only be in the create response")


def check_webhooks_get(ctx: Context) -> None:
    client = ctx.need("client", "client.construct")
    hook = ctx.need("hook", "webhooks.create")
    got = client.webhooks.get(hook.uid)
    expect((got.uid, got.target_url, got.events) == (hook.uid, HOOK_URL, HOOK_EVENTS),
           f"got {(got.uid, got.target_url, got.events)}")


def check_webhooks_paging(ctx: Context) -> str:
    client = ctx.need("client", "client.construct")
    return check_paging(client.webhooks.list)


def check_delivery_for_export(ctx: Context) -> str:
    """A hook on export.completed should produce a delivery record for a later export."""
    client = ctx.need("client", "client.construct")
    hook = ctx.need("hook", "webhooks.create")
    export = client.exports.create(project=ctx.need("active_project", "projects.list").uid)
    final = wait_for_export(client, export.uid)
    if final.status != "exported":
        return f"export ended {final.status!r}; no export.completed delivery expected"
    deadline = time.monotonic() + DELIVERY_TIMEOUT
    while True:
        mine = [d for d in walk(client.webhook_deliveries.list) if d.subscription == hook.uid]
        if mine:
            break
        if time.monotonic() >= deadline:
            raise CheckFailed(f"no delivery with subscription={hook.uid} after {DELIVERY_TIMEOUT:.0f}s")
        time.sleep(0.5)
    d = mine[0]
    expect(d.event_type == "export.completed", f"event_type {d.event_type!r}")
    expect(d.status is None or d.status in DELIVERY_STATUSES, f"status {d.status!r}")
    expect(d.attempts >= 1 or d.status == "pending", f"attempts {d.attempts} with status {d.status!r}")
    if isinstance(d.payload, dict) and "uid" in d.payload:
        expect(d.payload["uid"] == export.uid, f"payload uid {d.payload['uid']!r}, export {export.uid}")
    return f"{d.status}, {d.attempts} attempt(s)"


def check_webhooks_delete(ctx: Context) -> None:
    client = ctx.need("client", "client.construct")
    hook = ctx.need("hook", "webhooks.create")
    result = client.webhooks.delete(hook.uid)
    expect(result is None, f"delete returned {result!r}; expected a 204 with no body")
    ctx.hook_deleted = True
    expect(hook.uid not in uids(walk(client.webhooks.list)), "deleted webhook is still listed")
    try:
        client.webhooks.get(hook.uid)
    except NotFoundError:
        return
    raise CheckFailed("GET of the deleted webhook did not raise NotFoundError")


def check_deliveries_list(ctx: Context) -> str:
    client = ctx.need("client", "client.construct")
    deliveries = walk(client.webhook_deliveries.list)
    expect_unique(uids(deliveries), "delivery uids")
    for d in deliveries:
        expect_str(d.uid, "delivery.uid")
        expect_str(d.subscription, f"delivery {d.uid} subscription")
        expect_str(d.event_type, f"delivery {d.uid} event_type")
        expect(d.status is None or d.status in DELIVERY_STATUSES, f"delivery {d.uid} status {d.status!r}")
        expect(d.attempts >= 0, f"delivery {d.uid} attempts {d.attempts}")
    if deliveries:
        got = client.webhook_deliveries.get(deliveries[0].uid)
        expect(got.uid == deliveries[0].uid, "webhook_deliveries.get returned another uid")
    return f"{len(deliveries)} deliveries"


def check_deliveries_paging(ctx: Context) -> str:
    client = ctx.need("client", "client.construct")
    # Not exact: a retry in flight may add a record between the two walks.
    return check_paging(client.webhook_deliveries.list, exact=False)


CHECKS: List[Callable[[Context], Any]] = [
    check_sdk_version,
    check_client_construct,
    check_auth_rejected,
    check_datasets_list,
    check_datasets_paging,
    check_datasets_get,
    check_datasets_get_by_slug,
    check_datasets_not_found,
    check_projects_list,
    check_projects_paging,
    check_projects_get,
    check_exports_create,
    check_exports_wait,
    check_exports_create_for_dataset,
    check_exports_list,
    check_exports_newest_first,
    check_exports_paging,
    check_organizations_list,
    check_organizations_get,
    check_members_list,
    check_members_paging,
    check_members_role_filter,
    check_members_other_org_distinct,
    check_invitation_create,
    check_invitations_list,
    check_webhooks_create,
    check_webhooks_list,
    check_webhooks_get,
    check_webhooks_paging,
    check_delivery_for_export,
    check_webhooks_delete,
    check_deliveries_list,
    check_deliveries_paging,
]

NAMES: Dict[Callable[[Context], Any], str] = {
    check_sdk_version: "sdk.version",
    check_client_construct: "client.construct",
    check_auth_rejected: "errors.wrong_key_is_401",
    check_datasets_list: "datasets.list",
    check_datasets_paging: "datasets.paging",
    check_datasets_get: "datasets.get",
    check_datasets_get_by_slug: "datasets.get_by_slug",
    check_datasets_not_found: "errors.unknown_dataset_is_404",
    check_projects_list: "projects.list",
    check_projects_paging: "projects.paging",
    check_projects_get: "projects.get",
    check_exports_create: "exports.create",
    check_exports_wait: "exports.wait",
    check_exports_create_for_dataset: "exports.create_for_dataset",
    check_exports_list: "exports.list",
    check_exports_newest_first: "exports.newest_first",
    check_exports_paging: "exports.paging",
    check_organizations_list: "organizations.list",
    check_organizations_get: "organizations.get",
    check_members_list: "organizations.members",
    check_members_paging: "organizations.members_paging",
    check_members_role_filter: "organizations.members_role_filter",
    check_members_other_org_distinct: "organizations.members_per_org",
    check_invitation_create: "organizations.invitation_create",
    check_invitations_list: "organizations.invitations_list",
    check_webhooks_create: "webhooks.create",
    check_webhooks_list: "webhooks.list",
    check_webhooks_get: "webhooks.get",
    check_webhooks_paging: "webhooks.paging",
    check_delivery_for_export: "webhook_deliveries.export_completed",
    check_webhooks_delete: "webhooks.delete",
    check_deliveries_list: "webhook_deliveries.list",
    check_deliveries_paging: "webhook_deliveries.paging",
}


# ── runner ──────────────────────────────────────────────────────────────────


def scrub(text: str) -> str:
    """One line, bounded, and never the API key."""
    key = os.environ.get("AVALA_API_KEY")
    if key:
        text = text.replace(key, "[api key]")
    text = " | ".join(line.strip() for line in text.splitlines() if line.strip())
    return text if len(text) <= 500 else text[:497] + "..."


def describe(exc: BaseException) -> str:
    if isinstance(exc, CheckFailed):
        return str(exc)
    if isinstance(exc, AvalaError):
        return f"{type(exc).__name__} HTTP {exc.status_code}: {exc.message} body={exc.body!r}"
    where = traceback.extract_tb(exc.__traceback__)[-1]
    return f"{type(exc).__name__}: {exc} (at {os.path.basename(where.filename)}:{where.lineno})"


def cleanup(ctx: Context) -> None:
    if ctx.client is not None and ctx.hook is not None and not ctx.hook_deleted:
        try:
            ctx.client.webhooks.delete(ctx.hook.uid)
        except Exception:
            pass
    if ctx.client is not None:
        ctx.client.close()


def main() -> int:
    ctx = Context()
    passed = failed = 0
    for check in CHECKS:
        name = NAMES[check]
        try:
            note = check(ctx)
        except Exception as exc:  # noqa: BLE001 - every failure is reported, not raised
            failed += 1
            print(scrub(f"FAIL {name}: {describe(exc)}"), flush=True)
        else:
            passed += 1
            print(f"ok {name}", flush=True)
            if note and VERBOSE:
                print(scrub(f"# {name}: {note}"), flush=True)
    cleanup(ctx)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
