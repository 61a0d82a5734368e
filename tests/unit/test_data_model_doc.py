"""docs/data-model.md names every declared table, its keys, its indexes and its TTL: a table or index added to
the declaration without its line in the storage design fails here (gsi5 once went missing)."""

from __future__ import annotations

from pathlib import Path

from goalpost import declaration

DOC = Path(__file__).resolve().parents[2] / "docs" / "data-model.md"


def table_rows() -> dict[str, str]:
    rows = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.split("|")]
        if len(cells) > 2 and cells[1].startswith("`") and cells[1].endswith("`"):
            rows.setdefault(cells[1].strip("`"), line)
    return rows


def test_every_declared_table_and_index_is_in_the_storage_design() -> None:
    rows = table_rows()
    for table in declaration.TABLES:
        assert table.key in rows, f"docs/data-model.md has no row for the {table.key} table"
        row = rows[table.key]
        for name in (table.partition_key, table.sort_key, table.ttl_attribute, *(i.name for i in table.indexes)):
            if name:
                assert f"`{name}`" in row, f"the {table.key} table's row does not name `{name}`"
