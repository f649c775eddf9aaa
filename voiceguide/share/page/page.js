// voiceguide's phone page: the shared tracks, a big play button between previous and next
// chapter, chapters to tap, the
// picture of where to press in the chapter being heard, and the instruction being spoken in
// large type (from the track's WebVTT transcript). The lock screen shows the title and the
// chapter's picture (or the cover), and its previous/next buttons move by chapter.
"use strict";

const $ = (id) => document.getElementById(id);
const audio = $("audio");

// The page's own words, in the language of the routine on show (its MP3 says which): WORDS,
// from words.js, which voiceguide writes from the same table as the live view's words.
let words = WORDS.en;

function wordsFor(language) {
  const code = (language || "en").toLowerCase();
  return WORDS[code] || WORDS[code.split("-")[0]] || WORDS.en;
}

function speak(language) {
  words = wordsFor(language);
  document.documentElement.lang = language || "en";
  $("download").textContent = words.download;
  $("keep-title").textContent = words.keep;
  $("subscribe-title").textContent = words.subscribe;
  $("feed-label").textContent = words.feed;
  $("offline").textContent = kept ? words[kept] : "";
  $("routines").textContent = words.routines;
  $("previous").setAttribute("aria-label", words.previous);
  $("next").setAttribute("aria-label", words.next);
  $("chapters").setAttribute("aria-label", words.chapters);
  showPlaying(!audio.paused);
}

function showPlaying(playing) {
  $("play").textContent = playing ? words.pause : words.play;
  $("play").setAttribute("aria-label", playing ? words.pause : words.play);
}

function measureNow() {
  // Chapters scrolled into view stop below the panel that stays at the top, not under it.
  document.documentElement.style.setProperty("--now", `${$("now").offsetHeight}px`);
}

function fitInstruction() {
  // The box keeps its height; a long instruction gets smaller type to fit in it whole.
  const box = $("instruction");
  box.style.fontSize = "";
  let size = parseFloat(getComputedStyle(box).fontSize);
  while (box.scrollHeight > box.clientHeight + 1 && size > 12) {
    size -= 1;
    box.style.fontSize = `${size}px`;
  }
}
// How this page came: "share" (from the computer, on its network, while it shares) or
// "published" (a folder on a web host, which the phone can keep); from site.json.
let site = { mode: "share", feed: "feed.xml" };
let kept = ""; // which of words.here, saving, saved, cannot_keep the page shows (none yet)
// The published page's copy on the phone, one per published folder (sw.js reads it).
const CACHE = `voiceguide ${new URL("./", document.baseURI).href}`;
let listed = ""; // tracks.json as it came, kept last: a list never points at files not kept

let tracks = [];
let current = null; // the selected track
let cues = []; // [{start, end, text}] of the selected track's transcript

