"""Per-document analyses as declared steps (speechkit.steps): a new analysis is one module and one
registration line; the chain is checked before it runs."""
from __future__ import annotations

import re

import pyarrow as pa
import pytest

from speechkit import steps
from speechkit.analyze import TABLE_SCHEMAS, AnalysisTools, AnalyzeOptions, analyze_document
from speechkit.steps import Doc, Step, StepError, ordered, run_steps

SPEECH = ("同志们：下面我讲两点意见。一、今年全市安排托育补助资金1.2亿元，新增普惠托位3000个。"
          "二、到2025年，普惠性幼儿园覆盖率达到85%以上。")

# --- a new analysis, declared here as it would be in its own module --------------------------

FUNDING = pa.schema([("doc_id", pa.string()), ("sentence_id", pa.int64()), ("amount", pa.float64()), ("unit", pa.string())])
_AMOUNT = re.compile(r"(\d+(?:\.\d+)?)(亿元|万元)")


def _funding(doc: Doc) -> dict:
    """Funding amounts stated in each sentence (reads the sentences step's output)."""
    ids, amounts, units = [], [], []
    for sid, (_, _, sentence) in enumerate(doc["sentences"]):
        for m in _AMOUNT.finditer(sentence):
            ids.append(sid)
            amounts.append(float(m.group(1)))
            units.append(m.group(2))
    return {"funding": {"sentence_id": ids, "amount": amounts, "unit": units}}


FUNDING_STEP = Step("funding", run=_funding, reads=("sentences",), writes={"funding": FUNDING})


def test_a_step_declared_outside_analyze_adds_its_table_rows():
    plain_tools = AnalysisTools(AnalyzeOptions())
    steps.register(FUNDING_STEP)  # the one registration line a new analysis module ends with
    try:
        tools = AnalysisTools(AnalyzeOptions())
    finally:
        steps.unregister("funding")
    assert [s.name for s in tools.steps][-1] == "funding"
    result = analyze_document("d1", SPEECH, tools, year=2024)
    assert result.rows["funding"] == [{"doc_id": "d1", "sentence_id": 1, "amount": 1.2, "unit": "亿元"}]
    # the built-in tables are all still there, and unchanged by the new step
    plain = analyze_document("d1", SPEECH, plain_tools, year=2024)
    assert "funding" not in plain.tables
    for name in TABLE_SCHEMAS:
        assert result.tables[name].equals(plain.tables[name]), name
    # the new step is part of the cache key: a cached analysis without it is never served
    assert tools.fingerprint != plain_tools.fingerprint


def test_the_builtin_steps_declare_every_per_document_table_and_run_in_data_flow_order():
    names = [s.name for s in steps.registered()]
    assert names == ["sentences", "themes", "outline", "targets", "textrank"]
    assert steps.schemas(steps.BUILTIN) == TABLE_SCHEMAS
    # each reads only what the document has or an earlier step provides
    have = set(steps.GIVEN)
    for step in steps.registered():
        assert set(step.reads) <= have, step.name
        have |= set(step.provides)


def test_steps_are_ordered_by_what_they_read_not_by_the_order_given():
    a = Step("a", run=lambda doc: doc.provide(x=1), provides=("x",))
    b = Step("b", run=lambda doc: {"t": {"v": [doc["x"]]}}, reads=("x",),
             writes={"t": pa.schema([("doc_id", pa.string()), ("v", pa.int64())])})
    chain = ordered([b, a])
    assert [s.name for s in chain] == ["a", "b"]
    assert run_steps(Doc("d9", "", None), chain)["t"].to_pylist() == [{"doc_id": "d9", "v": 1}]


def test_a_chain_that_cannot_run_is_refused_naming_the_step():
    needs = Step("needs", run=dict, reads=("policy_measures",))
    with pytest.raises(StepError, match=r"'needs' reads 'policy_measures', which no step provides"):
        ordered([needs])
    t = {"t": pa.schema([("doc_id", pa.string())])}
    with pytest.raises(StepError, match=r"'one' and 'two' both write table 't'"):
        ordered([Step("one", run=dict, writes=t), Step("two", run=dict, writes=t)])
    loop = [Step("p", run=dict, reads=("y",), provides=("x",)), Step("q", run=dict, reads=("x",), provides=("y",))]
    with pytest.raises(StepError, match="cycle: p, q"):
        ordered(loop)
    with pytest.raises(StepError, match="built in"):
        steps.register(Step("targets", run=dict))


def test_a_step_that_writes_or_provides_what_it_did_not_declare_is_an_error():
    sneaky = Step("sneaky", run=lambda doc: {"other": []})
    with pytest.raises(StepError, match=r"'sneaky' returned tables \['other'\]"):
        run_steps(Doc("d1", "开展两癌筛查。", None), [sneaky])
    silent = Step("silent", run=lambda doc: {}, provides=("x",))
    with pytest.raises(StepError, match=r"did not provide \['x'\]"):
        run_steps(Doc("d1", "开展两癌筛查。", None), [silent])


