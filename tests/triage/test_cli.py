"""`triageline classify` and `triageline eval`, the pack loader's errors, and the eval-set gate."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from triageline.adapters.protocols import PackError, load_pack
from triageline.domain.triage.engine import TriageEngine
from triageline.entrypoints.cli.main import app
from triageline.entrypoints.cli.triage_cmd import classify_lines

HERE = Path(__file__).parent
EVAL_FILE = HERE.parent / "data" / "triage_eval.jsonl"


def test_classify_keeps_order_and_reports_bad_lines(engine: TriageEngine) -> None:
    lines = "\n".join(
        [
            json.dumps({"id": "a", "text": "my son is not breathing"}),
            "{not json",
            json.dumps({"id": "c", "text": 42}),
            json.dumps({"id": "d", "text": "tengo tos", "lang": "xx"}),
            json.dumps({"id": "e", "text": "我想预约", "lang": "zh"}),
        ]
    )
    out = io.StringIO()
    errors = classify_lines(engine, io.StringIO(lines), out)
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert errors == 3
    assert [r["id"] for r in records] == ["a", None, "c", "d", "e"]
    assert records[0]["triage"] == "emergency"
    assert records[0]["rules"][0] == "adult.not_breathing"
    assert records[0]["evidence"] == ["not breathing"]
    assert set(records[0]) == {"id", "triage", "intent", "lang", "rules", "evidence"}
    assert "error" in records[1] and "error" in records[2] and "error" in records[3]
    assert records[4]["intent"] == "appointment_new"


def test_classify_command_reads_stdin() -> None:
    runner = CliRunner()
    stdin = json.dumps({"id": 1, "text": "mi bebe no respira"}) + "\n"
    result = runner.invoke(app, ["classify"], input=stdin)
    assert result.exit_code == 0
    record = json.loads(result.stdout.strip())
    assert record == {
        "id": 1,
        "triage": "emergency",
        "intent": "symptom",
        "lang": "es",
        "rules": record["rules"],
        "evidence": record["evidence"],
    }
    assert "adult.not_breathing" in record["rules"]


def test_eval_command_prints_metrics_as_json() -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["eval", str(HERE / "fixtures" / "mini_eval.jsonl"), "--json"])
    assert result.exit_code == 0
    metrics = json.loads(result.stdout)
    assert metrics["all"]["count"] == 4
    assert metrics["all"]["triage_accuracy"] == 0.75
    assert metrics["all"]["emergency_recall"] == 1.0
    assert metrics["zh"]["urgent_or_emergency_recall"] == 0.0
    assert metrics["all"]["confusion"]["urgent"]["none"] == 1


def test_eval_command_prints_tables() -> None:
    result = CliRunner().invoke(app, ["eval", str(HERE / "fixtures" / "mini_eval.jsonl")])
    assert result.exit_code == 0
    assert "Triage evaluation" in result.stdout
    assert "Confusion" in result.stdout


def test_pack_errors_name_file_field_and_reason(tmp_path: Path) -> None:
    bad = tmp_path / "bad_pack.yaml"
    shutil.copy(HERE / "fixtures" / "bad_pack.yaml", bad)
    with pytest.raises(PackError) as info:
        load_pack(bad)
    assert info.value.file == str(bad.resolve())
    assert info.value.field == "rules[broken.rule].level"
    assert "critical" in info.value.reason


def test_eval_set_meets_the_safety_thresholds(engine: TriageEngine) -> None:
    if not EVAL_FILE.exists():
        pytest.skip(f"{EVAL_FILE} is written by the evaluation engineer and does not exist yet")
    runner = CliRunner()
    result = runner.invoke(app, ["eval", str(EVAL_FILE), "--json"])
    assert result.exit_code == 0
    metrics = json.loads(result.stdout)["all"]
    assert metrics["emergency_recall"] == 1.0
    assert metrics["urgent_or_emergency_recall"] >= 0.98
    assert metrics["triage_accuracy"] >= 0.92
    assert metrics["intent_accuracy"] >= 0.90
