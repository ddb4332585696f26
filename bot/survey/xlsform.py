"""Import an XLSForm workbook (KoboToolbox / ODK) as a survey pack.

The workbook is read and checked by ``pyxform`` (https://xlsform.org; no Java, no ODK
Validate) and then turned into a :class:`~bot.survey.catalogue.Catalogue`. Every problem
is reported with its sheet and row number, all at once (:class:`XLSFormError`).

What a workbook may hold:

- ``survey``: ``text``, ``integer`` (a ``constraint`` such as ``. >= 0 and . <= 31`` gives
  the range), ``range`` (at most 11 whole-number steps: one button per step, else a typed
  number), ``select_one LIST`` (with ``appearance`` ``likert``: the picture scale),
  ``select_multiple LIST`` (choices with ``image``: picture cards), ``note`` (shown above
  the next question), ``begin_group``/``end_group`` (parts: "part 2 of 3"). Columns
  ``label::Nederlands (nl)``, ``hint::…``, ``image::…``, ``audio::…`` per language;
  ``relevant`` as ``selected(${q}, 'x')`` or ``${q} = 'x'``; ``choice_filter`` only for the
  place questions ``district`` → ``neighbourhood`` → ``centre``; extra columns
  ``main_goal``, ``sub_goal``, ``indicator`` link an item to the theory of change.
- ``choices``: ``list_name``, ``name``, labels and ``image`` per language; an extra
  ``emoji`` column for the picture scale; the filter columns of the place lists.
- ``settings``: ``form_id``, ``form_title``, ``version``, ``default_language``.
- optional ``centres`` sheet (``code``, ``name``, ``neighbourhood``, ``district``) and
  ``theory_of_change`` sheet (``type`` = ``main_goal``/``sub_goal``/``effect``, ``id``,
  ``main_goal``, ``level``, labels per language). Spreadsheet tools ignore them.

Refused (the bot cannot or must not ask it): locations, phone numbers, e-mail, device
and subscriber ids, user names, photos, recordings and files, repeats, calculations,
and expressions other than the ones above. Metadata rows ``start``, ``end`` and
``today`` are ignored (the bot keeps its own dates). ``required`` is ignored: a resident
may always skip.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from bot.survey.catalogue import (
    Catalogue,
    SurveyDataError,
    check_catalogue,
    pack_rules,
    pack_version,
)
from bot.survey.models import (
    LANGUAGES,
    Centre,
    Condition,
    EffectCategory,
    Item,
    MainGoal,
    Option,
    Scale,
    SubGoal,
    Survey,
    TextRules,
)

#: Telegram's limits (https://core.telegram.org/bots/api#sendmessage, #sendphoto).
MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024
#: Most steps of a ``range`` question asked with one button per step (0 … 10).
RANGE_BUTTONS = 11
#: Longest button label accepted (Telegram cuts long buttons on a phone).
BUTTON_LIMIT = 64
#: Choices of one question: Telegram refuses a keyboard of more than about 100 buttons, and
#: the bot adds its own (skip, don't know, done, back).
CHOICES_LIMIT = 90
#: Longest survey name (form_id): it rides on the /newround buttons' callback data.
SURVEY_NAME_LIMIT = 40

#: Types the bot refuses, with the reason given to the form's author.
REFUSED_TYPES = {
    "geopoint": "asks for a location",
    "geotrace": "asks for a location",
    "geoshape": "asks for a location",
    "start-geopoint": "records a location",
    "start_geopoint": "records a location",
    "deviceid": "records the phone's device id",
    "imei": "records the phone's device id",
    "subscriberid": "records the SIM's subscriber id",
    "simserial": "records the SIM serial number",
    "phonenumber": "records a phone number",
    "username": "records a user name",
    "email": "records an e-mail address",
    "image": "asks for a photo, which can show a person",
    "audio": "asks for a recording, which can identify a voice",
    "background-audio": "records sound, which can identify a voice",
    "background-geopoint": "records a location",
    "video": "asks for a video, which can show a person",
    "file": "asks for a file",
    "barcode": "asks to scan a code",
    "begin_repeat": "is a repeat, which a chat cannot ask",
    "calculate": "is a calculation, which the bot does not run",
    "date": "is not a question type the bot asks (text, integer, select_one, select_multiple, note)",
    "time": "is not a question type the bot asks (text, integer, select_one, select_multiple, note)",
    "datetime": "is not a question type the bot asks (text, integer, select_one, select_multiple, note)",
    "decimal": "is not a question type the bot asks (use integer)",
    "rank": "is not a question type the bot asks (use select_multiple)",
    "acknowledge": "is not a question type the bot asks (use note)",
    "hidden": "is not a question type the bot asks",
    "trigger": "is not a question type the bot asks",
}
#: Metadata the bot ignores: it keeps its own dates.
IGNORED_TYPES = {"start", "end", "today", "audit"}
#: Names of the place questions answered during onboarding, not in the round.
PLACE_QUESTIONS = ("district", "neighbourhood", "centre")
#: Common language names in column headers without a ``(code)``.
LANGUAGE_NAMES = {
    "nederlands": "nl", "dutch": "nl", "english": "en", "engels": "en", "türkçe": "tr",
    "turkish": "tr", "turks": "tr", "العربية": "ar", "arabic": "ar", "arabisch": "ar",
    "polski": "pl", "polish": "pl", "pools": "pl", "українська": "uk", "ukrainian": "uk",
    "oekraïens": "uk", "soomaali": "so", "somali": "so", "ትግርኛ": "ti", "tigrinya": "ti",
}
#: Faces of a picture scale without an ``emoji`` column, by number of points.
DEFAULT_FACES = {
    2: ["🙁", "🙂"], 3: ["🙁", "😐", "🙂"], 4: ["😞", "🙁", "🙂", "😄"],
    5: ["😞", "🙁", "😐", "🙂", "😄"], 6: ["😞", "🙁", "😕", "🙂", "😊", "😄"],
    7: ["😞", "🙁", "😕", "😐", "🙂", "😊", "😄"],
}

_CHOICE_NAME = re.compile(r"[a-z0-9_]{1,20}")
_MEDIA = re.compile(r"^(?:media::)?(label|hint|image|audio|big-image|resident)(?:::?(.+))?$", re.I)
_SELECTED = re.compile(r"^selected\(\s*\$\{(\w[\w.-]*)\}\s*,\s*['\"]([^'\"]+)['\"]\s*\)$")
_EQUALS = re.compile(r"^\$\{(\w[\w.-]*)\}\s*=\s*['\"]([^'\"]+)['\"]$")
_BOUND = re.compile(r"^\.\s*(>=|<=|>|<)\s*(-?\d+)$")
_LENGTH = re.compile(r"^string-length\(\s*\.\s*\)\s*<=\s*(\d+)$")
_FILTER = re.compile(r"^(\w+)\s*=\s*\$\{(\w+)\}$")


@dataclass(frozen=True)
class Problem:
    """One problem of a workbook.

    Attributes:
        sheet: Sheet name (``survey``, ``choices``, ``settings``, ``centres``…), or
            ``workbook`` for the file as a whole.
        row: Row number as the spreadsheet shows it (the header is row 1), or 0.
        message: What is wrong, in plain English.
    """

    sheet: str
    row: int
    message: str

    def __str__(self) -> str:
        where = f"{self.sheet} sheet, row {self.row}" if self.row else f"{self.sheet}"
        return f"{where}: {self.message}"


class XLSFormError(SurveyDataError):
    """A workbook has problems; :attr:`problems` lists every one (sheet and row)."""

    def __init__(self, path: Path, problems: list[Problem]) -> None:
        self.problems = problems
        more = f" (and {len(problems) - 1} more; see: python -m bot pack check)" if len(problems) > 1 else ""
        super().__init__(f"{path.name}: {problems[0]}{more}")


def language_of(suffix: str | None, default: str | None) -> str | None:
    """The language code in a column suffix (``Nederlands (nl)`` -> ``nl``), or None."""
    if not suffix:
        return default
    found = re.search(r"\(([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)?\)\s*$", suffix)
    if found:
        return found.group(1).lower()
    text = suffix.strip().lower()
    if re.fullmatch(r"[a-z]{2,3}", text):
        return text
    return LANGUAGE_NAMES.get(text)


class _Reader:
    """Turns the rows of one workbook into a catalogue, collecting problems."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[Problem] = []

    def problem(self, sheet: str, row: int, message: str) -> None:
        self.problems.append(Problem(sheet, row, message))

    # -- columns -----------------------------------------------------------------------
    def texts(self, row: dict, kind: str, sheet: str, n: int) -> dict[str, str]:
        """Language -> text of the ``kind`` columns (label, hint, image, audio) of a row."""
        out: dict[str, str] = {}
        for key, value in row.items():
            match = _MEDIA.match(key)
            if not match or match.group(1).lower().replace("big-", "") != kind:
                continue
            lang = language_of(match.group(2), self.default_language)
            if lang is None:
                self.problem(sheet, 1, f"column {key!r}: no language code; write it as "
                             f"{match.group(1)}::Name (xx), e.g. label::Nederlands (nl)")
                continue
            out[lang] = str(value).strip()
        return out

    def languages(self, headers: list[str]) -> list[str]:
        found: list[str] = []
        for key in headers:
            match = _MEDIA.match(key)
            if match and match.group(1).lower() == "label":
                lang = language_of(match.group(2), self.default_language)
                if lang and lang not in found:
                    found.append(lang)
        return found

    def media(self, names: dict[str, str], sheet: str, n: int, kind: str = "image") -> dict[str, str]:
        """``names`` (language -> file name) without blanks; a problem for each file that is
        not in ``pictures/`` (images) or ``audio/`` next to the workbook."""
        folder = self.path.parent / ("audio" if kind == "audio" else "pictures")
        names = {lang: name for lang, name in names.items() if name}
        for name in dict.fromkeys(names.values()):
            if not (folder / name).is_file():
                self.problem(sheet, n, f"{kind} {name!r} is not in {folder.name}/ next to the workbook")
        return names

    def same_language_columns(self, sheet: str, headers: list[str]) -> None:
        """A problem for two columns of one kind in one language (e.g. ``label`` and
        ``label::English (en)`` when the plain column is English): one would overwrite
        the other, so a text would be lost without a word."""
        seen: dict[tuple[str, str], str] = {}
        for key in headers:
            match = _MEDIA.match(key)
            if not match:
                continue
            lang = language_of(match.group(2), self.default_language)
            if lang is None:
                continue
            kind = match.group(1).lower()
            first = seen.setdefault((kind, lang), key)
            if first != key:
                self.problem(sheet, 1, f"columns {first!r} and {key!r} are both in language "
                             f"{lang}; give each column its own language, e.g. "
                             f"{kind}::Nederlands (nl), or set default_language on the settings sheet")

    def full(self, texts: dict[str, str], sheet: str, n: int, what: str) -> dict[str, str] | None:
        """``texts`` if it has every pack language, else None (and a problem per gap)."""
        missing = [lang for lang in self.langs if not texts.get(lang)]
        if missing:
            self.problem(sheet, n, f"{what} has no text in: {', '.join(missing)}")
            return None
        return texts

    # -- the workbook ------------------------------------------------------------------
    def read(self) -> Catalogue:
        # lazy: pyxform is loaded only when a pack is a workbook
        from pyxform.errors import PyXFormError  # noqa: PLC0415
        from pyxform.xls2json import workbook_to_json  # noqa: PLC0415
        from pyxform.xls2json_backends import get_xlsform  # noqa: PLC0415

        try:
            book = get_xlsform(str(self.path))
        except (PyXFormError, OSError) as exc:
            raise XLSFormError(self.path, [Problem("workbook", 0, f"cannot be read: {exc}")]) from None
        survey_rows = list(book.survey or [])
        choice_rows = list(book.choices or [])
        settings = dict((book.settings or [{}])[0]) if book.settings else {}
        self.settings = settings
        default = settings.get("default_language")
        self.default_language = language_of(default, None) if default else None
        if default and self.default_language is None:
            self.problem("settings", 2, f"default_language {default!r} has no language code; "
                         "write it as Nederlands (nl)")
        try:
            workbook_to_json(copy.deepcopy(book), form_name="data",
                             fallback_form_name=self.path.stem, warnings=[])
        except PyXFormError as exc:
            self.pyxform_problem(str(exc))
        headers = list((book.survey_header or [{}])[0].keys())
        if not headers and self.problems:
            # no survey sheet pyxform can read (e.g. named 'survey '): its own message says
            # why; checking languages of no columns would only add noise
            raise XLSFormError(self.path, self.problems)
        # Columns without a language (a plain "label") are in the default language: the
        # settings' default_language, else Dutch or the first language with a column.
        suffixed = self.languages([h for h in headers if "::" in h or ":" in h])
        if self.default_language is None:
            self.default_language = "nl" if "nl" in suffixed or not suffixed else suffixed[0]
        self.langs = self.languages(headers)
        self.same_language_columns("survey", headers)
        self.same_language_columns("choices", list((book.choices_header or [{}])[0].keys()))
        source = self.default_language
        try:
            self.rules = pack_rules(self.langs, source, "settings sheet, default_language")
        except SurveyDataError as exc:
            raise XLSFormError(self.path, self.problems + [Problem("settings", 2, str(exc).split(": ", 1)[1])]) from None
        self.extra = self.extra_sheets()
        self.lists = self.read_choices(choice_rows)
        cat = self.build(survey_rows)
        own = {(p.sheet, p.row) for p in self.problems if not p.message.startswith("pyxform: ")}
        self.problems = [p for p in self.problems
                         if not (p.message.startswith("pyxform: ") and (p.sheet, p.row) in own)]
        self.problems = list(dict.fromkeys(self.problems))  # a bad column is named once
        self.problems.sort(key=lambda p: (p.sheet != "survey", p.sheet, p.row))
        if self.problems:
            raise XLSFormError(self.path, self.problems)
        return cat

    def pyxform_problem(self, message: str) -> None:
        found = re.search(r"\[row\s*:\s*(\d+)\]", message)
        sheet = "survey"  # pyxform's row numbers are the survey sheet's
        text = re.sub(r"\[row\s*:\s*\d+\]\s*", "", message).strip()
        self.problem(sheet, int(found.group(1)) if found else 0, f"pyxform: {text}")

    def extra_sheets(self) -> dict[str, list[tuple[int, dict]]]:
        """Rows (with their row numbers) of the ``centres`` and ``theory_of_change`` sheets."""
        if self.path.suffix.lower() != ".xlsx":
            return {}
        from openpyxl import load_workbook  # noqa: PLC0415 - lazy: only for an .xlsx pack

        out: dict[str, list[tuple[int, dict]]] = {}
        book = load_workbook(self.path, read_only=True, data_only=True)
        try:
            for name in book.sheetnames:
                key = name.strip().lower()
                if key not in ("centres", "theory_of_change", "surveys"):
                    continue
                rows = book[name].iter_rows(values_only=True)
                header = [str(h).strip() if h is not None else "" for h in next(rows, [])]
                found = []
                for n, values in enumerate(rows, start=2):
                    row = {h: str(v).strip() for h, v in zip(header, values)
                           if h and v is not None and str(v).strip()}
                    if row:
                        found.append((n, row))
                out[key] = found
        finally:
            book.close()
        return out

    def read_choices(self, rows: list[dict]) -> dict[str, list[tuple[int, dict]]]:
        lists: dict[str, list[tuple[int, dict]]] = {}
        for index, row in enumerate(rows):
            n = index + 2
            if not row:
                continue
            name = row.get("list_name") or row.get("list name")
            if not name or not row.get("name"):
                self.problem("choices", n, "needs list_name and name")
                continue
            lists.setdefault(name, []).append((n, row))
        return lists

    # -- items -------------------------------------------------------------------------
    def options(self, list_name: str, sheet_row: int, *, skip: tuple[str, ...] = ()) -> list[Option]:
        rows = self.lists.get(list_name)
        if rows is None:
            self.problem("survey", sheet_row, f"choice list {list_name!r} is not on the choices sheet")
            return []
        out = []
        for n, row in rows:
            if str(row["name"]) in skip:
                continue
            label = self.full(self.texts(row, "label", "choices", n), "choices", n, f"choice {row['name']!r}")
            if label is None:
                continue
            images = self.media(self.texts(row, "image", "choices", n), "choices", n)
            if not _CHOICE_NAME.fullmatch(str(row["name"]).lower()):
                self.problem("choices", n, f"choice name {row['name']!r}: use at most 20 letters,"
                             " digits and _ (no spaces or -); it is stored with every answer")
                continue
            data = {"id": str(row["name"]).lower(), "label": label,
                    "picture": images.get(self.rules.source) or next(iter(images.values()), None),
                    "emoji": row.get("emoji", "")}
            if row.get("main_goal"):
                data["main_goal"] = row["main_goal"]
            if row.get("derived_from"):
                data["derived_from"] = str(row["derived_from"]).split()
            too_long = [lang for lang, text in label.items() if len(text) > BUTTON_LIMIT]
            if too_long:
                self.problem("choices", n, f"label is longer than {BUTTON_LIMIT} characters (a button) in: {', '.join(too_long)}")
            try:
                out.append(Option.model_validate(data, context=self.rules.context()))
            except ValidationError as exc:
                self.problem("choices", n, _first(exc, "name"))
        if len(out) > CHOICES_LIMIT:
            self.problem("survey", sheet_row, f"choice list {list_name!r} has {len(out)} choices;"
                         f" a question shows at most {CHOICES_LIMIT} buttons (Telegram: about 100"
                         " per message, with the bot's own)")
        return out

    def condition(self, expr: str, n: int, selects: dict[str, Item]) -> Condition | None:
        expr = expr.strip()
        found = _SELECTED.match(expr) or _EQUALS.match(expr)
        if not found:
            self.problem("survey", n, f"relevant {expr!r} is not supported; use "
                         "selected(${question}, 'choice') or ${question} = 'choice'")
            return None
        ref, choice = found.group(1).lower().replace("-", "_"), found.group(2).lower()
        item = selects.get(ref)
        if item is None:
            self.problem("survey", n, f"relevant refers to {ref!r}, which is not an earlier "
                         "select_one or select_multiple question")
            return None
        if choice not in {o.id for o in item.options}:
            self.problem("survey", n, f"relevant refers to choice {choice!r}, which {ref!r} does not have")
            return None
        return Condition(item=ref, includes=choice)

    def bounds(self, expr: str, n: int) -> tuple[int | None, int | None]:
        low = high = None
        for part in re.split(r"\s+and\s+", expr.strip()):
            found = _BOUND.match(part.strip())
            if not found:
                self.problem("survey", n, f"constraint {expr!r} is not supported; use a range "
                             "such as . >= 0 and . <= 31")
                return None, None
            op, value = found.group(1), int(found.group(2))
            if op == ">=":
                low = value
            elif op == ">":
                low = value + 1
            elif op == "<=":
                high = value
            else:
                high = value - 1
        return low, high

    def build(self, rows: list[dict]) -> Catalogue:
        items: dict[str, Item] = {}
        order: list[str] = []
        selects: dict[str, Item] = {}
        groups: list[tuple[dict[str, str] | None, str]] = []  # (title, relevant)
        pending_note: list[tuple[int, dict[str, str]]] = []
        scale: Scale | None = None
        scale_list: str | None = None
        places: dict[str, tuple[int, dict]] = {}
        for index, row in enumerate(rows):
            n = index + 2
            if not row:
                continue
            kind = re.sub(r"\s+", " ", str(row.get("type", "")).strip().lower())
            kind = re.sub(r"^(begin|end) (group|repeat)$", r"\1_\2", kind)
            kind = re.sub(r"^select (one|multiple)\b", r"select_\1", kind)
            kind = kind.replace("select all that apply", "select_multiple")
            word, _, rest = kind.partition(" ")
            name = str(row.get("name", "")).strip()
            if not word:
                self.problem("survey", n, "has no type")
                continue
            if word in IGNORED_TYPES:
                continue
            if word in REFUSED_TYPES:
                self.problem("survey", n, f"type {word!r} {REFUSED_TYPES[word]}; the bot cannot ask it")
                continue
            if word == "begin_group":
                title = self.texts(row, "label", "survey", n)
                groups.append((self.full(title, "survey", n, "group label") if title else None,
                               str(row.get("relevant", "")).strip()))
                continue
            if word == "end_group":
                if not groups:
                    self.problem("survey", n, "end_group without begin_group")
                else:
                    groups.pop()
                continue
            if word == "end_repeat":
                continue
            if rest.endswith("or_other"):
                self.problem("survey", n, "or_other is not supported; add an 'other' choice and a "
                             "text question with relevant selected(${question}, 'other')")
                continue
            item_id = name.lower().replace("-", "_")
            if word == "note":
                texts = self.full(self.texts(row, "label", "survey", n), "survey", n, "note")
                if texts:
                    pending_note.append((n, texts))
                continue
            if word == "select_one" and item_id in PLACE_QUESTIONS:
                places[item_id] = (n, row)
                continue
            if row.get("choice_filter"):
                self.problem("survey", n, "choice_filter is only supported for the place questions "
                             "district, neighbourhood and centre")
            for column in ("repeat_count", "calculation", "trigger"):
                if row.get(column):
                    self.problem("survey", n, f"column {column!r} is not supported")
            data: dict = {"id": item_id}
            appearance = str(row.get("appearance", "")).lower()
            if word == "text":
                data["type"] = "text"
                if row.get("constraint"):
                    found = _LENGTH.match(str(row["constraint"]).strip())
                    if found:
                        data["max_length"] = int(found.group(1))
                    else:
                        self.problem("survey", n, f"constraint {row['constraint']!r} is not supported on "
                                     "text; use string-length(.) <= 500")
            elif word == "range":
                data.update(self.range(row, n))
            elif word == "integer":
                data["type"] = "number"
                if row.get("constraint"):
                    data["min_value"], data["max_value"] = self.bounds(str(row["constraint"]), n)
            elif word == "select_one" and "likert" in appearance:
                data["type"] = "scale"
                new_scale = self.scale(rest, n)
                if scale is not None and rest != scale_list:
                    self.problem("survey", n, f"a pack has one picture scale; list {rest!r} differs "
                                 f"from {scale_list!r}")
                scale, scale_list = scale or new_scale, scale_list or rest
            elif word == "select_one":
                data["type"] = "single"
                data["options"] = self.options(rest, n)
            elif word == "select_multiple":
                data["options"] = self.options(rest, n)
                cards = "columns" in appearance or any(o.picture for o in data["options"])
                data["type"] = "cards" if cards else "choice"
            else:
                self.problem("survey", n, f"type {word!r} is not a question type the bot asks "
                             "(text, integer, select_one, select_multiple, note)")
                continue
            data["prompt"] = self.full(self.texts(row, "label", "survey", n), "survey", n, "label")
            for column, key in (("hint", "hint"),):
                texts = self.texts(row, column, "survey", n)
                if texts:
                    data[key] = self.full(texts, "survey", n, column)
            images = self.media(self.texts(row, "image", "survey", n), "survey", n)
            if images:
                data["picture"] = images.get(self.rules.source) or next(iter(images.values()))
            data["audio"] = self.media(self.texts(row, "audio", "survey", n), "survey", n, "audio")
            for column in ("main_goal", "sub_goal"):
                if row.get(column):
                    data[column] = str(row[column]).strip()
            if row.get("source_nl") or row.get("indicator"):
                data["source_nl"] = str(row.get("source_nl") or row["indicator"]).strip()
            if pending_note:
                notes = [t for _, t in pending_note]
                data["note"] = {lang: "\n\n".join(t[lang] for t in notes) for lang in notes[0]}
                pending_note = []
            titled = [g[0] for g in groups if g[0]]
            if titled:
                data["section"] = titled[-1]
            relevant = [str(row.get("relevant", "")).strip()] + [g[1] for g in groups]
            relevant = [r for r in relevant if r]
            if len(set(relevant)) > 1:
                self.problem("survey", n, "relevant on both the question and its group is not supported")
            elif relevant:
                data["shown_if"] = self.condition(relevant[0], n, selects)
            if data["prompt"] is None or any(p.sheet == "survey" and p.row == n for p in self.problems):
                continue
            try:
                item = Item.model_validate(data, context=self.rules.context())
            except ValidationError as exc:
                self.problem("survey", n, _first(exc, "name"))
                continue
            if item.id in items:
                self.problem("survey", n, f"name {name!r} is used twice")
                continue
            self.check_length(item, n)
            items[item.id] = item
            order.append(item.id)
            if item.type in ("single", "choice", "cards"):
                selects[item.id] = item
        for n, _ in pending_note:
            self.problem("survey", n, "a note must come before a question (it is shown with it)")
        if groups:
            self.problem("survey", len(rows) + 1, "a begin_group has no end_group")
        if not order and not self.problems:  # else the problems say why (e.g. a geopoint)
            self.problem("survey", 0, "has no question the bot can ask")
        return self.catalogue(items, order, scale, places)

    def range(self, row: dict, n: int) -> dict:
        """A ``range`` question (``parameters`` ``start=1 end=5 step=1``): whole numbers
        from 0 with at most :data:`RANGE_BUTTONS` steps become one button per step, like a
        scale of numbers (a pick-one item whose choices are the numbers); a longer range,
        or one with fractions or negative numbers, is a typed whole number from start to end.
        """
        params = dict(p.split("=", 1) for p in str(row.get("parameters", "")).split() if "=" in p)
        try:
            start, end, step = (float(params.get(key, default))
                                for key, default in (("start", 1), ("end", 10), ("step", 1)))
        except ValueError:
            self.problem("survey", n, f"range parameters {row.get('parameters', '')!r}: use start=1 end=5 step=1")
            return {"type": "number"}
        if step <= 0 or end < start:
            self.problem("survey", n, "range: step must be above 0 and end at least start")
            return {"type": "number"}
        count = int(round((end - start) / step)) + 1
        values = [start + i * step for i in range(min(count, RANGE_BUTTONS + 1))]
        if count <= RANGE_BUTTONS and all(v.is_integer() and v >= 0 for v in values):
            options = [Option.model_validate(
                {"id": str(int(v)), "label": dict.fromkeys(self.langs, str(int(v)))},
                context=self.rules.context()) for v in values]
            return {"type": "single", "options": options}
        return {"type": "number", "min_value": int(start), "max_value": int(end)}

    def check_length(self, item: Item, n: int) -> None:
        limit = CAPTION_LIMIT - 100 if item.picture else MESSAGE_LIMIT - 300
        for lang in self.langs:
            size = sum(len(t[lang]) for t in (item.prompt, item.note, item.hint, item.section) if t)
            if size > limit:
                self.problem("survey", n, f"text is {size} characters in {lang}; Telegram allows "
                             f"{limit} here{' (a picture caption)' if item.picture else ''}")

    def scale(self, list_name: str, n: int) -> Scale | None:
        rows = self.lists.get(list_name)
        if rows is None:
            self.problem("survey", n, f"choice list {list_name!r} is not on the choices sheet")
            return None
        points, dont_know = [], None
        values = [r for r in rows if str(r[1]["name"]) not in ("dont_know", "skip")]
        faces = DEFAULT_FACES.get(len(values), ["🔘"] * len(values))
        for k, (m, row) in enumerate(values):
            label = self.full(self.texts(row, "label", "choices", m), "choices", m, f"choice {row['name']!r}")
            if not re.fullmatch(r"-?\d+", str(row["name"])):
                self.problem("choices", m, f"a likert choice's name must be a number, not {row['name']!r}")
                continue
            if label:
                points.append({"value": int(row["name"]), "emoji": row.get("emoji") or faces[k], "label": label})
        skip = None
        for m, row in rows:
            if str(row["name"]) == "dont_know":
                dont_know = self.full(self.texts(row, "label", "choices", m), "choices", m, "choice 'dont_know'")
            if str(row["name"]) == "skip":
                skip = self.full(self.texts(row, "label", "choices", m), "choices", m, "choice 'skip'")
        try:
            return Scale.model_validate(
                {"points": sorted(points, key=lambda p: p["value"]),
                 "dont_know": _bot_text(dont_know, DONT_KNOW, self.rules),
                 "skip": _bot_text(skip, SKIP, self.rules)},
                context=self.rules.context())
        except ValidationError as exc:
            self.problem("choices", n, _first(exc, "list"))
            return None

    # -- centres and the theory of change ----------------------------------------------
    def centres(self, places: dict[str, tuple[int, dict]]) -> list[Centre]:
        """The centres of the ``centres`` sheet and of the ``centre`` question's choices.

        A place list's parent is read from the column its ``choice_filter`` names
        (``wijk=${district}`` reads column ``wijk``), as Kobo's cascading selects do; the
        columns ``district`` and ``neighbourhood`` serve without a filter. A centre on both
        the sheet and the choice list is one centre: the sheet's code, name, neighbourhood
        and district win. A code twice in one of them is a problem with its row.
        """
        sheet_rows: list[tuple[str, int, dict]] = [("centres", n, r) for n, r in self.extra.get("centres", [])]
        choice_rows: list[tuple[str, int, dict]] = []
        labels: dict[str, dict[str, str]] = {}
        parent_column: dict[str, tuple[str, str]] = {}  # level -> (its filter column, parent level)
        if "centre" in places:
            n, question = places["centre"]
            list_name = str(question["type"]).split()[-1]
            choice_rows = [("choices", m, r) for m, r in self.lists.get(list_name, [])]
            for level in ("district", "neighbourhood"):
                if level in places:
                    level_list = str(places[level][1]["type"]).split()[-1]
                    labels[level] = {str(r["name"]): self.texts(r, "label", "choices", m).get(self.rules.source, str(r["name"]))
                                     for m, r in self.lists.get(level_list, [])}
            for level, parent in (("neighbourhood", "district"), ("centre", "neighbourhood")):
                if level not in places:
                    continue
                m, q = places[level]
                flt = str(q.get("choice_filter", "")).strip()
                found = _FILTER.match(flt)
                if flt and (not found or found.group(2).lower() not in places):
                    self.problem("survey", m, f"choice_filter {flt!r} is not supported; use "
                                 f"{parent}=${{{parent}}}")
                elif found:
                    parent_column[level] = (found.group(1), found.group(2).lower())
        elif places:
            m = min(n for n, _ in places.values())
            self.problem("survey", m, "district and neighbourhood questions need a centre question")

        def parent_of(level: str, row: dict, default: str) -> tuple[str, str] | None:
            column, of = parent_column.get(level, (default, default))
            value = row.get(column) or row.get(of)
            return (of, str(value)) if value else None

        hood_district: dict[str, str] = {}
        if "neighbourhood" in places:
            hood_list = str(places["neighbourhood"][1]["type"]).split()[-1]
            for _, r in self.lists.get(hood_list, []):
                up = parent_of("neighbourhood", r, "district")
                if up and up[0] == "district":
                    hood_district[str(r["name"])] = up[1]
        out: dict[str, Centre] = {}
        for rows in (choice_rows, sheet_rows):
            seen: set[str] = set()
            for sheet, n, row in rows:
                if sheet == "choices":
                    up = parent_of("centre", row, "neighbourhood")
                    if up:
                        row = {**row, up[0]: up[1]}
                if row.get("neighbourhood") and not row.get("district") and row["neighbourhood"] in hood_district:
                    row = {**row, "district": hood_district[row["neighbourhood"]]}
                code = str(row.get("code") or row.get("name") or "").lower()
                name = row.get("name") if sheet == "centres" else self.texts(row, "label", sheet, n).get(self.rules.source)
                if code in seen:
                    self.problem(sheet, n, f"centre {code!r} is listed twice")
                    continue
                seen.add(code)
                data = {"code": code, "name": name or ""}
                for level in ("neighbourhood", "district"):
                    if row.get(level):
                        data[level] = labels.get(level, {}).get(row[level], row[level])
                earlier = out.get(code)
                if earlier is not None:  # on the choice list too: the sheet's fields win
                    data = {k: v for k, v in earlier.model_dump().items() if v is not None} | data
                try:
                    out[code] = Centre.model_validate(data)
                except ValidationError as exc:
                    self.problem(sheet, n, _first(exc, "code"))
        return list(out.values())

    def theory(self) -> tuple[dict, dict, list]:
        main_goals: dict[str, MainGoal] = {}
        sub_goals: dict[str, SubGoal] = {}
        effects: list[EffectCategory] = []
        for n, row in self.extra.get("theory_of_change", []):
            kind = row.get("type", "").lower()
            text = self.full(self.texts(row, "label", "theory_of_change", n), "theory_of_change", n, "label")
            if text is None:
                continue
            data = {"id": row.get("id", ""), "main_goal": row.get("main_goal", "")}
            try:
                if kind == "main_goal":
                    main_goals[data["id"]] = MainGoal.model_validate(
                        {"id": data["id"], "level": row.get("level", "wijk"), "text": text},
                        context=self.rules.context())
                elif kind == "sub_goal":
                    sub_goals[data["id"]] = SubGoal.model_validate({**data, "text": text}, context=self.rules.context())
                elif kind == "effect":
                    resident = self.texts(row, "resident", "theory_of_change", n)
                    effects.append(EffectCategory.model_validate(
                        {**data, "label": text, "kinds_nl": row.get("kinds_nl", ""),
                         "resident": self.full(resident, "theory_of_change", n, "resident") if resident else None},
                        context=self.rules.context()))
                else:
                    self.problem("theory_of_change", n, f"type must be main_goal, sub_goal or effect, not {kind!r}")
            except ValidationError as exc:
                self.problem("theory_of_change", n, _first(exc, "id"))
        return main_goals, sub_goals, effects

    def catalogue(self, items: dict[str, Item], order: list[str], scale: Scale | None,
                  places: dict[str, tuple[int, dict]]) -> Catalogue:
        main_goals, sub_goals, effects = self.theory()
        centres = self.centres(places)
        form_id = str(self.settings.get("form_id") or self.settings.get("id_string") or self.path.stem)
        # the survey's name rides on the /newround buttons (64 bytes of callback data)
        form_id = re.sub(r"[^a-z0-9_.-]", "_", form_id.lower())[:SURVEY_NAME_LIMIT]
        title = str(self.settings.get("form_title") or form_id)
        surveys = {form_id: Survey(name=form_id, title={lang: title for lang in (*self.langs, *LANGUAGES)},
                                   items=order)}
        if self.extra.get("surveys"):
            surveys = {}
            for n, row in self.extra["surveys"]:
                label = self.full(self.texts(row, "label", "surveys", n), "surveys", n, "label")
                ids = str(row.get("items", "")).split()
                unknown = [i for i in ids if i not in items]
                if unknown:
                    self.problem("surveys", n, f"unknown item(s): {', '.join(unknown)}")
                elif not re.fullmatch(rf"[a-z0-9_.-]{{1,{SURVEY_NAME_LIMIT}}}", str(row.get("name", ""))):
                    self.problem("surveys", n, f"name {row.get('name', '')!r}: use 1 to {SURVEY_NAME_LIMIT}"
                                 " lowercase letters, digits, _ . or - (it is on the staff's buttons)")
                elif label is not None:
                    surveys[row.get("name", "")] = Survey.model_validate(
                        {"name": row.get("name", ""), "title": label, "items": ids}, context=self.rules.context())
        if scale is None:
            scale = Scale.model_validate(
                {"points": [], "dont_know": _interface_texts(DONT_KNOW, self.rules),
                 "skip": _interface_texts(SKIP, self.rules)}, context=self.rules.context())
        folder = self.path.parent
        files = [self.path] + [p for sub in ("pictures", "audio") for p in (folder / sub).glob("*") if p.is_file()]
        cat = Catalogue(
            main_goals=main_goals, sub_goals=sub_goals, items=items, scale=scale,
            surveys=surveys, centres=centres, effects=effects, data_dir=folder,
            name=form_id, languages=self.rules.languages, source_language=self.rules.source,
            version=str(self.settings.get("version") or "") + "-" + pack_version(files)
            if self.settings.get("version") else pack_version(files),
        )
        if not self.problems:
            try:
                check_catalogue(cat, item_file="choices", toc_file="theory_of_change")
            except SurveyDataError as exc:
                self.problem("survey", 0, str(exc))
        return cat


