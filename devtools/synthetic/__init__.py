"""A deterministic synthetic data set at demo, trust or national scale (issue 9).

``generate(scale=..., seed=...)`` builds it on the real school census (see ``register``),
writes it in chunks with COPY (see ``writer``) and then checks every ledger invariant
(see ``checks``). The same seed and ``as_of`` date give the same rows; ``dry_run`` builds
them without writing and returns a digest of every row, which is how determinism is tested.
"""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.db import connection, transaction

from core.tenancy import in_platform_context
from devtools.synthetic.columns import COLUMNS, FLUSH_ORDER
from devtools.synthetic.plan import BodyPlan, Context, Rows, periods_before
from devtools.synthetic.register import BodySpec, SchoolSpec, build_bodies, read_census
from devtools.synthetic.schools import upsert_schools
from devtools.synthetic.writer import IdAllocator, copy_rows
from pooling.models import Leg


@dataclass(frozen=True)
class Scale:
    name: str
    la_codes: tuple[str, ...] | None  # None: every LA in England
    cases: int


SCALES = {
    "demo": Scale("demo", ("202",), 300),
    "trust": Scale("trust", ("330",), 6_000),
    "national": Scale("national", None, 250_000),
}
FLUSH_AT_LEGS = 250_000


@dataclass
class Result:
    scale: str
    seed: int
    bodies: int
    schools: int
    counts: dict[str, int]
    digest: str
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)


def _select(scale: Scale, seed: int) -> tuple[list[SchoolSpec], list[BodySpec]]:
    schools = read_census()
    if scale.la_codes is not None:
        schools = [s for s in schools if s.la_code in scale.la_codes]
    return schools, build_bodies(schools, random.Random(seed))  # noqa: S311 (synthetic data, not secrets)


def _flush(rows: Rows, digest: hashlib._Hash, timings: dict[str, float], *, dry_run: bool) -> None:
    for model in FLUSH_ORDER:
        batch = rows.by_model.get(model)
        if not batch:
            continue
        for row in batch:
            digest.update(repr(row).encode())
        if not dry_run:
            started = time.monotonic()
            copy_rows(model, COLUMNS[model], batch)
            timings[f"write {model.__name__}"] = timings.get(f"write {model.__name__}", 0) + time.monotonic() - started
        batch.clear()
    if not dry_run:
        started = time.monotonic()
        with connection.cursor() as cursor:
            # Fire the deferred ledger checks now (balanced transactions), chunk by chunk.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        timings["deferred checks"] = timings.get("deferred checks", 0) + time.monotonic() - started


def largest_body(bodies: list[BodySpec], weights: list[int]) -> int:
    """The index of the local authority with the most SEN weight (the first of equals)."""
    las = [n for n, body in enumerate(bodies) if body.kind == "local_authority"] or list(range(len(bodies)))
    return max(las, key=lambda n: (weights[n], -n))


def prepare_schools(*, scale: str, seed: int) -> int:
    """Put the scale's schools in the register first (parallel writers then only read them)."""
    schools, _ = _select(SCALES[scale], seed)
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('app.platform', 'on', false)")
    try:
        with transaction.atomic():
            return len(upsert_schools(schools))
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('app.platform', '', false)")


def generate(
    *,
    scale: str,
    seed: int,
    as_of: date,
    dry_run: bool = False,
    part: tuple[int, int] = (0, 1),
    progress: Callable[[str], None] | None = None,
    largest_body_cases: int | None = None,
    largest_body_only: bool = False,
) -> Result:
    """Generate the data set. Outside a dry run it must be called with an empty pooling
    schema for these bodies (slugs and URN-based rows are unique). ``part=(k, n)`` makes
    only every n-th body from the k-th (parallel writers; each body's rows are the same
    whichever part makes them, only the ids differ).

    ``largest_body_cases`` gives the largest local authority (by SEN weight: ``la-850`` in
    the national set) that many cases over its periods instead of its share of the scale's;
    ``largest_body_only`` writes that body alone (the other bodies' random streams are
    still drawn, so its rows are the same as in the full set)."""
    started = time.monotonic()
    say = progress or (lambda _message: None)
    spec = SCALES[scale]
    rng = random.Random(seed)  # noqa: S311
    schools, bodies = _select(spec, seed)
    periods = periods_before(as_of)
    platform_set_here = False
    if not dry_run and not in_platform_context():
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('app.platform', 'on', false)")
        platform_set_here = True
    timings: dict[str, float] = {}
    try:
        if dry_run:
            school_ids = {s.urn: n + 1 for n, s in enumerate(schools)}
        else:
            with transaction.atomic():
                school_ids = upsert_schools(schools)
        timings["schools"] = time.monotonic() - started
        say(f"{len(schools)} schools, {len(bodies)} bodies")
        weights = [sum(s.ehc_plans * 3 + s.sen_support for s in b.schools if s.eligible) for b in bodies]
        total_weight = max(sum(weights), 1)
        rows = Rows()
        ctx = Context(rows, IdAllocator(dry_run=dry_run), school_ids, as_of, periods, [0])
        digest = hashlib.sha256()
        largest = largest_body(bodies, weights)
        chosen = set(mine := [n for n in range(len(bodies)) if n % part[1] == part[0]])
        if largest_body_only:
            chosen &= {largest}
            mine = sorted(chosen)
        for n, (body, weight) in enumerate(zip(bodies, weights, strict=True)):
            body_seed = rng.getrandbits(64)
            if n not in chosen:
                continue
            cases = round(spec.cases * weight / total_weight)
            if largest_body_cases is not None and n == largest:
                cases = largest_body_cases
            ctx.pupil_counter[0] = (seed % 1000) * 10**9 + n * 100_000  # unique references per body
            BodyPlan(ctx, body, cases, random.Random(body_seed)).generate()  # noqa: S311
            if rows.pending(Leg) >= FLUSH_AT_LEGS or n == mine[-1]:
                if dry_run:
                    _flush(rows, digest, timings, dry_run=True)
                else:
                    with transaction.atomic():
                        _flush(rows, digest, timings, dry_run=False)
                legs = rows.counts.get("Leg", 0)
                say(f"{n + 1}/{len(bodies)} bodies, {legs:,} legs, {time.monotonic() - started:.0f} s")
        timings["generate_and_write"] = time.monotonic() - started - timings["schools"]
    finally:
        if platform_set_here:
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('app.platform', '', false)")
    return Result(
        scale=scale,
        seed=seed,
        bodies=len(mine),
        schools=len(schools),
        counts=dict(rows.counts),
        digest=digest.hexdigest(),
        seconds=time.monotonic() - started,
        timings=timings,
    )
