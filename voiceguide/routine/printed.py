"""Words voiceguide prints (never speaks), in each language it has phrases in: the safety
note that goes into every track's tags and onto the card, and the card's own labels.

A routine written in a language without its own table prints English, as its added
sentences fall back to the table `phrases:` names.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from voiceguide.routine.numbers import base_language


@dataclass(frozen=True)
class Printed:
    safety: str
    """What acupressure (and a routine like it) can and cannot do, and when to stop."""
    safety_heading: str
    where: str
    how: str
    caution: str
    """The heading of a point set's cautions, set apart from how to press."""
    dose: str
    count_to: str
    """{n}: a counted hold."""
    hold: str
    """{amount}: a timed hold, the amount in the spoken form ("1 and a half minutes")."""
    times: str
    """{word} {n}: taps, presses or a repeat ("Tap 13 times")."""
    tap: str
    repeat: str
    each_side: str
    both_sides: str
    about_minutes: str
    """{n}: a section's or the routine's length, whole minutes."""
    point_sets: str
    """{n}: how many sections."""
    whole_routine: str
    scan: str
    """Beside the QR code."""
    shared_only: str
    """Under the QR code of `share`'s page (card --share): where it works, and how to keep it."""
    profile: dict[str, str]
    """The profiles' names: short, standard, full."""
    album: str = "voiceguide routines"
    """The album tag of a track whose routine names no source."""


