"""Write ``buurtenquete.xlsx``: the example pack of a neighbourhood survey on meeting places.

The content follows "Stadsdeelbezoeken 2025" (seed 004 of the project's sources: what
residents of Maastricht's districts said about meeting places). The main goals are that
document's headings, verbatim; the centres and neighbourhoods are the meeting places it
names; the activities are the ones residents named. Which district a neighbourhood lies in
is Buurtstem's reading, not the document's (it names the five districts but places no
neighbourhood in one). Questions and translations (en, tr, ar) are Buurtstem's own.

The workbook is a plain XLSForm (survey, choices, settings) plus the extra sheet
``theory_of_change``; the centres travel as the choice lists of the place questions
``district`` → ``neighbourhood`` → ``centre`` (``choice_filter``). Regenerate with::

    .venv/bin/python bot/packs/maastricht/make_workbook.py
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).resolve().parent
LANGS = [("nl", "Nederlands"), ("en", "English"), ("tr", "Türkçe"), ("ar", "العربية")]
LABELS = [f"label::{name} ({code})" for code, name in LANGS]


def t(nl: str, en: str, tr: str, ar: str) -> list[str]:
    """One text in the pack's four languages."""
    return [nl, en, tr, ar]


# type, name, label (4), extra columns
SURVEY: list[tuple] = [
    ("select_one district", "district", t("In welk stadsdeel woont u?", "Which district do you live in?",
     "Hangi semtte oturuyorsunuz?", "في أي حيّ من المدينة تسكن؟"), {}),
    ("select_one neighbourhood", "neighbourhood", t("In welke buurt?", "Which neighbourhood?",
     "Hangi mahallede?", "في أي منطقة؟"), {"choice_filter": "district=${district}"}),
    ("select_one centre", "centre", t("Welk gemeenschapshuis is het dichtst bij u?",
     "Which community centre is closest to you?", "Size en yakın toplum merkezi hangisi?",
     "ما هو أقرب مركز مجتمعي إليك؟"), {"choice_filter": "neighbourhood=${neighbourhood}"}),
    ("begin_group", "place", t("U en de ontmoetingsplek", "You and the meeting place",
     "Siz ve buluşma yeri", "أنت ومكان اللقاء"), {}),
    ("select_one visits", "visit", t("Hoe vaak komt u in een gemeenschapshuis of huiskamer?",
     "How often do you go to a community centre or living room?",
     "Bir toplum merkezine veya oturma odasına ne sıklıkla gidiyorsunuz?",
     "كم مرة تذهب إلى مركز مجتمعي أو غرفة جلوس الحي؟"), {"main_goal": "reach"}),
    ("select_one agree", "welcome", t("Ik voel me welkom in het gemeenschapshuis.",
     "I feel welcome in the community centre.", "Toplum merkezinde kendimi hoş karşılanmış hissediyorum.",
     "أشعر بالترحيب في المركز المجتمعي."), {"appearance": "likert", "main_goal": "place"}),
    ("select_one agree", "known", t("Ik weet welke activiteiten er in mijn buurt zijn.",
     "I know which activities there are in my neighbourhood.",
     "Mahallemde hangi etkinliklerin olduğunu biliyorum.",
     "أعرف ما هي الأنشطة الموجودة في منطقتي."), {"appearance": "likert", "main_goal": "communication"}),
    ("end_group", "place", None, {}),
    ("begin_group", "wishes", t("Activiteiten die u wilt", "Activities you would like",
     "İstediğiniz etkinlikler", "الأنشطة التي تريدها"), {}),
    ("note", "wishes_note", t("Inwoners noemden veel ideeën. Kies wat u leuk vindt.",
     "Residents named many ideas. Choose what you like.",
     "Mahalle sakinleri birçok fikir söyledi. Hoşunuza gidenleri seçin.",
     "ذكر السكان أفكارًا كثيرة. يُرجى اختيار ما يعجبك."), {}),
    ("select_multiple activities", "activities", t("Welke activiteiten wilt u in uw buurt?",
     "Which activities would you like in your neighbourhood?",
     "Mahallenizde hangi etkinlikleri istersiniz?", "ما الأنشطة التي تريدها في منطقتك؟"),
     {"main_goal": "activities", "appearance": "columns-2"}),
    ("text", "activities_other", t("Welke activiteit mist u?", "Which activity is missing?",
     "Hangi etkinlik eksik?", "ما النشاط الناقص؟"),
     {"relevant": "selected(${activities}, 'other')", "main_goal": "activities"}),
    ("select_multiple times", "times", t("Wanneer kunt u komen?", "When can you come?",
     "Ne zaman gelebilirsiniz?", "متى يمكنك الحضور؟"), {"main_goal": "reach"}),
    ("integer", "per_month", t("Hoe vaak per maand zou u naar een activiteit komen?",
     "How many times a month would you come to an activity?",
     "Ayda kaç kez bir etkinliğe gelirsiniz?", "كم مرة في الشهر ستحضر نشاطًا؟"),
     {"constraint": ". >= 0 and . <= 31", "main_goal": "activities"}),
    ("end_group", "wishes", None, {}),
    ("begin_group", "reach", t("Jongeren en nieuwe buren", "Young people and new neighbours",
     "Gençler ve yeni komşular", "الشباب والجيران الجدد"), {}),
    ("select_one yes_no", "youth", t("Zijn er in uw buurt genoeg plekken voor jongeren van 14 tot 18 jaar?",
     "Are there enough places for young people aged 14 to 18 in your neighbourhood?",
     "Mahallenizde 14-18 yaş arası gençler için yeterli yer var mı?",
     "هل توجد أماكن كافية للشباب من 14 إلى 18 سنة في منطقتك؟"), {"main_goal": "reach"}),
    ("text", "youth_idea", t("Wat zou een goede plek voor jongeren zijn?",
     "What would be a good place for young people?", "Gençler için iyi bir yer ne olurdu?",
     "ما هو المكان الجيد للشباب برأيك؟"), {"relevant": "${youth} = 'no'", "main_goal": "reach"}),
    ("select_one yes_no", "volunteer", t("Wilt u helpen als vrijwilliger?",
     "Would you like to help as a volunteer?", "Gönüllü olarak yardım etmek ister misiniz?",
     "هل تودّ المساعدة كمتطوع؟"), {"main_goal": "volunteers"}),
    ("select_multiple help", "volunteer_how", t("Waarmee wilt u helpen?", "How would you like to help?",
     "Ne ile yardım etmek istersiniz?", "بماذا تودّ أن تساعد؟"),
     {"relevant": "${volunteer} = 'yes'", "main_goal": "volunteers"}),
    ("text", "other", t("Wilt u nog iets zeggen over ontmoeten in uw buurt?",
     "Is there anything else you want to say about meeting people in your neighbourhood?",
     "Mahallenizde insanlarla buluşmak hakkında söylemek istediğiniz başka bir şey var mı?",
     "هل تودّ قول شيء آخر عن اللقاء في منطقتك؟"), {}),
    ("end_group", "reach", None, {}),
]

