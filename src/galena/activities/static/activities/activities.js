/* The activities composer: a link to #activity-call (the verification panel's "Log a call",
   My day's "Answer") or a page opened at that address opens that part of the composer. */
(() => {
  // the card is swapped in again by htmx after its actions: listen once
  if (window.galenaActivitiesReady) return;
  window.galenaActivitiesReady = true;
  const open = (hash) => {
    if (!hash || !hash.startsWith("#activity-")) return;
    const target = document.getElementById(hash.slice(1));
    if (target && target.tagName === "DETAILS") {
      target.open = true;
      target.scrollIntoView({ block: "start" });
      const field = target.querySelector("select, input:not([type=hidden]), textarea");
      if (field) field.focus({ preventScroll: true });
      // a form still to come takes the cursor when it arrives (galena/app.js)
      else if (target.querySelector("[data-lazy-form]")) target.dataset.focusOnLoad = "1";
    }
  };
  document.addEventListener("click", (event) => {
    const link = event.target instanceof Element ? event.target.closest('a[href^="#activity-"]') : null;
    if (link) open(link.getAttribute("href"));
  });
  window.addEventListener("hashchange", () => open(window.location.hash));
  open(window.location.hash);
})();
