/* minqing — the phone's queue (民情手册 offline). One IndexedDB store of entries, each with
 * the key the phone made for it; sent one at a time under a Web Lock so two tabs (or a tab
 * and the service worker) never send at once. The server records each key once, so even a
 * send that is repeated returns the first case. Loaded by the field pages and by the
 * service worker (importScripts). */
(function (root) {
  "use strict";
  var DB = "minqing", VERSION = 1, STORE = "entries", META = "meta";
  var LOCK = "minqing-queue";
  var TIMEOUT = 20000; // a send that hangs longer is given up and tried again later
  var KEEP_SENT = 7 * 24 * 3600 * 1000;

  function open() {
    return new Promise(function (resolve, reject) {
      var req = root.indexedDB.open(DB, VERSION);
      req.onupgradeneeded = function () {
        var db = req.result;
        if (!db.objectStoreNames.contains(STORE)) db.createObjectStore(STORE, { keyPath: "key" });
        if (!db.objectStoreNames.contains(META)) db.createObjectStore(META, { keyPath: "id" });
      };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }

  function tx(store, mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(store, mode);
        var req = work(t.objectStore(store));
        t.oncomplete = function () { db.close(); resolve(req ? req.result : undefined); };
        t.onerror = function () { db.close(); reject(t.error); };
        t.onabort = function () { db.close(); reject(t.error || new Error("aborted")); };
      });
    });
  }

  function put(entry) { return tx(STORE, "readwrite", function (s) { s.put(entry); return null; }); }
  function get(key) { return tx(STORE, "readonly", function (s) { return s.get(key); }); }
  function remove(key) { return tx(STORE, "readwrite", function (s) { s.delete(key); return null; }); }
  function all() {
    return tx(STORE, "readonly", function (s) { return s.getAll(); }).then(function (rows) {
      return (rows || []).sort(function (a, b) { return a.createdAt - b.createdAt; });
    });
  }
  function setMeta(values) {
    values.id = "session";
    return tx(META, "readwrite", function (s) { s.put(values); return null; });
  }
  function getMeta() { return tx(META, "readonly", function (s) { return s.get("session"); }); }

  function withLock(work) {
    if (root.navigator && root.navigator.locks) return root.navigator.locks.request(LOCK, work);
    return work();
  }

  function backoff(tries) { return Math.min(600000, 5000 * Math.pow(2, Math.max(0, tries - 1))); }

  function body(entry, show) {
    var data = new FormData();
    Object.keys(entry.fields).forEach(function (name) {
      var v = entry.fields[name];
      (Array.isArray(v) ? v : [v]).forEach(function (one) { data.append(name, one); });
    });
    data.set("token", entry.key);
    if (entry.photo) data.append("photo", entry.photo, "photo.jpg");
    if (show) data.set("show", "1");
    return data;
  }

  /* Send one entry; resolve to what happened: "sent", "rejected", "offline", "login",
   * "retry" (the server failed: tried again later, with a growing wait). */
  function sendOne(entry, urls, csrf, show) {
    var ctl = typeof AbortController === "function" ? new AbortController() : null;
    var timer = ctl ? setTimeout(function () { ctl.abort(); }, TIMEOUT) : null;
    entry.tries = (entry.tries || 0) + 1;
    entry.lastTry = Date.now();
    return fetch(urls[entry.kind], {
      method: "POST",
      body: body(entry, show),
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf || "", "Accept": "application/json" },
      signal: ctl ? ctl.signal : undefined,
    }).then(function (res) {
      var json = (res.headers.get("Content-Type") || "").indexOf("json") >= 0;
      return (json ? res.json() : Promise.resolve(null)).then(function (answer) {
        if ((res.status === 200 || res.status === 201) && answer && answer.code) {
          entry.status = "sent"; entry.code = answer.code; entry.url = answer.url;
          entry.reason = ""; entry.errors = null; entry.photo = null; entry.sentAt = Date.now();
          return "sent";
        }
        if (res.status === 401 || (res.status === 403 && !json)) {
          entry.status = "waiting"; entry.problem = "login"; entry.reason = answer ? answer.message : "";
          return "login";
        }
        if (res.status >= 400 && res.status < 500 && answer && res.status !== 408 && res.status !== 429) {
          entry.status = "rejected"; entry.reason = answer.message; entry.errors = answer.errors || {};
          entry.problem = "";
          return "rejected";
        }
        entry.status = "waiting"; entry.problem = "server"; entry.reason = "";
        entry.nextTry = Date.now() + backoff(entry.tries);
        return "retry";
      });
    }, function () {
      entry.status = "waiting"; entry.problem = "offline"; entry.reason = "";
      entry.nextTry = Date.now() + backoff(entry.tries);
      return "offline";
    }).then(function (outcome) {
      if (timer) clearTimeout(timer);
      return put(entry).then(function () { return outcome; });
    });
  }

  /* Send what waits for ``user`` (all of it with ``force``, else what is due), one at a time
   * under the lock; ``show`` names the key the page will show when it is sent. Resolves to
   * the outcomes by key. */
  function sendAll(opts) {
    var outcomes = {};
    return withLock(function () {
      return all().then(function (rows) {
        var now = Date.now();
        var due = rows.filter(function (e) {
          if (e.user !== opts.user) return false;
          if (e.status !== "waiting") return false;
          return opts.force || e.key === opts.show || !e.nextTry || e.nextTry <= now;
        });
        var stop = false;
        return due.reduce(function (chain, e) {
          return chain.then(function () {
            if (stop) return;
            // Read it again inside the lock: another tab may have sent it a moment ago.
            return get(e.key).then(function (fresh) {
              if (!fresh || fresh.status !== "waiting") return;
              return sendOne(fresh, opts.urls, opts.csrf, fresh.key === opts.show).then(function (o) {
                outcomes[fresh.key] = o;
                if (o === "offline" || o === "login" || o === "retry") stop = true;
              });
            });
          });
        }, Promise.resolve()).then(function () {
          // Sent entries are shown for a week with their codes, then forgotten.
          return Promise.all(rows.filter(function (e) {
            return e.status === "sent" && now - (e.sentAt || now) > KEEP_SENT;
          }).map(function (e) { return remove(e.key); }));
        });
      });
    }).then(function () { return outcomes; });
  }

  root.MinqingQueue = {
    put: put, get: get, remove: remove, all: all, sendAll: sendAll,
    setMeta: setMeta, getMeta: getMeta, withLock: withLock,
  };
})(self);
