#include "console/record_fields.h"

#include <rapidjson/document.h>

#include <utility>

#include "engine/record_writer.h"

namespace fa::console {

RecordFields recordFields(const engine::OutcomeRecord& r) {
  std::string line;
  engine::appendNdjson(line, r);
  rapidjson::Document d;
  // Numbers as the text written (decimals exact: "20.5200" stays so).
  d.Parse<rapidjson::kParseNumbersAsStringsFlag>(line.c_str(), line.size());
  RecordFields out;
  if (!d.IsObject()) return out;
  for (const auto& m : std::as_const(d).GetObject()) {  // const: clang 14 C++20 iterator ==
    const std::string key(m.name.GetString(), m.name.GetStringLength());
    if (m.value.IsString())
      out[key] = std::string(m.value.GetString(), m.value.GetStringLength());
    else if (m.value.IsBool())
      out[key] = m.value.GetBool() ? "true" : "false";
    else
      out[key] = "";
  }
  return out;
}

std::string observationId(const std::string& reference) {
  std::string id = reference;
  if (id.rfind("Observation/", 0) == 0) id = id.substr(12);
  if (auto slash = id.find('/'); slash != std::string::npos) id = id.substr(0, slash);
  return id;
}

}  // namespace fa::console
