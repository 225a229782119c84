namespace Fragility.Reporting;

/// <summary>The inline style sheet and script of the HTML report (constants: no data from files ever enters them).</summary>
internal static class HtmlReportAssets
{
    public const string Css = """
        :root {
          --bg: #f5f6f8; --panel: #ffffff; --ink: #1d2330; --muted: #667085; --line: #e4e7ec; --accent: #3b5bdb;
          --good: #1a7f37; --warn: #b54708; --bad: #c01048; --chip: #eef1f6;
          --mono: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, Consolas, monospace;
        }
        * { box-sizing: border-box; }
        [hidden] { display: none !important; }
        html { scroll-behavior: smooth; }
        body { margin: 0; background: var(--bg); color: var(--ink);
          font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "DejaVu Sans", Arial, sans-serif; }
        main { max-width: 1380px; margin: 0 auto; padding: 0 24px 64px; }
        header.top { background: linear-gradient(135deg, #1d2330 0%, #2b3a67 100%); color: #fff; }
        header.top .inner { max-width: 1380px; margin: 0 auto; padding: 18px 24px 16px; }
        header.top h1 { margin: 0 0 4px; font-size: 26px; font-weight: 650; letter-spacing: -0.01em; }
        header.top .sub { color: #c9d2ea; font-size: 15px; }
        header.top p.lead { max-width: 1100px; color: #e3e8f5; margin: 10px 0 0; font-size: 13.5px; }
        header.top nav { margin-top: 10px; display: flex; gap: 6px; flex-wrap: wrap; }
        header.top nav a { color: #fff; text-decoration: none; background: rgba(255,255,255,.12); padding: 3px 10px;
          border-radius: 999px; font-size: 13px; }
        header.top nav a:hover { background: rgba(255,255,255,.24); }
        h2 { font-size: 19px; margin: 34px 0 12px; font-weight: 650; letter-spacing: -0.01em; }
        h3 { font-size: 16px; margin: 0; }
        h4 { font-size: 14px; margin: 16px 0 8px; }
        section.block { background: var(--panel); border: 1px solid var(--line); border-radius: 12px; padding: 18px 20px; }
        .muted { color: var(--muted); }
        code, pre { font-family: var(--mono); font-size: 12.5px; }
        pre { background: #0f1420; color: #e6edf7; padding: 12px 14px; border-radius: 8px; overflow-x: auto;
          white-space: pre-wrap; word-break: break-all; margin: 0; }
        .tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(230px, 1fr)); gap: 12px; margin-top: 18px; }
        .tile { background: var(--panel); border: 1px solid var(--line); border-radius: 12px; padding: 12px 14px; }
        .tile .k { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
        .tile .v { font-size: 24px; font-weight: 650; margin: 2px 0; font-variant-numeric: tabular-nums; }
        .tile .d { color: var(--muted); font-size: 12.5px; }
        .incomplete { background: #fef3f2; border: 2px solid #f04438; color: #912018; border-radius: 10px; padding: 12px 16px;
          margin-top: 18px; font-size: 15px; }
        section.claim { background: var(--panel); border: 1px solid var(--line); border-left: 5px solid var(--accent); border-radius: 12px;
          padding: 14px 20px 10px; margin-top: 18px; }
        section.claim p.headline { font-size: 16.5px; font-weight: 600; margin: 0 0 10px; }
        section.lead p.headline { font-size: 17px; font-weight: 600; margin: 0 0 10px; }
        span.verdict { display: inline-block; padding: 2px 10px; border-radius: 999px; color: #fff; font-weight: 700; }
        span.verdict.robust { background: #12b76a; } span.verdict.fragile { background: #f79009; } span.verdict.very-fragile { background: #d92d20; }
        section.claim p.budget { margin: 6px 0 4px; font-size: 13px; }
        section.claim .small, .small { font-size: 12px; margin: 6px 0 0; }
        table.claim-table td.strong { font-weight: 650; }
        table.claim-table td.sig { color: var(--bad); font-weight: 600; }
        table.claim-table .grp { border-left: 2px solid var(--line); }
        .mk-topk { color: #00b8d9; } .mk-com { color: #1a9e0a; }
        .warnings { background: #fffaeb; border: 1px solid #fedf89; color: #7a2e0e; border-radius: 10px; padding: 10px 14px; margin-top: 18px; }
        .warnings ul { margin: 4px 0 0; padding-left: 18px; }
        .settings { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 0 28px; }
        table.kv { width: 100%; border-collapse: collapse; }
        table.kv th { text-align: left; font-weight: 500; color: var(--muted); font-family: var(--mono); font-size: 12.5px;
          width: 34%; padding: 5px 10px 5px 0; vertical-align: top; }
        table.kv td { padding: 5px 0; border-bottom: 1px solid var(--line); vertical-align: top; word-break: break-word; }
        table.kv tr:last-child td { border-bottom: 0; }
        .cmd { margin: 0 0 14px; }
        .table-wrap { overflow-x: auto; }
        table.data { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
        table.data th { text-align: left; font-weight: 600; font-size: 12.5px; color: var(--muted); border-bottom: 2px solid var(--line);
          padding: 6px 10px; white-space: nowrap; }
        table.data td { padding: 4px 10px; border-bottom: 1px solid var(--line); white-space: nowrap; }
        table.data th.num { text-align: right; }
        table.data td.meth { font-weight: 600; }
        table.data td.meth.rep { color: #98a2b3; font-weight: 500; }
        table.data td.warn { color: var(--warn); font-weight: 600; }
        table.data td.num { text-align: right; }
        table.data tr.first td { border-top: 2px solid var(--line); }
        table.data tr.sel td { background: #f0f4ff; }
        .bar { display: inline-block; height: 7px; border-radius: 4px; background: #c7d2fe; vertical-align: middle; margin-right: 8px;
          width: calc(var(--v) * 48px); min-width: 1px; }
        .pm { color: var(--muted); font-size: 12px; }
        .figure { margin: 18px 0 0; text-align: center; }
        .figure.first-figure { margin: 18px 0 16px; }
        .figure img { max-width: 100%; height: auto; border: 1px solid var(--line); border-radius: 8px; }
        .figure figcaption { color: var(--muted); font-size: 12.5px; margin-top: 6px; }
        .toolbar { position: sticky; top: 0; z-index: 5; background: rgba(245,246,248,.94); backdrop-filter: blur(6px);
          border-bottom: 1px solid var(--line); margin: 28px -24px 0; padding: 10px 24px; display: flex; flex-wrap: wrap;
          gap: 10px 22px; align-items: center; }
        .toolbar .group { display: flex; align-items: center; gap: 6px; flex-wrap: wrap; }
        .toolbar .label.greek { text-transform: none; font-size: 14px; }
        .toolbar .label { font-size: 12px; font-weight: 600; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; margin-right: 2px; }
        .chip { display: inline-flex; align-items: center; gap: 5px; background: var(--panel); border: 1px solid var(--line);
          border-radius: 999px; padding: 2px 10px 2px 7px; cursor: pointer; user-select: none; font-size: 13px; }
        .chip input { margin: 0; accent-color: var(--accent); }
        select { font: inherit; font-size: 13px; border: 1px solid var(--line); border-radius: 8px; padding: 3px 8px; background: var(--panel); }
        .count { margin-left: auto; color: var(--muted); font-size: 12.5px; }
        .legend { display: flex; gap: 22px; flex-wrap: wrap; align-items: center; color: var(--muted); font-size: 12.5px; margin: 4px 0 14px; }
        .legend img { height: 10px; width: 140px; vertical-align: middle; border-radius: 2px; margin: 0 6px; }
        .input { background: var(--panel); border: 1px solid var(--line); border-radius: 14px; padding: 14px 16px 16px; margin-top: 16px; }
        .input-head { display: flex; align-items: baseline; gap: 14px; flex-wrap: wrap; margin-bottom: 10px; }
        .input-head .idx { font-family: var(--mono); color: var(--muted); }
        .input-head .cls { font-weight: 650; font-size: 16px; }
        .input-head .item { color: var(--muted); font-family: var(--mono); font-size: 12.5px; }
        .input-head .pred { color: var(--muted); font-size: 13px; }
        .mcards { display: grid; grid-template-columns: repeat(auto-fill, minmax(var(--card, 420px), 1fr)); gap: 12px; }
        .mcard { border: 1px solid var(--line); border-radius: 10px; padding: 10px 12px 12px; background: #fcfcfd; }
        .mcard h4 { margin: 0 0 8px; font-size: 13.5px; }
        .mgrid { display: grid; grid-template-columns: minmax(110px, 1fr) repeat(3, auto); gap: 6px 8px; align-items: center; }
        .arow { display: contents; }
        .colhead { font-size: 11px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; text-align: center; }
        .mgrid img, .mgrid .missing { display: block; border-radius: 4px; background: #000; }
        img.px { image-rendering: pixelated; image-rendering: crisp-edges; }
        .missing { background: repeating-linear-gradient(45deg, #f2f4f7, #f2f4f7 6px, #e9edf3 6px, #e9edf3 12px) !important;
          color: var(--muted); font-size: 11px; display: flex !important; align-items: center; justify-content: center; }
        .rowlabel { font-size: 12.5px; line-height: 1.35; }
        .rowlabel .name { font-weight: 650; display: block; }
        .rowlabel .m { display: block; font-variant-numeric: tabular-nums; }
        .rowlabel .lab { display: block; color: var(--muted); }
        .rowlabel .lab.bad { color: var(--bad); font-weight: 600; }
        .pill { display: inline-block; border-radius: 5px; padding: 0 5px; font-weight: 600; }
        .pill.hi { background: #dcfae6; color: var(--good); }
        .pill.mid { background: #fef0c7; color: var(--warn); }
        .pill.lo { background: #fee4e2; color: var(--bad); }
        .badge { display: inline-block; font-size: 10.5px; font-weight: 700; text-transform: uppercase; letter-spacing: .04em;
          border-radius: 4px; padding: 0 5px; margin-left: 4px; background: #fee4e2; color: var(--bad); vertical-align: 1px; }
        .empty { color: var(--muted); font-style: italic; padding: 8px 0; }
        .extra { margin-top: 12px; }
        .extra img { max-width: 100%; }
        footer { color: var(--muted); font-size: 12.5px; text-align: center; margin-top: 40px; }
        @media (max-width: 900px) { .settings { grid-template-columns: 1fr; } .mcards { grid-template-columns: 1fr; } }
        """;

    public const string Script = """
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
        """;
}
