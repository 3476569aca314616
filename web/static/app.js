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
// Approving an application: choosing a partner type chooses its plan, and
// a plan of another type shows the confirmation the server asks for.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.querySelector("form[data-type-plans]");
  if (!form) return;
  var type = form.querySelector("select[name=type]"), version = form.querySelector("select[name=version]");
  var confirm = form.querySelector("[data-other-type-plan]"), box = confirm.querySelector("input");
  function update() {
    var t = type.options[type.selectedIndex], v = version.options[version.selectedIndex];
    var other = !!(t && v && t.dataset.plan && v.dataset.plan && t.dataset.plan !== v.dataset.plan);
    confirm.hidden = !other;
    if (!other) box.checked = false;
  }
  type.addEventListener("change", function () {
    var t = type.options[type.selectedIndex];
    if (t && t.dataset.version) version.value = t.dataset.version;
    update();
  });
  version.addEventListener("change", update);
});

// chart
// A chart's day (web.DayChart) says its values in the caption when it is
// focused, tapped or hovered: a phone shows no tooltip for a <title>.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("figure.chart").forEach(function (fig) {
    var caption = fig.querySelector(".chart-caption");
    if (!caption) return;
    var show = function (e) {
      var day = e.target.closest && e.target.closest(".c-day");
      var title = day && day.querySelector("title");
      if (title) caption.textContent = title.textContent;
    };
    ["focusin", "click", "mouseover"].forEach(function (name) { fig.addEventListener(name, show); });
  });
});

// rule form
// A plan rule's form shows only the fields that apply to the chosen event,
// kind and duration (the server renders them all; without this script
// every field shows and the server ignores what does not apply). A part
// marked data-when-<field>="value ..." shows while <field> has one of the
// values; what is hidden is disabled, so it is not sent. A part holding a
// mistake the server named stays in sight. A new-customer rule pays a
// flat amount, so choosing it chooses that kind.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.querySelector("form[data-rule-form]");
  if (!form) return;
  var fields = ["event", "kind", "duration"];
  var parts = form.querySelectorAll("[data-when-event],[data-when-kind],[data-when-duration]");
  var percent = form.elements.kind.querySelector("option[value=percent]");
  function update() {
    var lead = form.elements.event.value === "lead";
    percent.disabled = lead;
    if (lead && form.elements.kind.value === "percent") form.elements.kind.value = "flat";
    parts.forEach(function (p) {
      var show = fields.every(function (f) {
        var want = p.getAttribute("data-when-" + f);
        return want === null || want.split(" ").indexOf(form.elements[f].value) >= 0;
      });
      p.hidden = !show && !p.querySelector(".field-error, [aria-invalid=true]");
    });
    form.querySelectorAll("[data-when-event] input, [data-when-event] select, [data-when-kind] input, [data-when-duration] input")
      .forEach(function (el) { el.disabled = !!el.closest("[hidden]"); });
  }
  form.addEventListener("change", update);
  update();
});

// menu
// On a phone the header's navigation folds behind the menu button (CSS
// hides it under 641 px once this runs); without this script it stays
// open, so every page is still reachable.
document.addEventListener("DOMContentLoaded", function () {
  var toggle = document.querySelector(".top .menu-toggle");
  if (!toggle) return;
  var header = toggle.closest(".top");
  header.classList.add("js-menu");
  toggle.hidden = false;
  toggle.addEventListener("click", function () {
    var open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(open));
    header.classList.toggle("menu-open", open);
  });
});
