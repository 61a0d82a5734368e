"""Once, after the snapshots moved to a table of their own: adds the snapshots stored in the data table
(``USER#u#SNAP / <slot>``, entity ``snapshot``) to their groups' items in the snapshots table, the snapshot and
the total of each, expiry kept (``data.snapshots``); the open buckets' items (``snapshot_bucket``) are not
copied. With ``--regroup`` it reads the snapshots table instead: once, for the snapshots a version before the
groups stored there one a user (the same shape), each added to its groups and then deleted. A one-off
operator's run (docs/operations.md), not a job: it Scans a table.

Resumable: each Scan segment saves its progress (the last evaluated key, the items copied) in the system table
after every page, so a run stopped anywhere goes on from its last page when started again, and a finished
segment is not read again. Idempotent: a snapshot added twice is the same member written again (and a regrouped
one is deleted only after it was added). It writes at the
snapshot writers' pace (``declaration.SNAPSHOT_WRITE_UNITS_PER_SECOND``) with their throttling retries.

    DATA_TABLE_NAME=... SNAPSHOTS_TABLE_NAME=... SYSTEM_TABLE_NAME=... \\
        python -m goalpost.data.snapshot_migration [--regroup] [--segments 4 --segment 0] [--max-pages N]
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from goalpost import declaration
from goalpost.data.batches import BATCH_WRITE_LIMIT, batches
from goalpost.data.client import client
from goalpost.data.codec import Item, deserialize, key
from goalpost.data.snapshots import put_snapshots, write_throttled
from goalpost.settings import get_settings

PROGRESS_PK = "MIGRATION#snapshots-table"
REGROUP_PROGRESS_PK = "MIGRATION#snapshot-groups"
PAGE_SIZE = 1000  # items a Scan page reads: progress is saved this often
DATA_INDEX_ATTRIBUTES = tuple(f"gsi{n}{part}" for n in range(1, 9) for part in ("pk", "sk"))


def progress_key(segment: int, segments: int, regroup: bool = False) -> dict[str, Any]:
    return {
        "pk": {"S": REGROUP_PROGRESS_PK if regroup else PROGRESS_PK},
        "sk": {"S": f"SEGMENT#{segment}/{segments}"},
    }


def copied_item(stored: Item) -> Item:
    """A data table's snapshot as the snapshots table holds it: the same, without the tier indexes' keys."""
    return {name: value for name, value in stored.items() if name not in DATA_INDEX_ATTRIBUTES}


def _progress(system: str, segment: int, segments: int, regroup: bool) -> dict[str, Any]:
    found = client().get_item(TableName=system, Key=progress_key(segment, segments, regroup), ConsistentRead=True)
    item = found.get("Item")
    if item is None:
        return {"last_key": None, "copied": 0, "done": False}
    return {
        "last_key": json.loads(item["last_key"]["S"]) if "last_key" in item else None,
        "copied": int(item["copied"]["N"]),
        "done": item["done"]["BOOL"],
    }


def _save_progress(system: str, segment: int, segments: int, regroup: bool, last_key: Any, copied: int) -> None:
    item: dict[str, Any] = {
        **progress_key(segment, segments, regroup),
        "copied": {"N": str(copied)},
        "done": {"BOOL": last_key is None},
    }
    if last_key is not None:
        item["last_key"] = {"S": json.dumps(last_key)}
    client().put_item(TableName=system, Item=item)


def migrate_segment(
    segment: int = 0,
    segments: int = 1,
    max_pages: int | None = None,
    page_size: int = PAGE_SIZE,
    *,
    regroup: bool = False,
) -> dict[str, Any]:
    """Adds the snapshots of one Scan segment to their groups, page after page (``page_size`` items read each)
    from where its saved progress left off, ``max_pages`` at most in this run (``regroup``: reads the snapshots
    table, and deletes each page's snapshots once added); returns the segment's progress. A group's members
    arrive from many pages and segments, so each is added to the stored items (``merge_group``), never
    written whole."""
    settings = get_settings()
    target, system = settings.snapshots_table_name, settings.system_table_name
    source = target if regroup else settings.data_table_name
    pace = declaration.SNAPSHOT_WRITE_UNITS_PER_SECOND
    progress = _progress(system, segment, segments, regroup)
    pages = 0
    while not progress["done"] and (max_pages is None or pages < max_pages):
        request: dict[str, Any] = {
            "TableName": source,
            "Limit": page_size,
            "FilterExpression": "entity = :snapshot",
            "ExpressionAttributeValues": {":snapshot": {"S": "snapshot"}},
        }
        if segments > 1:
            request.update(Segment=segment, TotalSegments=segments)
        if progress["last_key"] is not None:
            request["ExclusiveStartKey"] = progress["last_key"]
        page = client().scan(**request)
        items = [copied_item(deserialize(raw)) for raw in page.get("Items", [])]
        put_snapshots(target, items, units_per_second=pace, merge=True)
        if regroup:
            for batch in batches(items, BATCH_WRITE_LIMIT):
                write_throttled(target, [{"DeleteRequest": {"Key": key(item["pk"], item["sk"])}} for item in batch])
        last_key = page.get("LastEvaluatedKey")
        copied = progress["copied"] + len(items)
        _save_progress(system, segment, segments, regroup, last_key, copied)
        progress = {"last_key": last_key, "copied": copied, "done": last_key is None}
        pages += 1
    return {"segment": segment, "segments": segments, "copied": progress["copied"], "done": progress["done"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--segments", type=int, default=1, help="parallel Scan segments in all (one run each)")
    parser.add_argument("--segment", type=int, default=0, help="the segment this run copies")
    parser.add_argument("--max-pages", type=int, default=None, help="stop after this many pages (resume later)")
    parser.add_argument("--page-size", type=int, default=PAGE_SIZE, help="items a Scan page reads")
    parser.add_argument(
        "--totals-only",
        action="store_true",
        help="add the snapshots stored one a user in the snapshots table to their groups, then delete them",
    )
    args = parser.parse_args(argv)
    if not 0 <= args.segment < args.segments:
        parser.error("--segment must be between 0 and --segments - 1")
    progress = migrate_segment(args.segment, args.segments, args.max_pages, args.page_size, regroup=args.regroup)
    print(json.dumps(progress))
    return 0


if __name__ == "__main__":
    sys.exit(main())
