// The new API token's page: "Copy token" puts the token on the clipboard (or, where the
// clipboard API is refused, selects it for Ctrl+C) and says which happened.

const button = document.getElementById("copy-secret");
const status = document.getElementById("copy-status");

if (button) {
  const field = document.getElementById(button.dataset.copy);
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(field.value);
      status.textContent = "Copied to the clipboard.";
    } catch {
      field.focus();
      field.select();
      status.textContent = "Selected: press Ctrl+C (⌘C) to copy.";
    }
  });
}
