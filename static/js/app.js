// Small behaviours htmx does not cover: Escape cancels an edit, live updates never
// overwrite a form the user is filling in, and a failed request is never silent.
(function () {
  "use strict";

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var form = event.target.closest && event.target.closest("form.status-form, form.comment-edit");
    var cancel = form && form.querySelector("[data-cancel]");
    if (cancel) {
      event.preventDefault();
      cancel.click();
    }
  });

  // In the meeting view, ← and → step between areas, unless the user is typing. Each press
  // steps from the area the press before it led to: a press that comes while that area is
  // still loading waits for it, instead of being judged by the links of the area it leaves.
  var meetingSteps = Promise.resolve();
  document.addEventListener("keydown", function (event) {
    if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    var target = event.target;
    if (target.closest && target.closest("input, textarea, select, [contenteditable]")) return;
    if (!document.querySelector(".meeting-nav")) return;
    event.preventDefault();
    var rel = event.key === "ArrowLeft" ? "prev" : "next";
    meetingSteps = meetingSteps.then(function () {
      var link = document.querySelector(".meeting-nav a[rel=" + rel + "]");
      if (!link) return; // the first or last area: this press does nothing
      if (!window.htmx) {
        link.click(); // htmx has not loaded (yet): the link loads the whole page
        return new Promise(function () {});
      }
      // Resolves once the area is swapped in, or the request failed (its error is shown).
      return window.htmx.ajax("GET", link.href, { source: link }).catch(function () {});
    });
  });

  // Ctrl+Enter (Cmd+Enter on a Mac) posts a comment from its textarea.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
    var form = event.target.closest && event.target.closest("form[data-ctrl-enter]");
    if (form && event.target.tagName === "TEXTAREA") {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  document.addEventListener("htmx:before:swap", function (event) {
    var tasks = event.detail.tasks || [];
    for (var i = tasks.length - 1; i >= 0; i--) {
      var task = tasks[i];
      // Someone else's change arrives while this user edits the same status: keep the form;
      // saving it then shows the conflict instead of losing either change.
      if (task.type === "oob" && task.target && task.target.matches &&
          task.target.matches("form.status-form, li.is-editing")) {
        tasks.splice(i, 1);
      }
    }
  });

  // The report's print button needs script, so it shows only where script runs.
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  });

  var errorBox = function () { return document.getElementById("request-error"); };

  document.addEventListener("htmx:error", function (event) {
    var ctx = event.detail && event.detail.ctx;
    if (ctx && ctx.response) return; // the server answered; its message was swapped in place
    var box = errorBox();
    if (!box) return;
    box.textContent = box.dataset.offline;
    box.hidden = false;
  });

  document.addEventListener("htmx:after:request", function (event) {
    var ctx = event.detail && event.detail.ctx;
    var box = errorBox();
    if (box && ctx && ctx.response) box.hidden = true;
  });

  // A request that swaps nothing (the live poll) has no place to show the server's error
  // message, so it goes in the alert box; the next answer that is not an error hides it.
  document.addEventListener("htmx:response:error", function (event) {
    var ctx = event.detail && event.detail.ctx;
    var box = errorBox();
    if (!box || !ctx || String(ctx.swap || "").split(" ")[0] !== "none") return;
    var page = new DOMParser().parseFromString(ctx.text || "", "text/html");
    var alert = page.querySelector("[role=alert]");
    box.textContent = ((alert || page.body).textContent || "").replace(/\s+/g, " ").trim() ||
      box.dataset.offline;
    box.hidden = false;
  });
})();
