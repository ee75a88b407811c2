/* minqing — the handbook's service worker (served at /sw.js by cases.views.webapp).
 * Keeps the field pages and their files on the phone, so they open without a connection
 * once visited, and sends the queue when the connection returns (Background Sync). */
"use strict";
var CONFIG = {{ config|safe }};
var FILES = "minqing-files-" + CONFIG.version;
var PAGES = "minqing-pages";
var WAIT = 4000; // a page slower than this on a weak signal comes from the phone instead

importScripts(CONFIG.queue);

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(FILES).then(function (c) { return c.addAll(CONFIG.assets); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) {
      return n.indexOf("minqing-files-") === 0 && n !== FILES;
    }).map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

function isFieldPage(url) {
  return CONFIG.pages.some(function (p) { return url.pathname === p; })
    || /^\/contacts\/[^/]+\/$/.test(url.pathname);
}

function keep(request, response) {
  // Only a page the user really got (not a log-in page after a redirect).
  if (!response.ok || response.redirected) return;
  if ((response.headers.get("Content-Type") || "").indexOf("text/html") !== 0) return;
  var copy = response.clone();
  caches.open(PAGES).then(function (c) { return c.put(request.url, copy); });
}

var NO_PAGE = "<!doctype html><meta charset=utf-8><meta name=viewport content='width=device-width'>" +
  "<title>没有网络 · No connection</title><main><h1>没有网络</h1>" +
  "<p>这个页面还没有存在手机上。有信号后再打开它；记录问题、我的网格、回访这些页面打开过一次后，没有网络也能用。</p>" +
  "<p lang=en>No connection, and this page is not on the phone yet. The field pages (record a problem, " +
  "my grid, return visits) open without a connection once visited.</p><p><a href='/field/'>我的网格 · My grid</a></p></main>";

function fromPhone(request) {
  return caches.match(request.url, { cacheName: PAGES }).then(function (hit) {
    return hit || new Response(NO_PAGE, { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
  });
}

function page(event) {
  var request = event.request;
  var url = new URL(request.url);
  var field = isFieldPage(url);
  var network = fetch(request).then(function (response) {
    if (field) keep(request, response);
    return response;
  });
  if (!field) return network.catch(function () { return fromPhone(request); });
  // Network first, but not for long: a basement's weak signal must not hold the page up.
  return new Promise(function (resolve) {
    var done = false;
    var timer = setTimeout(function () {
      caches.match(request.url, { cacheName: PAGES }).then(function (hit) {
        if (hit && !done) { done = true; resolve(hit); }
      });
    }, WAIT);
    network.then(function (response) {
      if (!done) { done = true; clearTimeout(timer); resolve(response); }
    }, function () {
      clearTimeout(timer);
      if (!done) { done = true; resolve(fromPhone(request)); }
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") { event.respondWith(page(event)); return; }
  if (CONFIG.assets.indexOf(url.pathname) >= 0) {
    event.respondWith(caches.match(request, { cacheName: FILES }).then(function (hit) {
      return hit || fetch(request);
    }));
  }
});

/* After log-in the page asks for the field pages to be fetched ahead ("warm"); at log-out
 * it asks for them to be forgotten. */
self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type === "warm") {
    event.waitUntil(caches.open(PAGES).then(function (c) {
      return Promise.all(CONFIG.pages.map(function (p) {
        var url = new URL(p, self.location.origin).href;
        return c.match(url).then(function (hit) {
          if (hit && !data.refresh) return;
          return fetch(url, { credentials: "same-origin" }).then(function (r) {
            if (r.ok && !r.redirected) return c.put(url, r);
          }, function () {});
        });
      }));
    }));
  } else if (data.type === "forget") {
    event.waitUntil(caches.delete(PAGES));
  }
});

function tell(message) {
  return self.clients.matchAll({ type: "window" }).then(function (list) {
    list.forEach(function (c) { c.postMessage(message); });
  });
}

self.addEventListener("sync", function (event) {
  if (event.tag !== "minqing-queue") return;
  event.waitUntil(MinqingQueue.getMeta().then(function (meta) {
    if (!meta || !meta.user) return;
    return MinqingQueue.sendAll({ user: meta.user, csrf: meta.csrf, urls: CONFIG.sync, force: true })
      .then(function (outcomes) {
        return tell({ type: "queue" }).then(function () {
          var keys = Object.keys(outcomes);
          var again = keys.some(function (k) { return outcomes[k] === "offline" || outcomes[k] === "retry"; });
          if (again) throw new Error("some entries wait for the next try");
        });
      });
  }));
});
