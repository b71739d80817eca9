/* Appeal forms: one tap submits once, and the branch choice shows only when it applies. */
(function () {
  "use strict";

  // A second tap while the first upload is still going would only repeat it (the server keeps one anyway).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("lx-intake-form")) return;
    if (form.dataset.sent === "1") {
      event.preventDefault();
      return;
    }
    form.dataset.sent = "1";
    form.querySelectorAll("button[type=submit]").forEach(function (button) {
      button.setAttribute("aria-busy", "true");
      button.classList.add("disabled");
    });
  });

  // "Route to my branch" matters only for an anonymous appeal.
  function syncBranchChoice() {
    var box = document.querySelector("[data-field=route_to_branch]");
    var anonymous = document.querySelector("input[name=identity][value=anonymous]");
    if (!box || !anonymous) return;
    box.hidden = !anonymous.checked;
  }
  document.addEventListener("change", function (event) {
    if (event.target.name === "identity") syncBranchChoice();
  });
  document.addEventListener("DOMContentLoaded", syncBranchChoice);
  // Restored from the back-forward cache: let the form be sent again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form.lx-intake-form").forEach(function (form) {
      delete form.dataset.sent;
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        button.classList.remove("disabled");
        button.removeAttribute("aria-busy");
      });
    });
    syncBranchChoice();
  });
})();
