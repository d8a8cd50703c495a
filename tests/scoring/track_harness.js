// Runs Galena's tracking script in Node with a small stand-in for the browser and prints,
// as JSON, what it did: beacons, fetches, cookies written, storage, history changes and the
// greeting shown. Used by test_tracking_script.py; the scenario is argv[3] (JSON).
"use strict";

const fs = require("fs");
const vm = require("vm");

const code = fs.readFileSync(process.argv[2], "utf8");
const scenario = JSON.parse(process.argv[3] || "{}");
const seen = { beacons: [], fetches: [], cookieWrites: [], history: [], events: [] };

const jar = {};
for (const pair of (scenario.cookie || "").split(";")) {
  const [name, value] = pair.split("=").map((s) => (s || "").trim());
  if (name) jar[name] = value;
}
const storage = Object.assign({}, scenario.storage || {});
const listeners = {};
const windowListeners = {};

function element(attributes, extra) {
  return Object.assign(
    {
      attributes: Object.assign({}, attributes),
      children: [],
      getAttribute(name) {
        return name in this.attributes ? this.attributes[name] : null;
      },
      hasAttribute(name) {
        return name in this.attributes;
      },
      appendChild(child) {
        this.children.push(child);
      },
    },
    extra || {}
  );
}

const script = element(
  Object.assign({ "data-site": "site_shop" }, scenario.scriptAttributes || {}),
  { src: "https://galena.example.org/t/track.js" }
);
const greetingTarget = scenario.greetingElement ? element({ "data-galena-greeting": "" }) : null;
const video = element({ title: "Demo" }, { tagName: "VIDEO", currentSrc: "https://cdn.example/demo.mp4" });
const meta = scenario.category ? element({ content: scenario.category }) : null;

const document = {
  currentScript: script,
  title: "Prices",
  referrer: "https://www.google.com/",
  visibilityState: "visible",
  body: element({}),
  get cookie() {
    return Object.entries(jar)
      .map(([k, v]) => `${k}=${v}`)
      .join("; ");
  },
  set cookie(text) {
    seen.cookieWrites.push(text);
    const [pair] = text.split(";");
    const [name, value] = pair.split("=");
    if (/Max-Age=0(;|$)/.test(text)) delete jar[name];
    else jar[name] = value;
  },
  querySelector(selector) {
    if (selector.startsWith("meta")) return meta;
    if (selector === "[data-galena-greeting]") return greetingTarget;
    return null;
  },
  addEventListener(type, listener) {
    (listeners[type] = listeners[type] || []).push(listener);
  },
  dispatchEvent(event) {
    seen.events.push({ type: event.type, detail: event.detail });
  },
  createElement(tag) {
    return element({}, { tagName: tag.toUpperCase() });
  },
  createTextNode(text) {
    return { text };
  },
};

const navigator = Object.assign({}, scenario.navigator || {});
if (!scenario.noBeacon) {
  navigator.sendBeacon = (url, body) => {
    seen.beacons.push({ url, body: JSON.parse(body), type: typeof body });
    return true;
  };
}

const location = { href: scenario.href || "https://shop.example.com/pricing?utm=x", protocol: "https:" };
const window = {
  navigator,
  location,
  document,
  history: {
    state: null,
    replaceState(state, title, url) {
      seen.history.push(url);
      location.href = url;
    },
  },
  localStorage: {
    getItem: (k) => (k in storage ? storage[k] : null),
    setItem: (k, v) => {
      storage[k] = String(v);
    },
    removeItem: (k) => {
      delete storage[k];
    },
  },
  crypto: globalThis.crypto,
  addEventListener(type, listener) {
    (windowListeners[type] = windowListeners[type] || []).push(listener);
  },
  fetch(url, options) {
    seen.fetches.push({ url, options: Object.assign({}, options, { body: options && options.body && JSON.parse(options.body) }) });
    const status = scenario.greeting ? 200 : 204;
    return Promise.resolve({ status, json: () => Promise.resolve(scenario.greeting) });
  },
};
Object.assign(window, scenario.window || {});
if (scenario.stub) {
  // the snippet's queue, with the calls a page made before the script arrived
  window.galena = function () {
    (window.galena.q = window.galena.q || []).push(arguments);
  };
  for (const call of scenario.stub) window.galena.apply(null, call);
}

const context = {
  window,
  document,
  URL,
  CustomEvent: class {
    constructor(type, init) {
      this.type = type;
      this.detail = init && init.detail;
    }
  },
  setTimeout: () => 1, // batches leave when the page is left (the "leave" step)
  clearTimeout: () => {},
};
vm.createContext(context);
vm.runInContext(code, context);

for (const step of scenario.steps || []) {
  if (step[0] === "call") window.galena.apply(null, step.slice(1));
  if (step[0] === "click") {
    const link = element(step[1].attributes || {}, {
      href: step[1].href,
      pathname: new URL(step[1].href).pathname,
      textContent: step[1].text || "",
    });
    const event = { target: { closest: () => link } };
    for (const listener of listeners.click || []) listener(event);
  }
  if (step[0] === "play" || step[0] === "ended") {
    for (const listener of listeners[step[0]] || []) listener({ target: video });
  }
  if (step[0] === "leave") for (const listener of windowListeners.pagehide || []) listener();
}

setImmediate(() => {
  seen.cookies = jar;
  seen.storage = storage;
  seen.galenaIsFunction = typeof window.galena === "function";
  if (greetingTarget) {
    seen.greeting = {
      text: greetingTarget.textContent,
      hidden: greetingTarget.hidden,
      links: greetingTarget.children.filter((c) => c.tagName === "A").map((a) => ({ href: a.href, text: a.textContent })),
    };
  }
  process.stdout.write(JSON.stringify(seen));
});
