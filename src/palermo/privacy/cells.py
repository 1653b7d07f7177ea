"""Small-cell suppression for published count tables (rights-and-data-protection.md §5 notes).

Every count from 1 to k - 1 is withheld; when that withholds exactly one cell of a table whose
total is published, the smallest other non-zero cell is withheld too, so that no withheld
count can be recovered as the total minus the others. A zero is published: it describes no
one.

>>> suppress_small_cells([120, 4, 0, 37], k=11)
[False, True, False, True]
>>> suppress_small_cells([120, 40, 37], k=11)
[False, False, False]
"""

from __future__ import annotations

from collections.abc import Sequence


def suppress_small_cells(counts: Sequence[int], k: int) -> list[bool]:
    """Which cells of one table to withhold (primary: under k; complementary: see above)."""
    withheld = [0 < c < k for c in counts]
    if sum(withheld) == 1:
        others = [(c, i) for i, c in enumerate(counts) if c > 0 and not withheld[i]]
        if others:
            withheld[min(others)[1]] = True
    return withheld
