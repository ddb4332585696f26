"""``/export`` (a round, then a format: the :class:`~bot.callback_data.Export` buttons)
and ``/chart``. Every file passes the one disclosure policy (:mod:`bot.privacy.disclosure`)."""

from __future__ import annotations

import asyncio
import tempfile
from datetime import datetime
from pathlib import Path

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from admin import round_views
from admin.auth import role_of, staff_only, staff_tr
from admin.round_views import round_arg
from bot import callback_data as cd
from bot.context import BuurtContext
from bot.exports.service import ExportRefused, export_filename, run_chart, run_export
from bot.i18n import N_, Translator
from bot.privacy.disclosure import Audience, audience_of, grant
from bot.roles import Role

#: Export formats offered as buttons: callback code -> (service format, button label).
EXPORT_BUTTONS = {
    "csv": ("csv", N_("CSV (komma)")),
    "nl": ("excel-nl", N_("CSV (Excel NL, puntkomma)")),
    "xlsx": ("xlsx", "Excel (xlsx)"),  # the same in every language
    "wd": ("wide", N_("Eén rij per bewoner (CSV)")),
    "book": ("codebook", N_("Codeboek (CSV)")),
    "st": ("stories", N_("Verhalen om te printen (HTML)")),
    "ef": ("effects", N_("Effectentabel (CSV, Excel NL)")),
    "wk": ("breakdown", N_("Cijfers per centrum en wijk (CSV)")),
}

#: Last argument of /chart (and /progress) that asks for figures per district.
DISTRICT_WORDS = frozenset({"wijk", "wijken", "district", "districts"})

#: Export buttons only an admin gets (a coordinator would get the aggregate table again).
ADMIN_EXPORTS = frozenset({"wd"})


@staff_only()
async def export(update: Update, context: BuurtContext, role: Role) -> None:
    """Asks which round to export (then which format)."""
    svc = context.svc
    tr = staff_tr(update)
    buttons = [[InlineKeyboardButton(tr._("Alle rondes"), callback_data=cd.export(None))]]
    for r in [r for r in await svc.storage.rounds() if role.sees(r.centres)][:10]:
        buttons.append([InlineKeyboardButton(round_views.round_label(r, tr, svc.settings.tz, svc.catalogue)[:60], callback_data=cd.export(r.id))])
    await context.message.reply_text(
        tr._("Welke ronde wil je exporteren?"), reply_markup=InlineKeyboardMarkup(buttons)
    )


async def on_export(update: Update, context: BuurtContext, cb: cd.Export) -> None:
    """Second step: pick a format; third step: build the file and send it as a document."""
    query = context.query
    svc = context.svc
    tr = staff_tr(update)
    role = await role_of(update, context)
    if not role.is_staff:
        await query.answer(tr._("Deze knop werkt niet meer."))
        return
    if cb.round_id is not None:
        round_ = await svc.storage.round(cb.round_id)
        if round_ is None or not role.sees(round_.centres):
            await query.answer(tr._("Deze knop werkt niet meer."))
            return
    if cb.fmt is None:
        await query.answer()
        await query.edit_message_text(
            tr._("Welk formaat?"),
            reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton(tr._(label), callback_data=cd.export(cb.round_id, code))]
                 for code, (_fmt, label) in EXPORT_BUTTONS.items()
                 if role.admin or code not in ADMIN_EXPORTS]
            ),
        )
        return
    fmt = EXPORT_BUTTONS[cb.fmt][0]
    settings = svc.settings
    k = settings.min_cell_size
    round_ids = None if cb.round_id is None else [cb.round_id]
    scope = None if role.admin else sorted(role.centres)
    await query.answer(tr._("Even geduld…"))
    name = export_filename(fmt, cb.round_id, datetime.now(settings.tz).date())
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / name
        try:
            result = await asyncio.to_thread(
                run_export, settings.database_path, svc.catalogue, out, fmt=fmt, tz=settings.tz,
                audience=audience_of(role.admin), round_ids=round_ids, centres=scope,
                min_cell_size=k, language=tr.language, translator=svc.translator,
            )
        except ExportRefused as exc:
            await _refuse(query, tr, exc, k, coarser=cd.export(None, cb.fmt) if cb.round_id is not None else None)
            return
        await context.bot.send_document(context.chat_id, document=out.read_bytes(), filename=name,
                                        caption=export_caption(result, fmt, tr, k))
    await query.edit_message_reply_markup(reply_markup=None)


