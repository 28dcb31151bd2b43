"""The tree of temporal loop orders LOMA enumerates, cut where the cost
model cannot tell orders apart; the best order found is the exhaustive best.

Orders grow from the innermost loop out. Once the decided loops fix where
every operand's memory levels end (memory-alloc's rule, `allocate(known=)`),
the loops left all land in each operand's last level, and within a level the
cost model sees their order in three places only: the innermost run of loops
an operand does not depend on (they merge down: the data stays put), and the
outermost runs of relevant and of irrelevant loops (ZigZag's top_r/top_ir).
For the loops left, one order per combination of those runs is scored;
an innermost part of them that ends every merging run fixes the energy of
the orders beginning with it (the outer runs weigh only on the latency), so
each such part is asked as a node of its own whether it can beat the best
(hopeless: its energy bound is exact there) before its orders are. Two
prefixes that leave the same runs, the same undecided loops and the same
loops behind have subtrees of equal costs: only the first is expanded. A
prefix whose undecided loops are all alike has one completion, visited
without a node of its own (its bound would rarely cut what the completion's
own bound does not). Loops of interchangeable dims (symmetry.py: ReLU's G,
OX and OY) are expanded once per factor, and dim-swapped images once.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterator

from dsec.cost.allocation import AllocationError, Resume, Undecided, allocate, allocation_setup
from dsec.cost.levels import level_signature, operand_signature
from dsec.cost.workload import LayerView, OperandView, tensor_elements
from dsec.dialect.accelerator import Accelerator
from dsec.mapper.orders import Factor, multiset_sequences
from dsec.mapper.symmetry import dim_swaps, interchangeable_dims, within_classes


Hopeless = Callable[[Undecided | dict, list[Factor], int], bool]


def decided_orders(view: LayerView, accelerator: Accelerator, unrolling: list, prefix: list[Factor], factors: list[Factor],
                   seed: int | None = None, hopeless: Hopeless | None = None
                   ) -> Iterator[tuple[tuple[Factor, ...], dict] | AllocationError]:
    """Orders (innermost first, `prefix` then an order of `factors`) that
    cover every distinct cost of the orders of `factors` above `prefix`, each
    with its placement, and the error of each subtree whose orders all fail
    to fit. `hopeless(placed, order, known)`: True when no order beginning
    with order[:known] can beat the best one found so far (its subtree is
    skipped; asked again as the search goes on, so it may tighten)."""
    items = sorted(set(factors))
    if seed is not None:
        random.Random(seed).shuffle(items)
    counts = Counter(factors)
    order = list(prefix)
    seen: set[tuple] = set()
    signatures: dict[tuple, tuple] = {}
    roomy = _roomy_tops(view, accelerator)
    setup = allocation_setup(view, accelerator, unrolling, tuple(prefix) + tuple(factors))
    fixed_dims = {dim for _, loops in unrolling for dim, _ in loops} | {dim for dim, _ in prefix}
    rank = {item: index for index, item in enumerate(items)}
    classes = interchangeable_dims(view, unrolling)
    swaps = dim_swaps(view, fixed_dims, factors)
    if not all(within_classes(swap, classes) for swap in swaps):
        classes = {}  # one symmetry at a time: each alone keeps a visited image of what it skips
    swaps = [swap for swap in swaps if not within_classes(swap, classes)]
    images = [{item: rank[(swap.get(item[0], item[0]), item[1])] for item in items} for swap in swaps]
    # Items of one class and factor: only the first of them left is expanded
    # (a loop of another dim of the class costs the same: symmetry.py).
    kind = {item: (classes[item[0]], item[1]) for item in items if item[0] in classes}

    def visit(undecided_images: tuple[int, ...] = tuple(range(len(images))), resume: Resume | None = None
              ) -> Iterator[tuple[tuple[Factor, ...], dict] | AllocationError]:
        """`resume`: the parent's allocation state (its decided loops begin this order)."""
        left = [item for item in items if counts[item]]
        if len(left) == 1:
            # One way to go on: no node of its own, straight to the whole order.
            item, many = left[0], counts[left[0]]
            still: tuple[int, ...] | None = undecided_images
            for _ in range(many):
                still = _still_undecided(still, images, item, rank[item])
                if still is None:
                    return  # a swapped image of this subtree was visited before it
            counts[item] = 0
            order.extend([item] * many)
            yield from visit(still, resume)
            del order[-many:]
            counts[item] = many
            return
        rest = sorted(counts.elements())
        full = order + rest
        placed = allocate(view, accelerator, unrolling, full, known=len(order), setup=setup, resume=resume)
        if isinstance(placed, AllocationError):
            yield placed
            return
        state = _state(view, placed, order, rest, roomy, signatures)
        if state in seen:
            return  # an equivalent prefix was expanded: its subtree has the same costs
        seen.add(state)
        if hopeless is not None and hopeless(placed, full, len(order)):
            return
        if not isinstance(placed, Undecided):
            inner, outer = _level_views(view, placed, len(order), roomy)

            def worth(head: list[Factor]) -> bool:
                # The orders beginning with `head` (their memory levels all fixed) as a subtree of their own.
                left = Counter(rest)
                left.subtract(head)
                return not hopeless(placed, order + head + sorted(left.elements()), len(order) + len(head))
            for tail in representatives(rest, view.operands, inner, outer, worth if hopeless else None):
                yield tuple(order) + tail, _with_tail(placed, len(order), tail)
            return
        expanded = set()
        for item in items:
            if not counts[item]:
                continue
            if item in kind:
                if kind[item] in expanded:
                    continue  # the same loop of another dim of its class was expanded
                expanded.add(kind[item])
            still = _still_undecided(undecided_images, images, item, rank[item])
            if still is None:
                continue  # a swapped image of this subtree, of equal costs, was visited before it
            counts[item] -= 1
            order.append(item)
            yield from visit(still, placed.resume)
            order.pop()
            counts[item] += 1

    yield from visit()


