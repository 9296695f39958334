// Progressive enhancement only: the page works the same without it.
// Filter the topics as you type, and show the chosen leaflet as soon as it is chosen.
"use strict";

(function () {
  const picker = document.getElementById("picker");
  if (!picker || !window.fetch || !window.DOMParser) {
    return;
  }

  function fold(text) {
    // As choices.fold on the server: case and marks ignored, then NFC.
    return text.toLowerCase().normalize("NFKD").replace(/\p{M}/gu, "").normalize("NFC");
  }

  const search = document.getElementById("q");
  const items = Array.from(document.querySelectorAll("#topic-list li"));
  if (search) {
    search.addEventListener("input", function () {
      const words = fold(search.value).split(/\s+/).filter(Boolean);
      items.forEach(function (item) {
        const text = item.getAttribute("data-search") || "";
        item.hidden = !words.every(function (word) { return text.includes(word); });
      });
    });
  }

  let pending = null;
  function refresh() {
    const data = new FormData(picker);
    data.delete("q");
    data.delete("search");
    const params = new URLSearchParams();
    data.forEach(function (value, key) {
      if (value !== "") {
        params.append(key, value);
      }
    });
    const url = picker.getAttribute("action") + "?" + params.toString();
    if (pending) {
      pending.abort();
    }
    pending = new AbortController();
    fetch(url, { signal: pending.signal, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html) {
          return;
        }
        const page = new DOMParser().parseFromString(html, "text/html");
        const fresh = page.getElementById("leaflet");
        const current = document.getElementById("leaflet");
        if (fresh && current) {
          current.replaceWith(document.importNode(fresh, true));
          // Say what changed, briefly: the leaflet's title and what to check first.
          const status = document.getElementById("leaflet-status");
          const parts = fresh.querySelectorAll("#leaflet-heading, #notices li, #leaflet-hint");
          if (status) {
            status.textContent = Array.from(parts).map(function (part) {
              return part.textContent.replace(/\s+/g, " ").trim();
            }).join(" ");
          }
        }
        // The language badges follow the topic; the radio buttons stay (and keep the focus).
        document.querySelectorAll("#language-list li").forEach(function (item) {
          const input = item.querySelector("input");
          const freshInput = input && page.getElementById(input.id);
          if (!freshInput) {
            return;
          }
          const described = freshInput.getAttribute("aria-describedby");
          if (described) {
            input.setAttribute("aria-describedby", described);
          } else {
            input.removeAttribute("aria-describedby");
          }
          const label = item.querySelector("label");
          const freshLabel = freshInput.parentElement.querySelector("label");
          if (label && freshLabel) {
            label.replaceWith(document.importNode(freshLabel, true));
          }
        });
        window.history.replaceState(null, "", url);
      })
      .catch(function () { /* the buttons still work without this */ });
  }

  picker.querySelectorAll(
    "#topic-list input, #language-list input, #paper, #size-large, #brand"
  ).forEach(function (input) {
    input.addEventListener("change", refresh);
  });
})();
