// The village notice: a print button, shown only where scripts run.
(function () {
  var button = document.getElementById('notice-print');
  if (!button || !window.print) { return; }
  button.hidden = false;
  button.addEventListener('click', function () { window.print(); });
})();
