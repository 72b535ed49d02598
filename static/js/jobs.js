// Background-job panels (templates/_job.html): poll GET /api/jobs/<id> twice a second, show
// the progress, the message, the error in words, a Cancel button while it runs, and the
// result (a link, a file to download) when it is done. A page reload finds the job again: the
// server renders the user's running job into the panel.
(function () {
  "use strict";
  const POLL_MS = 500;
  const csrf = () => document.querySelector('meta[name="csrf-token"]').content;

  function show(el, visible) { if (el) el.hidden = !visible; }

  function render(panel, job) {
    panel.dataset.jobState = job.state;
    panel.hidden = false;
    const bar = panel.querySelector(".job-progress");
    bar.value = job.state === "done" ? 1 : job.progress;
    bar.setAttribute("aria-valuetext", Math.round(100 * bar.value) + "%");
    const message = panel.querySelector(".job-message");
    const words = job.state === "queued" || job.state === "running"
      ? `${job.message} (${Math.round(100 * job.progress)}%)` : job.message;
    if (message.textContent !== words) message.textContent = words;
    const error = panel.querySelector(".job-error");
    error.textContent = job.state === "failed" ? (job.error || job.message) : "";
    show(error, job.state === "failed");
    show(panel.querySelector(".job-cancel"), job.state === "queued" || job.state === "running");
    show(panel.querySelector(".job-result"), job.state === "done");
    if (job.state === "done" && job.result && job.result.file && !panel.querySelector(".job-file")) {
      const link = document.createElement("a");
      link.className = "job-file button primary";
      link.href = `/api/jobs/${job.id}/files/${encodeURIComponent(job.result.file)}`;
      link.textContent = `Download ${job.result.file}`;
      panel.querySelector(".job-actions").append(link);
    }
    panel.dispatchEvent(new CustomEvent("job:update", { detail: job, bubbles: true }));
  }

  async function poll(panel) {
    const id = panel.dataset.jobId;
    if (!id) return;
    try {
      const answer = await fetch(`/api/jobs/${id}`, { headers: { Accept: "application/json" } });
      if (answer.ok) {
        const job = await answer.json();
        render(panel, job);
        if (job.state === "queued" || job.state === "running") {
          setTimeout(() => poll(panel), POLL_MS);
        }
        return;
      }
    } catch (err) { /* the network blinked: try again */ }
    setTimeout(() => poll(panel), POLL_MS * 4);
  }

  async function cancel(panel) {
    const button = panel.querySelector(".job-cancel");
    button.disabled = true;
    const answer = await fetch(`/api/jobs/${panel.dataset.jobId}/cancel`, {
      method: "POST", headers: { "X-CSRFToken": csrf(), Accept: "application/json" },
    });
    button.disabled = false;
    if (answer.ok) render(panel, await answer.json());
  }

  function watch(panel, id) {
    panel.dataset.jobId = String(id);
    poll(panel);
  }

  document.querySelectorAll(".job-panel").forEach((panel) => {
    panel.querySelector(".job-cancel").addEventListener("click", () => cancel(panel));
    const state = panel.dataset.jobState;
    if (panel.dataset.jobId && (state === "queued" || state === "running")) poll(panel);
  });

  window.annotatorJobs = { watch };
})();
