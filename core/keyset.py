"""Keyset ("after this row") paging over any total order a queryset is sorted by.

``OFFSET`` makes the database walk and drop every row before the page, so page 150 of a
list costs 150 pages; a keyset says where the last page ended (the values of the sort keys
of its last row) and the next page is read from there: with an index on the order, every
page costs what the first one does.

The sort keys are the queryset's own ``order_by`` (fields or expressions such as the
``CASE`` ranks of the incident list's urgency order), with the primary key added last so
the order is total. Keys of one direction that follow each other are compared as one row
value, ``(a, b, c) < (x, y, z)``, which PostgreSQL reads as a range of an index on those
expressions. Where the direction changes, the page is read in stages: first the rest of
the group the cursor is in (the leading keys equal to the cursor's, the following ones
past it), then the groups after it, each stage a range of the index; the second stage
runs only for the one page that crosses from one group to the next.
"""

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from uuid import UUID

from django.db.models import BooleanField, Expression, F, OrderBy, QuerySet, Value
from django.utils.translation import gettext_lazy as _

NOT_OURS = _("it is not one this list gave")
OTHER_ORDER = _("it was given for another order of this list")


class RowCompare(Expression):
    """``(lhs, …) <op> (rhs, …)`` as a boolean expression for ``filter()``: a row value
    comparison (PostgreSQL, SQLite 3.15+), lexicographic over its items."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, lhs: list, op: str, rhs: list):
        if op not in ("<", ">", "="):
            raise ValueError(f"unsupported comparison {op!r}")
        if len(lhs) != len(rhs) or not lhs:
            raise ValueError("both rows need the same number of items, at least one")
        super().__init__(output_field=BooleanField())
        self.lhs, self.op, self.rhs = list(lhs), op, list(rhs)

    def get_source_expressions(self):
        return [*self.lhs, *self.rhs]

    def set_source_expressions(self, exprs):
        self.lhs, self.rhs = list(exprs[:len(self.lhs)]), list(exprs[len(self.lhs):])

    def as_sql(self, compiler, connection):
        params: list = []
        sides = []
        for side in (self.lhs, self.rhs):
            parts = []
            for expression in side:
                sql, part_params = compiler.compile(expression)
                parts.append(sql)
                params.extend(part_params)
            sides.append(", ".join(parts))
        if len(self.lhs) == 1:
            return f"{sides[0]} {self.op} {sides[1]}", params
        return f"({sides[0]}) {self.op} ({sides[1]})", params


class InvalidCursor(ValueError):
    """A cursor that is not one this order made (mangled, or from another order); its
    argument says which, in the reader's language."""


@dataclass(frozen=True)
class Key:
    expression: Expression
    descending: bool


def order_keys(queryset: QuerySet) -> list[Key]:
    """The queryset's sort keys, the primary key added last when it is missing."""
    keys = []
    for item in queryset.query.order_by or queryset.model._meta.ordering:
        if isinstance(item, str):
            if item == "?":
                raise ValueError("a random order has no keyset")
            name = item.lstrip("-")
            keys.append(Key(F(name), item.startswith("-")))
        elif isinstance(item, OrderBy):
            if item.nulls_first or item.nulls_last:
                raise ValueError("NULLS FIRST/LAST orders are not supported")
            keys.append(Key(item.expression, item.descending))
        else:
            keys.append(Key(item, False))
    pk_names = {"pk", queryset.model._meta.pk.name, queryset.model._meta.pk.attname}
    last = keys[-1].expression if keys else None
    if not (isinstance(last, F) and last.name in pk_names):
        keys.append(Key(F("pk"), keys[-1].descending if keys else False))
    return keys


def _groups(keys: list[Key]) -> list[list[int]]:
    """Indexes of consecutive keys sharing a direction."""
    groups: list[list[int]] = []
    for i, key in enumerate(keys):
        if groups and keys[groups[-1][0]].descending == key.descending:
            groups[-1].append(i)
        else:
            groups.append([i])
    return groups


def _to_json(value):
    if isinstance(value, datetime | date | time):
        return value.isoformat()  # to the microsecond (DjangoJSONEncoder keeps milliseconds)
    if isinstance(value, Decimal | UUID):
        return str(value)
    return value


