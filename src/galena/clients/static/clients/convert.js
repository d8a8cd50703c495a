// The conversion form: the new contact's or account's fields show only while "create a new
// one" is chosen; the deal's fields only while "Record the deal" is ticked. Without
// JavaScript every field shows and the server ignores what the choices leave out.
(function () {
  "use strict";
  function sync(form) {
    form.querySelectorAll(".new-fields[data-for]").forEach(function (block) {
      var chosen = form.querySelector('input[name="' + block.dataset.for + '"]:checked');
      block.hidden = !chosen || chosen.value !== "new";
    });
    var addDeal = form.querySelector('input[name="add_deal"]');
    if (addDeal) {
      form.querySelectorAll('[name^="deal_"]').forEach(function (input) {
        input.disabled = !addDeal.checked;
      });
    }
  }
  document.querySelectorAll("form.convert-form").forEach(function (form) {
    form.addEventListener("change", function () { sync(form); });
    sync(form);
  });
})();
