"""Pure edge logic: tokens, claims, request schemas, ids and the declaration."""

from __future__ import annotations

import base64
import json
import tomllib
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from goalpost import declaration
from goalpost.data.pagination import decode_token, encode_token
from goalpost.domain.errors import InvalidInput
from goalpost.domain.ids import is_valid_id, new_id
from goalpost.edges.api import parse_groups, parse_json_body
from goalpost.schemas.goals import GoalCreate, GoalUpdate

ROOT = Path(__file__).resolve().parents[2]
EXACT = {"pk": "USER#alice"}
PREFIXED = {"sk": "GOAL#"}


@given(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=40))
def test_tokens_round_trip(suffix: str) -> None:
    key = {"pk": {"S": "USER#alice"}, "sk": {"S": "GOAL#" + suffix}}
    token = encode_token(key)
    assert token is not None
    assert decode_token(token, exact=EXACT, prefixed=PREFIXED) == key


@pytest.mark.parametrize(
    "token",
    [
        "not base64!",
        base64.urlsafe_b64encode(b"[1,2]").decode(),
        base64.urlsafe_b64encode(json.dumps({"pk": "USER#bob", "sk": "GOAL#1"}).encode()).decode(),
        base64.urlsafe_b64encode(json.dumps({"pk": "USER#alice", "sk": "ALERT#1"}).encode()).decode(),
        base64.urlsafe_b64encode(json.dumps({"pk": "USER#alice", "sk": 5}).encode()).decode(),
        base64.urlsafe_b64encode(json.dumps({"pk": "USER#alice"}).encode()).decode(),
    ],
)
def test_forged_or_foreign_tokens_are_invalid_input(token: str) -> None:
    with pytest.raises(InvalidInput):
        decode_token(token, exact=EXACT, prefixed=PREFIXED)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("[admin users]", {"admin", "users"}),
        ("[admin]", {"admin"}),
        ('["admin","users"]', {"admin", "users"}),
        (["admin"], {"admin"}),
        ("admin,users", {"admin", "users"}),
        ("[]", set()),
        (None, set()),
    ],
)
def test_groups_in_every_shape_api_gateway_may_send(raw: object, expected: set[str]) -> None:
    assert parse_groups(raw) == expected


def test_json_bodies_parse_numbers_as_decimal_and_refuse_nan() -> None:
    assert parse_json_body('{"a": 0.1}') == {"a": Decimal("0.1")}
    with pytest.raises(json.JSONDecodeError):
        parse_json_body('{"a": NaN}')


def test_ids_are_sortable_by_time() -> None:
    earlier, later = new_id(1_700_000_000_000), new_id(1_700_000_000_001)
    assert is_valid_id(earlier)
    assert earlier < later


def _create(**fields: object) -> GoalCreate:
    return GoalCreate.model_validate({"name": "Fund", "type": "savings", "target_amount": 100, **fields})


def test_goal_create_accepts_goal_type_alias_and_dates() -> None:
    goal = GoalCreate.model_validate(
        {"name": " Fund ", "goal_type": "debt", "target_amount": 0, "current_amount": 50, "deadline": "2099-01-02"}
    )
    assert goal.type == "debt"
    assert goal.name == "Fund"
    assert goal.deadline == datetime(2099, 1, 2, tzinfo=UTC)


def test_type_and_its_alias_may_both_be_sent_if_they_agree() -> None:
    assert _create(goal_type="savings").type == "savings"
    with pytest.raises(ValidationError):
        _create(goal_type="debt")


