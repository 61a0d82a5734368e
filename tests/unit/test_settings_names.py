"""The settings read the variables the declaration sets, by the same names, without importing the declaration
(a job's cold start would pay ~15 ms for it: docs/performance.md, "Cold imports of the workers")."""

from __future__ import annotations

import subprocess
import sys

from goalpost import declaration
from goalpost.settings import Settings


def test_every_table_topic_queue_and_secret_the_declaration_sets_is_a_setting() -> None:
    aliases = {field.alias for field in Settings.model_fields.values()}
    resources = (*declaration.TABLES, *declaration.TOPICS, *declaration.QUEUES, *declaration.SECRETS)
    assert {resource.env for resource in resources} <= aliases
    assert {declaration.TOPICS_KEY_ENV, declaration.ORIGIN_SECRET_ENV, declaration.SMS_SENDER_ID_ENV} <= aliases


def test_the_settings_do_not_import_the_declaration() -> None:
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, goalpost.settings; print('goalpost.declaration' in sys.modules)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert loaded.stdout.strip() == "False"
