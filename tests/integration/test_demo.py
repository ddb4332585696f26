"""The offline demo (README's first command) runs end to end and writes its files."""

from __future__ import annotations

import csv

from bot.demo import run_demo


async def test_demo_completes_in_six_languages(tmp_path):
    summary = await run_demo(residents=6, seed=3, out_dir=tmp_path)
    assert summary.ok, summary.render()
    assert summary.finished == 6 and set(summary.languages) == {"nl", "en", "tr", "ar", "pl", "uk"}
    names = {p.name for p in summary.files}
    assert {"verhalen.md", "verhalen.html", "effecten.csv"} <= names
    # six residents over two centres: no centre has a batch of 5 yet, so no figures, no chart
    assert "indicators.png" not in names and any("chart: too few" in n for n in summary.notes)
    assert any(n.endswith("-excel-nl.csv") for n in names) and any(n.endswith(".xlsx") for n in names)
    answers = next(p for p in summary.files if p.name.startswith("buurtstem-alle-rondes") and p.name.endswith(".csv")
                   and "excel" not in p.name)
    with answers.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    # six people, six languages: the analyst's row file generalises until no one stands out
    from bot.privacy.disclosure import QUASI_IDENTIFIERS, smallest_class

    assert len({r["respondent"] for r in rows}) == 6
    assert smallest_class(rows, ("round", *QUASI_IDENTIFIERS)) >= 5
    assert summary.privacy["small_before"] == 6 and summary.privacy["left_out"] == 0
    assert "privacy" in summary.render()
    assert summary.seconds < 60
    # the database is kept, self-contained, with the answers the CSV came from
    import sqlite3

    assert summary.database == tmp_path / "buurtstem-demo.sqlite3"
    conn = sqlite3.connect(summary.database)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert conn.execute("SELECT COUNT(DISTINCT respondent) FROM answers").fetchone()[0] == 6
    finally:
        conn.close()
