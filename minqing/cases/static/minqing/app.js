/* minqing — on every page: the handbook's service worker for field roles (pages kept on the
 * phone), and nothing of one person's pages left for the next at log-out. */
(function () {
  "use strict";
  var body = document.body;
  var sw = navigator.serviceWorker;
  if (!sw || !body) return;
  var worker = body.getAttribute("data-sw");
  if (!worker) {
    // Not a field role, or logged out: no page of anyone stays on this phone.
    if (window.caches) caches.delete("minqing-pages");
    return;
  }
  sw.register(worker, { scope: "/" }).then(function () { return sw.ready; }).then(function (reg) {
    if (reg.active && navigator.onLine) reg.active.postMessage({ type: "warm" });
  }).catch(function () {});
  var out = document.querySelector("form[data-logout]");
  if (out) {
    out.addEventListener("submit", function (e) {
      if (out.getAttribute("data-forgotten")) return;
      e.preventDefault();
      var go = function () { out.setAttribute("data-forgotten", "1"); out.submit(); };
      (window.caches ? caches.delete("minqing-pages") : Promise.resolve()).then(go, go);
    });
  }
})();
