"""How winners are drawn, written so that anyone can check a draw from its log.

The tickets are laid out in a row: the draw's entries in the order of their
ids, each repeated as many times as it has tickets. For each prize, while
tickets are left, a number ``r`` is drawn uniformly from 0 to (tickets left
- 1) with ``secrets.randbelow`` (the operating system's cryptographic
source), the owner of ticket ``r`` wins, and all of that member's tickets
leave the row (one prize per member). So each ticket has the same chance,
and a member's chance grows with their tickets.

The log stores the entries, every number drawn with the size of the row it
was drawn from, and the winners; ``replay`` recomputes the winners from the
entries and the numbers alone.
"""

import secrets

ALGORITHM = "tickets-in-entry-order/randbelow/remove-winner-v1"


def draw_winners(entries, winners_count, randbelow=None):
    """Draw up to ``winners_count`` different members from ``entries``, a list
    of (entry id, member id, tickets) in the order of their ids, with
    ``randbelow`` (``secrets.randbelow`` unless a replay gives the numbers).
    Returns the log: {"algorithm", "entries", "draws", "winners"}."""
    randbelow = randbelow or secrets.randbelow
    row = [member_id for _, member_id, tickets in entries for _ in range(tickets)]
    draws, winners = [], []
    while row and len(winners) < winners_count:
        number = randbelow(len(row))
        winner = row[number]
        draws.append({"tickets_left": len(row), "number": number, "member": winner})
        winners.append(winner)
        row = [member_id for member_id in row if member_id != winner]
    return {
        "algorithm": ALGORITHM,
        "entries": [list(entry) for entry in entries],
        "draws": draws,
        "winners": winners,
    }


def replay(log):
    """The winners ``log`` gives when its numbers are drawn again from its
    entries: equal to ``log["winners"]`` for an honest log."""
    numbers = iter(draw["number"] for draw in log["draws"])
    return draw_winners(
        [tuple(entry) for entry in log["entries"]], len(log["draws"]), randbelow=lambda _: next(numbers)
    )["winners"]