def _still_undecided(undecided: tuple[int, ...], images: list[dict[Factor, int]], item: Factor, rank: int
                     ) -> tuple[int, ...] | None:
    """After appending `item`: the swaps under which the searched part of
    the order is still its own image, or None when some swap's image comes
    first in the visiting order (the subtree repeats that image's costs)."""
    still = []
    for index in undecided:
        image = images[index][item]
        if image < rank:
            return None
        if image == rank:
            still.append(index)
    return tuple(still)


def _roomy_tops(view: LayerView, accelerator: Accelerator) -> tuple[int, ...]:
    """Per operand: the index of its top level when that memory is at least
    twice what all the layer's operands need whole, else -1. Such a memory
    double-buffers any tile, and the outermost runs of its level change
    nothing (ZigZag only weighs them against the memory's size)."""
    need: dict[str, float] = {}
    for operand in view.operands:
        top = accelerator.hierarchy(operand.memory_operand)[-1]
        bits = tensor_elements(operand, view.dims) * max(operand.precision, operand.final_precision)
        need[top.name] = need.get(top.name, 0) + bits
    result = []
    for operand in view.operands:
        hierarchy = accelerator.hierarchy(operand.memory_operand)
        result.append(len(hierarchy) - 1 if 2 * need[hierarchy[-1].name] <= hierarchy[-1].size else -1)
    return tuple(result)


def _state(view: LayerView, placed: Undecided | dict[str, list], order: list[Factor], rest: list[Factor],
           roomy: tuple[int, ...], signatures: dict[tuple, tuple]) -> tuple:
    """What the orders above `order` can still see of it: per operand, the
    runs of each decided level and the loops not yet placed (as a set when
    that is all their placement depends on). `signatures`: the search's
    level signatures so far (nodes share most of their levels)."""
    def signature(index: int, loops: tuple[Factor, ...], outer: bool) -> tuple:
        key = (index, loops, outer)
        found = signatures.get(key)
        if found is None:
            found = signatures[key] = level_signature(loops, view.operands[index], outer)
        return found

    known = len(order)
    decided = placed.levels if isinstance(placed, Undecided) else placed
    state: list = [tuple(rest)]
    for index, (operand, quiet) in enumerate(zip(view.operands, roomy)):
        levels, start = [], 0
        for level_index, level in enumerate(decided[operand.name]):
            levels.append(signature(index, tuple(order[start:min(start + len(level), known)]), level_index != quiet))
            start += len(level)
        if isinstance(placed, Undecided):
            waiting = tuple(order[placed.starts[operand.name]:known])
            levels.append(signature(index, waiting, True) if placed.set_only[operand.name] else waiting)
        state.append(tuple(levels))
    return tuple(state)


def placement_key(view: LayerView, placed: dict[str, list]) -> tuple:
    """A complete placement as the cost model sees it: equal keys, equal costs."""
    return tuple(operand_signature(placed[operand.name], operand) for operand in view.operands)


def _with_tail(placed: dict[str, list], known: int, tail: tuple[Factor, ...]) -> dict[str, list]:
    """The placement with the undecided loops in the order `tail`: they all
    sit at the end of one level per operand (the last one with loops)."""
    result = {}
    for name, levels in placed.items():
        start, new = 0, []
        for level in levels:
            new.append(tuple(level[:known - start]) + tail if start <= known < start + len(level) else level)
            start += len(level)
        result[name] = new
    return result


