/* The answer queue's keyboard shortcuts: j/k next/previous comment, x tick it, a go to the
 * answer form. Progressive enhancement only (the page is plain forms). They act only while
 * the focus is inside the queue and never while typing in a field (WCAG 2.1.4: a single-key
 * shortcut is active only when its component has the focus). After a refused answer the
 * focus starts on the form's error summary.
 */
(function () {
  "use strict";

  var queue = document.querySelector("[data-answer-queue]");
  if (!queue) {
    return;
  }
  // A refused answer: the page opens at the top, its fields are below fifty comments.
  var summary = document.getElementById("answer-error-summary");
  if (summary) {
    summary.focus();
  }
  var rows = Array.prototype.slice.call(queue.querySelectorAll("[data-answer-row]"));
  var current = -1;

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" && target.type !== "checkbox" || tag === "TEXTAREA" || tag === "SELECT" ||
      (target && target.isContentEditable);
  }

  function focusRow(index) {
    if (!rows.length) {
      return;
    }
    current = Math.max(0, Math.min(rows.length - 1, index));
    rows[current].focus();
  }

  queue.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || typing(event.target)) {
      return;
    }
    var fromRow = rows.indexOf(event.target.closest ? event.target.closest("[data-answer-row]") : null);
    if (fromRow >= 0) {
      current = fromRow;
    }
    if (event.key === "j") {
      focusRow(current + 1);
    } else if (event.key === "k") {
      focusRow(current - 1);
    } else if (event.key === "x" && current >= 0) {
      var box = rows[current].querySelector("input[type=checkbox]");
      if (box) {
        box.checked = !box.checked;
      }
    } else if (event.key === "a") {
      var text = document.getElementById("id_justification");
      if (text) {
        text.focus();
      }
    } else {
      return;
    }
    event.preventDefault();
  });
})();