PRINTED: dict[str, Printed] = {
    "en": Printed(
        safety="Acupressure eases symptoms; it does not diagnose or cure. See a doctor about sudden "
        "or lasting pain. Press firmly, never hard enough to hurt, and stop if anything hurts.",
        safety_heading="Safety",
        where="Where",
        how="How",
        caution="Caution",
        dose="Dose",
        count_to="slow count to {n}",
        hold="hold {amount}",
        times="{word} {n} times",
        tap="tap",
        repeat="repeat",
        each_side="each side in turn",
        both_sides="both sides at once",
        about_minutes="about {n} min",
        point_sets="{n} point sets",
        whole_routine="the whole routine",
        scan="Scan to listen on your phone",
        shared_only="Works on this network only while it is shared: on the page, save the track or subscribe.",
        profile={"short": "short session", "standard": "standard session", "full": "full session"},
    ),
    "de": Printed(
        safety="Akupressur lindert Beschwerden; sie stellt keine Diagnose und heilt nicht. Lassen Sie "
        "plötzliche oder anhaltende Schmerzen ärztlich abklären. Drücken Sie fest, aber nie so, dass "
        "es wehtut, und hören Sie auf, wenn etwas schmerzt.",
        safety_heading="Sicherheit",
        where="Wo",
        how="Wie",
        caution="Vorsicht",
        dose="Dauer",
        count_to="langsam bis {n} zählen",
        hold="{amount} halten",
        times="{n}-mal {word}",
        tap="klopfen",
        repeat="wiederholen",
        each_side="eine Seite nach der anderen",
        both_sides="beide Seiten zugleich",
        about_minutes="etwa {n} Min.",
        point_sets="{n} Punktgruppen",
        whole_routine="die ganze Übung",
        scan="Zum Anhören auf dem Handy scannen",
        shared_only="Nur in diesem Netzwerk während der Freigabe: auf der Seite speichern oder abonnieren.",
        profile={"short": "kurze Einheit", "standard": "normale Einheit", "full": "volle Einheit"},
        album="voiceguide-Übungen",
    ),
    "fr": Printed(
        safety="L'acupression soulage les symptômes ; elle ne pose pas de diagnostic et ne guérit pas. "
        "Consultez un médecin pour une douleur soudaine ou persistante. Appuyez fermement, sans jamais "
        "vous faire mal, et arrêtez si quelque chose fait mal.",
        safety_heading="Sécurité",
        where="Où",
        how="Comment",
        caution="Attention",
        dose="Durée",
        count_to="compter lentement jusqu'à {n}",
        hold="maintenir {amount}",
        times="{word} {n} fois",
        tap="tapoter",
        repeat="répéter",
        each_side="un côté après l'autre",
        both_sides="les deux côtés à la fois",
        about_minutes="environ {n} min",
        point_sets="{n} groupes de points",
        whole_routine="la séance entière",
        scan="Scannez pour écouter sur votre téléphone",
        shared_only="Sur ce réseau seulement, pendant le partage : sur la page, enregistrez ou abonnez-vous.",
        profile={"short": "séance courte", "standard": "séance normale", "full": "séance complète"},
        album="Séances voiceguide",
    ),
    "es": Printed(
        safety="La acupresión alivia los síntomas; no diagnostica ni cura. Consulte a un médico si el "
        "dolor es repentino o persistente. Presione con firmeza, nunca hasta que duela, y pare si algo "
        "duele.",
        safety_heading="Seguridad",
        where="Dónde",
        how="Cómo",
        caution="Precaución",
        dose="Duración",
        count_to="contar despacio hasta {n}",
        hold="mantener {amount}",
        times="{word} {n} veces",
        tap="dar golpecitos",
        repeat="repetir",
        each_side="un lado y luego el otro",
        both_sides="los dos lados a la vez",
        about_minutes="unos {n} min",
        point_sets="{n} grupos de puntos",
        whole_routine="la sesión completa",
        scan="Escanee para escuchar en el móvil",
        shared_only="Solo en esta red mientras se comparte: en la página, guarde la pista o suscríbase.",
        profile={"short": "sesión corta", "standard": "sesión normal", "full": "sesión completa"},
        album="Rutinas de voiceguide",
    ),
    "it": Printed(
        safety="L'acupressione allevia i sintomi; non fa diagnosi e non cura. Per un dolore improvviso o "
        "persistente consulti un medico. Prema con decisione, mai fino a sentire dolore, e si fermi se "
        "qualcosa fa male.",
        safety_heading="Sicurezza",
        where="Dove",
        how="Come",
        caution="Attenzione",
        dose="Durata",
        count_to="contare lentamente fino a {n}",
        hold="tenere {amount}",
        times="{word} {n} volte",
        tap="picchiettare",
        repeat="ripetere",
        each_side="un lato alla volta",
        both_sides="entrambi i lati insieme",
        about_minutes="circa {n} min",
        point_sets="{n} gruppi di punti",
        whole_routine="l'intera sessione",
        scan="Inquadri per ascoltare sul telefono",
        shared_only="Solo su questa rete durante la condivisione: dalla pagina, salvi la traccia o si iscriva.",
        profile={"short": "sessione breve", "standard": "sessione normale", "full": "sessione completa"},
        album="Sequenze voiceguide",
    ),
    "nl": Printed(
        safety="Acupressuur verlicht klachten; het stelt geen diagnose en geneest niet. Laat plotselinge "
        "of aanhoudende pijn door een arts onderzoeken. Druk stevig, nooit zo hard dat het pijn doet, "
        "en stop als iets pijn doet.",
        safety_heading="Veiligheid",
        where="Waar",
        how="Hoe",
        caution="Let op",
        dose="Duur",
        count_to="langzaam tot {n} tellen",
        hold="{amount} vasthouden",
        times="{n} keer {word}",
        tap="tikken",
        repeat="herhalen",
        each_side="eerst de ene kant, dan de andere",
        both_sides="beide kanten tegelijk",
        about_minutes="ongeveer {n} min",
        point_sets="{n} groepen punten",
        whole_routine="de hele sessie",
        scan="Scan om op je telefoon te luisteren",
        shared_only="Alleen op dit netwerk, tijdens het delen: bewaar via de pagina de opname of abonneer je.",
        profile={"short": "korte sessie", "standard": "gewone sessie", "full": "volledige sessie"},
        album="voiceguide-oefeningen",
    ),
    "pt": Printed(
        safety="A acupressão alivia os sintomas; não faz diagnósticos nem cura. Consulte um médico se a "
        "dor for súbita ou persistente. Pressione com firmeza, nunca a ponto de doer, e pare se algo "
        "doer.",
        safety_heading="Segurança",
        where="Onde",
        how="Como",
        caution="Cuidado",
        dose="Duração",
        count_to="contar devagar até {n}",
        hold="manter {amount}",
        times="{word} {n} vezes",
        tap="dar toques",
        repeat="repetir",
        each_side="um lado de cada vez",
        both_sides="os dois lados ao mesmo tempo",
        about_minutes="cerca de {n} min",
        point_sets="{n} grupos de pontos",
        whole_routine="a sessão inteira",
        scan="Leia o código para ouvir no telemóvel",
        shared_only="Só nesta rede, durante a partilha: na página, guarde a faixa ou subscreva.",
        profile={"short": "sessão curta", "standard": "sessão normal", "full": "sessão completa"},
        album="Rotinas do voiceguide",
    ),
}


