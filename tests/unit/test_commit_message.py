"""The commit-msg hook's rules: subject at most 72 characters, a blank line, a body that says why."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.dev.commit_message import SUBJECT_LIMIT, main, problems

GOOD = "Write alert store through the builder\n\nA failed guard was read by position; roles make it safe.\n"


def test_a_short_subject_a_blank_line_and_a_body_pass() -> None:
    assert problems(GOOD) == []
    assert problems("# Please enter the commit message\n" + GOOD + "# comment\n") == []


def test_a_subject_over_the_limit_is_refused_with_its_length() -> None:
    long_subject = "x" * (SUBJECT_LIMIT + 1)
    assert problems(f"{long_subject}\n\nwhy\n") == [f"the subject has 73 characters; at most {SUBJECT_LIMIT}"]
    assert problems(f"{'x' * SUBJECT_LIMIT}\n\nwhy\n") == []


def test_a_missing_body_or_blank_line_is_refused() -> None:
    assert problems("Subject only\n") == ["no body: say why the change is made, below a blank line"]
    assert problems("Subject\nbody right below\n") == [
        "the second line must be blank (it separates the subject from the body)",
        "no body: say why the change is made, below a blank line",
    ]
    assert problems("\n\nbody\n") == ["the subject (first line) is empty"]


def test_messages_git_writes_itself_pass() -> None:
    assert problems("Merge branch 'topic'\n") == []
    assert problems("fixup! Write alert store through the builder\n") == []


def test_the_hook_exits_non_zero_and_says_why(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    message = tmp_path / "COMMIT_EDITMSG"
    message.write_text("y" * 100 + "\n", encoding="utf-8")
    assert main(["commit_message.py", str(message)]) == 1
    assert "the subject has 100 characters" in capsys.readouterr().err
    message.write_text(GOOD, encoding="utf-8")
    assert main(["commit_message.py", str(message)]) == 0
