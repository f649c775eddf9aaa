// The published page's service worker: it answers from the copy the page keeps on the phone
// (page.js fills the cache "voiceguide"), so the page plays from the home screen with no
// network. A track's files carry their version in the address (?v=...) and never change:
// they come from the copy, whole or the byte range a player asks for when it seeks. The
// page and the track list are asked of the network first, so a newer publish shows, and
// come from the copy when the network does not answer.
"use strict";

const CACHE = `voiceguide ${self.registration.scope}`; // one per published folder, as page.js names it
const NETWORK_WAIT_MS = 4000;
const LIST = new URL("tracks.json", self.registration.scope).href; // kept by the page, once all it lists is

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith(answer(request));
});

async function answer(request) {
  const cache = await caches.open(CACHE);
  let kept = await cache.match(request.url);
  if (!kept && request.mode === "navigate") kept = await cache.match(new URL("./", self.registration.scope).href);
  if (kept && new URL(request.url).searchParams.has("v")) return ranged(request, kept);
  if (!kept) return fetch(request); // nothing to fall back on: the network, however long it takes
  try {
    const response = await fromNetwork(request);
    // The page's own files are kept fresh; the track list only by the page, after its files.
    if (response.status === 200 && request.url.split("?")[0] !== LIST) await cache.put(request.url, response.clone());
    return response;
  } catch (error) {
    return ranged(request, kept);
  }
}

function fromNetwork(request) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the network did not answer")), NETWORK_WAIT_MS);
    fetch(request).then(
      (response) => {
        clearTimeout(timer);
        resolve(response);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

async function ranged(request, response) {
  // The Cache API keeps whole responses; a player seeking asks for "bytes=START-END".
  const range = request.headers.get("range");
  const asked = range ? /^bytes=(\d*)-(\d*)$/.exec(range.trim()) : null;
  if (!asked || (asked[1] === "" && asked[2] === "")) return response;
  const body = await response.blob();
  const size = body.size;
  let start;
  let end;
  if (asked[1] === "") {
    start = Math.max(0, size - Number(asked[2]));
    end = size - 1;
  } else {
    start = Number(asked[1]);
    end = asked[2] === "" ? size - 1 : Math.min(Number(asked[2]), size - 1);
  }
  if (start >= size || end < start) {
    return new Response(null, { status: 416, headers: { "Content-Range": `bytes */${size}` } });
  }
  return new Response(body.slice(start, end + 1), {
    status: 206,
    headers: {
      "Content-Type": response.headers.get("Content-Type") || "application/octet-stream",
      "Content-Range": `bytes ${start}-${end}/${size}`,
      "Content-Length": String(end - start + 1),
      "Accept-Ranges": "bytes",
    },
  });
}