def test_rows_may_be_given_as_columns_rows_or_an_arrow_table():
    schema = pa.schema([("doc_id", pa.string()), ("n", pa.int64())])
    as_columns = steps.to_table({"n": [1, 2]}, schema, "d1")
    as_rows = steps.to_table([{"n": 1}, {"n": 2}], schema, "d1")
    as_arrow = steps.to_table(pa.table({"n": [1, 2], "doc_id": ["d1", "d1"]}), schema, "d1")
    assert as_columns.equals(as_rows) and as_rows.equals(as_arrow)
    with pytest.raises(StepError, match="unequal length"):
        steps.to_table({"n": [1, 2], "m": [1]}, pa.schema([("doc_id", pa.string()), ("n", pa.int64()), ("m", pa.int64())]), "d1")


def test_a_data_file_a_step_declares_is_part_of_the_cache_key():
    bare = Step("x", run=dict)
    with_file = Step("x", run=dict, data_files=("outline.toml",))
    assert steps.data_fingerprint([bare]) != steps.data_fingerprint([with_file])
    assert steps.data_fingerprint([with_file]) == steps.data_fingerprint([with_file])
    for step in steps.BUILTIN:
        steps.data_fingerprint([step])  # every declared file exists (a missing one raises)


# --- a registered step's table reaches the output by itself ----------------------------------

def _two_speeches(folder):
    folder.mkdir()
    (folder / "a.txt").write_text(SPEECH, encoding="utf-8")
    (folder / "b.txt").write_text(SPEECH.replace("1.2亿元", "3500万元").replace("托育", "养老"), encoding="utf-8")
    return folder


def test_a_registered_steps_table_is_written_recorded_and_checked_like_a_builtin_one(tmp_path):
    import json

    import pandas as pd
    import pyarrow.parquet as pq
    from typer.testing import CliRunner

    from speechkit import api, tables
    from speechkit.analyze import analyze_tables
    from speechkit.cli import app
    from speechkit.integrity import run_problems
    from speechkit.io import RUN_KEY, write_table

    builtin = analyze_tables()
    raw, out = _two_speeches(tmp_path / "raw"), tmp_path / "out"
    cli = CliRunner()
    assert cli.invoke(app, ["clean", str(raw), "-o", str(out), "-j", "1"]).exit_code == 0
    steps.register(FUNDING_STEP)
    try:
        assert analyze_tables() == [*builtin, "funding"]
        assert tables.declared()["funding"].stage == "analyze"
        assert api.TABLE_COLUMNS["funding"] == ("doc_id", "sentence_id", "amount", "unit")
        result = cli.invoke(app, ["analyze", str(out), "-j", "2"])  # workers inherit the registration
        assert result.exit_code == 0, result.output
        funding = pd.read_parquet(out / "funding.parquet").sort_values("amount")
        assert funding[["amount", "unit"]].values.tolist() == [[1.2, "亿元"], [3500.0, "万元"]]
        record = json.loads((out / "run.json").read_text(encoding="utf-8"))
        assert record["tables"]["funding"]["rows"] == 2
        assert record["tables"]["funding"]["run_id"] == record["tables"]["targets"]["run_id"]
        manifest = json.loads((out / ".cache" / "analyze_manifest.json").read_text(encoding="utf-8"))
        assert "funding" in json.dumps(manifest)
        assert run_problems(out) == []
        assert len(api.TableStore(out)["funding"]) == 2  # sk.load's tables read it like a built-in one
        exported = cli.invoke(app, ["export", str(out), "--to", "csv", "-o", str(tmp_path / "csv")])
        assert exported.exit_code == 0, exported.output
        assert len(pd.read_csv(tmp_path / "csv" / "funding.csv")) == 2  # and an export hands it over
        # a funding table of another run next to these analyze tables: the one-run check names it
        stale = pq.read_table(out / "funding.parquet").to_pandas()
        write_table(stale, out, "funding", run={RUN_KEY: "another-run"})
        assert any("funding" in p for p in run_problems(out))
        # and the whole-run fast path does not serve the tables with a foreign funding table among them
        again = cli.invoke(app, ["analyze", str(out), "-j", "1"])
        assert again.exit_code == 0 and run_problems(out) == []
        assert "funding" in json.loads((out / "run.json").read_text(encoding="utf-8"))["tables"]
    finally:
        steps.unregister("funding")
    # unregistered: the old set of tables everywhere, and the funding table left behind is not judged
    assert analyze_tables() == builtin and "funding" not in tables.declared()
    assert run_problems(out) == []
    plain = cli.invoke(app, ["analyze", str(out), "-j", "1"])
    assert plain.exit_code == 0
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert "funding" not in record["tables"] and set(builtin) <= set(record["tables"])


def test_a_registered_step_may_not_take_the_name_of_another_table():
    from speechkit.analyze import analyze_tables

    clash = Step("clash", run=dict, writes={"topics": pa.schema([("doc_id", pa.string())])})
    steps.register(clash)
    try:
        with pytest.raises(StepError, match=r"writes 'topics': that name is another table"):
            analyze_tables()
    finally:
        steps.unregister("clash")
    assert "clash" not in [s.name for s in steps.registered()]
