"""Property-based API test from the service's own OpenAPI: no input may cause a 5xx."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402

from assistant.api.app import create_app  # noqa: E402
from assistant.store import auth, groups  # noqa: E402
from assistant.store.models import Role  # noqa: E402
from tests.service.conftest import service_settings  # noqa: E402


def _app_and_token(tmp: Path) -> tuple[object, str]:
    config = service_settings(tmp, f"sqlite:///{tmp / 'mushrif.db'}")
    app = create_app(config, run_background=False)
    app.state.services.worker.prepare()  # models loaded: /readyz answers 200
    with app.state.services.store.transaction() as session:
        groups.create_group(session, group_id="demo-abaya-shop", name="Demo")
        admin = auth.get_or_create_admin(session, name="fuzzer")
        auth.grant_role(session, admin_id=admin.id, group_id="demo-abaya-shop", role=Role.OWNER)
        token = auth.issue_token(session, admin=admin).token
    return app, token


_TMP = Path(tempfile.mkdtemp(prefix="mushrif-fuzz-"))
atexit.register(shutil.rmtree, _TMP, True)
_APP, _TOKEN = _app_and_token(_TMP)
schema = schemathesis.openapi.from_asgi("/openapi.json", _APP)


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case: schemathesis.Case) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Bearer {_TOKEN}"}, checks=[not_a_server_error]
    )
