"""English: informal, as a physiotherapist talks to a patient ("Press", "Hold for 90 seconds.")."""

from __future__ import annotations

from voiceguide.languages.pack import Grammar, Numbers, Pack, Printed, Screen, Sentences, Starter, Unit


def _half(whole: int, unit: Unit, words: tuple[str, str, str]) -> str:
    return f"{whole} and a half {words[2]}"


PACK = Pack(
    code="en",
    name="English",
    register="informal",
    sentences=Sentences(
        work_both="Work both points at the same time.",
        start_with="Start with the {side}.",
        switch_to="Now switch to the {side}.",
        press="Press",
        release="Release",
        press_count="{word}, {k} of {n}",
        hold_for="Hold for {amount}.",
        halfway="Halfway.",
        time_left_one="{amount} left.",
        time_left="{amount} left.",
        lead_in="Starting in 3, 2, 1.",
        intro="Introduction",
        closing="Closing",
    ),
    grammar=Grammar(
        sides=("left side", "right side"),
        units={"seconds": ("1 second", "second", "seconds"), "minutes": ("1 minute", "minute", "minutes")},
        half=_half,
        half_unit={"seconds": "half a second", "minutes": "half a minute"},
        decimal_comma=False,
    ),
    numbers=Numbers(
        # English numbers never change with the noun; these words follow a number uncounted.
        not_counted=("of", "to", "and", "or", "on", "in"),
    ),
    printed=Printed(
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
    screen=Screen(
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
            "feed_description": "Voice-guided routines to follow at home.",
        },
    ),
    starter=Starter(
        title="My routine",
        description="What this routine is for.",
        settle="Find a comfortable position and breathe slowly.",
        first_title="The first point",
        first_locate="Describe where the point is and how to find it.",
        caution="Press gently, and stop if it hurts.",
        press_now="Press the point now.",
        release="Release.",
        second_title="The second point",
        second_locate="Describe where it is.",
        left_hand="left hand",
        right_hand="right hand",
        squeeze="Squeeze",
        shake="Shake the hand loose.",
        done="Well done. That is the end of the routine.",
    ),
    side_letters=("L", "R"),
)
