// THRIVE-SP's browser behaviour. Every page works without it; this makes it faster to use
// with a caller on the line: conditional prompts, autosave that survives a lost
// connection, and keyboard shortcuts.
import { initAll } from "../vendor/govuk/govuk-frontend.min.js";

initAll();

// ---- Conditional prompts (data-show-when on a wrapper) -------------------------------
const CONDITIONS = {
  always: () => true,
  optional: () => true,
  children_involved: (form) => radioValue(form, "children_involved") === "true",
  any_preservation_yes: (form) =>
    ["scene_preservation__forensic_opportunities", "scene_preservation__evidence_retainable",
     "scene_preservation__csi_required"].some((name) => radioValue(form, name) === "yes"),
  send_link: (form) => radioValue(form, "prevention__send_link") === "true",
  no_link: (form) => radioValue(form, "prevention__send_link") === "false",
};

function radioValue(form, name) {
  const checked = form.querySelector(`input[name="${name}"]:checked`);
  return checked ? checked.value : null;
}

function applyConditions(form) {
  form.querySelectorAll("[data-show-when]").forEach((el) => {
    const test = CONDITIONS[el.dataset.showWhen];
    const show = test ? test(form) : true;
    el.classList.toggle("app-conditional--hidden", !show);
  });
}

// ---- Autosave with a local copy -------------------------------------------------------
// The server saves the draft on every pause in typing (htmx, in the template). A copy of the
// form stays in this browser's storage, so that a lost connection, a crash or a reload loses
// nothing: the next load puts it back (and saves it) unless the page shows a draft the
// server saved with everything in the copy. Which one is newer is told without comparing
// the browser's clock with the server's processing time where that could mislead:
// - a copy whose content a save confirmed (`confirmed`: that save's time, the server's
//   clock) is dropped once the page shows a draft saved then or later. A page read while that
//   save was still being written (a reload as a save answers) shows the older draft: the
//   copy goes back.
// - a copy with edits no save has confirmed is dropped only when the server's draft was
//   saved after the last edit and no save of this page was in flight at that edit (`pending`):
//   a save in flight carries less than the copy, however late the server wrote it.
function storageKey(form) {
  return `thrive-draft:${form.dataset.draftKey}`;
}

function snapshot(form) {
  const data = {};
  new FormData(form).forEach((value, key) => {
    if (key !== "csrfmiddlewaretoken") data[key] = value;
  });
  return data;
}

function keepLocalCopy(form, extra) {
  try {
    localStorage.setItem(storageKey(form), JSON.stringify({ at: Date.now(), data: snapshot(form), ...extra }));
  } catch (e) { /* storage full or disabled: the server save still runs */ }
}

function dropLocalCopy(form) {
  try { localStorage.removeItem(storageKey(form)); } catch (e) { /* ignore */ }
}

function localCopyWanted(saved, form) {
  const serverSavedAt = Date.parse(form.dataset.savedAt || "") || 0;
  // A copy taken from a form for another version (one since submitted: its last autosave
  // raced the submission) belongs to that version, not this one: never put it back.
  const versionField = form.querySelector('input[name="form_version"]');
  if (versionField && saved.data && saved.data.form_version !== versionField.value) return false;
  if (saved.confirmed) return serverSavedAt < saved.confirmed;
  return Boolean(saved.pending) || saved.at > serverSavedAt;
}

function restoreLocalCopy(form) {
  let saved;
  try {
    saved = JSON.parse(localStorage.getItem(storageKey(form)) || "null");
  } catch (e) { saved = null; }
  if (!saved) return false;
  if (!localCopyWanted(saved, form)) {
    dropLocalCopy(form);
    return false;
  }
  Object.entries(saved.data).forEach(([name, value]) => {
    form.querySelectorAll(`[name="${CSS.escape(name)}"]`).forEach((field) => {
      if (field.type === "radio" || field.type === "checkbox") {
        field.checked = field.value === value;
      } else {
        field.value = value;
      }
    });
  });
  return true;
}

