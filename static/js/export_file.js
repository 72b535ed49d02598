// The export page: "Prepare the file" posts the form's options to start a background job, so
// it (and only it) sends the CSRF token, which stays out of the download links' addresses.
(function () {
  "use strict";
  const button = document.getElementById("prepare-file");
  const token = document.getElementById("prepare-token");
  if (!button || !token) return;
  const form = button.form;
  form.addEventListener("submit", (event) => {
    token.disabled = event.submitter !== button;
  });
  // Back from the job's page (bfcache): a later plain download must not carry the token.
  window.addEventListener("pageshow", () => { token.disabled = true; });
})();