def N_(text: str) -> str:
    """Mark a bot text for gettext extraction (translated by :func:`_interface_texts`)."""
    return text


#: Bot texts a workbook's picture scale uses when the form does not give them.
DONT_KNOW, SKIP = N_("Weet ik niet"), N_("Overslaan")


def _first(exc: ValidationError, what: str) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or what
    return f"{where}: {first['msg'].removeprefix('Value error, ')}"


def _bot_text(given: dict[str, str] | None, msgid: str, rules: TextRules) -> dict[str, str]:
    """The pack's own 'don't know' / 'skip' texts, or the bot's (:func:`_interface_texts`).

    A pack that gives the bot's own words in its languages (as ``pack export`` writes
    them) gets the bot's translations in the other interface languages too, so a Polish
    resident of a Dutch-English pack reads 'Nie wiem', not 'Weet ik niet'.
    """
    defaults = _interface_texts(msgid, rules)
    if not given:
        return defaults
    if all(text == defaults.get(lang) for lang, text in given.items()):
        return defaults | given
    return given


def _interface_texts(msgid: str, rules: TextRules) -> dict[str, str]:
    """A bot text (gettext) in every pack language; languages without a catalogue get
    the source language's."""
    from bot.i18n import Translator  # noqa: PLC0415 - bot.i18n imports bot.survey: a cycle at import time

    out = {lang: Translator(lang)._(msgid) for lang in LANGUAGES}
    for lang in rules.languages:
        out.setdefault(lang, out.get(rules.source, msgid))
    return out


def load_xlsform(path: Path) -> Catalogue:
    """Read an XLSForm workbook as a survey pack (pictures in ``pictures/`` and audio in
    ``audio/`` next to it).

    Raises:
        XLSFormError: Every problem, each with its sheet and row (``.problems``).
    """
    return _Reader(Path(path)).read()
