// The duplicates queue: when a pair leaves the page (kept apart), the keyboard focus moves
// to the next pair instead of falling back to the top of the page.
(function () {
  "use strict";

  let next = null;

  document.addEventListener("htmx:beforeSwap", (event) => {
    const target = event.detail.target;
    if (!event.detail.shouldSwap || !(target instanceof Element)) return;
    if (!target.classList.contains("duplicate-item")) return;
    next = target.nextElementSibling || target.previousElementSibling;
  });

  document.addEventListener("htmx:afterSwap", () => {
    if (next && next.isConnected) next.focus();
    next = null;
  });
})();
