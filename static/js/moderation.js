/* Moderation queues: keyboard shortcuts and htmx niceties.
 *
 * Progressive enhancement only: every action is a plain form that works without this file.
 * Shortcuts (documented on the page): j/k next/previous row, p publish, r open the reject
 * form, a accept the suggested area, x tick the row, ? help. They never fire while the
 * focus is in a text field or a list, and can be switched off (WCAG 2.1.4).
 */
(function () {
  "use strict";

  var queue = document.querySelector("[data-moderation-queue]");
  if (!queue) {
    return;
  }
  var announcer = document.getElementById("moderation-announcer");
  var help = document.getElementById("shortcut-help");
  var toggle = document.getElementById("shortcuts-enabled");
  var STORAGE_KEY = "moderation-shortcuts";
  var lastRow = null;
  var pendingFocus = null;

  function message(name) {
    return queue.getAttribute("data-msg-" + name) || "";
  }

  function announce(text) {
    if (!announcer || !text) {
      return;
    }
    // Emptying first makes screen readers repeat a message that did not change.
    announcer.textContent = "";
    window.setTimeout(function () {
      announcer.textContent = text;
    }, 50);
  }

  // --- Switching the shortcuts on and off --------------------------------------------------

  function shortcutsOn() {
    try {
      return window.localStorage.getItem(STORAGE_KEY) !== "off";
    } catch (error) {
      return true;
    }
  }

  if (toggle) {
    toggle.checked = shortcutsOn();
    var holder = toggle.closest("[data-shortcut-switch]");
    if (holder) {
      holder.hidden = false;
    }
    toggle.addEventListener("change", function () {
      try {
        window.localStorage.setItem(STORAGE_KEY, toggle.checked ? "on" : "off");
      } catch (error) {
        /* Private mode: the choice lasts until the page is left. */
      }
      announce(message(toggle.checked ? "on" : "off"));
    });
  }

  function enabled() {
    return toggle ? toggle.checked : true;
  }

  // --- Rows --------------------------------------------------------------------------------

  function rows() {
    return Array.prototype.slice.call(queue.querySelectorAll("[data-row]"));
  }

  function currentRow() {
    var active = document.activeElement;
    var row = active && active.closest ? active.closest("[data-row]") : null;
    if (row) {
      return row;
    }
    return lastRow && document.body.contains(lastRow) ? lastRow : null;
  }

  function focusRow(row) {
    var all = rows();
    lastRow = row;
    row.focus();
    row.scrollIntoView({ block: "nearest" });
    announce(
      message("row")
        .replace("{label}", row.getAttribute("data-label") || "")
        .replace("{position}", String(all.indexOf(row) + 1))
        .replace("{total}", String(all.length))
    );
  }

  function move(step) {
    var all = rows();
    if (!all.length) {
      return;
    }
    var row = currentRow();
    var index = row ? all.indexOf(row) + step : step > 0 ? 0 : all.length - 1;
    index = Math.max(0, Math.min(all.length - 1, index));
    focusRow(all[index]);
  }

  function withRow(callback) {
    var row = currentRow();
    if (!row) {
      announce(message("no-row"));
      return;
    }
    callback(row);
  }

  function isTyping(target) {
    if (!target || !target.tagName) {
      return false;
    }
    if (target.isContentEditable) {
      return true;
    }
    var tag = target.tagName.toLowerCase();
    if (tag === "textarea" || tag === "select") {
      return true;
    }
    if (tag === "input") {
      var type = (target.getAttribute("type") || "text").toLowerCase();
      return ["checkbox", "radio", "button", "submit", "reset"].indexOf(type) === -1;
    }
    return false;
  }

  var shortcuts = {
    j: function () {
      move(1);
    },
    k: function () {
      move(-1);
    },
    p: function () {
      withRow(function (row) {
        var button = row.querySelector("[data-action=publish]");
        if (button) {
          button.click();
        } else {
          announce(message("no-publish"));
        }
      });
    },
    r: function () {
      withRow(function (row) {
        var details = row.querySelector("details[data-action=reject]");
        if (!details) {
          return;
        }
        details.open = true;
        var field = details.querySelector("select, textarea");
        if (field) {
          field.focus();
        }
      });
    },
    a: function () {
      withRow(function (row) {
        var button = row.querySelector("[data-action=accept]");
        if (button) {
          button.click();
        } else {
          announce(message("no-suggestion"));
        }
      });
    },
    x: function () {
      withRow(function (row) {
        var box = row.querySelector("input[data-action=select]");
        if (!box) {
          return;
        }
        box.checked = !box.checked;
        box.dispatchEvent(new Event("change", { bubbles: true }));
        announce(message(box.checked ? "selected" : "unselected"));
      });
    },
    "?": function () {
      if (!help) {
        return;
      }
      help.open = true;
      var summary = help.querySelector("summary");
      if (summary) {
        summary.focus();
      }
      help.scrollIntoView({ block: "nearest" });
    },
  };

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) {
      return;
    }
    if (isTyping(event.target)) {
      return;
    }
    var key = event.key;
    var action = Object.prototype.hasOwnProperty.call(shortcuts, key) ? shortcuts[key] : null;
    if (!action) {
      return;
    }
    // "?" is always allowed: it is how one finds the switch to turn the others back on.
    if (!enabled() && key !== "?") {
      return;
    }
    event.preventDefault();
    action();
  });

  // --- htmx: swap refusals too, keep the focus, announce the outcome -----------------------

  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    // 409: a colleague was faster, the row comes back as it is now; 422: the form with its
    // errors. Both are meant to replace the row (htmx leaves 4xx responses out by default).
    if ((status === 409 || status === 422) && queue.contains(event.detail.target)) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
    var target = event.detail.target;
    if (target && target.hasAttribute && target.hasAttribute("data-row")) {
      pendingFocus = {
        id: target.id,
        hadFocus: target.contains(document.activeElement) || document.activeElement === document.body,
      };
    }
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    if (target && target.id === "queue-results") {
      var count = document.querySelector("[data-result-count]");
      if (count) {
        announce(count.textContent.trim());
      }
      return;
    }
    if (!pendingFocus) {
      return;
    }
    var row = document.getElementById(pendingFocus.id);
    var hadFocus = pendingFocus.hadFocus;
    pendingFocus = null;
    if (!row) {
      return;
    }
    lastRow = row;
    var invalid = row.querySelector("[aria-invalid=true]");
    if (invalid) {
      invalid.focus();
    } else if (hadFocus) {
      row.focus();
    }
    var outcome = row.querySelector("[data-row-message]");
    if (outcome) {
      announce(outcome.textContent.trim());
    }
  });

  // Clicking inside a row makes it the current one for the shortcuts.
  queue.addEventListener("focusin", function (event) {
    var row = event.target.closest ? event.target.closest("[data-row]") : null;
    if (row) {
      lastRow = row;
    }
  });
})();