class Keyset:
    """Paging ``queryset`` by its order: ``page(after=…)``/``page(before=…)`` and the
    cursor of a row in a page."""

    PREFIX = "_keyset_"

    def __init__(self, queryset: QuerySet):
        self.keys = order_keys(queryset)
        self.queryset = queryset.order_by(
            *(key.expression.desc() if key.descending else key.expression.asc()
              for key in self.keys)
        ).annotate(**{f"{self.PREFIX}{i}": key.expression for i, key in enumerate(self.keys)})
        self.fields = [self.queryset.query.annotations[f"{self.PREFIX}{i}"].output_field
                       for i in range(len(self.keys))]
        # Which order a cursor belongs to: it is refused under another one.
        self.signature = hashlib.sha256(
            repr([(str(k.expression), k.descending) for k in self.keys]).encode()
        ).hexdigest()[:12]

    # --- cursors ----------------------------------------------------------------------------

    def values_of(self, row) -> list:
        return [getattr(row, f"{self.PREFIX}{i}") for i in range(len(self.keys))]

    def encode(self, row, *, before: bool = False) -> str:
        """The cursor for the rows after ``row`` (or before it)."""
        payload = {"o": self.signature, "k": [_to_json(v) for v in self.values_of(row)]}
        if before:
            payload["b"] = 1
        raw = json.dumps(payload, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def decode(self, cursor: str) -> tuple[list, bool]:
        """(the key values, whether it points backwards); ``InvalidCursor`` otherwise."""
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            payload = json.loads(raw)
            values, signature = payload["k"], payload["o"]
            before = payload.get("b", 0) == 1
        except (binascii.Error, ValueError, TypeError, KeyError, UnicodeDecodeError):
            raise InvalidCursor(NOT_OURS) from None
        if signature != self.signature:
            raise InvalidCursor(OTHER_ORDER)
        if not isinstance(values, list) or len(values) != len(self.keys):
            raise InvalidCursor(NOT_OURS)
        try:
            parsed = [field.to_python(value) for field, value in zip(self.fields, values,
                                                                      strict=True)]
        except Exception:  # a field's own validation error, whatever its type
            raise InvalidCursor(NOT_OURS) from None
        if any(value is None for value in parsed):
            raise InvalidCursor(NOT_OURS)
        return parsed, before

    # --- pages ----------------------------------------------------------------------------

    def _stages(self, values: list, backwards: bool):
        """Filters whose rows, in this order, make up what comes after ``values`` (before,
        ``backwards``): the closest group first."""
        groups = _groups(self.keys)
        for depth in range(len(groups) - 1, -1, -1):
            conditions = []
            for group in groups[:depth]:
                conditions.append(RowCompare(
                    [self.keys[i].expression for i in group], "=",
                    [Value(values[i], output_field=self.fields[i]) for i in group]))
            group = groups[depth]
            forward = not self.keys[group[0]].descending
            op = ">" if forward != backwards else "<"
            conditions.append(RowCompare(
                [self.keys[i].expression for i in group], op,
                [Value(values[i], output_field=self.fields[i]) for i in group]))
            yield conditions

    def _reversed(self, queryset: QuerySet) -> QuerySet:
        return queryset.order_by(
            *(key.expression.asc() if key.descending else key.expression.desc()
              for key in self.keys))

    def rows(self, *, limit: int, after: list | None = None,
             backwards: bool = False) -> list:
        """Up to ``limit`` rows from the start (``after`` None) or past ``after``'s key
        values, in the list's order (backwards: the ones just before, still in order)."""
        queryset = self._reversed(self.queryset) if backwards else self.queryset
        if after is None:
            found = list(queryset[:limit])
        else:
            found = []
            for conditions in self._stages(after, backwards):
                found.extend(self._rows_of(queryset, queryset.filter(*conditions),
                                           limit - len(found)))
                if len(found) >= limit:
                    break
        return found[::-1] if backwards else found

    @staticmethod
    def _rows_of(ordered: QuerySet, stage: QuerySet, limit: int) -> list:
        """The first ``limit`` rows of ``stage``, read as ``pk IN (the first pks of the
        stage, in order)``: the subquery reads the index in order and stops, whatever the
        planner guesses. (PostgreSQL estimates a row comparison by its first item alone, so
        a stage past the cursor looks nearly empty; joined the way the page is, it was read
        to its end, then sorted.) The outer query joins and sorts those rows only."""
        return list(ordered.filter(pk__in=stage.values("pk")[:limit]))
