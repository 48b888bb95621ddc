// Progressive enhancement only: the site works fully without this file.
// With JavaScript on, the village list follows the chosen township.
(function () {
  "use strict";
  var town = document.getElementById("township");
  var village = document.getElementById("village");
  if (!town || !village) return;
  var groups = Array.prototype.slice.call(village.querySelectorAll("optgroup"));
  function follow() {
    var t = town.value;
    groups.forEach(function (g) {
      var show = !t || g.label === t;
      g.hidden = !show;
      g.disabled = !show;
    });
    var sel = village.options[village.selectedIndex];
    if (sel && sel.parentNode.disabled) village.value = "";
  }
  town.addEventListener("change", follow);
  follow();
})();
