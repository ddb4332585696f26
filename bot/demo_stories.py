"""Made-up resident stories for the offline demo, in the six languages.

Every story is invented. Some carry planted personal data (phone numbers, e-mail
addresses, an IBAN, a postcode) so the demo shows the scrubber at work.
"""

from __future__ import annotations

STORIES: dict[str, dict[str, list[str]]] = {
    "nl": {
        "contact": [
            "Via mijn buurvrouw. Ze nam me mee naar de koffieochtend.",
            "Ik zag een poster bij de supermarkt over de taalles.",
            "Mijn kinderen gingen naar huiswerkbegeleiding, zo kwam ik binnen.",
        ],
        "story": [
            "Ik was veel alleen sinds mijn man is overleden. Nu kom ik elke dinsdag koffie drinken en ken ik mensen in de straat.",
            "Ik durf nu hulp te vragen bij brieven van de gemeente. Bel me gerust op 06-12345678 als je meer wilt weten.",
            "Ik help nu zelf mee in de keuken. Dat geeft me het gevoel dat ik ertoe doe.",
            "Mijn Nederlands is beter geworden door de praatgroep. Mail me: fatima.demo@example.nl",
        ],
        "why": [
            "Omdat ik me niet meer eenzaam voel.",
            "Omdat ik nu weet waar ik terecht kan met mijn vragen.",
            "Het voelt als een tweede thuis.",
        ],
    },
    "en": {
        "contact": ["A neighbour told me about the open coffee mornings.", "I walked past and they invited me in."],
        "story": [
            "I moved here two years ago and knew nobody. Now I volunteer at the food bank and I know many people.",
            "They helped me with my rent allowance. You can reach me on +31 6 1234 5678.",
            "My son found a place to do his homework and his grades went up.",
        ],
        "why": ["Because I finally feel at home in this neighbourhood.", "Because someone listened to me."],
    },
    "tr": {
        "contact": ["Komşum beni kahve sabahına götürdü.", "Çocuklarım için ödev yardımı arıyordum."],
        "story": [
            "Önce hiç Hollandaca konuşamıyordum. Şimdi dil grubunda konuşuyorum ve komşularla sohbet ediyorum.",
            "Burada yardım istemeyi öğrendim. Telefonum 0031612345678.",
            "Artık mahallede kendimi daha güvende hissediyorum.",
        ],
        "why": ["Çünkü artık yalnız değilim.", "Çünkü burası ikinci evim gibi."],
    },
    "ar": {
        "contact": ["جارتي أخذتني إلى صباح القهوة.", "رأيت إعلانًا عن دروس اللغة."],
        "story": [
            "كنت وحيدة في البيت. الآن أذهب إلى المركز كل أسبوع وتعرفت على نساء من الحي.",
            "ساعدوني في فهم رسائل البلدية. رقمي 06 1234 5678.",
            "أصبحت أساعد في تنظيم الحفلات للأطفال.",
        ],
        "why": ["لأنني لم أعد أشعر بالوحدة.", "لأنني أشعر أن لي مكانًا هنا."],
    },
    "pl": {
        "contact": ["Sąsiadka zabrała mnie na kawę.", "Szukałam kursu niderlandzkiego."],
        "story": [
            "Na początku nikogo nie znałam. Teraz pomagam przy kolacjach i mam tu przyjaciół.",
            "Pomogli mi z listem z urzędu. Moje konto to NL91 ABNA 0417 1643 00, ale tego nie trzeba.",
            "Czuję się bezpieczniej na naszej ulicy, bo znam sąsiadów.",
        ],
        "why": ["Bo czuję się tu jak w domu.", "Bo ktoś mnie wysłuchał."],
    },
    "uk": {
        "contact": ["Сусідка привела мене на ранкову каву.", "Я шукала курси нідерландської мови."],
        "story": [
            "Після переїзду я нікого не знала. Тепер я допомагаю на кухні і маю тут друзів.",
            "Тут мені допомогли з листами від муніципалітету. Моя адреса 2532 AB 14.",
            "Мої діти ходять сюди після школи, і їм тут добре.",
        ],
        "why": ["Бо я більше не почуваюся самотньою.", "Бо тут мене чують."],
    },
}
