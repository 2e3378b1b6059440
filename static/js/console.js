// Access suggestions: count the selection and stop at the limit (the server checks too).
document.addEventListener("change", (event) => {
  const form = event.target.closest("#suggestions-form");
  if (!form) return;
  const max = Number(form.dataset.max || 50);
  const boxes = [...form.querySelectorAll('input[name="suggestion"]')];
  const checked = boxes.filter((b) => b.checked).length;
  boxes.forEach((b) => { b.disabled = !b.checked && checked >= max; });
  const counter = form.querySelector('[data-testid="selection-count"]');
  if (counter) counter.textContent = checked ? `${checked} selected (up to ${max}).` : `Select up to ${max}.`;
});

// Buttons that undo a manager's work ask first: <button data-confirm="Remove …?">.
document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-confirm]");
  if (button && !window.confirm(button.dataset.confirm)) event.preventDefault();
});

// A choice that takes access away asks first: <select data-confirm-values="past,future"
// data-confirm-message="…">, asked when its form is sent with one of those values.
document.addEventListener("submit", (event) => {
  const select = event.target.querySelector("select[data-confirm-values]");
  if (!select) return;
  const values = select.dataset.confirmValues.split(",");
  if (values.includes(select.value) && !window.confirm(select.dataset.confirmMessage)) {
    event.preventDefault();
  }
});

// Buttons that open the alert window (the alert icon, "Review in the alert window"):
// <button data-opens-alert-window hx-get="…">. A listener here rather than onclick="…",
// which the Content-Security-Policy refuses.
document.addEventListener("click", (event) => {
  if (!event.target.closest("[data-opens-alert-window]")) return;
  const dialog = document.getElementById("alert-window");
  if (dialog && !dialog.open) dialog.showModal();
});

// A menu form sent with htmx closes its menu once answered: <form data-closes-menu>
// inside a <details> (People → Actions → Sync Now).
document.addEventListener("htmx:afterRequest", (event) => {
  const form = event.target.closest && event.target.closest("form[data-closes-menu]");
  const menu = form && form.closest("details");
  if (menu) menu.open = false;
});

// Copy buttons: <button data-copy-target="id-of-an-input"> (the new API token).
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy-target]");
  if (!button) return;
  const input = document.getElementById(button.dataset.copyTarget);
  if (!input) return;
  input.select();
  try {
    await navigator.clipboard.writeText(input.value);
    button.textContent = "Copied";
  } catch {
    // No clipboard permission (plain http): the text is selected for Ctrl+C.
    button.textContent = "Selected — press Ctrl+C";
  }
});