function setupAssessmentForm(form) {
  applyConditions(form);
  form.addEventListener("change", () => applyConditions(form));
  // Count edits, so that a save which answers after more typing does not mark as confirmed
  // a copy holding words the server has not yet seen.
  let edits = 0;
  let editsSent = 0;
  let inFlight = false;
  const savePath = form.getAttribute("hx-post");
  const isSave = (event) => Boolean(event.detail.requestConfig) && event.detail.requestConfig.path === savePath;
  const edited = () => { edits += 1; keepLocalCopy(form, { pending: inFlight }); };
  form.addEventListener("input", edited);
  form.addEventListener("change", edited);
  form.addEventListener("htmx:beforeRequest", (event) => {
    if (!isSave(event)) return;
    editsSent = edits;
    inFlight = true;
  });
  form.addEventListener("htmx:afterRequest", (event) => {
    if (!isSave(event)) return;
    inFlight = false;
    const status = document.getElementById("save-status");
    if (event.detail.successful) {
      if (edits === editsSent) {
        // What the server saved is what the copy holds: keep it, marked with the save's
        // time, until a page shows that save (the answer names it; a refusal of an
        // out-of-date form names none, and its copy is dropped).
        const match = /data-saved-at="([^"]+)"/.exec(event.detail.xhr.responseText || "");
        const confirmed = match ? Date.parse(match[1]) : 0;
        if (confirmed) keepLocalCopy(form, { confirmed });
        else dropLocalCopy(form);
      }
    } else if (status) {
      status.classList.add("app-save-status--error");
      status.textContent = "Not saved to the server: the connection is down. Your typing is kept on this computer and will be saved when the connection returns.";
    }
  });
  if (restoreLocalCopy(form)) {
    applyConditions(form);
    const status = document.getElementById("save-status");
    if (status) status.textContent = "Restored what you typed before the page was closed. Saving…";
    form.dispatchEvent(new Event("change", { bubbles: true }));
  }
  // Try again every 15 s while a copy waits for a save (one already confirmed does not).
  setInterval(() => {
    try {
      const saved = JSON.parse(localStorage.getItem(storageKey(form)) || "null");
      if (saved && !saved.confirmed && !inFlight && window.htmx) {
        window.htmx.trigger(form, "autosave");
      }
    } catch (e) { /* ignore */ }
  }, 15000);
}

// ---- Progress, and sections that fold once complete (issue 19) ------------------------
// A section is done when every prompt it requires (data-required names the condition) has an
// answer. The server still decides at submission; this only shows the handler what is left.
function answered(group) {
  return Array.from(group.querySelectorAll("input, textarea, select")).some((el) =>
    (el.type === "radio" || el.type === "checkbox") ? el.checked : el.value.trim() !== "");
}

function sectionDone(form, section) {
  return Array.from(section.querySelectorAll("[data-required]")).every((group) => {
    const test = CONDITIONS[group.dataset.required];
    return !(test ? test(form) : true) || answered(group);
  });
}

function expandSection(section) {
  if (!section.classList.contains("app-section--folded")) return;
  section.classList.remove("app-section--folded");
  const button = section.querySelector(".app-section__show");
  if (button) button.setAttribute("aria-expanded", "true");
}

function foldSection(section) {
  let button = section.querySelector(".app-section__show");
  if (!button) {
    const heading = section.querySelector("h2");
    button = document.createElement("button");
    button.type = "button";
    button.className = "govuk-button govuk-button--secondary app-section__show";
    button.innerHTML = 'Show<span class="govuk-visually-hidden"></span>';
    button.querySelector("span").textContent = ` ${heading ? heading.textContent.trim() : "section"}`;
    button.addEventListener("click", () => {
      expandSection(section);
      const field = section.querySelector("textarea, input:not([type=hidden]), select");
      if (field) field.focus();
    });
    heading.insertAdjacentElement("afterend", button);
  }
  button.setAttribute("aria-expanded", "false");
  section.classList.add("app-section--folded");
}