def _level_views(view: LayerView, placed: dict[str, list], known: int, roomy: tuple[int, ...]
                 ) -> tuple[tuple[bool, ...], tuple[bool, ...]]:
    """Per operand, for the level the undecided loops land in: whether their
    innermost loops can merge down (the decided loops of the level are all
    irrelevant to it) and whether the level's outermost runs matter."""
    inner, outer = [], []
    for operand, quiet in zip(view.operands, roomy):
        start = 0
        for index, level in enumerate(placed[operand.name]):
            if start + len(level) > known:
                decided = level[:max(0, known - start)]
                inner.append(all(not operand.depends_on(dim) for dim, _ in decided))
                outer.append(index != quiet)
                break
            start += len(level)
        else:
            inner.append(False)
            outer.append(False)
    return tuple(inner), tuple(outer)


def _head_ends(rest: list[Factor], operands: tuple[OperandView, ...], inner: tuple[bool, ...]
               ) -> tuple[Callable[[list[Factor]], bool], bool]:
    """Whether an innermost part of an order of the `rest` loops ends each
    merging run that some order of them ends (a run no order ends covers
    them all, whatever their order); and whether some order ends every one."""
    merging = [op for op, merges in zip(operands, inner) if merges]
    checks = [op for op in merging if any(op.depends_on(d) for d, _ in rest)]

    def ends(head: list[Factor]) -> bool:
        return all(any(op.depends_on(d) for d, _ in head) for op in checks)
    return ends, len(checks) == len(merging)


def _tail_ends(left: Counter, operands: tuple[OperandView, ...], outer: tuple[bool, ...]
               ) -> tuple[Callable[[list[Factor]], bool], bool]:
    """Whether an outermost part of an order of the `left` loops is long
    enough that the rest of the order cannot change any top run: it ends each
    run that some order of `left` ends (a run no order of them ends covers
    them all, whatever their order); and whether some order ends every one."""
    loops = list(left)
    checks = [(any(d not in op.relevant for d, _ in loops), any(op.depends_on(d) for d, _ in loops), op)
              for op, tops in zip(operands, outer) if tops]

    def ends(tail: list[Factor]) -> bool:
        return all((not ends_relevant or any(d not in op.relevant for d, _ in tail)) and
                   (not ends_irrelevant or any(op.depends_on(d) for d, _ in tail))
                   for ends_relevant, ends_irrelevant, op in checks)
    return ends, all(ends_relevant and ends_irrelevant for ends_relevant, ends_irrelevant, _ in checks)


def signature(rest: tuple[Factor, ...], operands: tuple[OperandView, ...], inner: tuple[bool, ...],
              outer: tuple[bool, ...]) -> tuple:
    """What the cost model sees of the order of the loops in one level."""
    result = []
    for operand, merges, tops in zip(operands, inner, outer):
        _, inner_run, *top_runs = level_signature(rest, operand, tops)
        result.append((inner_run if merges else (), *top_runs))
    return tuple(result)


def representatives(rest: list[Factor], operands: tuple[OperandView, ...], inner: tuple[bool, ...],
                    outer: tuple[bool, ...], worth: Callable[[list[Factor]], bool] | None = None
                    ) -> Iterator[tuple[Factor, ...]]:
    """One order of `rest` (innermost first) per signature: an innermost part
    long enough to end every merging run, an outermost part long enough to
    end every top run, anything in between. `worth(head)`: False skips the
    orders beginning with that innermost part (asked as they come)."""
    # Where every merging run ends in the head and every top run in the tail,
    # a candidate's signature is the head's merging runs with the tail's top
    # runs: each part is read once, not each candidate.
    no_merging = tuple(False for _ in operands)
    head_ends, heads_end_all = _head_ends(rest, operands, inner)
    found: dict[tuple, tuple[Factor, ...]] = {}
    heads = {}
    for head in multiset_sequences(Counter(rest), sorted(set(rest)), head_ends):
        merging = tuple(runs[0] for runs in signature(tuple(head), operands, inner, outer))
        heads.setdefault((merging, tuple(sorted(head))), (head, merging if heads_end_all else None))
    tails_of: dict[tuple, list] = {}
    for head, merging in heads.values():
        if worth is not None and not worth(head):
            continue
        left = Counter(rest)
        left.subtract(head)
        key = tuple(sorted(left.elements()))
        if key not in tails_of:
            tail_ends, tails_end_all = _tail_ends(+left, operands, outer)
            tails_of[key] = [(tail, signature(tuple(reversed(tail)), operands, no_merging, outer)
                              if tails_end_all else None)
                             for tail in multiset_sequences(+left, sorted(+left), tail_ends)]
        for tail, tops in tails_of[key]:
            parts = None if merging is None or tops is None else \
                tuple((runs, *top[1:]) for runs, top in zip(merging, tops))
            if parts in found:
                continue
            middle = Counter(key)
            middle.subtract(tail)
            candidate = tuple(head) + tuple(sorted(middle.elements())) + tuple(reversed(tail))
            costs_as = parts or signature(candidate, operands, inner, outer)
            if costs_as not in found:
                found[costs_as] = candidate
                yield candidate
