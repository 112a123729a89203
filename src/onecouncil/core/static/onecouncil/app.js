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
