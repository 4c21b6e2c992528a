// The personal cabinet works without JavaScript; this only adds comfort:
// a copy button for coupon codes and member numbers, and the language switch
// that applies as soon as a language is picked.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  document.addEventListener("change", function (event) {
    var select = event.target.closest("select[data-autosubmit]");
    if (select && select.form) select.form.submit();
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-copy]");
    if (!button) return;
    var text = button.getAttribute("data-copy");
    var done = function () {
      var status = document.getElementById(button.getAttribute("aria-describedby") || "");
      var original = button.textContent;
      button.textContent = button.getAttribute("data-copied-label") || original;
      if (status) status.textContent = button.getAttribute("data-copied-label") || "";
      setTimeout(function () { button.textContent = original; }, 2000);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () {});
    } else {
      var field = document.createElement("textarea");
      field.value = text;
      field.setAttribute("readonly", "");
      field.style.position = "absolute";
      field.style.left = "-9999px";
      document.body.appendChild(field);
      field.select();
      try { document.execCommand("copy"); done(); } catch (e) { /* the code stays visible to copy by hand */ }
      document.body.removeChild(field);
    }
  });
})();
