# -*- coding: utf-8 -*-
# Copyright (c) mtls.cloudflare contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The tables of tests/live: each cell a module run; conftest prints them after the run.

``record(table, row, column, verdict)`` notes one cell; ``render(table)`` lays a table out
as text (rows down, columns across, one short verdict per cell) with its counts.
"""

from __future__ import annotations

import collections

CELLS = collections.OrderedDict()


def record(table, row, column, verdict):
    CELLS.setdefault(table, collections.OrderedDict())[(row, column)] = verdict


def counts(table):
    return collections.Counter(CELLS.get(table, {}).values())


def render(table):
    cells = CELLS.get(table, {})
    rows = list(collections.OrderedDict.fromkeys(row for row, _column in cells))
    columns = list(collections.OrderedDict.fromkeys(column for _row, column in cells))
    first = max([len(str(row)) for row in rows] + [len(table)])
    widths = [max(len(str(column)), max(len(str(cells.get((row, column), '-'))) for row in rows)) for column in columns]
    lines = ['  '.join([table.ljust(first)] + [str(column).ljust(width) for column, width in zip(columns, widths)]).rstrip()]
    for row in rows:
        lines.append('  '.join([str(row).ljust(first)] + [str(cells.get((row, column), '-')).ljust(width)
                                                          for column, width in zip(columns, widths)]).rstrip())
    lines.append('%s: %d cells; %s' % (table, len(cells), ', '.join('%s %d' % item for item in sorted(counts(table).items()))))
    return '\n'.join(lines)
