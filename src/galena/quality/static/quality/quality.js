// The review queue: one checkbox selects every lead on the page; "x" toggles the lead
// whose row has the focus. Without JavaScript the boxes are ticked one by one.
(function () {
  "use strict";

  document.addEventListener("change", (event) => {
    const all = event.target.closest("[data-check-all]");
    if (!all) return;
    const name = all.getAttribute("data-check-all");
    const form = all.form;
    if (!form) return;
    form.querySelectorAll('input[type="checkbox"][name="' + CSS.escape(name) + '"]').forEach((box) => {
      box.checked = all.checked;
    });
  });

  document.addEventListener("keydown", (event) => {
    if (event.key !== "x" || event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target.matches && target.matches("input[type=text], input:not([type]), textarea, select")) return;
    const item = target.closest && target.closest(".queue-item");
    if (!item) return;
    const box = item.querySelector('input[type="checkbox"][name="lead_ids"]');
    if (!box) return;
    event.preventDefault();
    box.checked = !box.checked;
  });
})();
