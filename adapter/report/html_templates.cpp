#include "report/html_templates.h"

namespace fa::report {
namespace {

// One table of the report, inside the page's {{#tables}} list.
std::string tableTemplate() {
  return R"(<section class="report-table" id="table-{{name}}">
<h3>{{title}}</h3>
{{#has_rows}}<table data-table="{{name}}">
<thead><tr>{{#columns}}<th scope="col">{{.}}</th>{{/columns}}</tr></thead>
<tbody>
{{#rows}}<tr>{{#cells}}<td{{#num}} class="num"{{/num}}>{{text}}</td>{{/cells}}</tr>
{{/rows}}</tbody>
</table>{{/has_rows}}{{^has_rows}}<p class="none">none</p>{{/has_rows}}
</section>
)";
}

// One subject's section, inside the page's {{#subjects}} list.
std::string subjectTemplate() {
  return R"(<section class="subject" id="{{anchor}}" data-subject="{{id}}">
<h3>Subject {{id}}</h3>
<p class="subject-meta">Day 1 (first dose): {{dose1}}; {{record_count}} records.</p>
<h4>Timeline: selected record per visit (value, flag, CTCAE grade)</h4>
<table class="timeline" data-table="timeline">
<thead><tr><th scope="col">analyte</th>{{#visits}}<th scope="col">{{.}}</th>{{/visits}}<th scope="col">other records</th></tr></thead>
<tbody>
{{#analytes}}<tr><th scope="row">{{code}}<br><span class="unit">{{unit}}</span></th>{{#cells}}<td{{#flag}} class="flag-{{flag}}"{{/flag}}>{{#value}}{{value}}{{#flag_text}} <span class="flag">{{flag_text}}</span>{{/flag_text}}{{#grade}} <span class="grade">G{{grade}}</span>{{/grade}}<br><span class="day">day {{day}}</span>{{#override}}<br><span class="override">override: {{override}}</span>{{/override}}{{#confounded}}<br><span class="confounded">{{confounded}}</span>{{/confounded}}{{/value}}</td>{{/cells}}<td class="other">{{#other}}<span class="other-record">{{.}}</span> {{/other}}</td></tr>
{{/analytes}}</tbody>
</table>
{{#has_reviews}}<h4>Reviewer decisions</h4>
<ul class="reviews">{{#reviews}}<li>{{text}}</li>{{/reviews}}</ul>{{/has_reviews}}
{{#has_scores}}<h4>Liver scores</h4>
<table class="scores" data-table="subject-scores">
<thead><tr><th scope="col">visit</th><th scope="col">MELD</th><th scope="col">MELD-Na</th><th scope="col">Child-Pugh lab points</th><th scope="col">not computable without</th></tr></thead>
<tbody>{{#scores}}<tr><td>{{visit}}</td><td class="num">{{meld}}</td><td class="num">{{meld_na}}</td><td class="num">{{child_pugh}}</td><td>{{missing}}</td></tr>
{{/scores}}</tbody>
</table>{{/has_scores}}
{{#has_hbv}}<h4>HBV DNA change from baseline</h4>
<ul class="hbv">{{#hbv}}<li>{{.}}</li>{{/hbv}}</ul>{{/has_hbv}}
<h4>Screening</h4>
<ul class="screening">{{#screening}}<li>{{.}}</li>{{/screening}}</ul>
</section>
)";
}

}  // namespace

const std::string& pageTemplate() {
  static const std::string t = R"(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Outcome report, trial {{trial}}</title>
<style>
{{{css}}}</style>
</head>
<body>
<header class="report-header">
<h1>Outcome report: trial {{trial}}</h1>
<dl class="meta">
<dt>Data cut</dt><dd>{{data_cut}}</dd>
<dt>Mappings hash</dt><dd class="hash">{{mappings_hash}}</dd>
<dt>Records</dt><dd>{{records}} records ({{selected}} selected, {{retracted}} retracted, {{not_usable}} not usable), {{subject_count}} subjects{{#input_problems}}; {{input_problems}} input lines not read{{/input_problems}}</dd>
<dt>Source</dt><dd>{{origin}}</dd>
<dt>Report date</dt><dd>{{as_of}} (completeness list)</dd>
</dl>
<nav aria-label="Contents"><ol>
<li><a href="#tables">Outcome tables and shifts</a></li>
<li><a href="#charts">Analytes over study weeks</a></li>
<li><a href="#subjects">Subjects</a>: {{#subject_links}}<a href="#{{anchor}}">{{id}}</a> {{/subject_links}}</li>
</ol></nav>
</header>
<main>
<section id="tables">
<h2>Outcome tables and shifts</h2>
<p class="note">Counts use the records' own flags; reviewer overrides are shown beside them ("abnormal with overrides") and never change them. Definitions: docs/trial-rules.md "Outcome measures".</p>
{{#tables}})" + tableTemplate() +
                               R"({{/tables}}</section>
<section id="charts">
<h2>Analytes over study weeks</h2>
<p class="note">Every subject's standardised values, one series (colour) per subject; the line joins the selected records, hollow points are records not selected, comparator values at their bound and "not detected" at the LLOQ. Green band: reference range; grey columns: visit windows.</p>
{{#charts}}<figure class="chart" data-analyte="{{analyte}}">
<figcaption>{{analyte}} ({{unit}}){{#band_text}}; reference band {{band_text}}{{/band_text}}{{#lloq}}; LLOQ {{lloq}} (dashed){{/lloq}}{{#log}}; log10 axis{{/log}}</figcaption>
{{{svg}}}
<p class="legend">{{#legend}}<span class="swatch" style="background:{{colour}}"></span>{{subject}} {{/legend}}</p>
</figure>
{{/charts}}</section>
<section id="subjects">
<h2>Subjects</h2>
{{#subjects}})" + subjectTemplate() +
                               R"({{/subjects}}</section>
</main>
<footer><p>fhir-adapter report --format html. Definitions of every table: docs/trial-rules.md "Outcome measures" and README "The report".</p></footer>
</body>
</html>
)";
  return t;
}

const std::string& chartTemplate() {
  static const std::string t =
      R"(<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {{width}} {{height}}" role="img" aria-label="{{analyte}} ({{unit}}) over study weeks, one series per subject">)"
      R"({{#windows}}<rect class="window" x="{{x}}" y="{{plot_y}}" width="{{width}}" height="{{plot_h}}"><title>{{name}}, {{days}}</title></rect><text class="window-label" x="{{mid}}" y="{{label_top}}">{{name}}</text>{{/windows}})"
      R"({{#band}}<rect class="band" x="{{plot_x}}" y="{{y}}" width="{{plot_w}}" height="{{height}}"><title>reference range {{text}}</title></rect>{{/band}})"
      R"({{#lloq}}<line class="lloq" x1="{{plot_x}}" y1="{{y}}" x2="{{plot_x2}}" y2="{{y}}"><title>LLOQ {{value}}</title></line><text class="lloq-label" x="{{plot_x2}}" y="{{text_y}}">LLOQ {{value}}</text>{{/lloq}})"
      R"({{#axes}}<line class="axis" x1="{{x_left}}" y1="{{y_bottom}}" x2="{{x_right}}" y2="{{y_bottom}}"/><line class="axis" x1="{{x_left}}" y1="{{y_top}}" x2="{{x_left}}" y2="{{y_bottom}}"/>)"
      R"({{#xticks}}<text class="tick" x="{{x}}" y="{{tick_y}}">{{label}}</text>{{/xticks}})"
      R"({{#yticks}}<text class="tick ytick" x="{{ytick_x}}" y="{{y}}">{{label}}</text>{{/yticks}})"
      R"(<text class="axis-label" x="{{x_right}}" y="{{label_y}}">study week</text>{{/axes}})"
      R"({{#series}}<g class="series" data-subject="{{subject}}"><title>{{subject}}</title>{{#line}}<polyline points="{{line}}" fill="none" stroke="{{colour}}" stroke-width="1.4"/>{{/line}})"
      R"({{#points}}<circle cx="{{x}}" cy="{{y}}" r="{{r}}" fill="{{fill}}" stroke="{{colour}}" stroke-width="1.2"><title>{{label}}</title></circle>{{/points}}</g>{{/series}})"
      R"(</svg>)";
  return t;
}

const std::string& styleSheet() {
  static const std::string t = R"(@page { size: A4; margin: 12mm; }
* { box-sizing: border-box; }
body { font: 10pt/1.35 "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: #1b1f24; margin: 0 auto; max-width: 1100px; padding: 12px; }
h1 { font-size: 16pt; margin: 0 0 6px; }
h2 { font-size: 13pt; border-bottom: 2px solid #1f5fa8; margin: 18px 0 6px; break-after: avoid; page-break-after: avoid; }
h3 { font-size: 10.5pt; margin: 12px 0 4px; break-after: avoid; page-break-after: avoid; }
h4 { font-size: 9.5pt; margin: 8px 0 3px; break-after: avoid; page-break-after: avoid; }
.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 0 0 6px; }
.meta dt { font-weight: bold; }
.meta dd { margin: 0; }
.hash { font-family: "DejaVu Sans Mono", monospace; font-size: 8.5pt; overflow-wrap: anywhere; }
nav ol { margin: 4px 0; padding-left: 18px; }
a { color: #1f5fa8; }
.note { font-size: 8.5pt; color: #4a5360; margin: 2px 0 6px; }
table { border-collapse: collapse; width: 100%; max-width: 100%; margin: 0 0 8px; font-size: 8.5pt; }
th, td { border: 1px solid #c9ced6; padding: 2px 4px; text-align: left; vertical-align: top; overflow-wrap: anywhere; word-break: normal; }
thead th { background: #eef1f5; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.none { font-style: italic; color: #4a5360; }
.chart { margin: 8px 0 12px; break-inside: avoid; page-break-inside: avoid; }
.chart figcaption { font-weight: bold; font-size: 9.5pt; }
.chart svg { width: 100%; max-width: 760px; height: auto; display: block; }
.chart .window { fill: #e8ebf0; }
.chart .window-label { font-size: 9px; text-anchor: middle; fill: #4a5360; }
.chart .band { fill: #cfe8d1; fill-opacity: 0.85; }
.chart .lloq { stroke: #b91c1c; stroke-dasharray: 5 3; stroke-width: 1.2; }
.chart .lloq-label { font-size: 9px; text-anchor: end; fill: #b91c1c; }
.chart .axis { stroke: #4a5360; stroke-width: 1; }
.chart .tick { font-size: 10px; text-anchor: middle; fill: #1b1f24; }
.chart .ytick { text-anchor: end; dominant-baseline: middle; }
.chart .axis-label { font-size: 10px; text-anchor: end; fill: #4a5360; }
.legend { font-size: 8pt; margin: 2px 0; }
.swatch { display: inline-block; width: 9px; height: 9px; margin: 0 2px 0 6px; vertical-align: middle; print-color-adjust: exact; -webkit-print-color-adjust: exact; }
.subject { break-before: page; page-break-before: always; }
.subject:first-of-type { break-before: auto; page-break-before: auto; }
.timeline th[scope=row], .timeline thead th { white-space: nowrap; overflow-wrap: normal; }
.timeline .unit, .timeline .day { color: #4a5360; font-size: 7.5pt; }
.flag-high .flag, .flag-low .flag { color: #a4161a; font-weight: bold; }
.grade { background: #fde7c8; padding: 0 2px; print-color-adjust: exact; -webkit-print-color-adjust: exact; }
.override { color: #7e22ce; }
.confounded { color: #a16207; }
.other { font-size: 7.5pt; }
.other-record { display: inline-block; }
footer { font-size: 8pt; color: #4a5360; margin-top: 16px; }
@media print {
  body { max-width: none; padding: 0; font-size: 9pt; }
  nav { display: none; }
  a { color: inherit; text-decoration: none; }
  .chart svg { max-width: 100%; }
}
)";
  return t;
}

}  // namespace fa::report
