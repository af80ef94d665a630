"""Reduced ordered binary decision diagrams (ROBDDs, Bryant 1986) with exact
probability and importance computation, the way fault-tree tools (SCRAM, XFTA)
quantify a top event.

A function is a node of a :class:`Bdd` manager: the terminal ``FALSE`` (0), the
terminal ``TRUE`` (1), or a triple ``(var, lo, hi)`` meaning "if ``var`` then
``hi`` else ``lo``", every variable below it greater than ``var``. Nodes are
hash-consed and a node with ``lo == hi`` is never built, so equal functions are
equal integers (a fixpoint test is one comparison).

Variables are non-negative integers; their numeric order is the variable order
(the caller picks it). No operation recurses: each runs an explicit stack, since a
diagram can be as deep as it has variables (a chain of 100,000 services).

Where a ZBDD (:mod:`pruner.analysis.zbdd`) holds *families of cut sets*, a BDD
holds the *boolean function* itself, whose probability is one bottom-up pass:
``P(node) = q(var)·P(hi) + (1 - q(var))·P(lo)``. Shared sub-functions are shared
nodes, so a service that several branches need is counted once.

>>> b = Bdd()
>>> x, y, z = b.var_node(0), b.var_node(1), b.var_node(2)
>>> f = b.apply_or(b.apply_and(x, y), z)          # (x and y) or z
>>> round(b.probability(f, [0.5, 0.5, 0.5]), 6)
0.625
>>> b.at_least(2, [x, y, z]) == b.apply_or(b.apply_and(x, y), b.apply_and(z, b.apply_or(x, y)))
True
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Sequence

from pruner.errors import BudgetExhausted

__all__ = ["DEFAULT_MAX_NODES", "FALSE", "TRUE", "Bdd", "NodeLimit", "Sensitivity", "flow_function",
           "structure_functions"]

FALSE = 0
TRUE = 1
_TERMINAL_VAR = 1 << 62  # terminals sort after every variable
_CHECK_EVERY = 4096  # memo misses between calls of the ``check`` hook
_AND, _OR = 0, 1
#: Default node cap of a manager. A node costs about 150 bytes with its unique-table
#: entry and its share of the operation caches (kept at most twice the nodes; measured:
#: 1 M nodes on the 20,000-service benchmark, 145 MiB above the loaded model), so the
#: default keeps one diagram near 0.45 GB, within the 900 MiB a command may use.
DEFAULT_MAX_NODES = 3_000_000


class NodeLimit(BudgetExhausted):
    """A decision diagram grew past its node cap (the function is too large for
    the memory a command may use); ``partial`` is whatever the caller could finish."""


class Bdd:
    """A BDD manager: unique table, node arrays and operation caches.

    Parameters
    ----------
    check : callable, optional
        Called every few thousand steps of work, so a caller can stop a long
        computation by raising from it (a deadline).
    max_nodes : int, optional
        Node cap (default :data:`DEFAULT_MAX_NODES`): past it, at the next check,
        :class:`NodeLimit` is raised. ``0`` means no cap.
    """

    def __init__(self, check: Callable[[], None] | None = None,
                 max_nodes: int | None = None):
        if max_nodes is None:
            max_nodes = DEFAULT_MAX_NODES
        self.var: list[int] = [_TERMINAL_VAR, _TERMINAL_VAR]
        self.lo: list[int] = [FALSE, TRUE]
        self.hi: list[int] = [FALSE, TRUE]
        self._unique: dict[tuple[int, int, int], int] = {}
        self._memo: tuple[dict[int, int], dict[int, int]] = ({}, {})
        self._ite: dict[tuple[int, int, int], int] = {}
        self._clears = 0  # times the operation caches were cleared
        self._check = check
        self.max_nodes = max_nodes
        self._steps = 0

    def mark(self) -> tuple[int, ...]:
        """A point to :meth:`release` back to."""
        and_memo, or_memo = self._memo
        return (len(self.var), len(self._unique), len(and_memo), len(or_memo),
                len(self._ite), self._clears)

    def release(self, mark: tuple[int, ...]) -> None:
        """Forget every node built since ``mark`` (and every cached result that
        could name one): the functions built since are no longer valid, those
        built before are untouched. A flow's own diagram is built, quantified and
        released this way, so 2,000 flows over one core do not pile up 2,000
        diagrams. Tables only grow between a mark and its release, and Python
        dicts pop their latest entries first, so this costs what was built since.
        """
        size, unique_size, and_size, or_size, ite_size, clears = mark
        memos = (*self._memo, self._ite)
        if clears != self._clears:  # a cache was cleared since: entries mixed, drop all
            for memo in memos:
                memo.clear()
        else:
            for memo, kept in zip(memos, (and_size, or_size, ite_size), strict=True):
                popitem = memo.popitem
                for _ in range(len(memo) - kept):
                    popitem()
        popitem = self._unique.popitem
        for _ in range(len(self._unique) - unique_size):
            popitem()
        del self.var[size:], self.lo[size:], self.hi[size:]

    def _checkpoint(self) -> None:
        """Every few thousand steps: the node cap, the size of the operation caches
        (cleared when they outgrow the nodes: they are only caches), then the
        caller's hook."""
        size = len(self.var)
        if self.max_nodes and size > self.max_nodes:
            raise NodeLimit(f"decision diagram past its cap of {self.max_nodes:,} nodes")
        and_memo, or_memo = self._memo
        if len(and_memo) + len(or_memo) + len(self._ite) > 2 * size + 100_000:
            and_memo.clear()  # in place: running operations hold these dicts
            or_memo.clear()
            self._ite.clear()
            self._clears += 1
        if self._check is not None:
            self._check()

    def __len__(self) -> int:
        """Number of nodes built (terminals included)."""
        return len(self.var)

    def node(self, var: int, lo: int, hi: int) -> int:
        """The unique node "if ``var`` then ``hi`` else ``lo``" (``lo`` when equal)."""
        if lo == hi:
            return lo
        key = (var, lo, hi)
        found = self._unique.get(key)
        if found is None:
            found = len(self.var)
            self.var.append(var)
            self.lo.append(lo)
            self.hi.append(hi)
            self._unique[key] = found
        return found

    def var_node(self, var: int) -> int:
        """The function "``var`` is true"."""
        return self.node(var, FALSE, TRUE)

    def apply_and(self, a: int, b: int) -> int:
        """``a and b``."""
        return self._apply(_AND, a, b)

    def apply_or(self, a: int, b: int) -> int:
        """``a or b``."""
        return self._apply(_OR, a, b)

    def _apply(self, op: int, a: int, b: int) -> int:
        # absorbing terminal of the operation and its identity
        zero, one = (FALSE, TRUE) if op == _AND else (TRUE, FALSE)
        if a == b or b == one:
            return a
        if a == one:
            return b
        if a == zero or b == zero:
            return zero
        var, lo, hi = self.var, self.lo, self.hi
        unique = self._unique
        memo = self._memo[op]
        memo_get = memo.get
        unique_get = unique.get
        out: list[int] = []
        push = out.append
        pop = out.pop
        # a task is (x, y) to compute, or (-1 - key_var_pair...) to combine; kept flat
        todo: list = [a, b]
        steps = self._steps
        while todo:
            y = todo.pop()
            x = todo.pop()
            if x < 0:  # combine: x = -1 - var, y = memo key; hi on top of lo
                h = pop()
                low = pop()
                if low == h:
                    result = low
                else:
                    v = -1 - x
                    ukey = (v, low, h)
                    result = unique_get(ukey)
                    if result is None:
                        result = len(var)
                        var.append(v)
                        lo.append(low)
                        hi.append(h)
                        unique[ukey] = result
                memo[y] = result
                push(result)
                continue
            if x == y or y == one:
                push(x)
                continue
            if x == one:
                push(y)
                continue
            if x == zero or y == zero:
                push(zero)
                continue
            if x > y:
                x, y = y, x
            key = x << 32 | y
            found = memo_get(key)
            if found is not None:
                push(found)
                continue
            steps += 1
            if steps >= _CHECK_EVERY:
                steps = 0
                self._checkpoint()
            vx, vy = var[x], var[y]
            if vx < vy:
                todo += (-1 - vx, key, hi[x], y, lo[x], y)
            elif vy < vx:
                todo += (-1 - vy, key, x, hi[y], x, lo[y])
            else:
                todo += (-1 - vx, key, hi[x], hi[y], lo[x], lo[y])
        self._steps = steps
        return out[0]

    def ite(self, f: int, g: int, h: int) -> int:
        """``if f then g else h`` (Bryant's ITE, iterative, memoised).

        When every variable of ``f`` comes before those of ``g`` and ``h`` (the
        members of a quorum, taken bottom-up), it copies ``f`` once with its TRUE
        leaf replaced by ``g`` and its FALSE leaf by ``h``: linear in ``f``.
        """
        var, lo, hi = self.var, self.lo, self.hi
        memo = self._ite
        node = self.node
        apply = self._apply
        out: list[int] = []
        todo: list[tuple] = [(f, g, h)]
        steps = self._steps
        while todo:
            task = todo.pop()
            x = task[0]
            if x < 0:  # combine: (-1 - var, memo key); hi on top of lo
                hi_ = out.pop()
                result = node(-1 - x, out.pop(), hi_)
                memo[task[1]] = result
                out.append(result)
                continue
            y, z = task[1], task[2]
            if x == TRUE or y == z:
                out.append(y)
                continue
            if x == FALSE:
                out.append(z)
                continue
            if y == x:
                y = TRUE
            if z == x:
                z = FALSE
            if y == TRUE:
                out.append(x if z == FALSE else apply(_OR, x, z))
                continue
            if z == FALSE:
                out.append(apply(_AND, x, y))
                continue
            key = (x, y, z)
            found = memo.get(key)
            if found is not None:
                out.append(found)
                continue
            steps += 1
            if steps >= _CHECK_EVERY:
                steps = 0
                self._checkpoint()
            v = min(var[x], var[y], var[z])
            x0, x1 = (lo[x], hi[x]) if var[x] == v else (x, x)
            y0, y1 = (lo[y], hi[y]) if var[y] == v else (y, y)
            z0, z1 = (lo[z], hi[z]) if var[z] == v else (z, z)
            todo.append((-1 - v, key))
            todo.append((x1, y1, z1))
            todo.append((x0, y0, z0))
        self._steps = steps
        return out[0]

    def _combine(self, op: int, functions: Sequence[int]) -> int:
        """AND or OR of several functions: ordered by their top variable, then
        combined in a balanced tree of pairs (neighbours in the order hold nearby
        variables, so each pair's diagram stays small)."""
        zero, one = (FALSE, TRUE) if op == _AND else (TRUE, FALSE)
        layer = sorted({f for f in functions if f != one}, key=self.var.__getitem__)
        if zero in layer:
            return zero
        if not layer:
            return one
        while len(layer) > 1:
            paired = [self._apply(op, a, b) for a, b in zip(layer[::2], layer[1::2],
                                                              strict=False)]
            if len(layer) % 2:
                paired.append(layer[-1])
            layer = paired
        return layer[0]

    def disjoin(self, functions: Sequence[int]) -> int:
        """OR of several functions."""
        return self._combine(_OR, functions)

    def conjoin(self, functions: Sequence[int]) -> int:
        """AND of several functions."""
        return self._combine(_AND, functions)

    def at_least(self, k: int, functions: Sequence[int]) -> int:
        """True when at least ``k`` of ``functions`` are (threshold; OR when ``k`` is 1,
        AND when it is their number). A function listed twice counts twice.

        Built directly, level by level, from the member whose top variable is
        last up to the first: ``T[i][t] = ite(f_i, T[i+1][t-1], T[i+1][t])``
        ("at least ``t`` of members ``i..n``"), only the ``t`` that can still
        matter kept. Members that are single variables (a quorum of replicas)
        make each step one node: ``O(k·n)`` nodes and time, the size of the
        threshold function's diagram. Other members cost a copy of their own
        diagram per step when their variables come before the rest's (the
        variable order puts a member's support together), and a general ITE
        otherwise: exact in every case.
        """
        members = []
        for f in functions:
            if f == TRUE:
                k -= 1
            elif f != FALSE:
                members.append(f)
        n = len(members)
        if k <= 0:
            return TRUE
        if k > n:
            return FALSE
        var = self.var
        members.sort(key=var.__getitem__)
        ite = self.ite
        # table[t]: at least t of the members taken so far (the last ones), t = 0..k
        table = [TRUE] + [FALSE] * k
        for taken, f in enumerate(reversed(members), 1):
            self._checkpoint()
            # after this step, members still to take: n - taken; only t >= k - that
            # can still reach k
            low = max(1, k - (n - taken))
            for t in range(min(k, taken), low - 1, -1):
                table[t] = ite(f, table[t - 1], table[t])
        return table[k]

    def nodes_of(self, f: int) -> list[int]:
        """The internal nodes reachable from ``f``, children before parents.

        A node is made after its children (:meth:`node` appends), so a child's
        number is below its parent's: the reachable nodes in increasing order are
        children first, with no second visit per node to put them in order.

        >>> b = Bdd()
        >>> f = b.apply_and(b.var_node(0), b.apply_or(b.var_node(1), b.var_node(2)))
        >>> [b.var[x] for x in b.nodes_of(f)], b.nodes_of(TRUE)
        ([2, 1, 0], [])
        """
        if f <= TRUE:
            return []
        lo, hi = self.lo, self.hi
        seen = {f}
        add = seen.add
        todo = [f]
        pop, push = todo.pop, todo.append
        while todo:
            x = pop()
            a = lo[x]
            if a > TRUE and a not in seen:
                add(a)
                push(a)
            a = hi[x]
            if a > TRUE and a not in seen:
                add(a)
                push(a)
        return sorted(seen)

    def export(self, f: int, shift: int = 0) -> tuple[int, ...]:
        """``f`` as a flat tuple ``(var - shift, lo, hi, ...)`` per internal node,
        children first, a child named by its place (``0``/``1``: the terminals,
        ``2 + k``: the ``k``-th node listed), for :meth:`load` into a manager
        whose order puts the same variables, shifted, in the same relative order.

        >>> b = Bdd()
        >>> f = b.apply_or(b.var_node(3), b.var_node(5))
        >>> c = Bdd()
        >>> g = c.load(b.export(f, 3), 10)
        >>> [(c.var[x], c.lo[x], c.hi[x]) for x in c.nodes_of(g)]
        [(12, 0, 1), (10, 2, 1)]
        """
        var, lo, hi = self.var, self.lo, self.hi
        place = {FALSE: 0, TRUE: 1}
        out: list[int] = []
        for x in self.nodes_of(f):
            place[x] = len(place)
            out += (var[x] - shift, place[lo[x]], place[hi[x]])
        return tuple(out) if out else (place[f],)

    def load(self, flat: Sequence[int], shift: int = 0,
             forced_false: Sequence[int] | None = None) -> int:
        """The function :meth:`export` wrote, with ``shift`` added to its variables
        (the same diagram: linear, no operation on functions). With
        ``forced_false``, variable ``v`` is set to false where ``forced_false[v]``
        (the function restricted, in the same pass).

        >>> b = Bdd()
        >>> flat = b.export(b.apply_or(b.var_node(0), b.var_node(1)))
        >>> c = Bdd()
        >>> g = c.load(flat, 5, forced_false=[0] * 5 + [1, 0])
        >>> [(c.var[x], c.lo[x], c.hi[x]) for x in c.nodes_of(g)]
        [(6, 0, 1)]
        """
        if len(flat) == 1:
            return flat[0]
        if forced_false is None:  # nothing forced
            forced_false = bytes(max(flat[::3]) + shift + 1)
        made = [FALSE, TRUE]
        node = self.node
        for k in range(0, len(flat), 3):
            v = flat[k] + shift
            made.append(made[flat[k + 1]] if forced_false[v]
                        else node(v, made[flat[k + 1]], made[flat[k + 2]]))
        return made[-1]

    def probability(self, f: int, q: Sequence[float], *, false: bool = False) -> float:
        """Probability that ``f`` is true when variable ``v`` is true with probability
        ``q[v]``, all independent; with ``false``, that ``f`` is false, summed over
        the paths to FALSE (``1 -`` the first cancels when ``f`` is almost surely true).

        >>> b = Bdd()
        >>> f = b.apply_or(b.var_node(0), b.var_node(1))
        >>> b.probability(f, [0.5, 0.5]), b.probability(f, [0.5, 0.5], false=True)
        (0.75, 0.25)
        """
        return self._probabilities(self.nodes_of(f), q, FALSE if false else TRUE)[f]

    def _probabilities(self, order: Sequence[int], q: Sequence[float],
                       terminal: int = TRUE) -> list[float]:
        """Per node of the manager, the probability that it reaches ``terminal``
        (that it is true, by default), filled in for the terminals and the nodes of
        ``order`` (children first); a list over the whole manager, since indexing
        beats a dict's get in the passes that read it."""
        var, lo, hi = self.var, self.lo, self.hi
        p = [0.0] * len(var)
        p[terminal] = 1.0
        for x in order:
            qv = q[var[x]]
            p[x] = qv * p[hi[x]] + (1.0 - qv) * p[lo[x]]
        return p

    def sensitivity(self, f: int, q: Sequence[float], variables: Sequence[int]) -> Sensitivity:
        """``P(f)`` and, for each of ``variables``, ``P(f | v true)`` and ``P(f | v false)``.

        Linear in the size of ``f``: one bottom-up pass for the probability of every
        node, one top-down pass for the probability of reaching it. A path to TRUE
        either meets a node of ``v`` (then it takes its ``hi`` or ``lo`` branch) or
        skips ``v``'s level, in which case it counts for both conditional
        probabilities. Whether any path skips a level is counted exactly, so a
        conditional probability that is exactly 0 comes out as 0.
        """
        var, lo, hi = self.var, self.lo, self.hi
        order = self.nodes_of(f)
        p = self._probabilities(order, q)
        total = p[f]
        count = len(variables)
        # wanted variables in order: rank r is the r-th smallest
        ranks = sorted(range(count), key=lambda i: variables[i])
        sorted_vars = [variables[i] for i in ranks]
        levels = max((var[x] for x in order), default=-1) + 1
        # per variable (lists, not calls: the loop below runs once per node)
        rank = [-1] * levels  # its rank if wanted
        for r, v in enumerate(sorted_vars):
            if v < levels:
                rank[v] = r
        before = [bisect_left(sorted_vars, v) for v in range(levels)]  # wanted ones below

        top = [0.0] * len(var)  # the terminals' entries gather what nobody reads
        top[f] = 1.0
        through_hi = [0.0] * count
        through_lo = [0.0] * count
        through = [0.0] * count
        skips = [0] * (count + 1)  # difference array over ranks: edges skipping a level
        # An edge that leaves a node before rank ``after`` and reaches ``child`` skips
        # every wanted level in [after, rank of child); only edges on a path of
        # positive probability to TRUE count.
        if total > 0.0:
            end = before[var[f]] if f > TRUE else count
            if end > 0:
                skips[0] += 1
                skips[end] -= 1
        for x in reversed(order):  # parents before children
            t = top[x]
            v = var[x]
            qv = q[v]
            a, b = lo[x], hi[x]
            pa, pb = p[a], p[b]
            ta = t * (1.0 - qv)  # reaches lo
            tb = t * qv  # reaches hi
            r = rank[v]
            if r >= 0:
                through_hi[r] += t * pb
                through_lo[r] += t * pa
                through[r] += t * p[x]
                after = r + 1
            else:
                after = before[v]
            top[a] += ta
            top[b] += tb
            # the two edges written out: a loop over the pair was a third of this
            # pass on baobab1 (8 of 29 ms)
            end = before[var[a]] if a > TRUE else count
            if end > after and ta * pa > 0.0:
                skips[after] += 1
                skips[end] -= 1
            end = before[var[b]] if b > TRUE else count
            if end > after and tb * pb > 0.0:
                skips[after] += 1
                skips[end] -= 1
        u1 = [0.0] * count
        u0 = [0.0] * count
        mif = [0.0] * count
        running = 0
        for r in range(count):
            running += skips[r]
            skip = max(0.0, total - through[r]) if running else 0.0
            i = ranks[r]
            u1[i] = skip + through_hi[r]
            u0[i] = skip + through_lo[r]
            mif[i] = through_hi[r] - through_lo[r]
        return Sensitivity(total, tuple(u1), tuple(u0), tuple(mif))


