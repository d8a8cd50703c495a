/* Galena's tracking script: page views, downloads, videos and the site's own events, sent to
   Galena in small batches so a lead's interest counts to its score.

   First-party: the visitor's id is kept in this site's cookie galena_vid (and in
   localStorage galena_visitor, which Galena's forms send). Nothing is stored or sent when
   the browser asks not to be tracked (Do-Not-Track, Global Privacy Control); with
   data-consent="required" nothing until galena('consent', true).

   <script>window.galena=window.galena||function(){(galena.q=galena.q||[]).push(arguments)};</script>
   <script async src="https://galena.example.com/t/track.js" data-site="site_…"></script>

   galena('track', 'download', {name: 'Price list'})   an event of the site's own
   galena('page')                                       a page view (single-page sites)
   galena('consent', true) / galena('consent', false)   the visitor's choice
   A greeting for a returning known visitor goes into the element marked
   data-galena-greeting, and comes as the event "galena:greeting" on document. */
(function (window, document) {
  "use strict";

  var COOKIE = "galena_vid";
  var STORAGE = "galena_visitor";
  var YEAR = 365 * 24 * 3600;
  var ID = /^[A-Za-z0-9_-]{8,64}$/;
  var KINDS = { page_view: 1, download: 1, video: 1, webinar: 1, custom: 1 };
  var FILES = /\.(pdf|docx?|xlsx?|pptx?|odt|ods|odp|rtf|csv|txt|zip|rar|7z|gz|tgz|epub|mp3|dmg|exe|msi|apk)$/i;
  var BATCH = 20;
  var WAIT_MS = 2000;
  var DAY_MS = 24 * 3600 * 1000;

  var nav = window.navigator || {};
  var earlier = window.galena && window.galena.q ? window.galena.q : [];
  var script = document.currentScript ||
    document.querySelector('script[data-site][src*="/t/track.js"]');

  function off() {} // what galena() is when nothing may be tracked

  if (window.galena && window.galena.loaded) return; // included twice
  if (
    nav.doNotTrack === "1" || nav.doNotTrack === "yes" || window.doNotTrack === "1" ||
    nav.msDoNotTrack === "1" || nav.globalPrivacyControl === true
  ) {
    off.loaded = true;
    window.galena = off;
    return;
  }
  if (!script || !script.getAttribute("data-site")) return;

  var site = script.getAttribute("data-site");
  var base = script.src.split("/t/track.js")[0];
  var cookieDomain = script.getAttribute("data-cookie-domain");
  var state = {
    // true: given or not needed; null: asked for and not given yet (events wait); false: refused
    consent: script.getAttribute("data-consent") === "required" ? null : true,
    on: false,
    visitor: "",
    glid: "",
    landingGlid: "",
    queue: [],
    timer: null
  };

  function randomId() {
    var crypto = window.crypto;
    if (crypto && crypto.randomUUID) return crypto.randomUUID();
    if (crypto && crypto.getRandomValues) {
      var bytes = new Uint8Array(16);
      crypto.getRandomValues(bytes);
      return Array.prototype.map.call(bytes, function (b) {
        return (b < 16 ? "0" : "") + b.toString(16);
      }).join("");
    }
    return String(Date.now()) + Math.random().toString(16).slice(2);
  }

  function storage(value) {
    try {
      if (value === undefined) return window.localStorage.getItem(STORAGE) || "";
      if (value === null) window.localStorage.removeItem(STORAGE);
      else window.localStorage.setItem(STORAGE, value);
    } catch (error) {} // storage off: the cookie alone
    return "";
  }

  function cookie(value, maxAge) {
    if (value === undefined) {
      var match = document.cookie.match(/(?:^|;\s*)galena_vid=([^;]*)/);
      return match ? match[1] : "";
    }
    document.cookie = COOKIE + "=" + value + "; Max-Age=" + maxAge + "; Path=/; SameSite=Lax" +
      (cookieDomain ? "; Domain=" + cookieDomain : "") +
      (window.location.protocol === "https:" ? "; Secure" : "");
    return value;
  }

  function visitorId() {
    var id = cookie();
    if (!ID.test(id)) id = storage();
    if (!ID.test(id)) id = randomId();
    cookie(id, YEAR); // a year from the last visit
    storage(id);
    return id;
  }

  function withoutGlid(href) {
    try {
      var url = new URL(href);
      url.searchParams.delete("glid");
      return url.toString();
    } catch (error) {
      return href.replace(/([?&])glid=[^&#]*&?/, "$1").replace(/[?&](#|$)/, "$1");
    }
  }

  function pageCategory() {
    var meta = document.querySelector('meta[name="galena:category"]');
    var named = meta ? meta.getAttribute("content") : "";
    if (!named && document.body) named = document.body.getAttribute("data-galena-category");
    return (named || "").slice(0, 40);
  }

  function text(value, limit) {
    return typeof value === "string" ? value.slice(0, limit) : "";
  }

  function cleanProperties(given) {
    var properties = {};
    var count = 0;
    if (!given || typeof given !== "object") return properties;
    for (var name in given) {
      if (!Object.prototype.hasOwnProperty.call(given, name) || count >= 20) continue;
      var value = given[name];
      var type = typeof value;
      if (value === null || type === "number" || type === "boolean") properties[name.slice(0, 40)] = value;
      else if (type === "string") properties[name.slice(0, 40)] = value.slice(0, 500);
      else continue;
      count += 1;
    }
    return properties;
  }

  function enqueue(kind, details) {
    if (state.queue.length >= 100) return; // waiting for consent that may never come
    state.queue.push({
      id: randomId(),
      kind: kind,
      url: text(details.url || withoutGlid(window.location.href), 2000),
      title: text(details.title, 300),
      referrer: text(details.referrer, 2000),
      category: text(details.category, 40),
      properties: cleanProperties(details.properties),
      at: Date.now()
    });
    if (state.queue.length >= BATCH) flush();
    else if (!state.timer && state.on) state.timer = setTimeout(flush, WAIT_MS);
  }

  function post(body) {
    var url = base + "/api/v1/track?site=" + encodeURIComponent(site);
    try {
      if (nav.sendBeacon && nav.sendBeacon(url, body)) return; // sent as text/plain
    } catch (error) {}
    if (window.fetch) {
      window.fetch(url, {
        method: "POST",
        body: body,
        keepalive: true,
        credentials: "omit",
        headers: { "Content-Type": "text/plain" }
      }).catch(function () {});
    }
  }

  function flush() {
    clearTimeout(state.timer);
    state.timer = null;
    if (!state.on) return;
    while (state.queue.length) {
      var now = Date.now();
      var events = state.queue.splice(0, BATCH).map(function (event) {
        var age = Math.min(Math.max(now - event.at, 0), DAY_MS);
        return {
          id: event.id, kind: event.kind, url: event.url, title: event.title,
          referrer: event.referrer, category: event.category,
          properties: event.properties, age_ms: age
        };
      });
      var batch = { visitor: state.visitor, events: events };
      if (state.glid) {
        batch.glid = state.glid; // once: the visitor is known from then on
        state.glid = "";
      }
      post(JSON.stringify(batch));
    }
  }

  function pageView(properties) {
    enqueue("page_view", {
      title: document.title,
      referrer: document.referrer,
      category: pageCategory(),
      properties: properties
    });
  }

  function track(kind, properties) {
    if (kind === "page_view") return pageView(properties);
    if (KINDS[kind]) return enqueue(kind, { title: document.title, properties: properties });
    // any other name is the site's own event
    var named = cleanProperties(properties);
    named.name = text(String(kind), 100);
    enqueue("custom", { title: document.title, properties: named });
  }

  function showGreeting(greeting, target) {
    if (target) {
      target.textContent = greeting.message; // text, never HTML
      if (greeting.offer_url && /^https?:\/\//i.test(greeting.offer_url)) {
        var link = document.createElement("a");
        link.href = greeting.offer_url;
        link.className = "galena-offer";
        link.textContent = greeting.offer_text || greeting.offer_url;
        target.appendChild(document.createTextNode(" "));
        target.appendChild(link);
      }
      target.hidden = false;
    }
    try {
      document.dispatchEvent(new CustomEvent("galena:greeting", { detail: greeting }));
    } catch (error) {}
  }

  function greet() {
    var target = document.querySelector("[data-galena-greeting]");
    if ((!target && !script.hasAttribute("data-greeting")) || !window.fetch) return;
    var query = "site=" + encodeURIComponent(site) +
      "&vid=" + encodeURIComponent(state.visitor) +
      "&url=" + encodeURIComponent(withoutGlid(window.location.href).slice(0, 1500)) +
      "&category=" + encodeURIComponent(pageCategory()) +
      (state.landingGlid ? "&glid=" + encodeURIComponent(state.landingGlid) : "");
    window.fetch(base + "/api/v1/track/greeting?" + query, { credentials: "omit" })
      .then(function (response) { return response.status === 200 ? response.json() : null; })
      .then(function (greeting) { if (greeting) showGreeting(greeting, target); })
      .catch(function () {});
  }

  function start() {
    if (state.on || state.consent !== true) return;
    state.on = true;
    state.visitor = visitorId();
    greet();
    flush();
  }

  function stop() {
    state.on = false;
    state.consent = false;
    state.queue = [];
    state.glid = "";
    clearTimeout(state.timer);
    state.timer = null;
    cookie("", 0); // the visitor withdrew: forget the id
    storage(null);
  }

  function galena(command, argument, more) {
    if (command === "consent") {
      if (argument) {
        state.consent = true;
        start();
      } else {
        stop();
      }
    } else if (command === "track" && state.consent !== false && argument) {
      track(String(argument), more);
    } else if (command === "page" && state.consent !== false) {
      pageView(argument);
    }
  }
  galena.loaded = true;

  // a tracked e-mail link: the landing address names the lead once, then is cleaned so
  // the token is neither sent again nor shared with the address
  try {
    state.glid = state.landingGlid =
      text(new URL(window.location.href).searchParams.get("glid") || "", 500);
    if (state.glid && window.history && window.history.replaceState) {
      window.history.replaceState(window.history.state, "", withoutGlid(window.location.href));
    }
  } catch (error) {}

  window.galena = galena;
  pageView();
  for (var i = 0; i < earlier.length; i++) galena.apply(null, earlier[i]);
  start();

  document.addEventListener("click", function (event) {
    var link = event.target && event.target.closest ? event.target.closest("a[href]") : null;
    if (!link || state.consent === false) return;
    if (link.hasAttribute("download") || FILES.test(link.pathname || "")) {
      enqueue("download", {
        url: link.href,
        title: (link.textContent || "").replace(/\s+/g, " ").trim()
      });
      flush(); // the page may be left now
    }
  }, true);

  function media(action) {
    return function (event) {
      var video = event.target;
      if (!video || video.tagName !== "VIDEO" || state.consent === false) return;
      var sent = video.galenaSent || (video.galenaSent = {});
      if (sent[action]) return;
      sent[action] = true;
      enqueue("video", {
        url: video.currentSrc || video.src || "",
        title: video.getAttribute("data-galena-title") || video.getAttribute("title") || "",
        properties: { action: action }
      });
      if (action === "complete") flush();
    };
  }
  document.addEventListener("play", media("play"), true); // media events do not bubble
  document.addEventListener("ended", media("complete"), true);

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") flush();
  });
  window.addEventListener("pagehide", flush);
})(window, document);
