from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from harness.model.queue import PositionQueue


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["push", "pop", "cancel"]), st.integers(0, 50)), max_size=300
    )
)
def test_positions_match_a_naive_list(ops: list[tuple[str, int]]) -> None:
    queue, naive, seq = PositionQueue(), [], 0
    for op, pick in ops:
        if op == "push":
            queue.push(seq)
            naive.append(seq)
            seq += 1
        elif op == "pop":
            assert queue.pop() == (naive.pop(0) if naive else None)
        elif naive:
            victim = naive.pop(pick % len(naive))
            assert queue.remove(victim)
        assert len(queue) == len(naive)
        for i, s in enumerate(naive):
            assert queue.position(s) == i


def test_compaction_keeps_memory_bounded() -> None:
    queue = PositionQueue()
    for seq in range(100_000):
        queue.push(seq)
        if seq >= 10:
            assert queue.pop() == seq - 10
    assert len(queue) == 10
    assert len(queue._tree) < 5000
    assert [queue.position(s) for s in range(99_990, 100_000)] == list(range(10))
