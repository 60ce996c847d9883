// A live character count next to each text area that has one (progressive enhancement);
// the screen-reader copy is updated after a pause in typing so it is not read at every key.
(function () {
  var counters = document.querySelectorAll("[data-counter-for]");
  Array.prototype.forEach.call(counters, function (counter) {
    var field = document.getElementById(counter.getAttribute("data-counter-for"));
    if (!field) { return; }
    var min = parseInt(counter.getAttribute("data-min"), 10);
    var max = parseInt(counter.getAttribute("data-max"), 10);
    var visible = counter.querySelector("[data-visible]");
    var live = counter.querySelector("[data-live]");
    var timer = null;
    function message() {
      var count = field.value.trim().length;
      var template = count < min ? "data-short" : (count > max ? "data-long" : "data-ok");
      return counter.getAttribute(template)
        .replace("{count}", count).replace("{min}", min).replace("{max}", max)
        .replace("{over}", count - max);
    }
    function update() {
      var text = message();
      visible.textContent = text;
      counter.classList.toggle("char-counter--over", field.value.trim().length > max);
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { live.textContent = text; }, 1200);
    }
    counter.hidden = false;
    visible.textContent = message();
    field.addEventListener("input", update);
  });
  var summary = document.querySelector(".error-summary");
  if (summary) { summary.focus(); }
})();
