"""`triageline classify` (JSONL in, JSONL out) and `triageline eval` (metrics on a labelled set)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TextIO

import typer

if TYPE_CHECKING:
    from collections.abc import Mapping

    from triageline.domain.triage.engine import TriageEngine
    from triageline.domain.triage.evaluation import Metrics

DEFAULT_EVAL_FILE = Path("tests/data/triage_eval.jsonl")


def _engine(practice: Path | None) -> TriageEngine:
    """The engine for a practice file, or the default packs."""
    from triageline.adapters.protocols import build_engine

    if practice is None:
        return build_engine(cache_dir=_cache_dir())
    from triageline.adapters.config.loader import ConfigError, load_practice
    from triageline.domain.triage.pack import PracticeProtocols

    try:
        loaded = load_practice(practice)
    except ConfigError as exc:
        for issue in exc.issues:
            typer.echo(str(issue), err=True)
        raise typer.Exit(2) from None
    section = loaded.triage
    return build_engine(section if isinstance(section, PracticeProtocols) else None)


def _cache_dir() -> Path | None:
    """`$TRIAGELINE_HOME/var/cache` for the compiled-pack cache; None when turned off."""
    import os

    if os.environ.get("TRIAGELINE_PACK_CACHE", "").lower() in {"0", "off", "no", "false"}:
        return None
    return Path(os.environ.get("TRIAGELINE_HOME") or Path.cwd()) / "var" / "cache"


def classify_lines(engine: TriageEngine, lines: TextIO, out: TextIO) -> int:
    """Classify JSONL requests line by line, in order; returns the number of error lines."""
    from triageline.domain.triage.types import Language

    errors = 0
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        ident: object = None
        try:
            request = json.loads(raw)
            if not isinstance(request, dict):
                raise ValueError("expected a JSON object")
            ident = request.get("id")
            text = request.get("text")
            if not isinstance(text, str):
                raise ValueError("field 'text' must be a string")
            lang_raw = request.get("lang")
            lang = None if lang_raw in (None, "") else Language(str(lang_raw))
            result = engine.classify(text, lang=lang)
            record: dict[str, object] = {
                "id": ident,
                "triage": result.triage.value,
                "intent": result.intent.value,
                "lang": result.lang.value,
                "rules": [hit.rule_id for hit in result.rules],
                "evidence": list(result.evidence),
            }
        except (ValueError, TypeError) as exc:
            errors += 1
            reason = str(exc) if not isinstance(exc, json.JSONDecodeError) else "invalid JSON"
            record = {"id": ident, "error": reason, "line": number}
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
    out.flush()
    return errors


def classify(
    practice: Annotated[
        Path | None, typer.Option("--practice", help="Practice configuration (YAML).")
    ] = None,
) -> None:
    """Read {"id","text"[,"lang"]} JSONL on stdin; write one verdict per line, in order."""
    engine = _engine(practice)
    try:
        stdin = sys.stdin
        classify_lines(engine, stdin, sys.stdout)
    except (OSError, UnicodeDecodeError) as exc:
        typer.echo(f"cannot read stdin: {exc}", err=True)
        raise typer.Exit(1) from None


def evaluate(
    file: Annotated[Path, typer.Argument(help="Labelled JSONL set.")] = DEFAULT_EVAL_FILE,
    as_json: Annotated[bool, typer.Option("--json", help="Print metrics as JSON.")] = False,
    practice: Annotated[
        Path | None, typer.Option("--practice", help="Practice configuration (YAML).")
    ] = None,
    misses: Annotated[bool, typer.Option("--misses", help="List mislabelled lines.")] = False,
) -> None:
    """Triage/intent/language metrics per language and overall, with the confusion matrix."""
    from triageline.domain.triage.evaluation import Outcome, measure_by_language
    from triageline.domain.triage.types import Intent, Language, TriageLevel

    engine = _engine(practice)
    outcomes: list[Outcome] = []
    wrong: list[str] = []
    try:
        lines = file.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        typer.echo(f"{file}: cannot read: {exc.strerror}", err=True)
        raise typer.Exit(2) from None
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            item = json.loads(raw)
            outcome_lang = Language(item["lang"])
            result = engine.classify(item["text"])
            outcome = Outcome(
                id=str(item["id"]),
                lang=outcome_lang,
                triage=TriageLevel(item["triage"]),
                intent=Intent(item["intent"]),
                predicted_lang=result.lang,
                predicted_triage=result.triage,
                predicted_intent=result.intent,
            )
        except (ValueError, KeyError, TypeError) as exc:
            typer.echo(f"{file}:{number}: skipped: {exc}", err=True)
            continue
        outcomes.append(outcome)
        if (
            outcome.triage is not outcome.predicted_triage
            or outcome.intent is not outcome.predicted_intent
        ):
            rules = [h.rule_id for h in result.rules]
            wrong.append(
                f"{outcome.id}\t{outcome.triage}/{outcome.intent}\t->\t"
                f"{result.triage}/{result.intent}\t{rules}\t{item['text']}"
            )
    metrics = measure_by_language(outcomes)
    if as_json:
        typer.echo(json.dumps({k: m.as_dict() for k, m in metrics.items()}, ensure_ascii=False))
    else:
        _print_tables(metrics)
    if misses:
        for line in wrong:
            typer.echo(line)


def _print_tables(metrics: Mapping[str, Metrics]) -> None:
    """Rich tables: one row of metrics per language, then a confusion matrix per language."""
    from rich.console import Console
    from rich.table import Table

    from triageline.domain.triage.evaluation import LEVELS

    console = Console()
    table = Table(title="Triage evaluation")
    columns = (
        ("lines", "count"),
        ("triage acc", "triage_accuracy"),
        ("emerg recall", "emergency_recall"),
        ("urg+emerg recall", "urgent_or_emergency_recall"),
        ("under-triage", "under_triage_rate"),
        ("false emerg", "false_emergency_rate"),
        ("intent acc", "intent_accuracy"),
        ("lang acc", "language_accuracy"),
    )
    table.add_column("lang")
    for title, _ in columns:
        table.add_column(title, justify="right")
    for name, m in metrics.items():
        cells = []
        for _, attr in columns:
            value = getattr(m, attr)
            cells.append(str(value) if isinstance(value, int) else f"{value:.3f}")
        table.add_row(name, *cells)
    console.print(table)
    for name, m in metrics.items():
        matrix = Table(title=f"Confusion ({name}): rows = label, columns = predicted")
        matrix.add_column("label")
        for level in LEVELS:
            matrix.add_column(level.value, justify="right")
        for gold in LEVELS:
            row = m.confusion[gold.value]
            matrix.add_row(gold.value, *(str(row[p.value]) for p in LEVELS))
        console.print(matrix)
