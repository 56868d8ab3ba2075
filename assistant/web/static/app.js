// Mushrif web pages: in-place queue actions (fetch + JSON), keyboard shortcuts, bulk select.
// Without this script every form still works (full page POST and redirect).
"use strict";
(function () {
  const body = document.body;
  const items = () => Array.from(document.querySelectorAll("article.item"));
  let current = -1;

  function articleOf(node) {
    return node && node.closest ? node.closest("article.item") : null;
  }

  function select(index) {
    const list = items();
    if (!list.length) return;
    current = Math.max(0, Math.min(index, list.length - 1));
    list.forEach((el, i) => el.classList.toggle("current", i === current));
    list[current].focus({ preventScroll: true });
    list[current].scrollIntoView({ block: "nearest" });
  }

  function say(target, message, kind) {
    if (!target) return;
    target.textContent = message;
    target.className = "result " + (kind || "");
  }

  function markDecided(article, state) {
    if (!article || !state || !state.status || state.status === "pending") return;
    article.dataset.status = state.status;
    article.classList.add("decided", state.status);
    article.querySelectorAll("button, input.select, input.reason").forEach((el) => {
      el.disabled = true;
    });
    const box = article.querySelector("textarea");
    if (box) box.readOnly = true;
  }

  function refreshVersion(article, state) {
    if (!article || !state.version) return;
    article.querySelectorAll("input[name=version]").forEach((el) => { el.value = String(state.version); });
    const box = article.querySelector("input.select");
    if (box) box.value = state.id + ":" + state.version;
  }

  function loginLink(target) {
    const link = document.createElement("a");
    link.href = "/web/login?reason=expired&next=" + encodeURIComponent(location.pathname);
    link.target = "_blank";
    link.rel = "noopener";
    link.textContent = body.dataset.loginLabel || "log in";
    target.append(" ", link);
  }

  async function refreshCsrf() {
    const response = await fetch("/web/csrf", { headers: { Accept: "application/json" } });
    if (!response.ok) return false;
    const data = await response.json();
    body.dataset.csrf = data.csrf;
    document.querySelectorAll("input[name=csrf]").forEach((el) => { el.value = data.csrf; });
    return true;
  }

  async function post(form, submitter, data) {
    const action = (submitter && submitter.getAttribute("formaction")) || form.getAttribute("action");
    const send = () => {
      data.set("csrf", body.dataset.csrf);
      return fetch(action, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRF-Token": body.dataset.csrf },
      });
    };
    let response = await send();
    let answer = await response.json().catch(() => ({ ok: false, message: response.statusText }));
    if (response.status === 403 && answer.reason === "error.csrf" && (await refreshCsrf())) {
      response = await send();  // logged in again in another tab: same request, new token
      answer = await response.json().catch(() => ({ ok: false, message: response.statusText }));
    }
    return { status: response.status, answer: answer };
  }

  async function onSubmit(event) {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.classList.contains("decide")) return;
    event.preventDefault();
    const article = articleOf(form);
    const owner = article || form;
    if (owner.dataset.busy === "1") return;  // a double click sends one request
    owner.dataset.busy = "1";
    const data = new FormData(form, event.submitter || undefined);  // before disabling buttons
    const buttons = owner.querySelectorAll("button");
    buttons.forEach((b) => { b.disabled = true; });
    const target = (article || form).querySelector(".result");
    say(target, "…", "pending");
    let result;
    try {
      result = await post(form, event.submitter, data);
    } catch (error) {
      result = { status: 0, answer: { ok: false, message: String(error) } };
    }
    owner.dataset.busy = "";
    const answer = result.answer || {};
    say(target, answer.message || "", answer.ok ? "ok" : "bad");
    buttons.forEach((b) => { b.disabled = false; });
    if (result.status === 401) loginLink(target);
    if (form.id === "bulk") {
      (answer.items || []).forEach((state) => markDecided(document.getElementById("item-" + state.id), state));
    } else if (answer.item) {
      refreshVersion(article, answer.item);
      markDecided(article, answer.item);
      if (answer.ok && answer.item.status !== "pending") {
        const next = items().findIndex((el, i) => i > items().indexOf(article) && el.dataset.status === "pending");
        if (next >= 0) select(next);
      }
    }
  }

  function updateCounter(box) {
    const article = articleOf(box);
    if (!article) return;
    const count = box.value.replace(/\r\n/g, "\n").length;
    const max = Number(box.dataset.max || "0");
    const counter = article.querySelector(".counter");
    if (counter) {
      counter.querySelector(".n").textContent = String(count);
      counter.classList.toggle("over", max > 0 && count > max);
    }
    const button = article.querySelector(".approve-button");
    if (button) {
      if (!button.dataset.label) button.dataset.label = button.textContent;
      button.textContent = box.value === box.defaultValue ? button.dataset.label : button.dataset.labelEdit;
    }
  }

  function act(kind) {
    const article = items()[current];
    if (!article || article.dataset.status !== "pending") return;
    if (kind === "approve") {
      const form = article.querySelector("form.approve");
      const button = article.querySelector(".approve-button");
      if (form && button && !button.disabled) form.requestSubmit(button);
    } else if (kind === "edit") {
      const box = article.querySelector("textarea");
      if (box && !box.readOnly) {
        box.focus();
        box.setSelectionRange(box.value.length, box.value.length);
      }
    } else if (kind === "reject") {
      const reason = article.querySelector("input.reason");
      if (reason) reason.focus();
    } else if (kind === "toggle") {
      const box = article.querySelector("input.select");
      if (box) box.checked = !box.checked;
    }
  }

  function onKey(event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const tag = event.target.tagName;
    const typing = tag === "TEXTAREA" || tag === "INPUT" || tag === "SELECT" || event.target.isContentEditable;
    if (typing) {
      if (event.key === "Escape" && articleOf(event.target)) {
        select(items().indexOf(articleOf(event.target)));
      }
      return;
    }
    const keys = { j: () => select(current + 1), k: () => select(current - 1), a: () => act("approve"), e: () => act("edit"), r: () => act("reject"), x: () => act("toggle") };
    const handler = keys[event.key];
    if (!handler || !items().length) return;
    if (current < 0 && event.key !== "j" && event.key !== "k") select(0);
    event.preventDefault();
    handler();
  }

  document.addEventListener("submit", onSubmit);
  document.addEventListener("keydown", onKey);
  document.addEventListener("input", (event) => {
    if (event.target instanceof HTMLTextAreaElement) updateCounter(event.target);
  });
  document.addEventListener("focusin", (event) => {
    const article = articleOf(event.target);
    if (article) {
      current = items().indexOf(article);
      items().forEach((el, i) => el.classList.toggle("current", i === current));
    }
  });
  const all = document.getElementById("select-all");
  if (all) {
    all.addEventListener("change", () => {
      document.querySelectorAll("article.item input.select:not(:disabled)").forEach((box) => { box.checked = all.checked; });
    });
  }
})();