@pytest.mark.parametrize(
    "fields",
    [
        {"user_id": "mallory"},
        {"target_amount": 0},
        {"target_amount": -1},
        {"target_amount": "1e13"},
        {"current_amount": -5},
        {"name": ""},
        {"name": "x" * 201},
        {"description": "x" * 1001},
        {"tags": ["t"] * 21},
        {"tags": ["x" * 51]},
        {"type": "lottery"},
        {"status": "done"},
        {"deadline": (datetime.now(UTC) - timedelta(days=1)).isoformat()},
        {"deadline": "tomorrow"},
    ],
)
def test_goal_create_rejects(fields: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        _create(**fields)


def test_goal_update_knows_null_from_absent() -> None:
    update = GoalUpdate.model_validate({"deadline": None})
    assert update.model_fields_set == {"deadline"}
    with pytest.raises(ValidationError):
        GoalUpdate.model_validate({"name": None})
    past = GoalUpdate.model_validate({"deadline": "2000-01-01"})
    assert past.deadline == datetime(2000, 1, 1, tzinfo=UTC)


def test_schedules_render_as_eventbridge_expressions() -> None:
    expressions = {declaration.job_name(job): job.schedule.expression for job in declaration.JOBS}
    assert expressions == {
        "price_update": "rate(1 minute)",
        "snapshot": "rate(5 minutes)",
        "position_monitor": "rate(3 minutes)",
        "end_of_day_goals": "cron(59 23 * * ? *)",
        "deliver_alerts": "rate(5 minutes)",
        "account_sync": "rate(1 minute)",
        "goal_cleanup": "rate(5 minutes)",
    }


def test_powertools_layer_pin_matches_pyproject() -> None:
    groups = tomllib.loads((ROOT / "pyproject.toml").read_text())["dependency-groups"]
    pins = [d for d in groups["runtime"] if isinstance(d, str) and d.startswith("aws-lambda-powertools")]
    assert pins == [f"aws-lambda-powertools=={declaration.POWERTOOLS_VERSION}"]


def test_every_function_handler_exists() -> None:
    for function in declaration.ALL_FUNCTIONS:
        module, _, attribute = function.handler.rpartition(".")
        path = ROOT / (module.replace(".", "/") + ".py")
        assert path.is_file(), function.handler
        assert f"{attribute} =" in path.read_text() or f"def {attribute}(" in path.read_text()


SPEC_GOAL_ROUTES = """
POST /goals | GET /goals | GET /goals/{goal_id} | PATCH /goals/{goal_id} | DELETE /goals/{goal_id}
POST /goals/{goal_id}/pause | POST /goals/{goal_id}/resume | POST /goals/{goal_id}/complete
POST /goals/{goal_id}/abandon | GET /goals/{goal_id}/progress | POST /goals/{goal_id}/progress
GET /goals/{goal_id}/progress/history | POST /goals/{goal_id}/milestones | GET /goals/{goal_id}/milestones
GET /goals/{goal_id}/milestones/progress | POST /goals/{goal_id}/funding | GET /goals/{goal_id}/funding
PATCH /goals/{goal_id}/funding/{account_id} | DELETE /goals/{goal_id}/funding/{account_id}
GET /goals/dashboard | GET /goals/templates | GET /goals/templates/{template_id} | POST /goals/from-template
POST /goals/sync-from-budget
"""


def test_the_openapi_document_has_every_goals_route_of_the_spec_with_models_and_errors() -> None:
    from goalpost.edges.docs import openapi_document

    paths = openapi_document()["paths"]
    for route in SPEC_GOAL_ROUTES.replace("\n", " | ").split("|"):
        if not route.strip():
            continue
        method, path = route.split()
        operation = paths[path][method.lower()]
        success = next(code for code in operation["responses"] if code.startswith("2"))
        assert {"400", "401", "404", "409", "422", "429"} <= set(operation["responses"]), route
        if success != "204":
            assert operation["responses"][success]["content"]["application/json"]["schema"], route
        if method in {"PATCH"} or (
            path.endswith(("/goals", "/progress", "/milestones", "/funding")) and method == "POST"
        ):
            assert operation["requestBody"]["content"]["application/json"]["schema"]["$ref"], route


def test_a_float_never_reaches_dynamodb() -> None:
    """The guard every test runs under (tests/conftest.py) refuses a float in any DynamoDB request."""
    from moto import mock_aws

    from goalpost import aws

    with mock_aws():
        aws.reset_clients()
        client = aws.client("dynamodb")
        with pytest.raises(AssertionError, match="float reached DynamoDB"):
            client.put_item(TableName="t", Item={"pk": {"S": "x"}, "amount": 1.5})
    aws.reset_clients()


def test_every_answer_is_documented_with_its_real_shape() -> None:
    """Found by the contract fuzzer: an error without content was described by the success model, and a 204
    promised a JSON body."""
    from goalpost.edges.docs import openapi_document

    document = openapi_document()
    assert {"Error", "GatewayError"} <= set(document["components"]["schemas"])
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            answers = operation["responses"]
            assert "500" in answers, (method, path)
            if "requestBody" in operation:
                assert "413" in answers, (method, path)
            for status, answer in answers.items():
                if status == "204":
                    assert "content" not in answer, (method, path)
                elif int(status) >= 400:
                    schema = answer["content"]["application/json"]["schema"]["$ref"]
                    assert schema.endswith(("/Error", "/GatewayError")), (method, path, status)


@pytest.mark.parametrize("value", [0.5, 1_700_000_000, "1700000000", "0.5", "tomorrow", "2026-13-01", True])
def test_dates_and_times_are_iso_8601_text_only(value: object) -> None:
    """Found by the contract fuzzer: pydantic alone reads a number, or numeric text, as Unix time."""
    with pytest.raises(ValidationError):
        _create(name="x", target_amount=10, deadline=value)


def test_iso_dates_and_times_are_accepted_in_every_form() -> None:
    for value in ("2030-01-31", "2030-01-31T12:00:00Z", "2030-01-31T12:00:00+02:00", "2030-01-31T12:00:00"):
        assert _create(name="x", target_amount=10, deadline=value).deadline is not None
