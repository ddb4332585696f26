"""Write a survey pack as an XLSForm workbook, to open in a spreadsheet and copy.

``python -m bot pack export DIR`` writes the pack in use (the Den Haag Zuidwest pack by
default) as ``DIR/<name>.xlsx`` with its ``pictures/`` and ``audio/``: the standard
``survey``, ``choices`` and ``settings`` sheets (every item, in order), and the extra sheets
``surveys``, ``centres`` and ``theory_of_change`` that carry the rest of the pack. Importing
the workbook (:func:`bot.survey.xlsform.load_xlsform`) gives the same catalogue back.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from openpyxl import Workbook

from bot.survey.catalogue import Catalogue
from bot.survey.models import Item, Texts

#: Language names in column headers (``label::Nederlands (nl)``), as Kobo writes them.
LANGUAGE_TITLES = {
    "nl": "Nederlands", "en": "English", "tr": "Türkçe", "ar": "العربية", "pl": "Polski",
    "uk": "Українська", "so": "Soomaali", "ti": "ትግርኛ",
}

#: Name of the choice list of the picture scale.
SCALE_LIST = "scale"


def column(kind: str, lang: str) -> str:
    """A per-language column header, e.g. ``label::Nederlands (nl)``."""
    return f"{kind}::{LANGUAGE_TITLES.get(lang, lang)} ({lang})"


def _sheet(book: Workbook, title: str, header: list[str], rows: list[dict]) -> None:
    sheet = book.create_sheet(title)
    sheet.append(header)
    for row in rows:
        sheet.append([row.get(key, "") for key in header])


def _texts(row: dict, kind: str, texts: Texts | None, langs: tuple[str, ...]) -> None:
    if texts is not None:
        for lang in langs:
            row[column(kind, lang)] = texts[lang]


def _item_row(item: Item, langs: tuple[str, ...]) -> dict:
    kinds = {"text": "text", "number": "integer", "single": f"select_one {item.id}",
             "choice": f"select_multiple {item.id}", "cards": f"select_multiple {item.id}",
             "scale": f"select_one {SCALE_LIST}"}
    row: dict = {"type": kinds[item.type], "name": item.id}
    _texts(row, "label", item.prompt, langs)
    _texts(row, "hint", item.hint, langs)
    for lang, audio in item.audio.items():
        row[column("audio", lang)] = audio
    if item.picture:
        row["image"] = item.picture
    if item.type == "scale":
        row["appearance"] = "likert"
    elif item.type == "cards":
        row["appearance"] = "columns-2"
    if item.shown_if is not None:
        row["relevant"] = f"selected(${{{item.shown_if.item}}}, '{item.shown_if.includes}')"
    if item.type == "number":
        bounds = [f". >= {item.min_value}" if item.min_value is not None else "",
                  f". <= {item.max_value}" if item.max_value is not None else ""]
        row["constraint"] = " and ".join(b for b in bounds if b)
    elif item.type == "text" and item.max_length != Item.model_fields["max_length"].default:
        row["constraint"] = f"string-length(.) <= {item.max_length}"
    for key in ("main_goal", "sub_goal", "source_nl"):
        if getattr(item, key):
            row[key] = getattr(item, key)
    return row


def export_pack(cat: Catalogue, out_dir: Path) -> Path:
    """Write ``cat`` as ``out_dir/<name>.xlsx`` (and copy its pictures and audio).

    Returns:
        The workbook's path.
    """
    langs = cat.languages
    out_dir.mkdir(parents=True, exist_ok=True)
    survey_rows: list[dict] = []
    section: Texts | None = None
    parts = 0
    for item in cat.items.values():
        if item.section != section:
            if section is not None:
                survey_rows.append({"type": "end_group", "name": f"part_{parts}"})
            if item.section is not None:
                parts += 1
                group = {"type": "begin_group", "name": f"part_{parts}"}
                _texts(group, "label", item.section, langs)
                survey_rows.append(group)
            section = item.section
        if item.note is not None:
            note = {"type": "note", "name": f"{item.id}.note"}
            _texts(note, "label", item.note, langs)
            survey_rows.append(note)
        survey_rows.append(_item_row(item, langs))
    if section is not None:
        survey_rows.append({"type": "end_group", "name": f"part_{parts}"})

    choice_rows: list[dict] = []
    for point in cat.scale.points:
        row = {"list_name": SCALE_LIST, "name": str(point.value), "emoji": point.emoji}
        _texts(row, "label", point.label, langs)
        choice_rows.append(row)
    for name, texts in (("dont_know", cat.scale.dont_know), ("skip", cat.scale.skip)):
        row = {"list_name": SCALE_LIST, "name": name}
        _texts(row, "label", texts, langs)
        choice_rows.append(row)
    for item in cat.items.values():
        for opt in item.options:
            row = {"list_name": item.id, "name": opt.id, "emoji": opt.emoji,
                   "image": opt.picture or "", "main_goal": opt.main_goal or "",
                   "derived_from": " ".join(opt.derived_from)}
            _texts(row, "label", opt.label, langs)
            choice_rows.append(row)

    labels = [column("label", lang) for lang in langs]
    book = Workbook()
    book.remove(book.active)
    _sheet(book, "survey", ["type", "name", *labels, *(column("hint", lang) for lang in langs),
                            "image", *(column("audio", lang) for lang in langs), "appearance",
                            "relevant", "constraint", "main_goal", "sub_goal", "source_nl"],
           survey_rows)
    _sheet(book, "choices", ["list_name", "name", *labels, "image", "emoji", "main_goal",
                             "derived_from"], choice_rows)
    source = cat.source_language
    _sheet(book, "settings", ["form_title", "form_id", "version", "default_language"],
           [{"form_title": cat.name, "form_id": cat.name, "version": cat.version,
             "default_language": f"{LANGUAGE_TITLES.get(source, source)} ({source})"}])
    surveys = []
    for survey in cat.surveys.values():
        row = {"name": survey.name, "items": " ".join(survey.items)}
        _texts(row, "label", survey.title, langs)
        surveys.append(row)
    _sheet(book, "surveys", ["name", *labels, "items"], surveys)
    _sheet(book, "centres", ["code", "name", "neighbourhood", "district"],
           [{"code": c.code, "name": c.name, "neighbourhood": c.neighbourhood or "",
             "district": c.district or ""} for c in cat.centres])
    toc: list[dict] = []
    for goal in cat.main_goals.values():
        row = {"type": "main_goal", "id": goal.id, "level": goal.level}
        _texts(row, "label", goal.text, langs)
        toc.append(row)
    for sub in cat.sub_goals.values():
        row = {"type": "sub_goal", "id": sub.id, "main_goal": sub.main_goal}
        _texts(row, "label", sub.text, langs)
        toc.append(row)
    for effect in cat.effects:
        row = {"type": "effect", "id": effect.id, "main_goal": effect.main_goal,
               "kinds_nl": effect.kinds_nl}
        _texts(row, "label", effect.label, langs)
        _texts(row, "resident", effect.resident, langs)
        toc.append(row)
    _sheet(book, "theory_of_change", ["type", "id", "main_goal", "level", "kinds_nl", *labels,
                                      *(column("resident", lang) for lang in langs)], toc)
    path = out_dir / f"{cat.name}.xlsx"
    book.save(path)
    for folder in ("pictures", "audio"):
        if (cat.data_dir / folder).is_dir():
            shutil.copytree(cat.data_dir / folder, out_dir / folder, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return path
