#!/usr/bin/env python3
"""Writes the seed corpora fuzz/corpus/<target>/ from the repository's own test data.

Sources: tests/data/cli (NDJSON, Bundles, roster), fhir-mappings/, deploy/adapter.toml, the
notification shapes of tests/callback/callback_test_support.h, and a few Observations of the
sandbox cohort (node sandbox/cohort/generate.mjs --out DIR --subjects 2, passed as --cohort DIR).
Re-run after changing those sources; the output is deterministic. Seeds stay small (< 10 kB).
"""
import argparse
import hashlib
import json
import pathlib
import shutil

ROOT = pathlib.Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "cli"
MAPPING_FILES = ["trial.json", "analytes.json", "ranges.json", "ctcae.json", "outcomes.json"]


def observation(oid, version="1", status="final"):
    return ('{"resourceType":"Observation","id":"%s","meta":{"versionId":"%s","lastUpdated":"2026-03-01T10:00:00.000+00:00"},'
            '"status":"%s","code":{"coding":[{"system":"http://loinc.org","code":"1975-2"}]},"subject":{"reference":"Patient/p1"},'
            '"effectiveDateTime":"2026-03-01","valueQuantity":{"value":1.10,"unit":"mg/dL","system":"http://unitsofmeasure.org",'
            '"code":"mg/dL"}}' % (oid, version, status))


def backport_bundle(kind, since, events, content):
    params = ('{"resourceType":"Parameters","parameter":['
              '{"name":"subscription","valueReference":{"reference":"https://fhir.example/fhir/Subscription/sub1"}},'
              '{"name":"topic","valueCanonical":"http://example.org/topic/lab"},'
              '{"name":"status","valueCode":"active"},{"name":"type","valueCode":"%s"},'
              '{"name":"events-since-subscription-start","valueString":"%s"}' % (kind, since))
    for number, oid in events:
        params += (',{"name":"notification-event","part":[{"name":"event-number","valueString":"%s"},'
                   '{"name":"timestamp","valueInstant":"2026-03-01T10:00:00Z"}' % number)
        if content != "empty":
            params += ',{"name":"focus","valueReference":{"reference":"https://fhir.example/fhir/Observation/%s"}}' % oid
        params += "]}"
    params += "]}"
    out = ('{"resourceType":"Bundle","type":"history","timestamp":"2026-03-01T10:00:00Z","entry":[{"fullUrl":"urn:uuid:1",'
           '"resource":' + params + ',"request":{"method":"GET","url":"https://fhir.example/fhir/Subscription/sub1/$status"},'
           '"response":{"status":"200"}}')
    for _, oid in events:
        if content == "empty":
            continue
        out += ',{"fullUrl":"https://fhir.example/fhir/Observation/%s"' % oid
        if content == "full-resource":
            out += ',"resource":' + observation(oid)
        out += ',"request":{"method":"PUT","url":"Observation/%s"},"response":{"status":"200"}}' % oid
    return out + "]}"


def r5_bundle(kind, since, events, full):
    status = ('{"resourceType":"SubscriptionStatus","status":"active","type":"%s","eventsSinceSubscriptionStart":"%s",'
              '"subscription":{"reference":"Subscription/r5"},"topic":"http://example.org/topic/lab"' % (kind, since))
    if events:
        status += ',"notificationEvent":[' + ",".join(
            '{"eventNumber":"%s","focus":{"reference":"Observation/%s"}}' % e for e in events) + "]"
    status += "}"
    out = '{"resourceType":"Bundle","type":"subscription-notification","entry":[{"fullUrl":"urn:uuid:2","resource":' + status + "}"
    for _, oid in events:
        out += ',{"fullUrl":"https://fhir.example/fhir/Observation/%s"' % oid
        if full:
            out += ',"resource":' + observation(oid)
        out += "}"
    return out + "]}"


