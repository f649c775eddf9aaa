"""Portuguese: formal (o senhor, a senhora) unless the routine says, and Brazil's "você" in both;
"por" contracts with the side's article ("pelo joelho")."""

from __future__ import annotations

import re
from dataclasses import replace

from voiceguide.languages.pack import (
    By,
    Gender,
    Grammar,
    Numbers,
    Pack,
    Printed,
    Region,
    Screen,
    Sentences,
    Starter,
    half_after,
    joined,
    with_article,
)

_POR = joined("por", {"o ": "pelo ", "a ": "pela ", "os ": "pelos ", "as ": "pelas "})


def _agree(words: str, gender: Gender, noun: str) -> str:
    if gender != "f":
        return words
    words = re.sub(r"(?<!c)entos\b", "entas", words)  # duzentas, trezentas (not "cento")
    words = re.sub(r"\bum$", "uma", words)  # uma vez, vinte e uma vezes
    return re.sub(r"\bdois$", "duas", words)  # duas vezes


_ARTICLES = ("o ", "a ", "os ", "as ")
"""The articles a side name may start with."""

_BODY: dict[str, Gender] = {
    **dict.fromkeys(("joelho", "pé", "tornozelo", "pulso", "cotovelo", "ombro", "braço", "lado"), "m"),
    **dict.fromkeys(("quadril", "calcanhar", "polegar", "dedo", "olho", "antebraço", "ouvido"), "m"),
    **dict.fromkeys(("mão", "anca", "perna", "orelha", "têmpora", "coxa", "panturrilha", "bochecha"), "f"),
    **dict.fromkeys(("palma", "axila", "sobrancelha", "esquerda", "direita"), "f"),
}
"""The body parts a side name names, with their gender, for the article it takes."""


def _with_article(side: str, gender: Gender) -> str:
    return f"{'o' if gender == 'm' else 'a'} {side}"


_PRINTED = Printed(
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
)

_STARTER = Starter(
    title="A minha rotina",
    description="Para que serve esta rotina.",
    settle=By(
        "Procure uma posição confortável e respire devagar.", "Procura uma posição confortável e respira devagar."
    ),
    first_title="O primeiro ponto",
    first_locate=By("Descreva onde fica o ponto e como encontrá-lo.", "Descreve onde fica o ponto e como encontrá-lo."),
    caution=By("Pressione com suavidade e pare se doer.", "Pressiona com suavidade e para se doer."),
    press_now=By("Pressione agora o ponto.", "Pressiona agora o ponto."),
    release=By("Solte.", "Solta."),
    second_title="O segundo ponto",
    second_locate=By("Descreva onde fica.", "Descreve onde fica."),
    left_hand="a mão esquerda",
    right_hand="a mão direita",
    squeeze=By("Aperte", "Aperta"),
    shake=By("Sacuda a mão para a soltar.", "Sacode a mão para a soltar."),
    done="Muito bem. A rotina terminou.",
)

PACK = Pack(
    code="pt",
    name="Português",
    register="formal",
    sentences=Sentences(
        work_both=By("Pressione os dois pontos ao mesmo tempo.", "Pressiona os dois pontos ao mesmo tempo."),
        start_with=By("Comece {por_side}.", "Começa {por_side}."),
        switch_to=By("Agora passe para {side}.", "Agora passa para {side}."),
        press=By("Pressione", "Pressiona"),
        release=By("Solte", "Solta"),
        press_count="{word}, {k} de {n}",
        hold_for=By("Mantenha a pressão durante {amount}.", "Mantém a pressão durante {amount}."),
        halfway="Já vamos a meio.",
        time_left_one="Falta {amount}.",
        time_left="Faltam {amount}.",
        lead_in="Começamos em 3, 2, 1.",
        intro="Introdução",
        closing="Encerramento",
    ),
    grammar=Grammar(
        sides=("o lado esquerdo", "o lado direito"),
        units={"seconds": ("um segundo", "segundo", "segundos"), "minutes": ("um minuto", "minuto", "minutos")},
        half=half_after("e meio"),
        half_unit={"seconds": "meio segundo", "minutes": "meio minuto"},
        decimal_comma=True,
        forms=lambda side: {"por_side": _POR(side)},
        articles=_ARTICLES,
        articled=with_article(_BODY, _ARTICLES, _with_article),
    ),
    numbers=Numbers(
        feminine=(
            "vez",
            "vezes",
            "hora",
            "horas",
            "respiração",
            "respirações",
            "repetição",
            "repetições",
            "pressão",
            "pressões",
        ),
        masculine=(
            "segundo",
            "segundos",
            "minuto",
            "minutos",
            "ponto",
            "pontos",
            "ciclo",
            "ciclos",
            "toque",
            "toques",
        ),
        agree=_agree,
        not_counted=("de", "da", "do", "em", "e", "ou", "o", "a", "ao", "por", "para", "com", "sobre"),
    ),
    printed=_PRINTED,
    screen=Screen(
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
    starter=_STARTER,
    marks={"formal": ("senhor", "senhora"), "informal": ("tu",)},
    imperatives={
        "formal": (
            "pressione",
            "solte",
            "mantenha",
            "comece",
            "passe",
            "procure",
            "respire",
            "descreva",
            "aperte",
            "sacuda",
        ),
        "informal": ("pressiona", "solta", "mantém", "começa", "procura", "respira", "descreve", "aperta", "sacode"),
    },
    side_letters=("E", "D"),
    regions={
        # Brazil says "você" to a patient either way, "na metade" where Portugal says "a meio",
        # and counts "dezesseis" where Portugal counts "dezasseis".
        "pt-br": Region(
            sentences={"halfway": "Já estamos na metade."},
            one_register=True,
            printed=replace(
                _PRINTED,
                scan="Aponte a câmera para ouvir no celular",
                shared_only="Só nesta rede, enquanto estiver compartilhado: na página, salve a faixa ou assine.",
            ),
            starter=replace(
                _STARTER,
                title="Minha rotina",
                settle="Encontre uma posição confortável e respire devagar.",
                press_now="Pressione o ponto agora.",
                second_locate="Descreva onde ele fica.",
                shake="Sacuda a mão para soltá-la.",
            ),
            screen=Screen(
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
                    "cannot_keep": "Este navegador não consegue salvar a página: "
                    "salve a faixa ou assine em um app de podcast.",
                    "feed_description": "Rotinas guiadas por voz para fazer em casa.",
                },
            ),
            numbers="pt_BR",
        ),
    },
)
