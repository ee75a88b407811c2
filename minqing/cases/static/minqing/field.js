/* minqing — the field pages (民情手册): every entry is kept on the phone first (IndexedDB,
 * with a key made here), then sent; without a connection it waits, shown as "waiting to
 * send", and goes when the connection returns (Background Sync, the `online` event, the next
 * page load, or "send now"). A refused entry stays here with the server's reason, to edit. */
(function () {
  "use strict";
  var Q = window.MinqingQueue;
  var box = document.getElementById("queue");
  if (!Q || !box || !window.indexedDB) return;
  var say = box.dataset;
  var user = say.user;
  var urls = { "case": say.syncCase, visit: say.syncVisit };
  var MAX_SIDE = 1600, MAX_BYTES = 40 * 1024 * 1024;

  function csrf() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (m) return decodeURIComponent(m[1]);
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  Q.setMeta({ user: user, csrf: csrf() }).catch(function () {});

  /* --- the list of what is on the phone ------------------------------------------------ */
  var list = box.querySelector("ol");
  var sendNow = box.querySelector("button[data-send]");
  var note = box.querySelector("[data-note]");

  function statusText(e) {
    if (e.status === "sent") return say.sent.replace("{code}", e.code);
    if (e.status === "rejected") return say.rejected;
    if (e.problem === "login") return say.waitingLabel + " · " + say.login;
    if (e.problem === "server") return say.waitingLabel + " · " + say.server;
    return say.waitingLabel;
  }

  function render() {
    return Q.all().then(function (rows) {
      rows = rows.filter(function (e) { return e.user === user; });
      var waiting = rows.filter(function (e) { return e.status === "waiting"; }).length;
      // Rebuilt only when something changed: a tap must not land on a list being replaced.
      var sig = JSON.stringify(rows.map(function (e) { return [e.key, e.status, e.problem, e.reason, e.code]; }));
      box.hidden = rows.length === 0;
      sendNow.hidden = waiting === 0;
      box.dataset.waiting = String(waiting);
      if (sig === list.dataset.sig) return rows;
      list.dataset.sig = sig;
      list.textContent = "";
      rows.slice().reverse().forEach(function (e) {
        var li = el("li", "entry " + e.status);
        li.dataset.key = e.key;
        li.appendChild(el("span", "what", e.summary));
        li.appendChild(el("span", "muted small where", e.where));
        var st = el("span", "state", statusText(e));
        if (e.status === "sent" && e.url) {
          st.textContent = "";
          var a = el("a", "", say.sent.replace("{code}", e.code));
          a.href = e.url;
          st.appendChild(a);
        }
        li.appendChild(st);
        if (e.status === "rejected") {
          li.appendChild(el("span", "reason", e.reason));
          var edit = el("button", "secondary", say.edit);
          edit.type = "button"; edit.dataset.edit = e.key;
          li.appendChild(edit);
          var drop = el("button", "link", say.discard);
          drop.type = "button"; drop.dataset.discard = e.key;
          li.appendChild(drop);
        }
        list.appendChild(li);
      });
      document.dispatchEvent(new CustomEvent("minqing:queue", { detail: rows }));
      return rows;
    });
  }

  function send(show) {
    return Q.sendAll({ user: user, csrf: csrf(), urls: urls, show: show, force: !show })
      .then(function (outcomes) { return render().then(function () { return outcomes; }); });
  }

  function later() {
    var sw = navigator.serviceWorker;
    if (sw && sw.ready) {
      sw.ready.then(function (reg) { if (reg.sync) return reg.sync.register("minqing-queue"); })
        .catch(function () {});
    }
  }

  sendNow.addEventListener("click", function () { note.textContent = ""; send(null); });
  window.addEventListener("online", function () { send(null); });
  if (navigator.serviceWorker) {
    navigator.serviceWorker.addEventListener("message", function (e) {
      if (e.data && e.data.type === "queue") render();
    });
  }
  // Entries whose wait after a failed try is over go again while the page is open.
  setInterval(function () { if (navigator.onLine && box.dataset.waiting !== "0") Q.sendAll({ user: user, csrf: csrf(), urls: urls }).then(render); }, 30000);
  window.addEventListener("pageshow", function () { render().then(function () { if (navigator.onLine) send(null); }); });

  list.addEventListener("click", function (ev) {
    var t = ev.target;
    if (t.dataset.discard && window.confirm(say.confirmDiscard)) {
      Q.remove(t.dataset.discard).then(render);
    } else if (t.dataset.edit) {
      Q.get(t.dataset.edit).then(function (e) {
        var form = document.querySelector("form[data-queue='" + e.kind + "']");
        if (form && form.dataset.page === e.page) { fill(form, e); form.scrollIntoView(); }
        else window.location.assign(e.page + "#edit=" + e.key);
      });
    }
  });

  /* --- forms that queue: the capture form, the return-visit answers ------------------- */
  function errorsOn(form, errors, message) {
    form.querySelectorAll(".errorlist.js").forEach(function (n) { n.remove(); });
    var shown = false;
    Object.keys(errors || {}).forEach(function (name) {
      var input = form.querySelector("[name='" + name + "']");
      var at = input && (input.closest("fieldset") || input.closest(".field"));
      if (!at) return;
      var ul = el("ul", "errorlist js");
      ul.setAttribute("role", "alert");
      errors[name].forEach(function (m) { ul.appendChild(el("li", "", m)); });
      var legend = at.querySelector("legend, label");
      at.insertBefore(ul, legend ? legend.nextSibling : at.firstChild);
      var details = at.closest("details");
      if (details) details.open = true;
      shown = true;
    });
    if (!shown && message) {
      var top = el("ul", "errorlist nonfield js", "");
      top.setAttribute("role", "alert");
      top.appendChild(el("li", "", message));
      form.insertBefore(top, form.firstChild);
    }
  }

  function fill(form, e) {
    form.reset();
    Object.keys(e.fields).forEach(function (name) {
      var v = [].concat(e.fields[name])[0];
      form.querySelectorAll("[name='" + name + "']").forEach(function (input) {
        if (input.type === "radio" || input.type === "checkbox") input.checked = input.value === String(v) || (input.type === "checkbox" && v === "on");
        else if (input.type !== "file") input.value = v;
      });
    });
    form.dataset.key = e.key;
    if (e.photo) form.dataset.keptPhoto = e.key;
    errorsOn(form, e.errors, e.reason);
  }

  function shrink(file) {
    return new Promise(function (resolve, reject) {
      if (file.size > MAX_BYTES) { reject(say.photoHuge); return; }
      var img = new Image();
      var url = URL.createObjectURL(file);
      img.onload = function () {
        var scale = Math.min(1, MAX_SIDE / Math.max(img.naturalWidth, img.naturalHeight));
        var c = document.createElement("canvas");
        c.width = Math.max(1, Math.round(img.naturalWidth * scale));
        c.height = Math.max(1, Math.round(img.naturalHeight * scale));
        c.getContext("2d").drawImage(img, 0, 0, c.width, c.height);
        URL.revokeObjectURL(url);
        c.toBlob(function (blob) { if (blob) resolve(blob); else reject(say.photoBad); }, "image/jpeg", 0.82);
      };
      img.onerror = function () { URL.revokeObjectURL(url); reject(say.photoBad); };
      img.src = url;
    });
  }

  function values(form) {
    var fields = {};
    new FormData(form).forEach(function (v, name) {
      if (name === "csrfmiddlewaretoken" || name === "photo" || name === "token") return;
      if (name in fields) fields[name] = [].concat(fields[name], v); else fields[name] = v;
    });
    return fields;
  }

  function describe(form, fields) {
    if (form.dataset.queue === "visit") {
      return { summary: form.dataset.summary, where: form.dataset.where };
    }
    var place = [].concat(fields.place || []).filter(Boolean)[0] || "";
    var option = form.querySelector("select[name=place] option[value='" + place + "']");
    return { summary: (fields.title || fields.description || "").slice(0, 80), where: option ? option.textContent : place };
  }

  function localErrors(form, fields) {
    var errors = {};
    if (form.dataset.queue === "case") {
      var places = [].concat(fields.place || []).filter(Boolean);
      if (!places.length) errors.place = [say.needPlace];
      if (!String(fields.title || "").trim() && !String(fields.description || "").trim()) errors.title = [say.needWords];
    } else {
      ["solved", "satisfied"].forEach(function (n) { if (!fields[n]) errors[n] = [say.needAnswer]; });
    }
    return Object.keys(errors).length ? errors : null;
  }

  function firstKey(form) {
    // The page's one-time token is the first entry's key (a resend of this very form
    // is then one case, as without JavaScript); once used, each entry gets a new one.
    var token = form.querySelector("input[name=token]");
    var used = JSON.parse(localStorage.getItem("minqing-used-tokens") || "[]");
    if (token && /^[0-9a-f]{32}$/.test(token.value) && used.indexOf(token.value) < 0) {
      used.push(token.value);
      localStorage.setItem("minqing-used-tokens", JSON.stringify(used.slice(-50)));
      var h = token.value;
      return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
    }
    return newKey();
  }

  function queueForm(form) {
    var button = form.querySelector("button[type=submit]");
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      if (form.dataset.busy) return; // a double tap
      var fields = values(form);
      var wrong = localErrors(form, fields);
      errorsOn(form, wrong || {});
      if (wrong) return;
      form.dataset.busy = "1";
      button.disabled = true;
      note.textContent = "";
      var key = form.dataset.key || (form.dataset.key = form.dataset.queue === "case" ? firstKey(form) : newKey());
      var fileInput = form.querySelector("input[type=file][name=photo]");
      var file = fileInput && fileInput.files && fileInput.files[0];
      var photo = file ? shrink(file) : (form.dataset.keptPhoto === key ? Q.get(key).then(function (e) { return e && e.photo; }) : Promise.resolve(null));
      photo.then(function (blob) {
        var d = describe(form, fields);
        var entry = {
          key: key, kind: form.dataset.queue, user: user, fields: fields, photo: blob || null,
          summary: d.summary, where: d.where, page: form.dataset.page,
          status: "waiting", createdAt: Date.now(), tries: 0,
        };
        return Q.put(entry).then(function () {
          if (!navigator.onLine) return "offline";
          return send(key).then(function (outcomes) { return outcomes[key] || "offline"; });
        }, function (err) {
          // Storage full: nothing is kept on the phone, so the form keeps the words.
          var full = err && (err.name === "QuotaExceededError" || /quota/i.test(String(err)));
          throw full ? say.full : String(err);
        });
      }).then(function (outcome) {
        if (outcome === "sent") {
          return Q.get(key).then(function (e) {
            if (form.dataset.queue === "case" && e && e.url) { window.location.assign(e.url); return; }
            done(form, e && e.url ? null : "");
          });
        }
        if (outcome === "rejected") {
          return Q.get(key).then(function (e) { errorsOn(form, e.errors, e.reason); release(form, button); });
        }
        later();
        done(form, say.savedOffline);
      }).catch(function (message) {
        message = String(message);
        var photoWrong = message === say.photoBad || message === say.photoHuge;
        errorsOn(form, photoWrong ? { photo: [message] } : {}, message);
        if (message === say.full) note.textContent = say.full;
        release(form, button);
      });
    });

    function done(f, message) {
      f.reset();
      delete f.dataset.key;
      delete f.dataset.keptPhoto;
      f.querySelectorAll(".errorlist.js").forEach(function (n) { n.remove(); });
      if (message) note.textContent = message;
      release(f, button);
      render();
      f.dispatchEvent(new CustomEvent("minqing:queued"));
    }
  }
  function release(form, button) { delete form.dataset.busy; button.disabled = false; }

  document.querySelectorAll("form[data-queue]").forEach(queueForm);
  render().then(function (rows) {
    var m = window.location.hash.match(/^#edit=(.+)$/);
    if (m) {
      var e = rows.filter(function (r) { return r.key === m[1]; })[0];
      var form = e && document.querySelector("form[data-queue='" + e.kind + "']");
      if (form) fill(form, e);
    }
    if (navigator.onLine) send(null);
  });

  /* A return visit answered on this phone is not offered again here. */
  document.addEventListener("minqing:queue", function (ev) {
    ev.detail.forEach(function (r) {
      if (r.kind !== "visit" || r.status === "rejected") return;
      var d = document.querySelector("li[data-visit='" + r.fields.visit + "'] details");
      if (d) d.hidden = true;
    });
  });

  /* The chips and the list post the same place: keep them saying the same one. */
  var placeBox = document.getElementById("place-field");
  if (placeBox) {
    var select = placeBox.querySelector("select");
    placeBox.addEventListener("change", function (e) {
      if (e.target.type === "radio") select.value = e.target.value;
      else if (e.target === select) placeBox.querySelectorAll("input[type=radio]").forEach(function (r) { r.checked = r.value === select.value; });
    });
  }
})();
