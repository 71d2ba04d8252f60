// kpi-suite portal: the only script of its pages (no CDN). Shows the chosen file's name before
// it is sent, keeps the period list to the chosen return's kind (quarters or fiscal years), and
// prints a receipt. Every page works without it. Its words come from the page (data-chosen,
// data-none), in the page's language.
document.querySelectorAll("input[type=file][data-shows]").forEach(function (input) {
  input.addEventListener("change", function () {
    var target = document.getElementById(input.getAttribute("data-shows"));
    if (target) {
      var chosen = target.getAttribute("data-chosen") || "Chosen: {name} ({size} KB)";
      var none = target.getAttribute("data-none") || "No file chosen yet.";
      if (!input.files.length) { target.textContent = none; return; }
      var name = input.files[0].name;  // kept left to right inside Urdu
      if (document.documentElement.dir === "rtl") { name = "\u2066" + name + "\u2069"; }
      target.textContent = chosen.replace("{name}", name)
        .replace("{size}", String(Math.ceil(input.files[0].size / 1024)));
    }
  });
});
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});
document.querySelectorAll("select[data-periods]").forEach(function (kinds) {
  var periods = document.getElementById(kinds.getAttribute("data-periods"));
  if (!periods) { return; }
  function follow() {
    var kind = kinds.options[kinds.selectedIndex].getAttribute("data-kind");
    var keep = null;
    periods.querySelectorAll("optgroup").forEach(function (group) {
      var mine = group.getAttribute("data-kind") === kind;
      group.disabled = !mine;
      group.hidden = !mine;
      if (mine && group.querySelector("option")) { keep = group; }
    });
    var chosen = periods.options[periods.selectedIndex];
    if (keep && (!chosen || chosen.parentNode !== keep)) {
      (keep.querySelector("option[selected]") || keep.querySelector("option")).selected = true;
    }
  }
  kinds.addEventListener("change", follow);
  follow();
});