function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${rest}` : `${m}:${rest}`;
}

function parseTime(text) {
  const parts = text.trim().split(":").map(Number);
  return parts.reduce((total, part) => total * 60 + part, 0);
}

function parseVtt(text) {
  const found = [];
  for (const block of text.replace(/\r/g, "").split(/\n\n+/)) {
    const lines = block.split("\n");
    const timing = lines.findIndex((line) => line.includes("-->"));
    if (timing < 0) continue;
    const [start, end] = lines[timing].split("-->").map((t) => parseTime(t.trim().split(" ")[0]));
    found.push({ start, end, text: lines.slice(timing + 1).join(" ").trim() });
  }
  return found.sort((a, b) => a.start - b.start);
}

function chapterAt(time) {
  if (!current) return -1;
  let index = -1;
  current.chapters.forEach((chapter, i) => {
    if (chapter.start <= time + 0.001) index = i;
  });
  return index;
}

function show(time) {
  // The instruction is the last cue that has begun: it stays until the next one starts. At
  // the start of a chapter, before its first words, the chapter's first words show instead
  // of the last ones of the chapter before.
  const at = chapterAt(time);
  const chapterStart = at >= 0 ? current.chapters[at].start : 0;
  let said = null;
  let next = null;
  for (const cue of cues) {
    if (cue.start > time + 0.001) {
      next = cue;
      break;
    }
    said = cue;
  }
  if ((said === null || said.start < chapterStart - 0.001) && next !== null) said = next;
  const text = said ? said.text : "";
  if ($("instruction").textContent !== text) {
    $("instruction").textContent = text;
    fitInstruction();
  }
  showPicture(at >= 0 ? current.chapters[at] : null);
  $("position").textContent = clock(time);
  // The hold in progress, counted down: "87 s left".
  const hold = (current.holds || []).find(([start, end]) => start <= time && time < end);
  $("left").textContent = hold ? words.left.replace("{n}", Math.ceil(hold[1] - time - 0.001)) : "";
  document.querySelectorAll("#chapters button").forEach((button, i) => {
    button.classList.toggle("current", i === at);
    button.setAttribute("aria-current", i === at ? "true" : "false");
  });
  if ("mediaSession" in navigator && Number.isFinite(audio.duration) && navigator.mediaSession.setPositionState) {
    try {
      navigator.mediaSession.setPositionState({ duration: audio.duration, position: Math.min(time, audio.duration), playbackRate: 1 });
    } catch (e) {
      /* some browsers refuse a position before the metadata */
    }
  }
}

let pictureShown = null; // the address of the picture on show, so it is set once per chapter

function showPicture(chapter) {
  const address = chapter && chapter.picture ? chapter.picture : null;
  if (address === pictureShown) return;
  pictureShown = address;
  // A track with pictures keeps their place while a chapter has none, so nothing below moves.
  $("where").hidden = !current.chapters.some((c) => c.picture);
  $("picture").style.visibility = address === null ? "hidden" : "visible";
  if (address !== null) {
    $("picture").src = address;
    $("picture").alt = `${words.where}: ${chapter.title}`;
  }
  setArtwork(address);
}

function setArtwork(picture) {
  if (!("mediaSession" in navigator) || !navigator.mediaSession.metadata || !current) return;
  const src = new URL(picture || current.cover, document.baseURI).href;
  navigator.mediaSession.metadata.artwork = [{ src }];
}

function seek(time) {
  audio.currentTime = time;
  show(time); // at once: the tap is answered before the audio catches up
  const button = document.querySelectorAll("#chapters button")[chapterAt(time)];
  if (button) button.scrollIntoView({ block: "nearest" }); // clear of the panel above and the buttons below
}

function startingPoint() {
  // A link to a moment: #t=MM:SS (or H:MM:SS, or seconds) or #chapter=N (counting from 1).
  const asked = new URLSearchParams(location.hash.slice(1));
  if (!current) return null;
  const chapter = Number.parseInt(asked.get("chapter") || "", 10);
  if (chapter >= 1 && chapter <= current.chapters.length) return current.chapters[chapter - 1].start;
  const time = asked.has("t") && /^[0-9:.]+$/.test(asked.get("t")) ? parseTime(asked.get("t")) : NaN;
  return Number.isFinite(time) ? Math.min(time, current.duration) : null;
}

function startWhereAsked() {
  const time = startingPoint();
  if (time === null) return;
  const asked = current;
  if (audio.readyState >= HTMLMediaElement.HAVE_METADATA) seek(time);
  else audio.addEventListener("loadedmetadata", () => current === asked && seek(time), { once: true }); // a time set before is lost
}

function stepChapter(direction) {
  if (!current || !current.chapters.length) return;
  const at = chapterAt(audio.currentTime);
  let target = at + direction;
  // "Previous" goes back to the start of this chapter first, as players do with tracks.
  if (direction < 0 && at >= 0 && audio.currentTime - current.chapters[at].start > 3) target = at;
  target = Math.min(Math.max(target, 0), current.chapters.length - 1);
  seek(current.chapters[target].start);
}

function setMediaSession(track) {
  if (!("mediaSession" in navigator)) return;
  const cover = new URL(track.cover, document.baseURI).href;
  navigator.mediaSession.metadata = new MediaMetadata({
    title: track.title,
    artist: "voiceguide",
    album: "voiceguide",
    artwork: [{ src: cover, sizes: "1400x1400", type: "image/jpeg" }],
  });
  const actions = {
    play: () => audio.play(),
    pause: () => audio.pause(),
    previoustrack: () => stepChapter(-1),
    nexttrack: () => stepChapter(1),
    seekbackward: () => seek(Math.max(0, audio.currentTime - 10)),
    seekforward: () => seek(Math.min(audio.duration || 0, audio.currentTime + 10)),
    seekto: (details) => seek(details.seekTime),
  };
  for (const [action, handler] of Object.entries(actions)) {
    try {
      navigator.mediaSession.setActionHandler(action, handler);
    } catch (e) {
      /* an action this browser does not know */
    }
  }
}

async function select(index) {
  current = tracks[index];
  cues = [];
  speak(current.language);
  pictureShown = undefined; // a new track: whatever it starts with is shown
  document.querySelectorAll("#tracks button").forEach((button, i) => button.setAttribute("aria-current", String(i === index)));
  $("player").hidden = false;
  $("title").textContent = current.title;
  $("length").textContent = clock(current.duration);
  $("download").href = current.audio;
  $("download").download = current.file || "";
  audio.src = current.audio;
  const list = $("chapters");
  list.replaceChildren();
  current.chapters.forEach((chapter) => {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "chapter";
    const name = document.createElement("span");
    name.textContent = chapter.title;
    const at = document.createElement("span");
    at.className = "at";
    at.textContent = clock(chapter.start);
    button.append(name, at);
    button.addEventListener("click", () => seek(chapter.start));
    item.append(button);
    list.append(item);
  });
  for (const id of ["play", "previous", "next"]) $(id).disabled = false;
  measureNow();
  setMediaSession(current);
  if (current.transcript) {
    const response = await fetch(current.transcript);
    if (response.ok) cues = parseVtt(await response.text());
  }
  show(audio.currentTime || 0);
}

function appLinks(feed) {
  // The addresses the common podcast apps open to subscribe (each takes the feed's address).
  // Pocket Casts and Overcast fetch feeds on their own servers: they cannot reach `share`'s
  // network, and an unlisted address given to them is no longer a secret; offered only for
  // a published page anyone may find (site.json's "listed").
  const bare = feed.replace(/^https?:\/\//, "");
  const onThePhone = [
    ["Apple Podcasts", `podcast://${bare}`],
    ["AntennaPod, Podcast Addict", `itpc://${bare}`],
  ];
  if (!site.listed) return onThePhone;
  return [
    ...onThePhone,
    ["Pocket Casts", `pktc://subscribe/${bare}`],
    ["Overcast", `overcast://x-callback-url/add?url=${encodeURIComponent(feed)}`],
  ];
}

