// Folds that show their content from a width up: <details data-unfold-from="60rem">. site.css
// does it where the browser knows ::details-content (Chromium 131, Firefox 143, Safari 18.4
// and later); in an older browser this opens such a fold at that width and folds it again
// below. Without this script an older browser shows the fold's button at every width, so
// nothing is ever out of reach.
(function () {
  var supported = window.CSS && CSS.supports && CSS.supports("selector(::details-content)");
  if (supported || !window.matchMedia) { return; }
  var folds = document.querySelectorAll("details[data-unfold-from]");
  Array.prototype.forEach.call(folds, function (fold) {
    var wide = window.matchMedia("(min-width: " + fold.getAttribute("data-unfold-from") + ")");
    var openAtFirst = fold.open; // the filters of a filtered list come open from the server
    function follow() {
      if (wide.matches) {
        fold.open = true;
        fold.setAttribute("data-unfolded", "");
      } else {
        fold.removeAttribute("data-unfolded");
        fold.open = openAtFirst;
      }
    }
    follow();
    if (wide.addEventListener) { wide.addEventListener("change", follow); } else { wide.addListener(follow); }
  });
})();
