// dix pages: the only script. Everything works without it; it adds the
// copy button next to each customer reply.
"use strict";
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