function offerKeeping() {
  const feed = new URL(site.feed, document.baseURI).href;
  $("feed-address").textContent = feed;
  $("feed-address").href = feed;
  $("apps").replaceChildren(
    ...appLinks(feed).map(([name, link]) => {
      const item = document.createElement("li");
      const a = document.createElement("a");
      a.href = link;
      a.textContent = name;
      item.append(a);
      return item;
    }),
  );
  $("keep").hidden = false;
}

function say(state) {
  kept = state;
  $("offline").textContent = words[state];
  $("offline").classList.toggle("saved", state === "saved");
}

function addressesToKeep() {
  const page = new URL("./", document.baseURI).href;
  const here = location.href.split("#")[0];
  const shell = ["page.js", "page.css", "words.js", "site.json", "manifest.webmanifest", "icon-192.png", "icon-512.png"];
  const files = tracks.flatMap((t) => [t.audio, t.transcript, t.cover, ...t.chapters.map((c) => c.picture)]);
  return new Set([page, here, ...[...shell, ...files].filter(Boolean).map((a) => new URL(a, document.baseURI).href)]);
}

async function keepOnPhone() {
  // The published page keeps itself, the tracks, transcripts and pictures on the phone (its
  // service worker, sw.js, answers from that copy, byte ranges included, with no network).
  if (site.mode !== "published") return say("here");
  if (!("serviceWorker" in navigator) || !window.isSecureContext || !("caches" in window)) return say("cannot_keep");
  try {
    await navigator.serviceWorker.register("sw.js");
    const wanted = addressesToKeep();
    const cache = await caches.open(CACHE);
    const missing = [];
    for (const address of wanted) if (!(await cache.match(address))) missing.push(address);
    if (missing.length) say("saving");
    for (const address of missing) await cache.add(new Request(address, { cache: "no-store" }));
    const list = new URL("tracks.json", document.baseURI).href;
    await cache.put(list, new Response(listed, { headers: { "Content-Type": "application/json" } }));
    wanted.add(list);
    for (const request of await cache.keys()) if (!wanted.has(request.url)) await cache.delete(request);
    if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => {});
    say("saved");
  } catch (e) {
    say("cannot_keep");
  }
}

async function start() {
  try {
    const response = await fetch("tracks.json", { cache: "no-store" });
    listed = await response.text();
    tracks = JSON.parse(listed);
  } catch (e) {
    $("status").textContent = words.unreachable;
    return;
  }
  try {
    site = { ...site, ...(await (await fetch("site.json", { cache: "no-store" })).json()) };
  } catch (e) {
    /* a server without site.json: share's way */
  }
  const list = $("tracks");
  list.replaceChildren();
  tracks.forEach((track, i) => {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "track";
    button.textContent = track.title;
    const meta = document.createElement("span");
    meta.className = "meta";
    meta.textContent = `${clock(track.duration)} · ${track.chapters.length} ${wordsFor(track.language).chapters}`;
    button.append(meta);
    button.addEventListener("click", () => select(i));
    item.append(button);
    list.append(item);
  });
  $("status").textContent = tracks.length ? "" : words.none;
  if (!tracks.length) return;
  await select(0);
  startWhereAsked();
  offerKeeping();
  await keepOnPhone();
}

$("play").addEventListener("click", () => (audio.paused ? audio.play() : audio.pause()));
$("previous").addEventListener("click", () => stepChapter(-1));
$("next").addEventListener("click", () => stepChapter(1));
audio.addEventListener("play", () => showPlaying(true));
audio.addEventListener("pause", () => showPlaying(false));
window.addEventListener("resize", () => {
  fitInstruction();
  measureNow();
});
$("picture").addEventListener("load", measureNow);
audio.addEventListener("timeupdate", () => show(audio.currentTime));
window.addEventListener("hashchange", startWhereAsked);
audio.addEventListener("seeked", () => show(audio.currentTime));
start();
