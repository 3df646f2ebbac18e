// The staff console's only script: the status page refreshes itself, and buttons that
// restart the kiosk ask first. Everything works without it, only less conveniently.
"use strict";

function refreshStatus(part) {
  const url = part.dataset.refresh;
  const every = Number(part.dataset.every || 5) * 1000;
  const live = document.getElementById("live");
  async function tick() {
    try {
      const response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
      if (response.status === 401) {
        window.location.assign("/login");
        return;
      }
      if (!response.ok) throw new Error(String(response.status));
      const data = await response.json();
      part.innerHTML = data.html;
      if (live) {
        live.textContent = "live · " + new Date().toLocaleTimeString();
        live.classList.remove("stale");
      }
    } catch (error) {
      if (live) {
        live.textContent = "not updating";
        live.classList.add("stale");
      }
    }
    window.setTimeout(tick, every);
  }
  window.setTimeout(tick, every);
}

document.addEventListener("DOMContentLoaded", () => {
  const part = document.getElementById("status-part");
  if (part && part.dataset.refresh) refreshStatus(part);
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }
});