class Sensitivity:
    """``P(f)`` and, per variable asked for, ``P(f | v)``, ``P(f | not v)`` and their
    difference (Birnbaum's marginal importance, computed without cancellation)."""

    __slots__ = ("probability", "given_true", "given_false", "marginal")

    def __init__(self, probability: float, given_true: tuple[float, ...],
                 given_false: tuple[float, ...], marginal: tuple[float, ...]):
        self.probability = probability
        self.given_true = given_true
        self.given_false = given_false
        self.marginal = marginal


def structure_functions(b: Bdd, model, own: Sequence[int], *,
                        progress: Callable[[int, int], None] | None = None,
                        check: Callable[[], None] | None = None,
                        flows: bool = True) -> list:
    """The BDD of "node is DOWN" (a flow: BROKEN) for every node of a
    :class:`~pruner.analysis.hard.HardModel`, spec §4 as a boolean function.

    ``own[i]`` is the function "service ``i`` is itself down" (a variable, or
    FALSE for a service that cannot fail by itself, TRUE for one down for sure).
    A node is DOWN when it is itself down or one of its hard items fails; an item
    fails once ``fails`` of its members are DOWN (:meth:`Bdd.at_least`). Cycles are
    solved at their least fixpoint (:func:`~pruner.analysis.hard.least_fixpoint`).
    If a budget runs out (the caller's ``check``, the manager's node cap), the
    error propagates and the nodes not reached are ``None`` in the list the
    error's ``partial`` carries. Without ``flows``, the flows are left ``None``
    (build each with :func:`flow_function`, then release it).
    """
    from pruner.analysis.hard import least_fixpoint

    n = model.n
    items = model.items
    func: list = [None] * len(items)
    at_least, disjoin = b.at_least, b.disjoin

    def compute(v: int) -> int | None:
        if v >= n and not flows:
            return None
        parts = [own[v]] if v < n else []
        for fails, members in items[v]:
            if len(members) == 1 and fails == 1:  # a plain dependency: its member
                parts.append(func[members[0]])
            else:
                parts.append(at_least(fails, [func[m] for m in members]))
        return parts[0] if len(parts) == 1 else disjoin(parts)

    try:
        least_fixpoint(model, func, compute, FALSE, disjoin, check=check, progress=progress)
    except BudgetExhausted as exc:
        exc.partial = func
        raise
    return func


def flow_function(b: Bdd, model, func: Sequence[int], flow: int) -> int:
    """The BDD of "flow number ``flow`` of the model is BROKEN", from the services'
    functions ``func`` (:func:`structure_functions`)."""
    parts = [b.at_least(fails, [func[m] for m in members])
             for fails, members in model.items[model.n + flow]]
    return parts[0] if len(parts) == 1 else b.disjoin(parts)
