/* Lianxin page behaviour; loaded with defer, no inline scripts (the CSP forbids them). */
(function () {
  "use strict";

  // Close the phone sidebar once a link in it is followed, so the back button shows the page, not the menu.
  document.addEventListener("click", function (event) {
    var link = event.target.closest(".lx-sidebar a.nav-link");
    if (!link || !window.bootstrap) return;
    var sidebar = document.getElementById("lx-sidebar");
    var instance = sidebar && window.bootstrap.Offcanvas.getInstance(sidebar);
    if (instance) instance.hide();
  });

  // A tree branch whose children failed to load says so instead of staying on "loading".
  document.addEventListener("htmx:responseError", function (event) {
    var target = event.detail.target;
    if (target && target.classList.contains("lx-tree-children")) {
      target.textContent = target.getAttribute("data-error") || "";
    }
  });
})();
