/* Galena's own small script: keyboard shortcuts, copy buttons, confirmations and a few
   htmx niceties. Every page works without it; it only makes frequent work faster. */
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  const body = () => document.body;

  function isTyping(target) {
    if (!target || !(target instanceof Element)) return false;
    if (target.isContentEditable) return true;
    return /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
  }

  function firstField(container) {
    return container.querySelector(
      "textarea:not([disabled]), input:not([type=hidden]):not([disabled]), select:not([disabled])"
    );
  }

  function openAction(element) {
    // a shortcut that only goes somewhere (the stage bar, "take it"): focus, never press
    if (element.hasAttribute("data-shortcut-focus")) {
      const inner = element.matches("button, a, input, select")
        ? element
        : element.querySelector("button:not([disabled]), a[href]");
      if (inner) {
        inner.scrollIntoView({ block: "nearest" });
        inner.focus();
      }
      return;
    }
    if (element.tagName === "DETAILS") {
      element.open = true;
      const field = firstField(element);
      element.scrollIntoView({ block: "nearest" });
      if (field) field.focus();
      // a form still to come (data-lazy-form) takes the cursor when it arrives
      else if (element.querySelector("[data-lazy-form]")) element.dataset.focusOnLoad = "1";
      return;
    }
    element.focus();
    if (element.tagName === "A" || element.tagName === "BUTTON") element.click();
  }

  function helpPanel() {
    // a page with keys of its own (the lead card) shows its own list
    return document.getElementById("card-shortcuts") || document.getElementById("shortcut-help");
  }

  function toggleHelp(force) {
    const help = helpPanel();
    if (!help) return;
    const show = force === undefined ? help.hidden : force;
    help.hidden = !show;
    if (show) help.focus();
  }

  function closeOpenActions() {
    let closed = false;
    document.querySelectorAll("details.action[open], details.assign-panel[open]").forEach((d) => {
      d.open = false;
      closed = true;
      const summary = d.querySelector("summary");
      if (summary && d.contains(document.activeElement)) summary.focus();
    });
    return closed;
  }

  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      const help = helpPanel();
      if (help && !help.hidden) {
        toggleHelp(false);
        return;
      }
      const inline = event.target instanceof Element && event.target.closest("[data-inline-form]");
      if (inline) {
        const cancel = inline.querySelector("[data-inline-cancel]");
        if (cancel) {
          event.preventDefault();
          cancel.click();
        }
        return;
      }
      if (closeOpenActions()) event.preventDefault();
      return;
    }
    // Ctrl/Cmd + Enter sends the form being typed in.
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target.form) {
      event.preventDefault();
      event.target.form.requestSubmit();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
    if (event.key === "?") {
      event.preventDefault();
      toggleHelp();
      return;
    }
    if (event.key === "/") {
      const search = document.querySelector("#filter-q");
      if (search) {
        event.preventDefault();
        search.focus();
        search.select();
      }
      return;
    }
    if (event.key.length !== 1) return;
    // data-shortcut may list several keys; "c" logs a call where the card has the call form
    const target =
      document.querySelector('[data-shortcut~="' + CSS.escape(event.key) + '"]') ||
      (event.key === "c" ? document.getElementById("activity-call") : null);
    if (target) {
      event.preventDefault();
      openAction(target);
    }
  });

  document.addEventListener("click", (event) => {
    const target = event.target instanceof Element ? event.target : null;
    if (!target) return;

    const copy = target.closest("[data-copy]");
    if (copy) {
      const source = document.querySelector(copy.dataset.copy);
      if (!source) return;
      const text = "value" in source ? source.value : source.textContent;
      const done = () => {
        const label = copy.textContent;
        copy.textContent = copy.dataset.copied || "✓";
        setTimeout(() => (copy.textContent = label), 1500);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done);
      } else if (source.select) {
        source.select();
        document.execCommand("copy");
        done();
      }
      return;
    }

    const dismiss = target.closest("[data-dismiss]");
    if (dismiss) {
      const message = dismiss.closest(".message");
      if (message) message.remove();
      return;
    }

    const toggle = target.closest("[data-toggle-open]");
    if (toggle) {
      const panel = document.querySelector(toggle.dataset.toggleOpen);
      if (panel) {
        const open = panel.classList.toggle("is-open");
        toggle.setAttribute("aria-expanded", String(open));
      }
      return;
    }

    if (target.closest("[data-help-close]")) toggleHelp(false);
  });

  // Confirm destructive submits; stopping the event here also stops htmx from sending it.
  document.addEventListener(
    "submit",
    (event) => {
      const form = event.target;
      const question =
        (event.submitter && event.submitter.dataset.confirm) || (form.dataset && form.dataset.confirm);
      if (question && !window.confirm(question)) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    },
    true
  );

  document.addEventListener("change", (event) => {
    const target = event.target;
    if (target.matches && target.matches("[data-autosubmit]") && target.form) {
      target.form.requestSubmit();
    }
  });

  document.addEventListener("focusin", (event) => {
    const target = event.target;
    if (target.matches && target.matches("[data-select-on-focus]")) target.select();
  });

  // Success and info messages leave by themselves; warnings and errors stay until closed.
  function fadeMessages(root) {
    root.querySelectorAll(".message-success, .message-info").forEach((message) => {
      setTimeout(() => message.remove(), 5000);
    });
  }
  document.addEventListener("DOMContentLoaded", () => fadeMessages(document));
  document.addEventListener("htmx:oobAfterSwap", () => {
    const box = document.getElementById("messages");
    if (box) fadeMessages(box);
  });

  // --- the pipeline board ----------------------------------------------------------
  // Cards move with the HTML5 drag API: a drop sets the card's own "Move to" menu and sends
  // its form through htmx, so dragging and the keyboard take the same path. The answer is
  // the card as it is now (or a dialog asking for what the stage needs); a card whose stage
  // is not its column's is then moved there and the counts follow.

  function boardColumn(stageId) {
    return document.querySelector('.board-column[data-stage="' + CSS.escape(String(stageId)) + '"]');
  }

  function bumpCount(column, by) {
    const count = column && column.querySelector(".board-count");
    // only an exact count follows a move: "1,000+" and one still counting stay as they are
    if (!count || count.dataset.count === undefined) return;
    const n = Math.max(0, parseInt(count.dataset.count || "0", 10) + by);
    count.dataset.count = String(n);
    count.textContent = String(n);
  }

  function placeBoardCards() {
    document.querySelectorAll(".board-card").forEach((card) => {
      card.classList.remove("is-moving");
      const column = card.closest(".board-column");
      if (!column || column.dataset.stage === card.dataset.stage) return;
      const target = boardColumn(card.dataset.stage);
      bumpCount(column, -1);
      bumpCount(target, 1);
      const list = target && target.querySelector(".board-cards");
      if (list) {
        list.prepend(card);
        const empty = target.querySelector(".board-empty");
        if (empty) empty.remove();
        card.focus({ preventScroll: true });
      } else {
        card.remove(); // a collapsed (closed) column shows counts only
      }
    });
  }

  let dragged = null;
  document.addEventListener("dragstart", (event) => {
    const card = event.target instanceof Element && event.target.closest(".board-card");
    if (!card) return;
    dragged = card;
    card.classList.add("is-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.id);
  });
  document.addEventListener("dragend", () => {
    if (dragged) dragged.classList.remove("is-dragging");
    dragged = null;
    document.querySelectorAll(".board-column.is-drop-target").forEach((c) => c.classList.remove("is-drop-target"));
  });
  document.addEventListener("dragover", (event) => {
    const column = dragged && event.target instanceof Element && event.target.closest(".board-column");
    if (!column) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    document.querySelectorAll(".board-column.is-drop-target").forEach((c) => {
      if (c !== column) c.classList.remove("is-drop-target");
    });
    column.classList.add("is-drop-target");
  });
  document.addEventListener("drop", (event) => {
    const column = dragged && event.target instanceof Element && event.target.closest(".board-column");
    if (!column) return;
    event.preventDefault();
    column.classList.remove("is-drop-target");
    const card = dragged;
    if (column.dataset.stage === card.dataset.stage) return;
    const form = card.querySelector("form.board-move");
    if (!form) return;
    form.querySelector("select[name=stage]").value = column.dataset.stage;
    card.classList.add("is-moving");
    form.requestSubmit();
  });

  document.addEventListener("htmx:afterSettle", () => {
    if (document.querySelector("[data-board]")) placeBoardCards();
    const body = document.getElementById("board-dialog-body");
    const dialog = document.getElementById("board-dialog");
    if (dialog && body && body.childElementCount && !dialog.open) {
      dialog.showModal();
      const field = firstField(body);
      if (field) field.focus();
    }
  });
  document.addEventListener("board-moved", () => {
    const dialog = document.getElementById("board-dialog");
    const body = document.getElementById("board-dialog-body");
    if (body) body.replaceChildren();
    if (dialog && dialog.open) dialog.close();
  });
  document.addEventListener("click", (event) => {
    const close = event.target instanceof Element && event.target.closest("[data-dialog-close]");
    if (!close) return;
    const dialog = close.closest("dialog");
    const body = document.getElementById("board-dialog-body");
    if (body && dialog && dialog.contains(body)) body.replaceChildren();
    if (dialog) dialog.close();
    document.querySelectorAll(".board-card.is-moving").forEach((c) => c.classList.remove("is-moving"));
  });
  document.addEventListener("close", (event) => {
    if (event.target && event.target.id === "board-dialog") {
      const body = document.getElementById("board-dialog-body");
      if (body) body.replaceChildren();
      document.querySelectorAll(".board-card.is-moving").forEach((c) => c.classList.remove("is-moving"));
    }
  }, true);

  // --- bulk actions in the list ---------------------------------------------------
  // Show only the fields the chosen action (and stage) needs; count the ticked rows.

  function bulkRefresh() {
    const form = document.querySelector("[data-bulk]");
    if (!form) return;
    const action = form.querySelector("[data-bulk-action]").value;
    const stageSelect = form.querySelector("[data-bulk-stage]");
    const option = stageSelect && stageSelect.selectedOptions[0];
    const kind = option && option.dataset.kind ? option.dataset.kind : "";
    const wanted = new Set([action]);
    if (action === "stage" && kind) wanted.add("stage-" + kind);
    form.querySelectorAll(".bulk-for").forEach((part) => {
      const shown = part.dataset.for.split(" ").some((name) => wanted.has(name));
      part.hidden = !shown;
      part.querySelectorAll("input, select, textarea").forEach((field) => (field.disabled = !shown));
    });
    const ticked = document.querySelectorAll(".bulk-ids:checked").length;
    const all = form.querySelector("[name=all_matching]");
    const count = form.querySelector("[data-bulk-count]");
    if (count && !(all && all.checked)) {
      count.textContent = ticked ? count.dataset.template.replace("__n__", String(ticked)) : count.dataset.empty || count.textContent;
    }
  }

  document.addEventListener("change", (event) => {
    const target = event.target;
    if (!(target instanceof Element)) return;
    if (target.matches("[data-select-all]")) {
      document.querySelectorAll("." + target.dataset.selectAll).forEach((box) => (box.checked = target.checked));
    }
    if (target.closest("[data-bulk]") || target.matches(".bulk-ids, [data-select-all]")) {
      // the actions' fields come with the first tick or choice (leads/_bulk_bar.html)
      const lazy = document.querySelector("[data-bulk-fields]");
      if (lazy && window.htmx) window.htmx.trigger(lazy, "bulk-open");
      bulkRefresh();
    }
  });
  function bulkInit() {
    const count = document.querySelector("[data-bulk-count]");
    if (count && !count.dataset.empty) count.dataset.empty = count.textContent;
    bulkRefresh();
  }
  document.addEventListener("DOMContentLoaded", bulkInit);
  document.addEventListener("htmx:afterSettle", bulkInit);

  // --- htmx ---------------------------------------------------------------------

  // A session that ran out answers an htmx request with the login page: go there
  // properly instead of drawing the login form inside a panel.
  document.addEventListener("htmx:beforeSwap", (event) => {
    const xhr = event.detail.xhr;
    const login = body().dataset.loginUrl;
    if (!xhr || !xhr.responseURL || !login) return;
    const path = new URL(xhr.responseURL, window.location.href).pathname;
    if (path === login && window.location.pathname !== login) {
      event.detail.shouldSwap = false;
      window.location.href =
        login + "?next=" + encodeURIComponent(window.location.pathname + window.location.search);
    }
  });

  // A refused htmx request (403, 404, 500…) is not swapped in: say so in the message area.
  document.addEventListener("htmx:responseError", (event) => {
    const messages = document.getElementById("messages");
    if (!messages) return;
    const status = event.detail.xhr ? event.detail.xhr.status : 0;
    const key = status === 403 ? "errorForbidden" : status === 404 ? "errorNotFound" : "errorOther";
    const div = document.createElement("div");
    div.className = "message message-error";
    div.setAttribute("role", "alert");
    div.textContent = body().dataset[key] || "Error " + status;
    messages.replaceChildren(div);
  });

  document.addEventListener("htmx:sendError", () => {
    const messages = document.getElementById("messages");
    if (!messages) return;
    const div = document.createElement("div");
    div.className = "message message-error";
    div.setAttribute("role", "alert");
    div.textContent = body().dataset.errorOffline || "Network error";
    messages.replaceChildren(div);
  });

  // A lead card's form comes when its panel opens, by a click or a key: htmx fetches it
  // once ("toggle" does not bubble: listen while it goes down).
  document.addEventListener(
    "toggle",
    (event) => {
      const details = event.target;
      if (!(details instanceof HTMLDetailsElement) || !details.open || !window.htmx) return;
      const lazy = details.querySelector("[data-lazy-form]");
      if (lazy) window.htmx.trigger(lazy, "card-form-open");
    },
    true
  );
  document.addEventListener("htmx:load", (event) => {
    const element = event.detail.elt;
    const details = element instanceof Element ? element.closest("details[data-focus-on-load]") : null;
    if (!details || !details.open) return;
    delete details.dataset.focusOnLoad;
    const field = firstField(details);
    if (field) field.focus();
  });

  // A value clicked for editing: its input takes the cursor, its text selected.
  document.addEventListener("htmx:afterSettle", () => {
    const active = document.activeElement;
    if (active && active.closest && active.closest("[data-inline-form]")) return;
    const forms = document.querySelectorAll("[data-inline-form]");
    const form = forms[forms.length - 1];
    const field = form ? firstField(form) : null;
    if (field && (!active || active === document.body || !active.isConnected)) {
      field.focus();
      if (field.select) field.select();
    }
  });

  // After a swap, put the cursor where the person has to act: on the first field with an
  // error, or back at the top of a refreshed lead card.
  // the nav's "More" menu closes on a click elsewhere or Escape
  document.addEventListener("click", (event) => {
    for (const menu of document.querySelectorAll("details.nav-menu[open]")) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    }
  });
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    const menu = document.querySelector("details.nav-menu[open]");
    if (menu) {
      menu.removeAttribute("open");
      menu.querySelector("summary").focus();
    }
  });

  document.addEventListener("htmx:afterSwap", (event) => {
    const swapped = event.detail.target;
    if (!(swapped instanceof Element)) return;
    // an outerHTML swap leaves the old element detached: find its successor by id
    const current = swapped.isConnected ? swapped : swapped.id && document.getElementById(swapped.id);
    const invalid = current ? current.querySelector('[aria-invalid="true"]') : null;
    if (invalid) {
      invalid.focus();
      return;
    }
    const card = document.getElementById("lead-card");
    if (card && swapped.id === "lead-card") {
      const heading = card.querySelector("h1");
      if (heading) {
        heading.setAttribute("tabindex", "-1");
        heading.focus({ preventScroll: true });
      }
    }
  });
})();