def printed_for(language: str) -> Printed:
    """The printed words for a language code such as "de" or "pt-BR"; English if it has none."""
    return PRINTED.get(base_language(language), PRINTED["en"])


@dataclass(frozen=True)
class Screen:
    """The words shown on a screen: the live view (`voiceguide play` in a terminal) and the
    phone's page (`voiceguide share`, which reads them from `words.js`)."""

    playing: str
    paused: str
    waiting: str
    """The track stands still: the next sound is still being made."""
    playing_again: str
    """A line of --quiet's when it plays on after a pause."""
    left: str
    """{time}: the time left in the routine ("12:30 left")."""
    seconds_left: str
    """{n}: seconds left in a timed hold."""
    of: str
    """{n} {of}: where a count, taps or presses are ("7 of 30")."""
    keys: str
    """The keys, in one line."""
    page: dict[str, str]
    """The phone page's buttons and notes: play, pause, previous, next, download (save the
    track), routines, chapters, where (to press), none (shared yet), unreachable; here (where
    `share`'s page works), keep, subscribe, feed (how to keep a track); saving, saved,
    cannot_keep (the published page's copy on the phone); feed_description (the podcast feed,
    whose title is `Printed.album`). Its time left in a hold is `seconds_left`."""


SCREEN: dict[str, Screen] = {
    "en": Screen(
        playing="playing",
        paused="paused",
        waiting="waiting for the voice",
        playing_again="playing again",
        left="{time} left",
        seconds_left="{n} s left",
        of="{n} of {of}",
        keys="space pause · n next section · p restart section · q quit",
        page={
            "play": "Play",
            "pause": "Pause",
            "previous": "Previous chapter",
            "next": "Next chapter",
            "download": "Save the track on this phone",
            "routines": "Routines",
            "chapters": "chapters",
            "where": "Where to press",
            "none": "No routines are shared yet.",
            "unreachable": "The computer sharing these routines cannot be reached.",
            "here": "Plays on this network while the computer is sharing it.",
            "keep": "To listen at home:",
            "subscribe": "Subscribe in a podcast app",
            "feed": "Feed address",
            "saving": "Saving on this phone…",
            "saved": "Saved on this phone: plays without the network.",
            "cannot_keep": "This browser cannot keep the page: save the track or subscribe in a podcast app.",
            "feed_title": "voiceguide routines",
            "feed_description": "Voice-guided routines to follow at home.",
        },
    ),
    "de": Screen(
        playing="läuft",
        paused="pausiert",
        waiting="wartet auf die Stimme",
        playing_again="läuft weiter",
        left="noch {time}",
        seconds_left="noch {n} s",
        of="{n} von {of}",
        keys="Leertaste Pause · n nächster Abschnitt · p Abschnitt neu · q Beenden",
        page={
            "play": "Abspielen",
            "pause": "Pause",
            "previous": "Voriges Kapitel",
            "next": "Nächstes Kapitel",
            "download": "Aufnahme auf diesem Handy speichern",
            "routines": "Übungen",
            "chapters": "Kapitel",
            "where": "Hier drücken",
            "none": "Noch keine Übungen freigegeben.",
            "unreachable": "Der Computer, der die Übungen freigibt, ist nicht erreichbar.",
            "here": "Diese Seite funktioniert nur in diesem Netzwerk, solange der Computer sie freigibt.",
            "keep": "Zum Anhören zu Hause:",
            "subscribe": "In einer Podcast-App abonnieren",
            "feed": "Feed-Adresse",
            "saving": "Wird auf diesem Handy gespeichert …",
            "saved": "Seite auf diesem Handy gespeichert: funktioniert auch ohne Internet.",
            "cannot_keep": "Dieser Browser kann die Seite nicht offline speichern: "
            "Aufnahme speichern oder in einer Podcast-App abonnieren.",
            "feed_description": "Angeleitete Übungen zum Mitmachen zu Hause.",
        },
    ),
    "fr": Screen(
        playing="en lecture",
        paused="en pause",
        waiting="en attente de la voix",
        playing_again="reprise",
        left="reste {time}",
        seconds_left="reste {n} s",
        of="{n} sur {of}",
        keys="espace pause · n section suivante · p recommencer · q quitter",
        page={
            "play": "Lecture",
            "pause": "Pause",
            "previous": "Chapitre précédent",
            "next": "Chapitre suivant",
            "download": "Enregistrer la piste sur ce téléphone",
            "routines": "Séances",
            "chapters": "chapitres",
            "where": "Où appuyer",
            "none": "Aucune séance partagée pour l'instant.",
            "unreachable": "L'ordinateur qui partage les séances est injoignable.",
            "here": "Cette page ne fonctionne sur ce réseau que tant que l'ordinateur la partage.",
            "keep": "Pour l'écouter chez vous :",
            "subscribe": "S'abonner dans une appli de podcasts",
            "feed": "Adresse du flux",
            "saving": "Enregistrement sur ce téléphone…",
            "saved": "Page enregistrée sur ce téléphone : fonctionne sans réseau.",
            "cannot_keep": "Ce navigateur ne peut pas conserver la page hors connexion : "
            "enregistrez la piste ou abonnez-vous dans une appli de podcasts.",
            "feed_description": "Séances guidées à la voix, à suivre chez vous.",
        },
    ),
    "es": Screen(
        playing="reproduciendo",
        paused="en pausa",
        waiting="esperando la voz",
        playing_again="se reanuda",
        left="quedan {time}",
        seconds_left="quedan {n} s",
        of="{n} de {of}",
        keys="espacio pausa · n sección siguiente · p repetir sección · q salir",
        page={
            "play": "Reproducir",
            "pause": "Pausa",
            "previous": "Capítulo anterior",
            "next": "Capítulo siguiente",
            "download": "Guardar la pista en este móvil",
            "routines": "Rutinas",
            "chapters": "capítulos",
            "where": "Dónde presionar",
            "none": "Aún no hay rutinas compartidas.",
            "unreachable": "No se puede acceder al ordenador que comparte las rutinas.",
            "here": "Esta página solo funciona en esta red mientras el ordenador la comparte.",
            "keep": "Para escucharla en casa:",
            "subscribe": "Suscribirse en una app de pódcasts",
            "feed": "Dirección del feed",
            "saving": "Guardando en este móvil…",
            "saved": "Página guardada en este móvil: funciona sin conexión.",
            "cannot_keep": "Este navegador no puede guardar la página: "
            "guarda la pista o suscríbete en una app de pódcast.",
            "feed_description": "Rutinas guiadas por voz para seguir en casa.",
        },
    ),
    "it": Screen(
        playing="in riproduzione",
        paused="in pausa",
        waiting="in attesa della voce",
        playing_again="ripresa",
        left="mancano {time}",
        seconds_left="mancano {n} s",
        of="{n} di {of}",
        keys="spazio pausa · n sezione successiva · p ricomincia sezione · q esci",
        page={
            "play": "Riproduci",
            "pause": "Pausa",
            "previous": "Capitolo precedente",
            "next": "Capitolo successivo",
            "download": "Salva la traccia su questo telefono",
            "routines": "Sequenze",
            "chapters": "capitoli",
            "where": "Dove premere",
            "none": "Nessuna sequenza condivisa per ora.",
            "unreachable": "Il computer che condivide le sequenze non è raggiungibile.",
            "here": "Questa pagina funziona solo su questa rete finché il computer la condivide.",
            "keep": "Per ascoltarla a casa:",
            "subscribe": "Iscriviti da un'app di podcast",
            "feed": "Indirizzo del feed",
            "saving": "Salvataggio su questo telefono…",
            "saved": "Pagina salvata su questo telefono: funziona senza rete.",
            "cannot_keep": "Questo browser non può conservare la pagina: "
            "salva la traccia o iscriviti da un'app di podcast.",
            "feed_description": "Sequenze guidate a voce da seguire a casa.",
        },
    ),
    "nl": Screen(
        playing="speelt af",
        paused="gepauzeerd",
        waiting="wacht op de stem",
        playing_again="hervat",
        left="nog {time}",
        seconds_left="nog {n} s",
        of="{n} van {of}",
        keys="spatie pauze · n volgend deel · p deel opnieuw · q stoppen",
        page={
            "play": "Afspelen",
            "pause": "Pauze",
            "previous": "Vorig hoofdstuk",
            "next": "Volgend hoofdstuk",
            "download": "Opname op deze telefoon bewaren",
            "routines": "Oefeningen",
            "chapters": "hoofdstukken",
            "where": "Waar drukken",
            "none": "Nog geen oefeningen gedeeld.",
            "unreachable": "De computer die de oefeningen deelt is niet bereikbaar.",
            "here": "Deze pagina werkt alleen op dit netwerk, zolang de computer hem deelt.",
            "keep": "Om thuis te luisteren:",
            "subscribe": "Abonneren via een podcastapp",
            "feed": "Feedadres",
            "saving": "Wordt op deze telefoon bewaard…",
            "saved": "Pagina bewaard op deze telefoon: werkt ook zonder internet.",
            "cannot_keep": "Deze browser kan de pagina niet bewaren: "
            "bewaar de opname of abonneer je via een podcastapp.",
            "feed_description": "Oefeningen met gesproken begeleiding om thuis te doen.",
        },
    ),
    "pt": Screen(
        playing="a tocar",
        paused="em pausa",
        waiting="à espera da voz",
        playing_again="continua",
        left="faltam {time}",
        seconds_left="faltam {n} s",
        of="{n} de {of}",
        keys="espaço pausa · n secção seguinte · p repetir a secção · q sair",
        page={
            "play": "Reproduzir",
            "pause": "Pausa",
            "previous": "Capítulo anterior",
            "next": "Capítulo seguinte",
            "download": "Guardar a faixa neste telemóvel",
            "routines": "Rotinas",
            "chapters": "capítulos",
            "where": "Onde pressionar",
            "none": "Ainda não há rotinas partilhadas.",
            "unreachable": "O computador que partilha as rotinas não está acessível.",
            "here": "Esta página só funciona nesta rede enquanto o computador a partilhar.",
            "keep": "Para ouvir em casa:",
            "subscribe": "Subscrever numa app de podcasts",
            "feed": "Endereço do feed",
            "saving": "A guardar neste telemóvel…",
            "saved": "Página guardada neste telemóvel: funciona sem rede.",
            "cannot_keep": "Este navegador não consegue guardar a página: "
            "guarde a faixa ou subscreva numa app de podcasts.",
            "feed_description": "Rotinas guiadas por voz para fazer em casa.",
        },
    ),
    "pt-br": Screen(
        playing="tocando",
        paused="em pausa",
        waiting="aguardando a voz",
        playing_again="continua",
        left="faltam {time}",
        seconds_left="faltam {n} s",
        of="{n} de {of}",
        keys="espaço pausa · n próxima seção · p repetir a seção · q sair",
        page={
            "play": "Reproduzir",
            "pause": "Pausa",
            "previous": "Capítulo anterior",
            "next": "Próximo capítulo",
            "download": "Salvar a faixa neste celular",
            "routines": "Rotinas",
            "chapters": "capítulos",
            "where": "Onde pressionar",
            "none": "Ainda não há rotinas compartilhadas.",
            "unreachable": "O computador que compartilha as rotinas não pode ser acessado.",
            "here": "Esta página só funciona nesta rede enquanto o computador estiver compartilhando.",
            "keep": "Para ouvir em casa:",
            "subscribe": "Assinar em um app de podcast",
            "feed": "Endereço do feed",
            "saving": "Salvando neste celular…",
            "saved": "Página salva neste celular: funciona sem internet.",
            "cannot_keep": "Este navegador não consegue salvar a página: salve a faixa ou assine em um app de podcast.",
            "feed_description": "Rotinas guiadas por voz para fazer em casa.",
        },
    ),
}
"""Every language PRINTED has (and Brazil's Portuguese): the view shows no word in another
language than the routine's."""


def screen_for(language: str) -> Screen:
    """The live view's words for a language code such as "de" or "pt-BR"; English if it has none."""
    return SCREEN.get(language.lower()) or SCREEN.get(base_language(language), SCREEN["en"])


def page_words_script() -> str:
    """The phone page's `words.js`: its words in every language above, as `WORDS` (with `left`,
    the time left in a hold, "{n}" standing for the seconds)."""
    words = {code: {**screen.page, "left": screen.seconds_left} for code, screen in SCREEN.items()}
    return f"const WORDS = {json.dumps(words, ensure_ascii=False, indent=1)};\n"
