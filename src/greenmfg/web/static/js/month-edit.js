/* The month editor: an "add a row" button that appends an empty row to the grid (a copy of the last
   row with its values cleared and its field names numbered on). Without JS the grid offers blank rows. */
(function () {
  "use strict";
  var button = document.querySelector("[data-add-row]");
  var body = document.querySelector("[data-month-rows]");
  if (!button || !body) return;
  var max = parseInt(button.getAttribute("data-max"), 10) || 50;
  button.addEventListener("click", function () {
    var rows = body.querySelectorAll("tr");
    if (!rows.length || rows.length >= max) { button.disabled = true; return; }
    var last = rows[rows.length - 1];
    var index = rows.length;
    var copy = last.cloneNode(true);
    copy.querySelectorAll("[name]").forEach(function (field) {
      field.name = field.name.replace(/-\d+$/, "-" + index);
      if (field.id) field.id = field.id.replace(/^cell-\d+-/, "cell-" + index + "-");
      field.removeAttribute("aria-invalid");
      field.removeAttribute("aria-describedby");
      if (field.type === "checkbox") field.checked = false;
      else if (field.tagName === "SELECT") field.selectedIndex = 0;
      else field.value = "";
      var label = field.getAttribute("aria-label");
      if (label) field.setAttribute("aria-label", label.replace(/\d+$/, String(index + 1)));
    });
    copy.querySelectorAll(".field-error").forEach(function (e) { e.remove(); });
    copy.querySelectorAll(".me-invalid").forEach(function (e) { e.classList.remove("me-invalid"); });
    var number = copy.querySelector(".me-n");
    if (number) number.textContent = String(index + 1);
    body.appendChild(copy);
    var first = copy.querySelector("select, input");
    if (first) first.focus();
    if (index + 1 >= max) button.disabled = true;
  });
})();
