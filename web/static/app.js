// Progressive enhancement only: every page works without this file.
// Copy buttons appear when the browser can copy, and say when they did.
document.addEventListener("DOMContentLoaded", function () {
  if (!navigator.clipboard) return;
  document.querySelectorAll("button.copy[data-copy]").forEach(function (b) {
    b.hidden = false;
    var label = b.textContent;
    b.addEventListener("click", function () {
      navigator.clipboard.writeText(b.dataset.copy).then(function () {
        b.textContent = "✓";
        setTimeout(function () { b.textContent = label; }, 1500);
      });
    });
  });
});
