"""One jurisdiction rule in every domain (SQLite and PostgreSQL).

The rule (:mod:`greenmfg.orgs.access`): a regulator whose jurisdiction is limited to a park sees
the enterprises registered in that park, and one limited to industries the enterprises registered
in them, and no other, in every domain. The world's steel enterprise is registered in a park of
唐山 (河北); the glass enterprise is registered in 河北 too, outside the park and in another
industry. Two regulators of 河北 are added: ``park`` (the park only) and ``hbsteel`` (steel only).
Each domain is asked through its own endpoint.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from greenmfg.auth.models import Role
from greenmfg.orgs.access import Forbidden, Scope, load_principal, regulates, require_regulator
from greenmfg.orgs.models import Jurisdiction, Organisation, OrgKind, Park
from tests.capacity.test_api import PLANS, item, steel_plan, submitted
from tests.factories import Login, World, add_user
from tests.greenlist.test_api import APPS, advance

LIMITED = ("park", "hbsteel")


@pytest.fixture
def limited(world: World, _password_hash: str) -> World:
    """The steel enterprise registered in a park; a park-limited and an industry-limited regulator."""
    with world.database.session() as s:
        park = Park(name="唐山示例高新区", province="130000", city="唐山")
        s.add(park)
        s.flush()
        steel = s.get(Organisation, world.org("steel"))
        assert steel is not None
        steel.park_id = park.id
        park_bureau = Organisation(kind=OrgKind.regulator, name="唐山示例高新区管委会")
        park_bureau.jurisdictions.append(Jurisdiction(province="130000", park_id=park.id))
        steel_bureau = Organisation(kind=OrgKind.regulator, name="河北省钢铁行业主管部门")
        steel_bureau.jurisdictions.append(Jurisdiction(province="130000", industries=["steel"]))
        s.add_all([park_bureau, steel_bureau])
        s.flush()
        add_user(s, "park", park_bureau.id, Role.manager, _password_hash)
        add_user(s, "hbsteel", steel_bureau.id, Role.manager, _password_hash)
        world.ids.update({"park": park_bureau.id, "hbsteel": steel_bureau.id, "the_park": park.id})
    return world


def _sees(client: TestClient, headers: dict[str, str], url: str) -> bool:
    answer = client.get(url, headers=headers)
    assert answer.status_code in (200, 404), (url, answer.status_code, answer.text[:300])
    return answer.status_code == 200


# ------------------------------------------------------------------------------ the rule, in Python


def test_scope_covers_follows_registration(limited: World) -> None:
    with limited.database.session() as s:
        steel, glass = s.get(Organisation, limited.org("steel")), s.get(Organisation, limited.org("glass"))
        assert steel is not None and glass is not None
        park = Scope("130000", park_id=limited.org("the_park"))
        industry = Scope("130000", industries=("steel",))
        assert park.covers(steel) and not park.covers(glass)
        assert industry.covers(steel) and not industry.covers(glass)
        assert Scope("130000").covers(glass) and not Scope("320000").covers(glass)
        # the SQL twin selects the same enterprises
        for scope in (park, industry, Scope("130000", "邢台")):
            ids = set(s.scalars(s.query(Organisation.id).where(scope.clause(), Organisation.kind == "enterprise")
                                .statement))
            enterprises = s.query(Organisation).filter(Organisation.kind == "enterprise")
            expected = {o.id for o in enterprises if scope.covers(o)}
            assert ids == expected and ids
        # a park is not an area
        assert not park.covers_area("130000", "唐山") and Scope("130000", "唐山").covers_area("130000", "唐山")
        assert not industry.covers_area("130000", "", all_industries=True) and industry.covers_area("130000", "")


def test_require_regulator(limited: World) -> None:
    from greenmfg.auth.models import User

    with limited.database.session() as s:
        def principal(username: str) -> Any:
            user = s.query(User).filter(User.username == username).one()
            return load_principal(s, user)

        steel, glass = s.get(Organisation, limited.org("steel")), s.get(Organisation, limited.org("glass"))
        park = principal("park")
        require_regulator(s, park, steel)
        assert regulates(s, park) and regulates(s, park, steel) and not regulates(s, park, glass)
        with pytest.raises(Forbidden) as refused:
            require_regulator(s, park, glass)
        assert refused.value.message_zh and "regulator" in str(refused.value)
        # an enterprise manager is no regulator; an admin only where admins are let in
        with pytest.raises(Forbidden):
            require_regulator(s, principal("steel"), write=False)
        with pytest.raises(Forbidden):
            require_regulator(s, principal("admin"), steel)
        require_regulator(s, principal("admin"), write=False, admin=True)
        # a read-only credential does not decide
        park_user = s.query(User).filter(User.username == "park").one()
        read_only = load_principal(s, park_user, scopes=frozenset({"read"}))
        assert regulates(s, read_only, steel, write=False) and not regulates(s, read_only, steel)


# ------------------------------------------------------------------------------ the rule, per domain


ENTERPRISE_URLS = {
    "orgs": "/api/v1/enterprises/{id}",
    "accounting": "/api/v1/enterprises/{id}/results",
    "monitoring": "/api/v1/enterprises/{id}/meters",
    "diagnosis": "/api/v1/enterprises/{id}/diagnosis/alerts",
    "greenfactory": "/api/v1/enterprises/{id}/green-evaluations",
    "benchmarking": "/api/v1/enterprises/{id}/benchmark",
    "greenlist outputs": "/api/v1/enterprises/{id}/output-values",
}


@pytest.mark.parametrize("domain", sorted(ENTERPRISE_URLS))
@pytest.mark.parametrize("username", LIMITED)
def test_enterprise_endpoints(client: TestClient, login: Login, limited: World, domain: str,
                              username: str) -> None:
    url = ENTERPRISE_URLS[domain]
    headers = login(username)
    assert _sees(client, headers, url.format(id=limited.org("steel")))
    assert not _sees(client, headers, url.format(id=limited.org("glass")))
    assert not _sees(client, headers, url.format(id=limited.org("cement")))


@pytest.mark.parametrize("username", LIMITED)
def test_enterprise_list_and_region(client: TestClient, login: Login, limited: World, username: str) -> None:
    expected = [limited.org("steel")]
    listed = client.get("/api/v1/enterprises", headers=login(username)).json()["items"]
    assert [e["id"] for e in listed] == expected
    region = client.get("/api/v1/region/enterprises", headers=login(username))
    assert region.status_code == 200, region.text
    assert [e["id"] for e in region.json()["items"]] == expected
    assert client.get("/api/v1/region/summary", headers=login(username)).json()["enterprises_visible"] == 1
    compliance = client.get("/api/v1/region/compliance", headers=login(username))
    assert compliance.status_code == 200, compliance.text


@pytest.mark.parametrize("username", LIMITED)
def test_green_list_applications(client: TestClient, login: Login, limited: World, username: str) -> None:
    steel = advance(client, login, limited, "pre_reviewed")
    glass = advance(client, login, limited, "regulator_review", org="glass", user="glass")
    headers = login(username)
    listed = {a["id"] for a in client.get(APPS, headers=headers).json()["items"]}
    assert listed == {steel}
    assert _sees(client, headers, f"{APPS}/{steel}") and not _sees(client, headers, f"{APPS}/{glass}")
    # covering regulators decide on what they see: the province-level bureau recommends after the city's
    # pre-review; a park's bureau sees the application but is no step of the city → province chain
    assert client.post(f"{APPS}/{glass}/recommend", headers=headers, json={"comment": "同意"}).status_code == 404
    expected = 200 if username == "hbsteel" else 403
    assert client.post(f"{APPS}/{steel}/recommend", headers=headers, json={"comment": "同意"}).status_code == expected


def _plan(client: TestClient, login: Login, world: World, org: str) -> int:
    if org == "steel":
        body = steel_plan(world)
    else:
        body = steel_plan(world, item(f"{org}-1", 800_000), item(f"{org}-2", 700_000),
                          enterprise_id=world.org(org))
    answer = client.post(PLANS, headers=login(org), json=body)
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


@pytest.mark.parametrize("username", LIMITED)
def test_capacity_plans(client: TestClient, login: Login, limited: World, username: str) -> None:
    """The park rule reaches capacity plans too (before: park-limited jurisdictions reached no plan)."""
    steel, glass = _plan(client, login, limited, "steel"), _plan(client, login, limited, "glass")
    headers = login(username)
    listed = {p["id"] for p in client.get(PLANS, headers=headers).json()["items"]}
    assert listed == {steel}
    assert _sees(client, headers, f"{PLANS}/{steel}") and not _sees(client, headers, f"{PLANS}/{glass}")
    submitted(client, login, steel)
    assert client.post(f"{PLANS}/{glass}/approve", headers=headers).status_code == 404
    approved = client.post(f"{PLANS}/{steel}/approve", headers=headers, json={"comment": "同意"})
    assert approved.status_code == 200, approved.text


def test_a_park_gives_no_area(client: TestClient, login: Login, limited: World) -> None:
    """Area-level figures need an area-level jurisdiction: the park regulator sees none, enters none."""
    headers = login("park")
    assert client.get("/api/v1/region/green-targets", headers=headers).status_code == 403
    body = {"province": "130000", "city": "唐山", "year": 2025, "output_value": 1000, "source_note": "统计年鉴"}
    assert client.post("/api/v1/region/output-values", headers=headers, json=body).status_code == 403
    ok = client.post("/api/v1/region/output-values", headers=login("hebei"), json=body)
    assert ok.status_code == 200, ok.text
    assert client.get("/api/v1/region/output-values", headers=headers).json()["items"] == []
    assert len(client.get("/api/v1/region/output-values", headers=login("hebei")).json()["items"]) == 1
