// The recommendation editor works without this; with it, Enter in the search box searches
// and Enter in the "add by number" fields adds, instead of saving the whole recommendation
// (the form's default button).
document.addEventListener("keydown", (event) => {
  const field = event.target;
  if (event.key !== "Enter" || !(field instanceof HTMLInputElement)) return;
  const target = field.dataset.enterClicks;
  if (!target) return;
  const button = document.getElementById(target);
  if (button) {
    event.preventDefault();
    button.click();
  }
});
