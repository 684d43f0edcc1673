// dix pages: the only script. Everything works without it; it adds the
// copy button next to each customer reply, and tells the node the
// browser's time zone (the `tz` cookie, read by server/src/web/clock.rs)
// so that times are shown in it from the next page on.
"use strict";
(() => {
  let zone = "";
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (_) { zone = ""; }
  if (/^[A-Za-z0-9_+\/-]{1,64}$/.test(zone)) {
    const cookie = "tz=" + encodeURIComponent(zone);
    if (!document.cookie.split("; ").includes(cookie)) {
      document.cookie = cookie + "; path=/; max-age=31536000; SameSite=Lax";
    }
  }
})();
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("button[data-copy]")) {
    const target = document.getElementById(button.dataset.copy);
    if (!target) continue;
    button.hidden = false;
    const label = button.textContent;
    button.addEventListener("click", async () => {
      target.select();
      try {
        await navigator.clipboard.writeText(target.value);
      } catch (_) {
        document.execCommand("copy");
      }
      button.textContent = "✓ " + label;
      setTimeout(() => { button.textContent = label; }, 2000);
    });
  }
});
