"""ZBDD operations against plain Python sets of frozensets."""

from itertools import combinations, product

from hypothesis import given, settings
from hypothesis import strategies as st

from pruner.analysis.bdd import FALSE, TRUE, Bdd
from pruner.analysis.zbdd import Zbdd
from tests.analysis.strategies import zbdd_family

families = st.sets(st.frozensets(st.integers(0, 6), max_size=4), max_size=8)


def minimal(family):
    return {s for s in family if not any(t < s for t in family)}



def read(z, node):
    return {frozenset(s) for s in z.sets(node)}


@settings(max_examples=300, deadline=None)
@given(families, families, st.integers(0, 5))
def test_operations_equal_set_algebra(a, b, k):
    z = Zbdd()
    na, nb = zbdd_family(z, a), zbdd_family(z, b)
    assert read(z, na) == a and z.count(na) == len(a)
    assert read(z, z.union(na, nb)) == a | b
    assert read(z, z.minimal(na)) == minimal(a)
    ma, mb = minimal(a), minimal(b)
    za, zb = z.minimal(na), z.minimal(nb)
    assert read(z, z.without(na, zb)) == {s for s in a if not any(t <= s for t in mb)}
    assert read(z, z.truncate(za, k)) == {s for s in ma if len(s) <= k}
    product = minimal({x | y for x in ma for y in mb if len(x | y) <= k})
    assert read(z, z.product(za, zb, k)) == product
    ta, tb = z.truncate(za, k), z.truncate(zb, k)
    assert read(z, z.product(ta, tb, k)) == product
    assert read(z, z.product(za, za, k)) == {s for s in ma if len(s) <= k}
    assert read(z, z.disjoin([za, zb])) == minimal(ma | mb)


@settings(max_examples=150, deadline=None)
@given(st.lists(families, min_size=1, max_size=4), st.data(), st.integers(1, 5))
def test_at_least_equals_set_algebra(fams, data, k):
    z = Zbdd()
    mins = [{s for s in minimal(f) if len(s) <= k} for f in fams]
    nodes = [z.truncate(z.minimal(zbdd_family(z, f)), k) for f in fams]
    j = data.draw(st.integers(1, len(fams)))
    expected = set()
    for chosen in combinations(range(len(fams)), j):
        partial = {frozenset()}
        for i in chosen:
            partial = {x | y for x in partial for y in mins[i] if len(x | y) <= k}
        expected |= partial
    assert read(z, z.at_least(j, nodes, k)) == minimal(expected)


def test_equal_families_are_one_node():
    z = Zbdd()
    a = z.union(z.single(2), z.product(z.single(0), z.single(1), 2))
    b = z.union(z.product(z.single(1), z.single(0), 2), z.single(2))
    assert a == b and len(z) == 7  # 2 terminals, 3 singles, {0,1}, the union


def test_wide_families_do_not_recurse():
    z = Zbdd()
    wide = z.disjoin(z.single(v) for v in range(50_000))
    pairs = z.product(wide, z.disjoin([z.single(50_001), z.single(50_002)]), 2)
    assert z.count(wide) == 50_000 and z.count(pairs) == 100_000
    assert next(iter(z.sets(pairs))) == (0, 50_001)


# a monotone function of 6 variables: an OR of ANDs of variables (no negation)
monotone = st.lists(st.frozensets(st.integers(0, 6), max_size=4), max_size=6)


def monotone_bdd(b, terms):
    f = FALSE
    for term in terms:
        conj = TRUE
        for v in term:
            conj = b.apply_and(conj, b.var_node(v))
        f = b.apply_or(f, conj)
    return f


def holds(terms, s):
    return any(term <= s for term in terms)


@settings(max_examples=150, deadline=None)
@given(families, monotone, monotone, st.integers(0, 7))
def test_where_false_and_minimal_solutions_equal_set_algebra(a, terms, other, k):
    b, z = Bdd(), Zbdd()
    g = monotone_bdd(b, terms)
    p = zbdd_family(z, a)
    assert read(z, z.where_false(p, b, g)) == {s for s in a if not holds(terms, s)}
    universe = [frozenset(v for v, on in enumerate(bits) if on)
                for bits in product((0, 1), repeat=7)]
    for f_terms in (terms, other, terms + other):
        f = monotone_bdd(b, f_terms)
        solutions = {s for s in universe if holds(f_terms, s)}
        expected = {s for s in minimal(solutions) if len(s) <= k}
        assert read(z, z.minimal_solutions(b, f, k)) == expected
