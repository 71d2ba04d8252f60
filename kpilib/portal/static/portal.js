// kpi-suite portal: the only script of its pages (no CDN). Shows the chosen file's name before
// it is sent, and prints a receipt. Every page works without it.
document.querySelectorAll("input[type=file][data-shows]").forEach(function (input) {
  input.addEventListener("change", function () {
    var target = document.getElementById(input.getAttribute("data-shows"));
    if (target) {
      target.textContent = input.files.length
        ? "Chosen: " + input.files[0].name + " (" + Math.ceil(input.files[0].size / 1024) + " KB)"
        : "No file chosen yet.";
    }
  });
});
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});
