/* Enterprise pages: the upload field shows the chosen file's name in the page's language
   (the browser's own file input speaks the browser's language). Without JS the native input shows. */
(function () {
  "use strict";
  document.querySelectorAll("[data-file-input]").forEach(function (input) {
    var label = input.closest("label");
    var name = label ? label.querySelector("[data-file-name]") : null;
    if (!name) return;
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      name.textContent = file ? file.name : name.getAttribute("data-empty");
      name.classList.toggle("gm-file-chosen", Boolean(file));
    });
  });
})();