def export_caption(result, fmt: str, tr: Translator, k: int) -> str:
    """The caption of an export file (``chat.export_caption``: only what the file holds)."""
    grant("chat.export_caption", result.audience, k)
    if fmt == "codebook":
        return tr.ngettext("{n} regel", "{n} regels", result.rows)
    if fmt == "stories":
        return tr.ngettext(
            "{n} goedgekeurd verhaal dat gedeeld mag worden, met effecten, shortlist, keuze en reden.",
            "{n} goedgekeurde verhalen die gedeeld mogen worden, met effecten, shortlist, keuze en reden.",
            result.rows)
    if fmt == "wide":
        caption = tr.ngettext("{n} rij: één per bewoner en ronde", "{n} rijen: één per bewoner en ronde",
                              result.rows)
        if result.left_out:
            caption += "\n" + tr.ngettext(
                "{n} deelnemer weggelaten: te weinig mensen met dezelfde kenmerken (centrum, taal, datum).",
                "{n} deelnemers weggelaten: te weinig mensen met dezelfde kenmerken (centrum, taal, datum).",
                result.left_out)
        return caption
    if fmt == "effects":
        return tr._("Hoe vaak elk effect in de verhalen is gecodeerd. '<{k}' betekent: 1 tot {k_1} keer.",
                    k=k, k_1=k - 1)
    if result.audience == Audience.ADMIN:
        caption = (tr.ngettext("{n} antwoord", "{n} antwoorden", result.rows)
                   + " · " + tr.ngettext("{n} deelnemer", "{n} deelnemers", result.respondents))
        if result.left_out:
            caption += "\n" + tr.ngettext(
                "{n} deelnemer weggelaten: te weinig mensen met dezelfde kenmerken (centrum, taal, datum).",
                "{n} deelnemers weggelaten: te weinig mensen met dezelfde kenmerken (centrum, taal, datum).",
                result.left_out)
    else:
        caption = tr.ngettext("Cijfers van {n} deelnemer, geen antwoorden per persoon.",
                              "Cijfers van {n} deelnemers, geen antwoorden per persoon.", result.respondents)
    if result.held_back:
        caption += "\n" + tr.ngettext(
            "{n} deelnemer komt later in de cijfers: nieuwe deelnemers komen erbij per groepje van {k}.",
            "{n} deelnemers komen later in de cijfers: nieuwe deelnemers komen erbij per groepje van {k}.",
            result.held_back, k=k)
    if any(note.startswith("Round ") for note in result.notes):
        caption += "\n" + tr._("Van een of meer rondes is de vrije tekst verwijderd na de bewaartermijn.")
    return caption


def refusal_text(tr: Translator, exc: ExportRefused, k: int) -> str:
    """Why an export or chart was not made, in the staff member's language."""
    if exc.reason == "empty":
        return tr._("Hier zijn nog geen antwoorden. Er is geen bestand gemaakt.")
    if exc.reason == "no_stories":
        return tr._("Er zijn nog geen goedgekeurde verhalen die gedeeld mogen worden. "
                    "Lees en keur verhalen goed met /stories. Er is geen bestand gemaakt.")
    if exc.reason == "no_districts":
        return tr._("De centra van deze ronde liggen niet in een wijk. Er is geen bestand gemaakt.")
    if exc.reason == "only_stories":
        return tr._("Deze ronde vroeg alleen om verhalen. Een bestand met antwoorden per persoon "
                    "zou niets tonen: de verhalen staan in 'Verhalen om te printen'. "
                    "Er is geen bestand gemaakt.")
    if exc.reason == "no_codes":
        return tr._("Er zijn nog geen verhalen met een effect. "
                    "Geef verhalen effecten met /stories. Er is geen bestand gemaakt.")
    return tr._("Nog te weinig deelnemers om cijfers te laten zien zonder dat iemand herkenbaar is. "
                "Cijfers komen per groepje van {k} deelnemers per centrum. Er is geen bestand gemaakt.", k=k)


async def _refuse(query, tr: Translator, exc: ExportRefused, k: int, coarser: str | None) -> None:
    """Edit the format question into the refusal; offer all rounds where that may help."""
    markup = None
    if coarser is not None:
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(tr._("Alle rondes"), callback_data=coarser)]])
    await query.edit_message_text(refusal_text(tr, exc, k), reply_markup=markup)


@staff_only()
async def chart(update: Update, context: BuurtContext, role: Role) -> None:
    """Sends the indicator chart of a round (released respondents only; small cells hidden);
    ``/chart N wijk``: one chart per district, rolled up from its centres."""
    svc = context.svc
    tr = staff_tr(update)
    by_district = bool(context.arguments) and context.arguments[-1].lower() in DISTRICT_WORDS
    if by_district:
        context.args = context.arguments[:-1]
    round_ = await round_arg(update, context, role, tr, command="chart", view=True)
    if round_ is None:
        return
    settings = svc.settings
    asked = [i.id for i in svc.catalogue.survey_items(round_.survey) if i.type == "scale"]

    def draw(out: Path) -> list[Path]:
        drawn = run_chart(settings.database_path, svc.catalogue, out, tz=settings.tz,
                          round_ids=[round_.id], centres=role.share(round_.centres),
                          k=settings.min_cell_size, language=tr.language,
                          only=asked, audience=audience_of(role.admin), by_district=by_district)
        return drawn if isinstance(drawn, list) else [drawn]

    with tempfile.TemporaryDirectory() as tmp:
        try:
            paths = await asyncio.to_thread(draw, Path(tmp) / f"buurtstem-ronde-{round_.id}.png")
        except ExportRefused as exc:
            await context.message.reply_text(refusal_text(tr, exc, settings.min_cell_size))
            return
        for path in paths:
            with path.open("rb") as fh:
                await context.message.reply_document(document=fh, filename=path.name)
