#include "console/console_templates.h"

namespace fa::console {

const std::string& layoutTemplate() {
  static const std::string t = R"(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{title}} - fhir-adapter review console</title>
<link rel="stylesheet" href="/static/console.css">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header>
<span class="brand">fhir-adapter review console</span>
{{#user}}
<nav aria-label="Main"><a href="/">Work queue</a> <a href="/audit">Audit log</a></nav>
<form method="post" action="/logout" class="logout">
<input type="hidden" name="csrf" value="{{csrf}}">
<span class="who">{{name}} ({{login}}, {{role}})</span>
<button type="submit">Sign out</button>
</form>
{{/user}}
</header>
<main id="main" tabindex="-1">
{{{body}}}
</main>
</body>
</html>
)";
  return t;
}

const std::string& loginTemplate() {
  static const std::string t = R"(<h1>Sign in</h1>
{{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
<form method="post" action="/login" class="card narrow">
<input type="hidden" name="csrf" value="{{csrf}}">
<p><label for="login">Login</label><input id="login" name="login" autocomplete="username" required maxlength="64" autofocus></p>
<p><label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required maxlength="256"></p>
<p><button type="submit">Sign in</button></p>
</form>
)";
  return t;
}

const std::string& queueTemplate() {
  static const std::string t = R"(<h1>Work queue</h1>
<p>Selected results that are abnormal or graded and have no valid signed review, newest first.</p>
<form method="get" action="/" class="filters" aria-label="Filter the queue">
<label for="f-subject">Subject</label><input id="f-subject" name="subject" value="{{f_subject}}" maxlength="64">
<label for="f-analyte">Analyte</label><select id="f-analyte" name="analyte"><option value="">all</option>{{#analytes}}<option{{#chosen}} selected{{/chosen}}>{{code}}</option>{{/analytes}}</select>
<label for="f-visit">Visit</label><select id="f-visit" name="visit"><option value="">all</option>{{#visits}}<option{{#chosen}} selected{{/chosen}}>{{code}}</option>{{/visits}}</select>
<label for="f-grade">Grade</label><select id="f-grade" name="grade"><option value="">all</option>{{#grades}}<option{{#chosen}} selected{{/chosen}}>{{code}}</option>{{/grades}}</select>
<button type="submit">Filter</button>
</form>
<p class="count" role="status">{{count}} records</p>
<table>
<caption class="sr">Records waiting for review</caption>
<thead><tr><th scope="col">Subject</th><th scope="col">Analyte</th><th scope="col">Visit</th><th scope="col">Collected</th><th scope="col">Value</th><th scope="col">Flag</th><th scope="col">Grade</th><th scope="col">Review</th><th scope="col"></th></tr></thead>
<tbody>
{{#rows}}<tr><td><a href="/subject?id={{subject_q}}">{{subject}}</a></td><td>{{analyte}}</td><td>{{visit}}</td><td>{{effective}}</td><td class="num">{{comparator}}{{value}} {{unit}}</td><td><span class="flag flag-{{flag}}">{{flag}}</span></td><td>{{grade}}</td><td>{{state}}</td><td><a href="/record?id={{id_q}}">Review<span class="sr"> {{subject}} {{analyte}} {{visit}}</span></a></td></tr>
{{/rows}}
</tbody>
</table>
)";
  return t;
}

const std::string& subjectTemplate() {
  static const std::string t = R"(<h1>Subject {{subject}}</h1>
<p><a href="/?subject={{subject_q}}">This subject's queue</a></p>
<h2>Analytes over study weeks</h2>
<p class="legend"><span class="key band"></span> reference range <span class="key base"></span> baseline <span class="key win"></span> visit windows</p>
<div class="charts">
{{#charts}}<figure class="chart"><figcaption>{{analyte}} ({{unit}})</figcaption>{{{svg}}}</figure>
{{/charts}}
</div>
<h2>Records</h2>
<table>
<caption class="sr">Every record of subject {{subject}}</caption>
<thead><tr><th scope="col">Analyte</th><th scope="col">Visit</th><th scope="col">Day</th><th scope="col">Collected</th><th scope="col">Value</th><th scope="col">Range</th><th scope="col">Flag</th><th scope="col">Grade</th><th scope="col">Selected</th><th scope="col">Status</th><th scope="col">Review</th></tr></thead>
<tbody>
{{#rows}}<tr><td>{{analyte}}</td><td>{{visit}}</td><td class="num">{{study_day}}</td><td>{{effective}}</td><td class="num">{{comparator}}{{value}} {{unit}}</td><td class="num">{{ref_low}}-{{ref_high}}</td><td><span class="flag flag-{{flag}}">{{flag}}</span></td><td>{{grade}}</td><td>{{selected}}</td><td>{{status}}</td><td><a href="/record?id={{id_q}}">{{state}}</a></td></tr>
{{/rows}}
</tbody>
</table>
)";
  return t;
}

const std::string& recordTemplate() {
  static const std::string t = R"(<h1>{{analyte}} of subject <a href="/subject?id={{subject_q}}">{{subject}}</a>, {{visit}}</h1>
{{#signature}}<p class="signature" role="status">{{signature}}</p>{{/signature}}
{{#voided}}<p class="voided" role="status">Review of {{voided_time}} by {{voided_by}}: voided by a data change (the record is back in the queue).</p>{{/voided}}
{{#unsigned}}<p class="note" role="status">{{unsigned}}</p>{{/unsigned}}
<h2>Mapping steps</h2>
<table class="steps">
<tbody>
<tr><th scope="row">Source value</th><td>{{source_value}} {{source_unit}}</td></tr>
<tr><th scope="row">Unit conversion</th><td>{{comparator}}{{value}} {{unit}}</td></tr>
<tr><th scope="row">Reference range</th><td>{{ref_low}} - {{ref_high}} {{unit}} (source: {{ref_source}})</td></tr>
<tr><th scope="row">Flag</th><td><span class="flag flag-{{flag}}">{{flag}}</span>{{#reason}} ({{reason}}){{/reason}}</td></tr>
<tr><th scope="row">CTCAE grade</th><td>{{grade}}</td></tr>
<tr><th scope="row">Visit and selection</th><td>{{visit}}, study day {{study_day}}, collected {{effective}}; selected: {{selected}}; baseline: {{baseline}}</td></tr>
<tr><th scope="row">Status</th><td>{{status}}</td></tr>
<tr><th scope="row">Source</th><td>{{observation}}</td></tr>
</tbody>
</table>
{{#can_review}}
<h2 id="review">Review</h2>
{{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
<form method="post" action="/review" class="card">
<input type="hidden" name="csrf" value="{{csrf}}">
<input type="hidden" name="id" value="{{id}}">
<input type="hidden" name="version" value="{{observation}}">
<fieldset><legend>Decision</legend>
<p><input type="radio" id="d-accept" name="decision" value="accept"{{^overriding}} checked{{/overriding}}><label for="d-accept" class="inline">Accept the flag <strong>{{flag}}</strong></label></p>
<p><input type="radio" id="d-override" name="decision" value="override"{{#overriding}} checked{{/overriding}}><label for="d-override" class="inline">Override it</label></p>
<p><label for="override_flag">Reviewer's flag (override)</label><select id="override_flag" name="override_flag">{{#flags}}<option{{#chosen}} selected{{/chosen}}>{{code}}</option>{{/flags}}</select></p>
<p><label for="reason_code">Reason (override)</label><select id="reason_code" name="reason_code"><option value="">choose a reason</option>{{#reasons}}<option{{#chosen}} selected{{/chosen}}>{{text}}</option>{{/reasons}}</select></p>
<p><label for="note">Note (optional, one line, no patient data)</label><input id="note" name="note" maxlength="500" value="{{note}}" aria-describedby="note-help"><span id="note-help" class="help">At most 500 characters. It is kept for ever in the audit log.</span></p>
{{#warning}}<p class="warning" role="alert">{{warning}}</p>
<p><input type="checkbox" id="confirm" name="confirm_no_patient_data" value="yes"><label for="confirm" class="inline">I confirm the note holds no patient data</label></p>{{/warning}}
</fieldset>
{{#can_sign}}
<fieldset><legend>Signature</legend>
<p><label for="meaning">Meaning of the signature</label><select id="meaning" name="meaning"><option value="reviewed">reviewed</option><option value="approved">approved</option></select></p>
<p><label for="sign-password">Your password (asked again for every signature)</label><input id="sign-password" name="password" type="password" autocomplete="current-password" required maxlength="256"></p>
<p>Signing as {{signer}}.</p>
</fieldset>
<p><button type="submit">Sign</button></p>
{{/can_sign}}
{{^can_sign}}<p><button type="submit">Save review (unsigned: a monitor signs)</button></p>{{/can_sign}}
</form>
{{/can_review}}
<h2>Source Observation versions</h2>
<table>
<thead><tr><th scope="col">Version</th><th scope="col">Last updated</th><th scope="col">Status</th><th scope="col">Received by</th><th scope="col">Resource</th></tr></thead>
<tbody>
{{#versions}}<tr><td>Observation/{{id}}/_history/{{version}}</td><td>{{last_updated}}</td><td>{{status}}</td><td>{{source}}</td><td><details><summary>FHIR JSON</summary><pre>{{resource}}</pre></details></td></tr>
{{/versions}}
</tbody>
</table>
<h2>Audit trail of this record</h2>
<table>
<thead><tr><th scope="col">Seq</th><th scope="col">Time</th><th scope="col">Actor</th><th scope="col">Action</th><th scope="col">Source</th><th scope="col">Details</th></tr></thead>
<tbody>
{{#trail}}<tr><td class="num">{{seq}}</td><td>{{time}}</td><td>{{actor}}</td><td>{{action}}</td><td>{{source_ref}}</td><td>{{details}}</td></tr>
{{/trail}}
</tbody>
</table>
)";
  return t;
}

const std::string& auditTemplate() {
  static const std::string t = R"(<h1>Audit log</h1>
<form method="post" action="/audit/verify" class="inline-form">
<input type="hidden" name="csrf" value="{{csrf}}">
<button type="submit">Verify the audit log</button>
</form>
{{#verify}}<p class="{{verify_class}}" role="status">{{verify}}</p>{{/verify}}
<form method="get" action="/audit" class="filters" aria-label="Filter the audit log">
<label for="a-subject">Subject</label><input id="a-subject" name="subject" value="{{f_subject}}" maxlength="64">
<label for="a-analyte">Analyte</label><input id="a-analyte" name="analyte" value="{{f_analyte}}" maxlength="32">
<label for="a-action">Action(s)</label><input id="a-action" name="action" value="{{f_action}}" maxlength="200">
<label for="a-observation">Observation</label><input id="a-observation" name="observation" value="{{f_observation}}" maxlength="200">
<label for="a-since">Since</label><input id="a-since" name="since" value="{{f_since}}" maxlength="40" placeholder="YYYY-MM-DD">
<label for="a-until">Until</label><input id="a-until" name="until" value="{{f_until}}" maxlength="40" placeholder="YYYY-MM-DD">
<button type="submit">Filter</button>
</form>
{{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
<p class="count" role="status">{{count}} entries{{#truncated}} (the newest {{shown}} shown){{/truncated}}</p>
<table>
<thead><tr><th scope="col">Seq</th><th scope="col">Time</th><th scope="col">Actor</th><th scope="col">Action</th><th scope="col">Record</th><th scope="col">Subject</th><th scope="col">Analyte</th><th scope="col">Outcome</th><th scope="col">Details</th></tr></thead>
<tbody>
{{#rows}}<tr><td class="num">{{seq}}</td><td>{{time}}</td><td>{{actor}}</td><td>{{action}}</td><td>{{record}}</td><td>{{subject}}</td><td>{{analyte}}</td><td>{{outcome}}</td><td>{{details}}</td></tr>
{{/rows}}
</tbody>
</table>
)";
  return t;
}

const std::string& messageTemplate() {
  static const std::string t = R"(<h1>{{heading}}</h1>
<p>{{message}}</p>
<p><a href="{{link}}">{{link_text}}</a></p>
)";
  return t;
}

// Colours meet WCAG AA contrast (4.5:1 for text) on their backgrounds; focus is always visible.
const std::string& styleSheet() {
  static const std::string t =
      R"(:root{--ink:#1b1f24;--muted:#4a5360;--line:#c9ced6;--bg:#ffffff;--soft:#f3f5f8;--accent:#0b5cad;--bad:#a4161a;--warn:#7a4b00;--ok:#1d6b2f}
*{box-sizing:border-box}
body{margin:0;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:var(--bg)}
a{color:var(--accent)}
a:focus,button:focus,input:focus,select:focus,summary:focus,main:focus{outline:3px solid #f4a100;outline-offset:2px}
.skip{position:absolute;left:-9999px}.skip:focus{left:8px;top:8px;background:#fff;padding:4px 8px;z-index:9}
header{display:flex;flex-wrap:wrap;gap:16px;align-items:center;padding:10px 20px;background:#12263f;color:#fff}
header a{color:#fff;margin-right:14px}
.brand{font-weight:700}
.logout{margin-left:auto;display:flex;gap:10px;align-items:center}
main{padding:16px 20px;max-width:1300px}
h1{font-size:1.5rem;margin:.4em 0}h2{font-size:1.2rem;margin-top:1.4em}
table{border-collapse:collapse;width:100%;margin:8px 0;font-size:.95rem}
th,td{border-bottom:1px solid var(--line);padding:5px 8px;text-align:left;vertical-align:top}
thead th{background:var(--soft)}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.steps th{width:14em;background:var(--soft)}
label{display:block;font-weight:600;margin-bottom:2px}
label.inline{display:inline;font-weight:400;margin-left:6px}
input,select,button{font:inherit;padding:5px 8px;border:1px solid #6b7480;border-radius:4px;background:#fff;color:var(--ink)}
button{background:var(--accent);color:#fff;border-color:var(--accent);cursor:pointer}
header button{background:#fff;color:#12263f}
.filters{display:flex;flex-wrap:wrap;gap:6px 10px;align-items:end;background:var(--soft);padding:10px;border-radius:6px}
.filters label{margin:0}
.card{border:1px solid var(--line);border-radius:6px;padding:12px 16px;max-width:720px}
.narrow{max-width:380px}
.card input:not([type=radio]):not([type=checkbox]),.card select{width:100%}
fieldset{border:1px solid var(--line);border-radius:6px;margin:10px 0}
.help{display:block;color:var(--muted);font-size:.9rem}
.error{color:var(--bad);font-weight:600}
.warning{color:var(--warn);font-weight:600}
.verified{color:var(--ok);font-weight:600}
.signature{border-left:5px solid var(--ok);padding:6px 10px;background:#eef7f0;font-weight:600}
.voided{border-left:5px solid var(--bad);padding:6px 10px;background:#fbeeee}
.note{border-left:5px solid var(--warn);padding:6px 10px;background:#fbf4e8}
.flag-high,.flag-low{color:var(--bad);font-weight:700}
.flag-indeterminate{color:var(--warn)}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(330px,1fr));gap:12px}
.chart{margin:0;border:1px solid var(--line);border-radius:6px;padding:6px}
.chart figcaption{font-weight:600}
.chart svg{width:100%;height:auto}
.legend .key{display:inline-block;width:14px;height:10px;margin:0 4px 0 12px;vertical-align:middle}
.key.band{background:#d8ecd9}.key.base{background:#12263f}.key.win{background:#e8ebf0}
pre{white-space:pre-wrap;word-break:break-all;max-width:520px;font-size:.8rem}
.inline-form{display:inline}
)";
  return t;
}

}  // namespace fa::console
