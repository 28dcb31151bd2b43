"""memory-alloc's choice of prefixes at a memory that three or more operands
share (per-PE memories holding W, I and O): the fast walk
(allocation._best_with_last) picks what the plain walk over every
combination picks, ties and float rounding included."""

import random
from itertools import product

from dsec.cost.allocation import AllocationError, _best_prefixes, _moved_above
from dsec.dialect.accelerator import Memory


def plain_walk(held, sizes, unallocated, memory, tops, names):
    """Every combination in product order; the last of the fewest words that fits wins."""
    options, traffic, offsets = [], [], []
    for m in held:
        if memory.name == tops[m]:
            options.append([sizes[m][-1]])
            traffic.append([0.0])
            offsets.append(len(sizes[m]) - 1)
        else:
            options.append(sizes[m])
            traffic.append(_moved_above(sizes[m], unallocated[m]))
            offsets.append(0)
    best, best_traffic = None, float("inf")
    for index, combo in enumerate(product(*(range(len(option)) for option in options))):
        total = sum(option[i] for option, i in zip(options, combo))
        if total > memory.size:
            if index == 0:
                return AllocationError("+".join(names[m] for m in held), memory.name, total, memory.size,
                                       "the operands' tiles placed below it do not fit together")
            continue
        moved = sum(words[i] for words, i in zip(traffic, combo))
        if moved <= best_traffic:
            best, best_traffic = [i + offset for i, offset in zip(combo, offsets)], moved
    return best


def test_shared_memory_prefixes_match_the_plain_walk():
    rng = random.Random(7)
    names = {"I1": "I", "I2": "W", "O": "O", "X": "X"}
    cases = errors = ties = 0
    for _ in range(3000):
        held = tuple(rng.sample(["I1", "I2", "O", "X"], rng.choice([3, 3, 4])))
        capacity = rng.choice([64, 100, 1000, 3 * 2 ** 10, 12000])
        memory = Memory("pe_mem", capacity, 1.0, 1.0, 0.0, 1, held, (), ())
        sizes, unallocated = {}, {}
        for m in held:
            loops = [(rng.choice("ABCD"), rng.choice([2, 2, 3, 5, 7])) for _ in range(rng.randint(0, 7))]
            tile = rng.choice([1, 8, 16, 0.5 * rng.randint(1, 40), 64 / 6])
            grown = [tile]
            for _, factor in loops:
                # Some loops leave the tile alone (irrelevant): equal sizes and ties.
                grown.append(grown[-1] * (factor if rng.random() < 0.6 else 1) * rng.choice([1, 1, 1.1]))
            cut = [s for s in grown if s <= capacity] or [grown[0]]
            sizes[m], unallocated[m] = cut[:rng.randint(1, len(cut))], loops
        tops = {m: ("pe_mem" if rng.random() < 0.2 else "sram") for m in held}
        expected = plain_walk(held, sizes, unallocated, memory, tops, names)
        assert _best_prefixes(held, sizes, unallocated, memory, tops, names) == expected, (held, sizes, tops)
        cases += 1
        errors += isinstance(expected, AllocationError)
        ties += not isinstance(expected, AllocationError) and any(
            len(set(s)) < len(s) for s in sizes.values())
    # The sample reaches both outcomes and equal-sized prefixes (ties).
    assert errors > 50 and cases - errors > 1000 and ties > 500
