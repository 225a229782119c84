(function () {
  'use strict';
  function all(selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); }
  function checkedValues(kind) {
    var set = {};
    all('input[data-filter="' + kind + '"]').forEach(function (box) { if (box.checked) { set[box.value] = true; } });
    return set;
  }
  var eps = document.getElementById('ctl-eps');
  var sort = document.getElementById('ctl-sort');
  var gallery = document.getElementById('gallery-list');
  var count = document.getElementById('ctl-count');
  function score(input, key) {
    if (key === 'index') { return Number(input.getAttribute('data-index')); }
    var values = all('.arow', input).filter(function (row) {
      return !row.hidden && !row.closest('.mcard').hidden;
    }).map(function (row) { return parseFloat(row.getAttribute('data-' + key)); })
      .filter(function (v) { return !isNaN(v); });
    if (values.length === 0) { return 1e9; }
    var mean = values.reduce(function (a, b) { return a + b; }, 0) / values.length;
    return key === 'shift' ? -mean : mean;
  }
  function reorder() {
    if (!gallery || !sort) { return; }
    var key = sort.value;
    all('.input', gallery).map(function (el) { return [score(el, key), Number(el.getAttribute('data-index')), el]; })
      .sort(function (a, b) { return (a[0] - b[0]) || (a[1] - b[1]); })
      .forEach(function (entry) { gallery.appendChild(entry[2]); });
  }
  function apply() {
    var methods = checkedValues('method');
    var attacks = checkedValues('attack');
    var e = eps ? eps.value : null;
    all('.mcard').forEach(function (card) { card.hidden = !methods[card.getAttribute('data-method')]; });
    all('.arow').forEach(function (row) {
      row.hidden = !(attacks[row.getAttribute('data-attack')] && row.getAttribute('data-eps') === e);
    });
    all('tr[data-method]').forEach(function (row) {
      row.hidden = !(methods[row.getAttribute('data-method')] && attacks[row.getAttribute('data-attack')]);
      row.classList.toggle('sel', row.getAttribute('data-eps') === e);
    });
    all('.eps-value').forEach(function (el) { el.textContent = e; });
    reorder();
    if (count && gallery) {
      var shown = all('.arow', gallery).filter(function (row) { return !row.hidden && !row.closest('.mcard').hidden; }).length;
      count.textContent = shown + ' attacked maps shown';
    }
  }
  all('[data-filter], #ctl-eps, #ctl-sort').forEach(function (el) { el.addEventListener('change', apply); });
  apply();
})();
