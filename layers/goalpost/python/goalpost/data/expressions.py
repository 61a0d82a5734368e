"""Update expressions the repositories share: counters with a cap, and set-or-remove of attributes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from goalpost.data.codec import serialize_value


def counter_change(attribute: str, change: int, most: int | None = None) -> tuple[str, str | None, dict[str, Any]]:
    """The pieces of an update that moves the counter ``attribute`` by ``change``: its ``ADD`` clause; when it
    goes up and has a ``most``, the condition that it is below ``most`` first (a missing counter is 0); and
    their values. Being a condition of the write itself, no number of concurrent writers can pass ``most``."""
    change_name, most_name = f":{attribute}_change", f":{attribute}_most"
    values = {change_name: serialize_value(change)}
    if change <= 0 or most is None:
        return f"ADD {attribute} {change_name}", None, values
    values[most_name] = serialize_value(most)
    return f"ADD {attribute} {change_name}", f"(attribute_not_exists({attribute}) OR {attribute} < {most_name})", values


def set_or_remove(
    values: Mapping[str, Any], *, extra_set: Mapping[str, str] | None = None, extra_remove: Iterable[str] = ()
) -> tuple[str, dict[str, str], dict[str, Any]]:
    """An UpdateExpression that sets every attribute of ``values`` and removes the ones that are None (None is
    never stored), plus raw ``extra_set`` (attribute -> value placeholder) and ``extra_remove`` attributes.
    Returns the expression, its attribute names and its attribute values."""
    names = {f"#a{n}": name for n, name in enumerate(values)}
    alias = {name: placeholder for placeholder, name in names.items()}
    sets = [f"{alias[name]} = :v{n}" for n, (name, value) in enumerate(values.items()) if value is not None]
    sets += [f"{attribute} = {placeholder}" for attribute, placeholder in (extra_set or {}).items()]
    removes = [alias[name] for name, value in values.items() if value is None] + list(extra_remove)
    expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
    attribute_values = {
        f":v{n}": serialize_value(value) for n, (name, value) in enumerate(values.items()) if value is not None
    }
    return expression, names, attribute_values
