"""Wall time of the routine engine alone: one day, and a 62-day range, for a 15-product shelf.

Standalone: `.venv/bin/python bench/engine.py [--json]`. The shelf is the one bench/routine_http.py
serves (cleanser, BPO wash, essence, exosome serum, vitamin C, niacinamide, tretinoin, BHA,
lactic acid, copper peptide, peptide cream, barrier moisturiser, eye cream, oil, mineral SPF) for
a beginner a month into the retinoid ramp, with a few logged nights and one dermatologist
override. Figures:
- day_warm: build_day in steady state (a server plans the same catalogue products again and
  again, so product classification is memoised; app/scheduling/classify.py);
- day_cold: build_day with the classification memo cleared before each call;
- range_62: build_days over 62 days (the API's maximum), warm;
- day_warm_procedure / range_62_procedure: the same with two procedures in range (a medium
  peel on day 10, so that day 0 is in its pause, and microneedling on day 40: PP1, PP5).
Target: one day under 1 ms. `engine_figures()` returns the figures as a dict, for reports that
combine them with other benchmarks.

With `--http` it also serves the app and measures GET /v1/me/routine against a bare Starlette
JSON endpoint (bench/routine_http.py; target: at least 0.5x the bare endpoint's requests/s).
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.scheduling import (  # noqa: E402
    Active,
    ActiveClass,
    Category,
    ExosomeSource,
    FilterType,
    Irritation,
    LogEntry,
    Override,
    OverrideAction,
    PatchTest,
    PeelDepth,
    Procedure,
    ProcedureKind,
    Product,
    Profile,
    ShelfItem,
    Slot,
    build_day,
    build_days,
)
from app.scheduling.classify import classify  # noqa: E402

A, C = ActiveClass, Category
ON = date(2025, 3, 3)
TARGET_MS = 1.0


def _product(n: int, name: str, category: Category, *actives: Active, **fields: Any) -> Product:
    return Product(
        id=UUID(int=n),
        name=name,
        category=category,
        inci=("aqua", "glycerin", *fields.pop("inci", ())),
        actives=actives,
        **fields,
    )


PRODUCTS = [
    _product(1, "Gentle Hydrating Cream Cleanser", C.cleanser, inci=("ceramide np",)),
    _product(
        2,
        "Benzoyl Peroxide 4% Acne Wash",
        C.cleanser,
        Active(A.benzoyl_peroxide, "benzoyl peroxide", 4),
    ),
    _product(
        3, "Hydrating First Essence", C.essence, Active(A.hyaluronic_acid, "sodium hyaluronate")
    ),
    _product(
        4,
        "Human MSC Exosome Recovery Serum",
        C.exosome_serum,
        Active(A.exosome, "exosomes"),
        exosome_source=ExosomeSource.human_msc,
        gmp_certified=True,
    ),
    _product(
        5,
        "Vitamin C 15% L-Ascorbic Acid Serum",
        C.serum,
        Active(A.vitamin_c, "ascorbic acid", 15),
        ph=3.2,
    ),
    _product(6, "Niacinamide 10% + Zinc Serum", C.serum, Active(A.niacinamide, "niacinamide", 10)),
    _product(7, "Tretinoin 0.025% Cream", C.treatment, Active(A.retinoid, "tretinoin", 0.025)),
    _product(8, "BHA 2% Exfoliating Liquid", C.exfoliant, Active(A.bha, "salicylic acid", 2)),
    _product(9, "Lactic Acid 10% Serum", C.serum, Active(A.aha, "lactic acid", 10)),
    _product(
        10, "Copper Peptide 1% Serum", C.serum, Active(A.copper_peptide, "copper tripeptide-1", 1)
    ),
    _product(
        11,
        "Peptide Firming Night Cream",
        C.moisturiser,
        Active(A.peptide, "palmitoyl tripeptide-1"),
    ),
    _product(
        12,
        "Niacinamide + Panthenol Barrier Moisturiser",
        C.moisturiser,
        Active(A.niacinamide, "niacinamide", 4),
        Active(A.panthenol, "panthenol", 1),
    ),
    _product(
        13, "Caffeine Peptide Eye Cream", C.eye_cream, Active(A.peptide, "acetyl tetrapeptide-5")
    ),
    _product(14, "Pure Squalane Facial Oil", C.oil, inci=("squalane",)),
    _product(15, "Mineral Sunscreen SPF 50", C.sunscreen, spf=50, filter_type=FilterType.mineral),
]
SHELF = [
    ShelfItem(
        id=UUID(int=100 + p.id.int),
        product=p,
        added_on=ON - timedelta(days=30),
        batch="B-2025-01",
        expires_on=ON + timedelta(days=300),
        opened_on=ON - timedelta(days=30),
        pao_months=12,
        patch_test=PatchTest.passed,
        introduced_on=ON - timedelta(days=30),  # an established shelf (onboarding.py)
    )
    for p in PRODUCTS
]
PROFILE = Profile(conditions=frozenset({"acne"}), concerns=frozenset({"texture", "aging"}))
HISTORY = [
    LogEntry(ON - timedelta(days=9), Slot.pm, done=False),
    LogEntry(ON - timedelta(days=5), Slot.pm, done=True, irritation=Irritation.mild),
    LogEntry(ON - timedelta(days=2), Slot.am, done=True),
]
OVERRIDES = [
    Override(
        id=UUID(int=900),
        action=OverrideAction.set_wait,
        reason="let the niacinamide settle",
        starts_on=ON - timedelta(days=10),
        author_id=UUID(int=42),
        author="Dr Lee",
        product_id=PRODUCTS[5].id,
        wait_after_seconds=60,
    )
]


PROCEDURES = (
    Procedure(
        UUID(int=900), ProcedureKind.chemical_peel, ON + timedelta(days=10), PeelDepth.medium
    ),
    Procedure(UUID(int=901), ProcedureKind.microneedling, ON + timedelta(days=40)),
)


def _timed(run: Callable[[], object], iterations: int, before: Callable[[], object]) -> list[int]:
    samples = []
    for _ in range(iterations):
        before()
        start = time.perf_counter_ns()
        run()
        samples.append(time.perf_counter_ns() - start)
    return samples


def _summary(samples: list[int]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median_ms": statistics.median(ordered) / 1e6,
        "p99_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] / 1e6,
        "iterations": len(ordered),
    }


def engine_figures(*, day_iterations: int = 3000, range_iterations: int = 200) -> dict[str, Any]:
    def one_day() -> object:
        return build_day(PROFILE, SHELF, OVERRIDES, ON, HISTORY)

    def range_62() -> object:
        return build_days(PROFILE, SHELF, OVERRIDES, ON, ON + timedelta(days=61), HISTORY)

    def one_day_procedure() -> object:
        return build_day(PROFILE, SHELF, OVERRIDES, ON, HISTORY, procedures=PROCEDURES)

    def range_62_procedure() -> object:
        end = ON + timedelta(days=61)
        return build_days(PROFILE, SHELF, OVERRIDES, ON, end, HISTORY, procedures=PROCEDURES)

    def nothing() -> None:
        return None

    for _ in range(50):  # warm up imports, memo and allocator
        one_day()
    gc.collect()
    warm = _summary(_timed(one_day, day_iterations, nothing))
    cold = _summary(_timed(one_day, day_iterations, classify.cache_clear))
    for _ in range(5):
        range_62()
    span = _summary(_timed(range_62, range_iterations, nothing))
    span["per_day_ms"] = span["median_ms"] / 62
    for _ in range(50):
        one_day_procedure()
    warm_procedure = _summary(_timed(one_day_procedure, day_iterations, nothing))
    span_procedure = _summary(_timed(range_62_procedure, range_iterations, nothing))
    return {
        "shelf_products": len(SHELF),
        "day_warm": warm,
        "day_cold": cold,
        "range_62": span,
        "day_warm_procedure": warm_procedure,
        "range_62_procedure": span_procedure,
        "target_day_ms": TARGET_MS,
        "target_met": warm["median_ms"] < TARGET_MS and cold["median_ms"] < TARGET_MS,
        "python": sys.version.split()[0],
    }


def _table(figures: dict[str, Any]) -> str:
    rows = [
        ("one day, warm", figures["day_warm"]),
        ("one day, cold classification", figures["day_cold"]),
        ("62-day range", figures["range_62"]),
        ("one day, warm, in a procedure pause", figures["day_warm_procedure"]),
        ("62-day range with two procedures", figures["range_62_procedure"]),
    ]
    lines = [f"engine, {figures['shelf_products']}-product shelf           median       p99"]
    for label, found in rows:
        lines.append(f"{label:<42}{found['median_ms']:>7.3f} ms{found['p99_ms']:>9.3f} ms")
    lines.append(f"62-day range per day{figures['range_62']['per_day_ms']:>21.3f} ms")
    verdict = "met" if figures["target_met"] else "MISSED"
    lines.append(f"target: one day under {figures['target_day_ms']:g} ms: {verdict}")
    for key in ("http", "http_postgres"):
        if key not in figures:
            continue
        http = figures[key]
        lines.append(
            f"GET /v1/me/routine on {http['database']}: {http['routine_rps']} req/s "
            f"(304: {http['routine_304_rps']}), bare Starlette {http['bare_rps']} req/s: "
            f"ratio {http['routine_ratio']:.3f} (304: {http['routine_304_ratio']:.3f}); target 0.5"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--http", action="store_true", help="also the routine endpoint (wrk)")
    args = parser.parse_args()
    figures = engine_figures()
    if args.http:
        from bench.routine_http import http_figures

        figures["http"] = http_figures()
        figures["http_postgres"] = http_figures(postgres=True)
    print(json.dumps(figures, indent=2) if args.json else _table(figures))


if __name__ == "__main__":
    main()
