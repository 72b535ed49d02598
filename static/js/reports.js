// Agreement drill-down: colour each span with its label's colour from the schema (data-color).
// Set through the CSSOM, which the strict CSP allows (a style="" attribute would be refused).
document.querySelectorAll("[data-color]").forEach((el) => {
  el.style.setProperty("--label-color", el.dataset.color);
});
