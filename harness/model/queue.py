"""A FIFO queue that answers "how many are ahead of me" in O(log n), with removal anywhere.

A Fenwick tree counts live entries by submit sequence number; a cancel clears one slot. The
tree is rebuilt over the live entries when the dead prefix dominates, so memory stays bounded
by the queue length, not by the number of jobs ever submitted.
"""

from __future__ import annotations

from collections import deque

__all__ = ["PositionQueue"]


class PositionQueue:
    def __init__(self) -> None:
        self._base = 0  # sequence number of tree slot 1
        self._tree: list[int] = [0]  # 1-based Fenwick array
        self._live: set[int] = set()
        self._order: deque[int] = deque()  # FIFO of seqs, cancelled ones removed lazily

    def __len__(self) -> int:
        return len(self._live)

    def __contains__(self, seq: object) -> bool:
        return seq in self._live

    def _add(self, index: int, delta: int) -> None:
        tree = self._tree
        while index < len(tree):
            tree[index] += delta
            index += index & -index

    def _prefix(self, index: int) -> int:
        total, tree = 0, self._tree
        while index > 0:
            total += tree[index]
            index -= index & -index
        return total

    def push(self, seq: int) -> None:
        """Append `seq` (strictly increasing across calls)."""
        index = seq - self._base + 1
        if index < len(self._tree):
            raise ValueError("sequence numbers must increase")
        while len(self._tree) <= index:
            # Appending slot i: it covers (i - lowbit(i), i]; all earlier slots are final.
            i = len(self._tree)
            self._tree.append(self._prefix(i - 1) - self._prefix(i - (i & -i)))
        self._add(index, 1)
        self._live.add(seq)
        self._order.append(seq)

    def position(self, seq: int) -> int:
        """Live entries ahead of `seq` (0 = next to start)."""
        return self._prefix(seq - self._base)

    def remove(self, seq: int) -> bool:
        if seq not in self._live:
            return False
        self._live.discard(seq)
        self._add(seq - self._base + 1, -1)
        return True

    def pop(self) -> int | None:
        """The oldest live entry, removed; None when empty."""
        while self._order:
            seq = self._order.popleft()
            if seq in self._live:
                self.remove(seq)
                self._maybe_compact()
                return seq
        return None

    def _maybe_compact(self) -> None:
        if not self._live:
            self._base += len(self._tree) - 1
            self._tree = [0]
            self._order.clear()
            return
        head = self._order[0]
        if head - self._base > 1024 and head - self._base > 2 * len(self._live):
            live = sorted(self._live)
            size = live[-1] - head + 1
            counts = [0] * (size + 1)
            for s in live:
                counts[s - head + 1] = 1
            for i in range(1, size + 1):  # O(n) Fenwick build
                parent = i + (i & -i)
                if parent <= size:
                    counts[parent] += counts[i]
            self._base, self._tree = head, counts
