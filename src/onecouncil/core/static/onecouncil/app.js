// Progressive enhancement for every page. Everything works without it.
// GOV.UK Frontend's address carries its content hash, so the page gives it to us.
const frontend = document.querySelector("script[data-govuk-frontend]").dataset.govukFrontend;
const { initAll } = await import(frontend);
initAll();

// "Use my location": fills the latitude and longitude fields of the form the button is
// in (the report's place, or a crew's nearby list). Messages come from the button's
// data attributes, so they are translated with the page.
for (const button of document.querySelectorAll("[data-locate]")) {
  if (!("geolocation" in navigator)) continue;
  const form = button.form;
  const status = document.getElementById(button.dataset.status || "");
  const say = (text) => {
    if (status && text) status.textContent = text;
  };
  button.hidden = false;
  button.addEventListener("click", (event) => {
    event.preventDefault();
    say(button.dataset.finding);
    navigator.geolocation.getCurrentPosition(
      (position) => {
        document.getElementById(button.dataset.latitude).value =
          position.coords.latitude.toFixed(6);
        document.getElementById(button.dataset.longitude).value =
          position.coords.longitude.toFixed(6);
        say(button.dataset.found);
        document.dispatchEvent(new Event("oc:located"));
        if (button.dataset.submit !== undefined) form.submit();
      },
      () => say(button.dataset.failed),
      { timeout: 15000 },
    );
  });
}

// "Select all on this page" in the queue: one box ticks or clears every request's box.
// Without JavaScript, the link beside the table reloads the page with every box ticked.
for (const all of document.querySelectorAll("[data-select-all]")) {
  const box = all.querySelector("input");
  const table = all.closest("table");
  const boxes = () => table.querySelectorAll("input[name=references]");
  all.hidden = false;
  box.addEventListener("change", () => {
    for (const each of boxes()) each.checked = box.checked;
  });
}

// "Tell us in your own words": suggestions appear below the box as the resident types
// (after a pause), each a button that chooses it with the words. Without JavaScript the
// form's own button leads to a page of the same suggestions.
for (const form of document.querySelectorAll("[data-own-words]")) {
  const box = form.querySelector("textarea");
  const results = form.querySelector("[data-own-words-results]");
  const token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  let timer;
  let asked = 0;
  const show = (suggestions) => {
    if (!suggestions.length) {
      results.replaceChildren();
      return;
    }
    const heading = document.createElement("h2");
    heading.className = "govuk-heading-s";
    heading.textContent = form.dataset.heading;
    const list = document.createElement("ul");
    list.className = "govuk-list";
    for (const suggestion of suggestions) {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "submit";
      button.name = "chosen";
      button.value = suggestion.code;
      button.className = "govuk-button govuk-button--secondary govuk-!-margin-bottom-1";
      button.textContent = suggestion.name;
      item.append(button);
      if (suggestion.reason) {
        const reason = document.createElement("p");
        reason.className = "govuk-hint govuk-!-margin-top-0";
        reason.textContent = suggestion.reason;
        item.append(reason);
      }
      list.append(item);
    }
    results.replaceChildren(heading, list);
  };
  box.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const words = box.value.trim();
      const mine = ++asked;
      if (words.split(/\s+/).length < 2) {
        show([]);
        return;
      }
      const body = new FormData();
      body.append("words", words);
      try {
        const response = await fetch(form.dataset.suggest, {
          method: "POST",
          body,
          headers: { "X-CSRFToken": token },
          credentials: "same-origin",
        });
        if (!response.ok || mine !== asked) return;
        show((await response.json()).suggestions);
      } catch {
        // Offline or slow: the form's own button still works.
      }
    }, 350);
  });
}
