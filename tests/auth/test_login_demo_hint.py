"""The sign-in page offers the demo accounts only on a demo platform (issue #15 item 8): a development
deployment with active demo accounts. Without them, or in production, it says nothing of demos."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import update

from greenmfg.auth.models import User
from greenmfg.auth.security import hash_password
from greenmfg.db.session import Database
from greenmfg.settings import Settings
from greenmfg.web.app import create_app
from tests.factories import PASSWORD, World, add_user, page_text
from tests.test_settings import PRODUCTION

DEMO_PASSWORD = "demo-password-shown"


def _login_text(database: Database, settings: Settings, *, locale: str = "zh-CN",
                production_after_start: bool = False) -> tuple[str, str]:
    app = create_app(settings, database=database)
    if production_after_start:
        app.state.settings = PRODUCTION  # as if the deployment had switched to production with them active
    with TestClient(app) as client:
        answer = client.get("/login", headers={"Accept-Language": locale})
        assert answer.status_code == 200
        return answer.text, page_text(answer)


def test_no_demo_accounts_no_hint(database: Database, world: World) -> None:
    html, text = _login_text(database, Settings(database_url="sqlite:///unused.db", demo_password=DEMO_PASSWORD))
    assert 'data-testid="demo-hint"' not in html
    assert DEMO_PASSWORD not in text and "演示" not in text and "demo" not in text.lower().replace("greenmfg", "")


def test_a_demo_platform_lists_its_accounts_and_password(database: Database, world: World) -> None:
    with database.session() as session:
        add_user(session, "demo-steel", world.org("steel"), "manager", hash_password(PASSWORD),
                 display_name="钢铁示例 能源管理员", demo=True)
        add_user(session, "demo-old", world.org("cement"), "manager", hash_password(PASSWORD),
                 display_name="停用的演示账号", demo=True)
        session.execute(update(User).where(User.username == "demo-old").values(active=False))
    settings = Settings(database_url="sqlite:///unused.db", demo_password=DEMO_PASSWORD)
    html, text = _login_text(database, settings)
    assert 'data-testid="demo-hint"' in html
    assert "这是演示平台" in text and DEMO_PASSWORD in text
    assert "demo-steel" in text and "钢铁示例 能源管理员" in text
    assert "demo-old" not in text  # an inactive demo account is not offered
    assert "steel" not in text.replace("demo-steel", "")  # only the demo accounts, not the real users
    _html, english = _login_text(database, settings, locale="en")
    assert "This is a demo platform" in english and "demo-steel" in english
    html, text = _login_text(database, settings, production_after_start=True)
    assert 'data-testid="demo-hint"' not in html and DEMO_PASSWORD not in text and "demo-steel" not in text