function updateProgress(form) {
  let done = 0;
  const sections = Array.from(form.querySelectorAll("[data-section]"));
  sections.forEach((section) => {
    const complete = sectionDone(form, section);
    if (complete) done += 1;
    section.classList.toggle("app-section--done", complete);
    const item = document.querySelector(`[data-progress="${CSS.escape(section.id)}"] .app-progress__status`);
    if (item && !(item.classList.contains("govuk-tag--red") && !complete)) {
      item.textContent = complete ? "Done" : "To do";
      item.classList.toggle("govuk-tag--green", complete);
      item.classList.toggle("govuk-tag--grey", !complete);
      item.classList.remove("govuk-tag--red");
    }
  });
  const count = document.querySelector("[data-progress-count]");
  if (count) count.textContent = `(${done} of ${sections.length} done)`;
}

function setupProgress(form) {
  updateProgress(form);
  form.addEventListener("input", () => updateProgress(form));
  form.addEventListener("change", () => updateProgress(form));
  form.querySelectorAll("[data-section]").forEach((section) => {
    // Fold a complete section when the focus moves on from it (never while it is in use, and
    // never one the server found incomplete until it is answered); open it when focus returns.
    section.addEventListener("focusout", (event) => {
      const next = event.relatedTarget;
      if (next && !section.contains(next) && sectionDone(form, section)) foldSection(section);
    });
    section.addEventListener("focusin", (event) => {
      if (!event.target.classList.contains("app-section__show")) expandSection(section);
    });
  });
  document.querySelectorAll("[data-progress] a").forEach((link) => {
    link.addEventListener("click", (event) => {
      const section = document.getElementById(link.hash.slice(1));
      if (!section) return;
      event.preventDefault();
      expandSection(section);
      const field = section.querySelector("textarea, input:not([type=hidden]), select");
      if (field) field.focus();
    });
  });
}

// ---- Where the call starts: the first thing still to do ------------------------------
// Unless the page shows errors (the error summary takes the focus): the victim's phone number
// when no victim is linked yet (a caller who has called before is offered from it), else the
// first field of the first section not done.
function firstFocus(form) {
  if (document.querySelector(".govuk-error-summary")) return;
  const phone = document.querySelector("#victim-panel #v-phone");
  if (phone && phone.offsetParent !== null) { phone.focus(); return; }
  const section = Array.from(form.querySelectorAll("[data-section]")).find((s) => !sectionDone(form, s));
  const field = section && section.querySelector("textarea, input:not([type=hidden]), select");
  if (field && field.offsetParent !== null) field.focus();
}

// ---- The victim panel: the victim's mobile stands in Prevention's number ----------------
// Only into an empty box, and only a mobile (the server says which, data-victim-mobile); the
// safe-to-text tick is left for the handler. The input event saves the draft.
function fillPreventionPhone() {
  const phone = document.getElementById("f-prevention-phone");
  const victim = document.querySelector("#victim-panel [data-just-linked][data-victim-mobile]");
  if (!phone || !victim || phone.value.trim() !== "") return;
  phone.value = victim.dataset.victimMobile;
  phone.dispatchEvent(new Event("input", { bubbles: true }));
}

// ---- Phone first: Enter in the number links the one person it offers ----------------------
// Only from the number, and only a deliberate Enter: one person offered is linked (their button
// pressed); several are not chosen for the handler, the focus goes to the first of them. An
// offer not yet answered for the number as it stands is asked for now, and focused when it
// comes, for a second Enter. With no one offered, Enter links the details typed, as before.
let focusOfferWhenItComes = false;

