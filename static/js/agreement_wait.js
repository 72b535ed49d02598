// The agreement page while a background job computes the report: reload when it is done, so
// the page renders the report from the cache (a failed job's panel shows its error instead).
(function () {
  "use strict";
  const panel = document.querySelector('.job-panel[data-job-kind="agreement-report"]');
  if (!panel) return;
  panel.addEventListener("job:update", (event) => {
    if (event.detail.state === "done") window.location.reload();
  });
})();
