/* Palermo's own script (no inline script: the pages run under a Content-Security-Policy).
   Loaded after htmx, before htmx processes the page (both deferred, in order).

   1. A form the server refuses with reasons (400, 403, 409, 422) swaps those reasons in
      place: htmx 2 swaps no 4xx by default, so without this the page would do nothing.
   2. Any other failed request (404, 413, 500, lost network) shows a message at the top of
      the page, in the page's language (texts from <body data-*>): the page never does nothing.
   3. After a swap, focus moves to the error summary (or to the result that asks for it).
   4. A machine-readable zone typed by a keyboard-wedge scanner (lines, then Enter) is read
      as soon as its last line is complete.
   5. A form that saves itself on every change and is re-drawn by the answer (data-autosave,
      with hx-sync="this:queue last") is never re-drawn from a request older than the
      person's latest change: that answer would undo the boxes ticked since it was sent. The
      re-draw is skipped instead; the queued request, sent when the older one is answered,
      carries every answer given so far and its answer is drawn. When the form is submitted
      (its buttons: continue, back, assess), the save on its way is aborted and none queued
      is sent: the submit carries every answer. A save the server had already received is
      refused there if it arrives after the submit (409; the form's "revision"). */
(function () {
  "use strict";
  if (!window.htmx) { return; }
  var htmx = window.htmx;
  htmx.config.includeIndicatorStyles = false; // an inline <style> the CSP would refuse
  htmx.config.allowEval = false;              // no hx-on / js: / trigger filters under CSP
  htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "400|403|409|422", swap: true, error: false },
    { code: "[45]..", swap: false, error: true },
    { code: "...", swap: false }
  ];

  function notice(text) {
    var box = document.getElementById("request-failed");
    if (!box) { return; }
    box.textContent = text;
    box.hidden = false;
    box.focus();
  }

  function failed(event) {
    var body = document.body;
    var xhr = event.detail && event.detail.xhr;
    var status = xhr ? xhr.status : 0;
    var text;
    if (status === 0) { text = body.dataset.msgOffline; }
    else if (status === 404) { text = body.dataset.msgNotFound; }
    else if (status === 413) { text = body.dataset.msgTooLarge; }
    else if (status >= 500) { text = body.dataset.msgServer; }
    else { text = body.dataset.msgRefused; }
    notice((text || "The request failed.") + (status ? " (" + status + ")" : ""));
  }

  document.addEventListener("htmx:responseError", failed);
  document.addEventListener("htmx:sendError", failed);
  document.addEventListener("htmx:beforeRequest", function () {
    var box = document.getElementById("request-failed");
    if (box) { box.hidden = true; }
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail && event.detail.target;
    if (!target || !target.querySelector) { return; }
    if (!target.isConnected && target.id) {  // an outerHTML swap replaced it: its successor
      target = document.getElementById(target.id) || target;
    }
    var focus = target.querySelector(".error-summary, [data-focus]");
    if (!focus && target.matches && target.matches(".error-summary, [data-focus]")) {
      focus = target;
    }
    if (focus) {
      if (!focus.hasAttribute("tabindex")) { focus.setAttribute("tabindex", "-1"); }
      focus.focus();
      if (focus.scrollIntoView) { focus.scrollIntoView({ block: "start" }); }
    }
  });

  var changes = new WeakMap();  // autosave form -> how many changes so far
  var sentAfter = new WeakMap(); // request -> how many changes its form had when it was sent

  function autosaveForm(element) {
    var form = element && (element.form || (element.closest && element.closest("form")));
    return form && form.hasAttribute("data-autosave") ? form : null;
  }
  // capture: counted before htmx (listening on the form) sends or queues the request
  document.addEventListener("change", function (event) {
    var form = autosaveForm(event.target);
    if (form) { changes.set(form, (changes.get(form) || 0) + 1); }
  }, true);
  document.addEventListener("htmx:beforeRequest", function (event) {
    var config = event.detail && event.detail.requestConfig;
    var form = config && config.elt && config.elt.hasAttribute && config.elt.hasAttribute("data-autosave") ? config.elt : null;
    if (!form) { return; }
    if (form.hasAttribute("data-submitting")) {  // a queued save after the submit: not sent
      event.preventDefault();
      return;
    }
    sentAfter.set(event.detail.xhr, changes.get(form) || 0);
  });
  // capture: before htmx or the browser sends the form
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || !form.hasAttribute || !form.hasAttribute("data-autosave")) { return; }
    form.setAttribute("data-submitting", "");
    htmx.trigger(form, "htmx:abort");  // the save on its way, if any
  }, true);
  // back to a page kept by the browser (back button): saves go on again
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    var forms = document.querySelectorAll("form[data-autosave][data-submitting]");
    for (var i = 0; i < forms.length; i++) { forms[i].removeAttribute("data-submitting"); }
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    var form = detail && detail.requestConfig && detail.requestConfig.elt;
    if (!form || !sentAfter.has(detail.xhr)) { return; }
    if (sentAfter.get(detail.xhr) !== (changes.get(form) || 0)) { detail.shouldSwap = false; }
  });

  // The zone is complete when it has 2 lines of 36 or 44, or 3 lines of 30 characters.
  function complete(text) {
    var lines = text.toUpperCase().split(/\r?\n/).map(function (l) {
      return l.replace(/\s+/g, "");
    }).filter(function (l) { return l.length > 0; });
    if (lines.length === 2) {
      return lines[0].length === lines[1].length && (lines[0].length === 44 || lines[0].length === 36);
    }
    return lines.length === 3 && lines.every(function (l) { return l.length === 30; });
  }

  document.addEventListener("keydown", function (event) {
    var box = event.target;
    if (event.key !== "Enter" || !box.matches || !box.matches("textarea[data-mrz]")) { return; }
    // Enter after the last line submits; Enter between lines is a new line.
    if (complete(box.value)) {
      event.preventDefault();
      // a click, so htmx (and the form without htmx) sends the button's name: "read the zone"
      var read = box.form && box.form.querySelector("button[name=read]");
      if (read) { read.click(); }
    }
  });
  // a button marked data-print prints the page (no inline script: the CSP forbids it)
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-print]");
    if (button) { window.print(); }
  });
})();
