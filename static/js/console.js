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

// "Select this page" in the alert window: ticks every suggestion shown (a page is never
// more than may be sent at once), then lets the selection counter above recount.
document.addEventListener("change", (event) => {
  const toggle = event.target.closest("[data-select-page]");
  if (!toggle) return;
  const form = toggle.closest("form");
  form.querySelectorAll('input[name="suggestion"]').forEach((box) => {
    box.disabled = false;
    box.checked = toggle.checked;
  });
  const first = form.querySelector('input[name="suggestion"]');
  if (first) first.dispatchEvent(new Event("change", { bubbles: true }));
});

// --- The navigation behind the Menu button (phones and tablets) -------------------------
// <button data-nav-toggle aria-controls="console-nav" aria-expanded="false">: opens and
// closes the navigation; Escape or a click elsewhere closes it, and Escape gives the
// keyboard back to the button.
function navSet(button, open) {
  const nav = document.getElementById(button.getAttribute("aria-controls"));
  if (!nav) return;
  button.setAttribute("aria-expanded", String(open));
  nav.classList.toggle("open", open);
}

document.addEventListener("click", (event) => {
  const toggle = document.querySelector("[data-nav-toggle]");
  if (!toggle) return;
  if (event.target.closest("[data-nav-toggle]")) {
    const open = toggle.getAttribute("aria-expanded") !== "true";
    navSet(toggle, open);
    if (open) {
      const first = document.getElementById(toggle.getAttribute("aria-controls")).querySelector("a");
      if (first) first.focus();
    }
  } else if (toggle.getAttribute("aria-expanded") === "true" && !event.target.closest("#console-nav")) {
    navSet(toggle, false);
  }
});

document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  const toggle = document.querySelector('[data-nav-toggle][aria-expanded="true"]');
  if (!toggle) return;
  navSet(toggle, false);
  toggle.focus();
});

// Tabbing on past the menu's last entry folds it: it would otherwise cover the control the
// keyboard has moved to.
document.addEventListener("focusin", (event) => {
  const toggle = document.querySelector('[data-nav-toggle][aria-expanded="true"]');
  if (toggle && event.target !== toggle && !event.target.closest("#console-nav")) navSet(toggle, false);
});

// The current page's entry of the navigation is announced as such.
function navMarkCurrent() {
  document.querySelectorAll(".sidenav a.active").forEach((a) => a.setAttribute("aria-current", "page"));
}

// --- Tables that stack on phones ---------------------------------------------------------
// On a narrow screen console.css shows each row as a card, each cell on a line of its own
// named by its column: the name is copied here from the table's header (data-label), so
// templates need not repeat it on every cell.
function tablesLabel(root) {
  root.querySelectorAll("table.table").forEach((table) => {
    const head = table.tHead && table.tHead.rows[0];
    if (!head) return;
    const names = [];
    [...head.cells].forEach((th) => {
      // What the header shows: text only for screen readers ("Actions") labels no cell.
      const shown = th.cloneNode(true);
      shown.querySelectorAll(".sr-only").forEach((hidden) => hidden.remove());
      for (let i = 0; i < th.colSpan; i += 1) names.push(i === 0 ? shown.textContent.trim() : "");
    });
    [...table.tBodies].forEach((body) => {
      [...body.rows].forEach((row) => {
        let column = 0;
        [...row.cells].forEach((cell) => {
          const name = names[column];
          if (cell.colSpan === 1 && name && !cell.hasAttribute("data-label")) cell.dataset.label = name;
          column += cell.colSpan;
        });
      });
    });
  });
}

document.addEventListener("DOMContentLoaded", () => {
  navMarkCurrent();
  tablesLabel(document);
});
document.addEventListener("htmx:afterSwap", (event) => tablesLabel(event.detail.target));

// --- The alert window and the keyboard ----------------------------------------------------
// A modal <dialog> keeps the page behind it inert and closes on Escape. Here: Tab and
// Shift+Tab cycle within it (not out to the browser's address bar), the keyboard goes back
// to the button that opened it when it closes, and after each answer from the server
// (a filter, a page, Update Access) the keyboard stays where the manager was — on the same
// control, or on the message saying what was done — instead of falling to the page.
let alertWindowOpener = null;

document.addEventListener("click", (event) => {
  const opener = event.target.closest("[data-opens-alert-window]");
  if (opener) alertWindowOpener = opener;
});

document.addEventListener("close", (event) => {
  if (event.target.id !== "alert-window") return;
  const opener = alertWindowOpener;
  alertWindowOpener = null;
  if (opener && opener.isConnected) opener.focus();
}, true);

function focusables(container) {
  return [...container.querySelectorAll(
    'a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])'
  )].filter((el) => el.getClientRects().length && getComputedStyle(el).visibility !== "hidden");
}

document.addEventListener("keydown", (event) => {
  if (event.key !== "Tab") return;
  const dialog = document.getElementById("alert-window");
  if (!dialog || !dialog.open) return;
  const items = focusables(dialog);
  if (!items.length) return;
  const first = items[0];
  const last = items[items.length - 1];
  const inside = dialog.contains(document.activeElement);
  if (event.shiftKey && (document.activeElement === first || !inside)) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && (document.activeElement === last || !inside)) {
    event.preventDefault();
    first.focus();
  }
});

// What had the keyboard inside the window before a swap, to find it again after.
let alertWindowFocus = null;

document.addEventListener("htmx:beforeSwap", (event) => {
  if (event.detail.target.id !== "alert-window-body") return;
  const active = document.activeElement;
  alertWindowFocus = active && event.detail.target.contains(active)
    ? {
        hx: active.getAttribute("hx-get") || active.getAttribute("hx-post"),
        name: active.getAttribute("name"),
        type: active.getAttribute("type"),
        text: active.textContent.trim().split(/\s+/)[0],
        testid: active.dataset.testid,
      }
    : null;
});

document.addEventListener("htmx:afterSwap", (event) => {
  const body = event.detail.target;
  if (body.id !== "alert-window-body") return;
  const was = alertWindowFocus;
  alertWindowFocus = null;
  const dialog = document.getElementById("alert-window");
  if (!dialog || !dialog.open) return;
  // An answer with a message (Update Access, a discard, a resolved alert): read it first.
  const flash = body.querySelector('[data-testid="alert-flash"]');
  if (flash && was) {
    flash.tabIndex = -1;
    flash.focus();
    return;
  }
  if (!was) return;
  const candidates = focusables(body);
  const same =
    (was.testid && candidates.find((el) => el.dataset.testid === was.testid)) ||
    (was.hx && candidates.find((el) => (el.getAttribute("hx-get") || el.getAttribute("hx-post")) === was.hx)) ||
    (was.name && was.type !== "checkbox" && candidates.find((el) => el.getAttribute("name") === was.name)) ||
    (was.text && candidates.find((el) => el.textContent.trim().split(/\s+/)[0] === was.text)) ||
    candidates[0];
  if (same) same.focus();
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