#: Districts of the document ("Noord, Centrum, Noord-West, Oost & Zuid").
DISTRICTS = ["Noord", "Centrum", "Noord-West", "Oost", "Zuid"]
#: Neighbourhoods with a meeting place the document names; district: Buurtstem's reading.
NEIGHBOURHOODS = [("itteren", "Itteren", "Noord"), ("borgharen", "Borgharen", "Noord"),
                  ("nazareth", "Nazareth", "Noord"), ("daalhof", "Daalhof", "Noord-West"),
                  ("amby", "Amby", "Oost"), ("heugemerveld", "Heugemerveld", "Oost")]
#: The meeting places the document names, in the neighbourhoods above.
CENTRES = [("awsjaol", "Gemeenschapshuis Aw Sjaol", "itteren"),
           ("haarderhof", "Haarderhof", "borgharen"),
           ("nazareth", "Buurtcentrum Nazareth", "nazareth"),
           ("atrium", "'t Atrium", "daalhof"),
           ("huiskamer-daalhof", "Huiskamer Daalhof", "daalhof"),
           ("amyerhoof", "Amyerhoof", "amby"),
           ("laballettsa", "La Ballettsa", "heugemerveld")]

CHOICES: list[tuple] = [
    *[("district", d.lower(), t(d, d, d, d), {}) for d in DISTRICTS],
    *[("neighbourhood", code, t(name, name, name, name), {"district": district.lower()})
      for code, name, district in NEIGHBOURHOODS],
    *[("centre", code, t(name, name, name, name), {"neighbourhood": hood}) for code, name, hood in CENTRES],
    ("visits", "never", t("Nooit", "Never", "Hiç", "أبدًا"), {}),
    ("visits", "sometimes", t("Een paar keer per jaar", "A few times a year", "Yılda birkaç kez",
     "بضع مرات في السنة"), {}),
    ("visits", "monthly", t("Elke maand", "Every month", "Her ay", "كل شهر"), {}),
    ("visits", "weekly", t("Elke week", "Every week", "Her hafta", "كل أسبوع"), {}),
    ("agree", "1", t("Helemaal niet", "Not at all", "Hiç", "أبدًا"), {"emoji": "😞"}),
    ("agree", "2", t("Een beetje", "A little", "Biraz", "قليلًا"), {"emoji": "😐"}),
    ("agree", "3", t("Best wel", "Quite", "Oldukça", "إلى حدّ ما"), {"emoji": "🙂"}),
    ("agree", "4", t("Helemaal", "Completely", "Tamamen", "تمامًا"), {"emoji": "😄"}),
    ("agree", "dont_know", t("Weet ik niet", "I don't know", "Bilmiyorum", "لا أعرف"), {}),
    ("activities", "cooking", t("Samen koken en eten", "Cooking and eating together",
     "Birlikte yemek yapmak ve yemek", "الطبخ والأكل معًا"), {"emoji": "🍲"}),
    ("activities", "creative", t("Schilderen of handwerken", "Painting or needlework",
     "Resim veya el işi", "الرسم أو الأشغال اليدوية"), {"emoji": "🎨"}),
    ("activities", "music_film", t("Muziek- of filmavond", "Music or film night",
     "Müzik veya film gecesi", "أمسية موسيقى أو أفلام"), {"emoji": "🎬"}),
    ("activities", "games", t("Spelletjes, kienen of quiz", "Games, bingo or quiz",
     "Oyun, tombala veya bilgi yarışması", "ألعاب أو بينغو أو مسابقة"), {"emoji": "🎲"}),
    ("activities", "dance", t("Dansavond", "Dance night", "Dans gecesi", "أمسية رقص"), {"emoji": "💃"}),
    ("activities", "repair", t("Repair café", "Repair café", "Tamir kafe", "مقهى التصليح"), {"emoji": "🔧"}),
    ("activities", "language", t("Taalles", "Language class", "Dil dersi", "درس لغة"), {"emoji": "🗣️"}),
    ("activities", "computer", t("Computerles", "Computer class", "Bilgisayar dersi", "درس حاسوب"),
     {"emoji": "💻"}),
    ("activities", "homework", t("Hulp bij huiswerk", "Homework help", "Ödev yardımı",
     "مساعدة في الواجبات"), {"emoji": "📚"}),
    ("activities", "falls", t("Training: niet vallen", "Training: avoid falls",
     "Eğitim: düşmemek", "تدريب: تجنّب السقوط"), {"emoji": "🦵"}),
    ("activities", "billiards_sport", t("Biljarten of samen sport kijken",
     "Billiards or watching sport together", "Bilardo veya birlikte maç izlemek",
     "البلياردو أو مشاهدة الرياضة معًا"), {"emoji": "🎱"}),
    ("activities", "newcomers", t("Kennismaken met nieuwe buren", "Meeting new neighbours",
     "Yeni komşularla tanışmak", "التعرّف على الجيران الجدد"), {"emoji": "🤝"}),
    ("activities", "other", t("Iets anders", "Something else", "Başka bir şey", "شيء آخر"),
     {"emoji": "➕"}),
    ("times", "morning", t("Ochtend", "Morning", "Sabah", "صباحًا"), {"emoji": "🌅"}),
    ("times", "afternoon", t("Middag", "Afternoon", "Öğleden sonra", "بعد الظهر"), {"emoji": "☀️"}),
    ("times", "evening", t("Avond", "Evening", "Akşam", "مساءً"), {"emoji": "🌙"}),
    ("times", "weekend", t("Weekend", "Weekend", "Hafta sonu", "عطلة نهاية الأسبوع"), {"emoji": "📅"}),
    ("yes_no", "yes", t("Ja", "Yes", "Evet", "نعم"), {}),
    ("yes_no", "no", t("Nee", "No", "Hayır", "لا"), {}),
    ("help", "activities", t("Activiteiten organiseren", "Organising activities",
     "Etkinlik düzenlemek", "تنظيم الأنشطة"), {"emoji": "📋"}),
    ("help", "host", t("Gastvrouw of gastheer zijn", "Being a host", "Ev sahipliği yapmak",
     "استقبال الزوار"), {"emoji": "☕"}),
    ("help", "board", t("Meedoen in het bestuur", "Joining the board", "Yönetime katılmak",
     "المشاركة في الإدارة"), {"emoji": "🏛️"}),
]