def notifications():
    """(method, target, body) of every shape the classifier knows."""
    return [
        ("POST", "/notify", ""),
        ("PUT", "/notify/Observation/obs-1", observation("obs-1", "3")),
        ("POST", "/notify", observation("m1", "a7c2")),
        ("POST", "/notify", backport_bundle("handshake", "0", [], "empty")),
        ("POST", "/notify", backport_bundle("heartbeat", "4", [], "empty")),
        ("POST", "/notify", backport_bundle("event-notification", "7", [("6", "o6"), ("7", "o7")], "full-resource")),
        ("POST", "/notify", backport_bundle("event-notification", "2", [("2", "o2")], "id-only")),
        ("POST", "/notify", backport_bundle("event-notification", "3", [("3", "o3")], "empty")),
        ("POST", "/notify", r5_bundle("event-notification", "9", [("9", "r9")], True)),
        ("POST", "/notify", r5_bundle("query-status", "9", [], False)),
    ]


def http_request(method, target, body, headers=(), chunked=False):
    lines = ["%s %s HTTP/1.1" % (method, target), "Host: localhost"]
    if body:
        lines.append("Content-Type: application/fhir+json")
    lines += list(headers)
    if chunked:
        lines.append("Transfer-Encoding: chunked")
        payload = "%x\r\n%s\r\n0\r\nX-Trailer: t\r\n\r\n" % (len(body), body) if body else "0\r\n\r\n"
    else:
        lines.append("Content-Length: %d" % len(body))
        payload = body
    return "\r\n".join(lines) + "\r\n\r\n" + payload


def cohort_observations(cohort):
    """A few cohort Observations of distinct shapes, their subject rewritten to the fuzz roster's Patient/p1."""
    if not cohort:
        return []
    seen, out = set(), []
    for line in (pathlib.Path(cohort) / "observations.ndjson").read_text().splitlines():
        r = json.loads(line)
        value = next((k for k in r if k.startswith("value")), "none")
        key = (r["code"]["coding"][0]["code"], value, r.get("status"), "referenceRange" in r)
        if key in seen or len(out) >= 24:
            continue
        seen.add(key)
        out.append(line.replace(r["subject"]["reference"], "Patient/p1"))
    return out


def seeds(cohort):
    clean = (DATA / "clean.ndjson").read_text().splitlines()
    bundles = sorted(DATA.glob("bundle-*.json")) + [DATA / "single-observation.json"]
    yield "observation", [line for line in clean if '"Observation"' in line] + cohort_observations(cohort)
    yield "resource_stream", [p.read_text() for p in bundles] + ["\n".join(clean[:6]) + "\n"]
    yield "notification", ["%s %s application/fhir+json\n%s" % n for n in notifications()]
    auth = ["Authorization: Bearer fuzz-token"]
    requests = [http_request(m, t, b, auth) for m, t, b in notifications()]
    requests.append(http_request("POST", "/notify", observation("c1"), auth, chunked=True))
    requests.append(http_request("POST", "/notify", "") + http_request("POST", "/notify", "", ["Connection: close"]))
    requests.append(http_request("GET", "/notify", ""))
    yield "callback_request", requests
    yield "mappings", [chr(i) + (ROOT / "fhir-mappings" / name).read_text() for i, name in enumerate(MAPPING_FILES)]
    yield "config", [(ROOT / "deploy" / "adapter.toml").read_text(),
                     '[fhir]\nbase_url = "https://fhir.example/r4"\n[trial]\nmappings = "m"\nsubjects = "s.csv"\n'
                     '[store]\npath = "store.sqlite"\n[callback]\nlisten = "0.0.0.0:8443"\n']
    yield "roster", [(DATA / "roster.csv").read_text(),
                     "\ufeffsubject_id,patient,dose1_date,dose2_date,sex\r\nS1,\"Patient/a\",2026-01-01,2026-02-01,F\r\n"]
    yield "decimal", ["1.10", "-12.50", "1e3", "+4", "0.0664", "17.1", "1.23445", "1e-30", "999999999999999999999999999999999999",
                      "0.000000000000000000000000000001", "1.5 2", "-0 0.0", "12345678901234567890.1234567890 3e-7"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cohort", help="a folder made by sandbox/cohort/generate.mjs")
    args = parser.parse_args()
    for target, inputs in seeds(args.cohort):
        folder = ROOT / "fuzz" / "corpus" / target
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for text in inputs:
            data = text.encode()
            (folder / hashlib.sha1(data).hexdigest()).write_bytes(data)


if __name__ == "__main__":
    main()
