// Self-declaration: choosing a township narrows the village list at once.
// Optional: without this script the "show the villages" button does it.
(function () {
  var township = document.getElementById('declare-township');
  var village = document.getElementById('declare-village');
  if (!township || !village) return;
  var groups = Array.prototype.slice.call(village.getElementsByTagName('optgroup'));
  var all = groups.map(function (g) { return g; });
  township.addEventListener('change', function () {
    var code = township.value;
    all.forEach(function (g) {
      var show = !code || g.getAttribute('data-township') === code;
      if (show && !g.parentNode) village.appendChild(g);
      if (!show && g.parentNode) {
        if (g.contains(village.options[village.selectedIndex])) village.value = '';
        g.parentNode.removeChild(g);
      }
    });
  });
})();
