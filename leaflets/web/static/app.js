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

  // The keyboard path (issue 17: a Spanish leaflet printed in three keys after the topic).
  // Enter on a topic chooses it and goes on to the languages; letters typed there choose the
  // language whose own or English name starts with them ("s" or "es": Español); Enter on a
  // language prints (as the Print button). Tab and the arrow keys work as they always do.
  const languageInputs = Array.from(document.querySelectorAll("#language-list input"));
  const printButton = document.getElementById("print-button");
  function names(input) {
    const label = input.parentElement.querySelector("label");
    return Array.from(label ? label.querySelectorAll(".native, .english") : []).map(
      function (span) { return fold(span.textContent.trim()); }
    );
  }
  function choose(input) {
    if (!input.checked) {
      input.click(); // checks it and fires "change", as a click or an arrow key would
    }
    input.focus();
  }
  document.querySelectorAll("#topic-list input").forEach(function (input) {
    input.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" || !languageInputs.length) {
        return;
      }
      event.preventDefault();
      choose(input);
      const chosen = languageInputs.find(function (lang) { return lang.checked; });
      (chosen || languageInputs[0]).focus();
    });
  });
  let typed = "";
  let typedAt = 0;
  languageInputs.forEach(function (input) {
    input.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.altKey || event.metaKey) {
        return;
      }
      if (event.key === "Enter") {
        if (printButton && picker.querySelector("#topic-list input:checked")) {
          event.preventDefault();
          choose(input);
          printButton.click();
        }
        return;
      }
      const fresh = event.timeStamp - typedAt > 1000;
      if (event.key.length !== 1 || (event.key === " " && (fresh || !typed))) {
        return; // Space still checks the focused language
      }
      typed = (fresh ? "" : typed) + fold(event.key);
      typedAt = event.timeStamp;
      const found = languageInputs.find(function (lang) {
        return names(lang).some(function (name) { return name.startsWith(typed); });
      });
      if (found) {
        event.preventDefault();
        choose(found);
      }
    });
  });
  document.querySelectorAll(".keys-hint").forEach(function (hint) {
    hint.hidden = false; // true only with this script, so shown only with it
    hint.closest("fieldset").setAttribute("aria-describedby", hint.id);
  });
})();
