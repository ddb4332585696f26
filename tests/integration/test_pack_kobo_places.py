"""Place questions as a Kobo user writes them (issue 13, tester test13c): cascading selects
whose filter columns have the analyst's own names, and a centres sheet next to the centre
choice list the form needs anyway."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from bot.survey.models import Centre
from bot.survey.xlsform import XLSFormError, load_xlsform

SURVEY = [
    ["type", "name", "label", "choice_filter"],
    ["select_one wijk", "district", "In welke wijk woont u?", ""],
    ["select_one buurt", "neighbourhood", "In welke buurt?", "wijk=${district}"],
    ["select_one centrum", "centre", "Welk buurthuis?", "buurt=${neighbourhood}"],
    ["text", "why", "Waarom?", ""],
]
CHOICES = [
    ["list_name", "name", "label", "wijk", "buurt"],
    ["wijk", "west", "West", "", ""],
    ["wijk", "oost", "Oost", "", ""],
    ["buurt", "lombok", "Lombok", "west", ""],
    ["buurt", "wittevrouwen", "Wittevrouwen", "oost", ""],
    ["centrum", "UT01", "Buurthuis Lombok", "west", "lombok"],
    ["centrum", "UT03", "Buurthuis Oost", "oost", "wittevrouwen"],
]


def _form(path: Path, choices: list[list], centres: list[list] | None = None) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.title = "survey"
    for row in SURVEY:
        sheet.append(row)
    sheet = book.create_sheet("choices")
    for row in choices:
        sheet.append(row)
    if centres is not None:
        sheet = book.create_sheet("centres")
        for row in centres:
            sheet.append(row)
    book.save(path)
    return path


def test_filter_columns_with_own_names_give_the_districts(tmp_path) -> None:
    """Kobo's cascading select names its filter column freely (``wijk=${district}``): the
    centres got no neighbourhood and no district, so no figure per district, and pack
    check said ok."""
    cat = load_xlsform(_form(tmp_path / "kobo.xlsx", CHOICES))
    assert cat.centres == [
        Centre(code="ut01", name="Buurthuis Lombok", neighbourhood="Lombok", district="West"),
        Centre(code="ut03", name="Buurthuis Oost", neighbourhood="Wittevrouwen", district="Oost"),
    ]


def test_a_centres_sheet_next_to_the_centre_choices_is_one_list(tmp_path) -> None:
    """The centre question needs its choice list (pyxform refuses it without), and the
    centres sheet is how a municipality brings its centres: both together were refused
    as every centre 'listed twice'. The sheet's name wins."""
    cat = load_xlsform(_form(tmp_path / "both.xlsx", CHOICES, [
        ["code", "name", "neighbourhood", "district"],
        ["UT01", "Buurthuis Lombok (Kanaalstraat)", "Lombok", "West"],
        ["UT09", "Wijkbureau", "", "Oost"],
    ]))
    assert cat.centres == [
        Centre(code="ut01", name="Buurthuis Lombok (Kanaalstraat)", neighbourhood="Lombok", district="West"),
        Centre(code="ut03", name="Buurthuis Oost", neighbourhood="Wittevrouwen", district="Oost"),
        Centre(code="ut09", name="Wijkbureau", district="Oost"),
    ]


def test_a_centre_twice_on_one_sheet_names_its_row(tmp_path) -> None:
    with pytest.raises(XLSFormError) as err:
        load_xlsform(_form(tmp_path / "twice.xlsx", CHOICES, [
            ["code", "name", "neighbourhood", "district"],
            ["UT01", "Buurthuis Lombok", "Lombok", "West"],
            ["ut01", "Nog een keer", "Lombok", "West"],
        ]))
    assert [str(p) for p in err.value.problems] == ["centres sheet, row 3: centre 'ut01' is listed twice"]
