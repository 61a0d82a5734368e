"""The commit-msg hook (``.pre-commit-config.yaml``): a subject of at most 72 characters, a blank line, and a
body that says why. ``git log --oneline`` and review tools cut longer subjects; the body is where a reader
finds the reason a change was made, which the diff cannot show."""

from __future__ import annotations

import sys
from pathlib import Path

SUBJECT_LIMIT = 72


def problems(message: str) -> list[str]:
    """What is wrong with a commit message (empty when it is fine). Git's comment lines are ignored, as git
    strips them; merge, fixup and revert messages written by git itself are let through."""
    lines = [line.rstrip() for line in message.splitlines() if not line.startswith("#")]
    while lines and not lines[-1]:
        lines.pop()
    if not lines or not lines[0]:
        return ["the subject (first line) is empty"]
    subject = lines[0]
    if subject.startswith(("Merge ", "fixup! ", "squash! ", "Revert ")):
        return []
    found = []
    if len(subject) > SUBJECT_LIMIT:
        found.append(f"the subject has {len(subject)} characters; at most {SUBJECT_LIMIT}")
    if len(lines) > 1 and lines[1]:
        found.append("the second line must be blank (it separates the subject from the body)")
    if not any(lines[2:]):
        found.append("no body: say why the change is made, below a blank line")
    return found


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: commit_message.py <commit message file>", file=sys.stderr)
        return 2
    found = problems(Path(argv[1]).read_text(encoding="utf-8"))
    for problem in found:
        print(f"commit message: {problem}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
