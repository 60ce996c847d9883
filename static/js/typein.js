// Ctrl+Enter (Cmd+Enter on a Mac) saves the card from any field; Enter alone keeps
// making new lines in the text. Without JavaScript the "Save card" button does it.
document.addEventListener("keydown", function (event) {
  if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) { return; }
  var form = event.target.closest ? event.target.closest("form[data-typein]") : null;
  if (!form) { return; }
  event.preventDefault();
  if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
});
