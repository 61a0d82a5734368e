"""`make scan`'s bookkeeping, without the scan tools: the accepted findings are the ones docs/security.md shows,
a finding nobody accepted or an entry that matches nothing fails the scan, and the tools' reports are read."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from infra.dev.scan import (
    ROOT,
    SECURITY_DOC,
    TOOLS,
    Accepted,
    Finding,
    bandit_findings,
    cfn_lint_findings,
    checkov_findings,
    docs_section,
    judge,
    load_accepted,
    write_docs,
)

REASON = "A reason long enough to say why this finding is acceptable here."
QUEUE_ENCRYPTION = Accepted("checkov", "CKV_AWS_27", ("Queues*",), REASON)


def test_docs_security_md_shows_exactly_the_accepted_findings_and_the_tool_versions() -> None:
    accepted = load_accepted()
    section = docs_section(accepted)
    assert section in SECURITY_DOC.read_text(encoding="utf-8"), (
        "docs/security.md is out of step with infra/dev/scan_accepted.toml: run python -m infra.dev.scan --write-docs"
    )
    for entry in accepted:
        assert f"| {entry.rule} |" in section
    for name, version in TOOLS.items():
        assert f"{name} {version}" in section


def test_every_tool_has_accepted_findings_and_none_is_listed_twice() -> None:
    accepted = load_accepted()
    assert {entry.tool for entry in accepted} == {"cfn-lint", "checkov", "bandit"}
    keys = [(entry.tool, entry.rule, pattern) for entry in accepted for pattern in entry.where]
    assert len(keys) == len(set(keys))


def test_a_finding_no_entry_accepts_fails_the_scan() -> None:
    unencrypted = Finding("checkov", "CKV_AWS_27", "QueuesSnapshotWorkQueueC44628A2", "not encrypted")
    wide_open = Finding("checkov", "CKV_AWS_111", "FunctionsSystemApiRoleDefaultPolicy387FC4FF", "write on *")
    verdict = judge([unencrypted, wide_open], [QUEUE_ENCRYPTION])
    assert verdict.unaccepted == [wide_open]
    assert verdict.accepted[QUEUE_ENCRYPTION] == [unencrypted]
    assert not verdict.passed


def test_an_accepted_entry_that_matches_no_finding_fails_the_scan_as_stale() -> None:
    verdict = judge([], [QUEUE_ENCRYPTION])
    assert verdict.stale == [QUEUE_ENCRYPTION]
    assert not verdict.passed
    assert judge([Finding("checkov", "CKV_AWS_27", "QueuesX", "m")], [QUEUE_ENCRYPTION]).passed


def test_an_entry_accepts_only_its_tool_its_rule_and_where_it_says() -> None:
    assert not QUEUE_ENCRYPTION.matches(Finding("checkov", "CKV_AWS_27", "JobsSnapshotDeadLetters", "m"))
    assert not QUEUE_ENCRYPTION.matches(Finding("cfn-lint", "CKV_AWS_27", "QueuesX", "m"))
    assert not QUEUE_ENCRYPTION.matches(Finding("checkov", "CKV_AWS_28", "QueuesX", "m"))
    asserts = Accepted("bandit", "B101", ("layers/*",), REASON)
    assert asserts.matches(Finding("bandit", "B101", "layers/goalpost/python/goalpost/data/positions.py", "m"))
    assert not asserts.matches(Finding("bandit", "B101", "functions/api/goals.py", "m"))


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ('tool = "trivy"\nrule = "X"\nwhere = ["*"]\nreason = "' + REASON + '"', "the tool must be one of"),
        ('tool = "bandit"\nrule = "B101"\nwhere = []\nreason = "' + REASON + '"', "name where it applies"),
        ('tool = "bandit"\nrule = "B101"\nwhere = ["*"]\nreason = "accepted"', "the reason must say why"),
    ],
)
def test_an_entry_without_a_known_tool_a_place_or_a_real_reason_is_refused(
    tmp_path: Path, entry: str, problem: str
) -> None:
    listed = tmp_path / "accepted.toml"
    listed.write_text(f"[[accepted]]\n{entry}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=problem):
        load_accepted(listed)


def test_the_tools_json_reports_become_findings_on_logical_ids_and_files() -> None:
    cfn_lint = [
        {
            "Rule": {"Id": "ES6000"},
            "Location": {"Path": ["Resources", "JobsSnapshotDeadLettersD90A0158"]},
            "Message": "SQS Queue should have a RedrivePolicy property configured.",
        }
    ]
    assert cfn_lint_findings(json.dumps(cfn_lint)) == [
        Finding("cfn-lint", "ES6000", "JobsSnapshotDeadLettersD90A0158", cfn_lint[0]["Message"])  # type: ignore[arg-type]
    ]
    checkov = {
        "results": {
            "failed_checks": [
                {
                    "check_id": "CKV_AWS_117",
                    "resource": "AWS::Lambda::Function.FunctionsGoalsApiBED1BF4E",
                    "check_name": "VPC",
                }
            ]
        }
    }
    assert checkov_findings(json.dumps(checkov)) == [
        Finding("checkov", "CKV_AWS_117", "FunctionsGoalsApiBED1BF4E", "VPC")
    ]
    assert checkov_findings(json.dumps([checkov, {"results": {"failed_checks": []}}])) == checkov_findings(
        json.dumps(checkov)
    )
    bandit = {
        "errors": [],
        "results": [{"test_id": "B101", "filename": "infra/x.py", "line_number": 3, "issue_text": "assert"}],
    }
    assert bandit_findings(json.dumps(bandit)) == [Finding("bandit", "B101", "infra/x.py", "line 3: assert")]


def test_bandit_files_it_could_not_read_fail_rather_than_pass() -> None:
    with pytest.raises(RuntimeError, match="could not read"):
        bandit_findings(json.dumps({"errors": [{"filename": "x.py", "reason": "syntax error"}], "results": []}))


def test_writing_the_docs_replaces_only_the_generated_section(tmp_path: Path) -> None:
    doc = tmp_path / "security.md"
    accepted = [QUEUE_ENCRYPTION]
    old = docs_section([Accepted("bandit", "B101", ("*",), REASON)])
    doc.write_text(f"# Security\n\nbefore\n\n{old}\n\nafter\n", encoding="utf-8")
    write_docs(accepted, doc)
    assert doc.read_text(encoding="utf-8") == f"# Security\n\nbefore\n\n{docs_section(accepted)}\n\nafter\n"


def test_the_scan_tools_stay_out_of_the_dev_group_and_ci() -> None:
    """checkov pins dozens of packages: it lives in .venv-scan, and `make test` (CI) neither installs nor runs it."""
    groups = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["dependency-groups"]
    declared = [item.lower() for group in groups.values() for item in group if isinstance(item, str)]
    assert not [item for item in declared for tool in TOOLS if item.startswith(tool)]
    assert "scan" not in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
