// ec2guard report: sorting and filtering over tables the page already shows. Without this
// script every table and chart still reads; with it, a header sorts and a box filters.
(function () {
  'use strict';
  document.documentElement.classList.add('js');

  function key(td) {
    var v = td.getAttribute('data-v');
    return v !== null ? v : td.textContent;
  }
  function compare(a, b, num) {
    if (num) { return (parseFloat(a) || 0) - (parseFloat(b) || 0); }
    return a.localeCompare(b);
  }
  function setCount(id, attr, n) {
    var el = document.querySelector('[' + attr + '="' + id + '"]');
    if (el) { el.textContent = String(n); }
  }
  function sortHeaders(table, onSort) {
    var ths = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(ths, function (th, col) {
      th.addEventListener('click', function () {
        var asc = th.getAttribute('aria-sort') !== 'ascending';
        Array.prototype.forEach.call(ths, function (h) { h.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
        onSort(col, th.getAttribute('data-type') === 'num', asc);
      });
    });
  }

  // Tables whose rows are all in the page: sort the rows, hide what the filter leaves out.
  function plainTable(table) {
    var body = table.tBodies[0];
    sortHeaders(table, function (col, num, asc) {
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var c = compare(key(a.cells[col]), key(b.cells[col]), num);
        return asc ? c : -c;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
    var input = document.querySelector('input[data-filter="' + table.id + '"]');
    if (!input) { return; }
    input.addEventListener('input', function () {
      var q = input.value.trim().toLowerCase(), n = 0;
      Array.prototype.forEach.call(body.rows, function (r) {
        var show = q === '' || r.textContent.toLowerCase().indexOf(q) >= 0;
        r.hidden = !show;
        if (show) { n++; }
      });
      setCount(table.id, 'data-count', n);
    });
  }

  // The failing resources: every one is in the page's data (strings interned, a row of
  // indexes each); the table lists the first rows of those the filter keeps.
  var severity = { critical: 4, high: 3, medium: 2, low: 1 };
  function dataTable(table) {
    var src = document.getElementById(table.getAttribute('data-source'));
    var data = JSON.parse(src.textContent), s = data.s, all = data.r;
    var limit = parseInt(table.getAttribute('data-limit'), 10) || 500;
    var body = table.tBodies[0], matched = all, hay = null, order = null;
    function text(row) { return row.map(function (i) { return s[i]; }).join('\u0000').toLowerCase(); }
    function render() {
      var frag = document.createDocumentFragment();
      for (var i = 0; i < matched.length && i < limit; i++) {
        var row = matched[i], tr = document.createElement('tr');
        for (var c = 0; c < row.length; c++) {
          var td = document.createElement('td'), v = s[row[c]];
          if (c === 0) {
            var span = document.createElement('span');
            span.className = 'sev sev-' + (severity[v] ? v : 'none');
            span.textContent = v || '—';
            td.setAttribute('data-v', String(severity[v] || 0));
            td.appendChild(span);
          } else {
            td.textContent = v;
            if (c === 5) { td.className = 'id'; }
          }
          tr.appendChild(td);
        }
        frag.appendChild(tr);
      }
      body.replaceChildren(frag);
      setCount(table.id, 'data-count', Math.min(limit, matched.length));
      setCount(table.id, 'data-matched', matched.length);
    }
    sortHeaders(table, function (col, num, asc) {
      var k = col === 0 ? function (r) { return severity[s[r[0]]] || 0; } : function (r) { return s[r[col]]; };
      var cmp = col === 0 ? function (a, b) { return k(a) - k(b); } : function (a, b) { return k(a).localeCompare(k(b)); };
      order = all.slice().sort(function (a, b) { return asc ? cmp(a, b) : -cmp(a, b); });
      filter();
    });
    var input = document.querySelector('input[data-filter="' + table.id + '"]');
    function filter() {
      var q = input ? input.value.trim().toLowerCase() : '', rows = order || all;
      if (q === '') { matched = rows; render(); return; }
      if (hay === null) { hay = new Map(); all.forEach(function (r) { hay.set(r, text(r)); }); }
      matched = rows.filter(function (r) { return hay.get(r).indexOf(q) >= 0; });
      render();
    }
    if (input) { input.addEventListener('input', filter); }
  }

  Array.prototype.forEach.call(document.querySelectorAll('table.sortable'), function (t) {
    if (t.hasAttribute('data-source')) { dataTable(t); } else { plainTable(t); }
  });
  document.body.setAttribute('data-ready', '1');
}());
