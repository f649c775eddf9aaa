"""The podcast feed: RSS 2.0 with the iTunes and Podcasting 2.0 namespaces.

One episode per track, with its enclosure, duration, cover, JSON chapters
(`podcast:chapters`) and WebVTT transcript (`podcast:transcript`): AntennaPod and other
podcast apps read all of them.
"""

from __future__ import annotations

import email.utils
import re
import xml.etree.ElementTree as ET

from voiceguide.languages import printed_for, screen_for
from voiceguide.share.library import CHAPTERS_SUFFIX, COVER_SUFFIX, TRANSCRIPT_SUFFIX, Track, track_address

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST = "https://podcastindex.org/namespace/1.0"
ET.register_namespace("itunes", ITUNES)
ET.register_namespace("podcast", PODCAST)

CATEGORY = "Health & Fitness"
"""Apple's category: a fixed English name from its list, which each app shows in its own language."""


def channel_language(tracks: list[Track]) -> str:
    """The language most of the tracks are in (English for none)."""
    languages = [t.language for t in tracks] or ["en"]
    return max(sorted(set(languages)), key=languages.count)


def feed_title(tracks: list[Track]) -> str:
    """The feed's (and the page's, and the cover's) title, in the tracks' language: the album
    name its tracks carry."""
    return printed_for(channel_language(tracks)).album


def podcast_feed(tracks: list[Track], *, base: str) -> bytes:
    """The feed for `tracks`, with every address under `base` (ending in "/"). The channel is
    in the language most of its tracks are in, its title and description too; each
    transcript says its own."""
    language = channel_language(tracks)
    words = screen_for(language).page
    title = feed_title(tracks)
    rss = ET.Element("rss", {"version": "2.0"})
    channel = ET.SubElement(rss, "channel")
    _text(channel, "title", title)
    _text(channel, "link", base)
    _text(channel, "description", words["feed_description"])
    _text(channel, "language", language)
    _text(channel, "generator", "voiceguide")
    _text(channel, f"{{{ITUNES}}}author", "voiceguide")
    _text(channel, f"{{{ITUNES}}}explicit", "false")
    ET.SubElement(channel, f"{{{ITUNES}}}category", {"text": CATEGORY})
    ET.SubElement(channel, f"{{{ITUNES}}}image", {"href": f"{base}cover.jpg"})
    image = ET.SubElement(channel, "image")
    _text(image, "url", f"{base}cover.jpg")
    _text(image, "title", title)
    _text(image, "link", base)
    for track in tracks:
        item = ET.SubElement(channel, "item")
        _text(item, "title", track.title)
        _text(item, "description", _summary(track))
        _text(item, "guid", track.guid).set("isPermaLink", "false")
        _text(item, "pubDate", email.utils.formatdate(track.modified, usegmt=True))
        ET.SubElement(
            item,
            "enclosure",
            {"url": base + track_address(track.name), "length": str(track.size), "type": "audio/mpeg"},
        )
        _text(item, f"{{{ITUNES}}}duration", str(round(track.duration_s)))
        _text(item, f"{{{ITUNES}}}episodeType", "full")
        ET.SubElement(item, f"{{{ITUNES}}}image", {"href": base + track_address(track.name, COVER_SUFFIX)})
        ET.SubElement(
            item,
            f"{{{PODCAST}}}chapters",
            {"url": base + track_address(track.name, CHAPTERS_SUFFIX), "type": "application/json+chapters"},
        )
        if track.has_transcript:
            ET.SubElement(
                item,
                f"{{{PODCAST}}}transcript",
                {
                    "url": base + track_address(track.name, TRANSCRIPT_SUFFIX),
                    "type": "text/vtt",
                    "language": track.language,
                },
            )
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(rss, encoding="utf-8")


_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
"""Characters XML 1.0 has no place for: one in a title would make the whole feed invalid."""


def xml_safe(text: str) -> str:
    return _NOT_IN_XML.sub("\ufffd", text)


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = xml_safe(text)
    return element


def _summary(track: Track) -> str:
    minutes = round(track.duration_s / 60)
    parts = [c.title for c in track.chapters]
    return f"{minutes} min. " + (" · ".join(parts) if parts else track.title)
