// gigflow's page script: progressive enhancement only; every page works without it.
// - times are re-rendered in the viewer's zone: the profile's, which the server already wrote and
//   which wins, else (the profile keeps the default, UTC) the browser's;
// - countdowns tick every second without a reload;
// - htmx requests carry the page's CSRF token;
// - a refusal (400, 422) is swapped in like a success, so its errors show beside the fields.
(function () {
  'use strict';
  function zone() {
    return document.body.dataset.zone || Intl.DateTimeFormat().resolvedOptions().timeZone;
  }
  function formatTime(iso) {
    // Fields, not dateStyle/timeStyle: those cannot be combined with timeZoneName (a TypeError).
    var opts = { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: zone(), timeZoneName: 'short' };
    try {
      return new Intl.DateTimeFormat(undefined, opts).format(new Date(iso));
    } catch (e) {
      opts.timeZone = 'UTC';
      return new Intl.DateTimeFormat(undefined, opts).format(new Date(iso));
    }
  }
  function remaining(ms) {
    if (ms <= 0) return 'due now';
    var total = Math.floor(ms / 1000);
    var d = Math.floor(total / 86400);
    var h = Math.floor((total % 86400) / 3600);
    var m = Math.floor((total % 3600) / 60);
    var s = total % 60;
    if (d > 0) return d + ' d ' + h + ' h left';
    if (h > 0) return h + ' h ' + m + ' min left';
    return m + ' min ' + s + ' s left';
  }
  function renderTimes(root) {
    root.querySelectorAll('time[datetime]').forEach(function (el) {
      el.textContent = formatTime(el.getAttribute('datetime'));
      el.title = el.getAttribute('datetime') + ' (UTC)';
    });
  }
  function tick() {
    document.querySelectorAll('[data-countdown]').forEach(function (el) {
      el.textContent = remaining(Date.parse(el.getAttribute('data-countdown')) - Date.now());
    });
  }
  function init(root) {
    renderTimes(root);
    tick();
  }
  document.addEventListener('DOMContentLoaded', function () {
    init(document);
    setInterval(tick, 1000);
  });
  document.addEventListener('htmx:load', function (event) {
    init(event.target);
  });
  // A refused form (400, 422) answers with its fields' errors: show them, as without JS.
  document.addEventListener('htmx:beforeSwap', function (event) {
    var status = event.detail.xhr.status;
    if (status === 400 || status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  document.addEventListener('htmx:configRequest', function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) event.detail.headers['X-CSRF-Token'] = meta.getAttribute('content');
  });
})();