// An answer that arrives after the handler has moved on never takes the focus back: only when
// the focus is still where the request started (inside `region`), or was lost with the swapped
// markup (on the body), does the new content take it. A handler typing the threat while the
// panel's answer settles keeps typing the threat.
function focusIfStillHere(element, region) {
  const active = document.activeElement;
  if (!element) return;
  if (!active || active === document.body || (region && region.contains(active))) element.focus();
}
document.addEventListener("keydown", (event) => {
  const phone = event.target;
  if (event.key !== "Enter" || !(phone instanceof HTMLInputElement) || !phone.matches("[data-phone-lookup]")) return;
  const offer = document.getElementById("v-phone-matches");
  const answered = offer && offer.querySelector("[data-matched-phone]");
  if (phone.value.trim() && (!answered || answered.dataset.matchedPhone !== phone.value.slice(0, 40)) && window.htmx) {
    event.preventDefault();
    focusOfferWhenItComes = true;
    window.htmx.trigger(phone, "lookup");
    return;
  }
  const people = offer ? offer.querySelectorAll("[data-phone-match]") : [];
  if (!people.length) return;
  event.preventDefault();
  if (people.length === 1) people[0].click();
  else people[0].focus();
});
document.body.addEventListener("htmx:afterSettle", (event) => {
  if (event.target.id !== "v-phone-matches" || !focusOfferWhenItComes) return;
  focusOfferWhenItComes = false;
  focusIfStillHere(event.target.querySelector("[data-phone-match]"), document.getElementById("victim-panel"));
});

document.body.addEventListener("htmx:afterSettle", (event) => {
  const panel = document.getElementById("victim-panel");
  const xhr = event.detail.xhr;
  if (!panel || !xhr || !/\/assessment\/victim\//.test(xhr.responseURL || "")) return;
  fillPreventionPhone();
  focusIfStillHere(panel.querySelector("[data-focus-on-load]"), panel);
});

document.querySelectorAll("form[data-assessment-form]").forEach((form) => {
  setupAssessmentForm(form);
  setupProgress(form);
  firstFocus(form);
});

// ---- Closure codes: the reason and the policy's records are for exempt codes only ------
function setupCloseForm(form) {
  const select = form.querySelector("select[name=closure_code]");
  const parts = form.querySelectorAll("[data-exempt-reason]");
  if (!select || !parts.length) return;
  const update = () => {
    const option = select.options[select.selectedIndex];
    const exempt = Boolean(option && option.dataset.exempt === "true");
    parts.forEach((part) => part.classList.toggle("app-conditional--hidden", !exempt));
  };
  select.addEventListener("change", update);
  update();
}
document.querySelectorAll("form[data-close-form]").forEach(setupCloseForm);
// htmx 2 does not swap 4xx answers, even with HX-Retarget. An answer that names its target
// (the closure prompt, the close form's errors) is meant to be shown: swap it.
document.body.addEventListener("htmx:beforeSwap", (event) => {
  const xhr = event.detail.xhr;
  if (xhr.status >= 400 && xhr.status < 500 && xhr.getResponseHeader("HX-Retarget")) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
document.body.addEventListener("htmx:afterSwap", (event) => {
  event.target.querySelectorAll("form[data-close-form]").forEach(setupCloseForm);
  focusIfStillHere(event.target.querySelector(".govuk-error-summary, [data-focus-on-load]"), event.target);
});

// ---- Keyboard shortcuts (listed on the help page) -------------------------------------
// Alt+Shift+letter: no clash with typing, screen readers' keys or the browser's own.
document.addEventListener("keydown", (event) => {
  if (!event.altKey || !event.shiftKey || event.ctrlKey || event.metaKey) return;
  const key = event.key.toUpperCase();
  const target = document.querySelector(`[data-shortcut="${key}"]`);
  if (key === "J" || key === "K") {
    const sections = Array.from(document.querySelectorAll("[data-section]"))
      .filter((s) => s.offsetParent !== null);
    if (!sections.length) return;
    const current = sections.findIndex((s) => s.contains(document.activeElement));
    const next = key === "J" ? Math.min(current + 1, sections.length - 1) : Math.max(current - 1, 0);
    expandSection(sections[next]);
    const field = sections[next].querySelector("textarea, input:not([type=hidden]), select");
    if (field) { event.preventDefault(); field.focus(); }
    return;
  }
  if (!target) return;
  event.preventDefault();
  const closed = target.closest("details:not([open])");
  if (closed) closed.open = true;
  if (target.tagName === "A") {
    window.location.href = target.href;
  } else {
    target.focus();
    target.click();
  }
});