#: Main goals: the headings of the document, verbatim (nl).
THEORY: list[tuple] = [
    ("main_goal", "activities", t("Behoefte aan een divers activiteitenaanbod",
     "A varied range of activities", "Çeşitli etkinlikler", "أنشطة متنوّعة")),
    ("main_goal", "reach", t("Bereiken van inwoners", "Reaching residents",
     "Mahalle sakinlerine ulaşmak", "الوصول إلى السكان")),
    ("main_goal", "place", t("Een uitnodigende plek", "An inviting place", "Davetkâr bir yer",
     "مكان مُرحِّب")),
    ("main_goal", "communication", t("Bereik vergroten door effectieve communicatie",
     "Reaching more people through good communication", "İyi iletişimle daha çok kişiye ulaşmak",
     "الوصول إلى المزيد عبر تواصل جيد")),
    ("main_goal", "volunteers", t("Meer handen, meer mogelijkheden", "More hands, more possibilities",
     "Daha çok el, daha çok imkân", "أيادٍ أكثر، إمكانيات أكثر")),
]


def main() -> int:
    """Write the workbook next to this script."""
    book = Workbook()
    survey = book.active
    survey.title = "survey"
    extra = ["appearance", "relevant", "constraint", "choice_filter", "main_goal"]
    survey.append(["type", "name", *LABELS, *extra])
    for kind, name, label, more in SURVEY:
        survey.append([kind, name, *(label or [""] * len(LANGS)), *(more.get(k, "") for k in extra)])
    choices = book.create_sheet("choices")
    extra = ["emoji", "district", "neighbourhood"]
    choices.append(["list_name", "name", *LABELS, *extra])
    for list_name, name, label, more in CHOICES:
        choices.append([list_name, name, *label, *(more.get(k, "") for k in extra)])
    settings = book.create_sheet("settings")
    settings.append(["form_title", "form_id", "version", "default_language"])
    settings.append(["Buurt-enquête ontmoeten", "buurtenquete", "2025.1", "Nederlands (nl)"])
    theory = book.create_sheet("theory_of_change")
    theory.append(["type", "id", "level", *LABELS])
    for kind, ident, label in THEORY:
        theory.append([kind, ident, "wijk", *label])
    book.save(HERE / "buurtenquete.xlsx")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
