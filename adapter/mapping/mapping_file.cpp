#include "mapping/mapping_file.h"

#include <fstream>
#include <sstream>

#include <rapidjson/error/en.h>

#include "common/json_depth.h"
#include "mapping/config_error.h"
#include "mapping/schema_check.h"

namespace fa::mapping {
namespace {

std::string lineAndColumn(const std::string& text, size_t offset) {
  size_t line = 1, column = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return "line " + std::to_string(line) + " column " + std::to_string(column);
}

// Puts the first problem found into `f.problems`; with none, `f.document` holds the file.
void check(MappingFile& f) {
  auto problem = [&f](const std::string& where, const std::string& what) {
    f.problems.push_back(problemText(f.label, where, what));
  };
  // Before any parse: the parser, the schema check and the loaders all recurse per level.
  if (auto deep = common::jsonTooDeepAt(f.text)) {
    problem(lineAndColumn(f.text, *deep), "not valid JSON: " + common::tooDeepMessage());
    return;
  }
  // The schema sees real numbers; the loaders read them as strings, exact, from a second parse.
  rapidjson::Document plain;
  plain.Parse(f.text.c_str(), f.text.size());
  if (plain.HasParseError()) {
    problem(lineAndColumn(f.text, plain.GetErrorOffset()),
            std::string("not valid JSON: ") + rapidjson::GetParseError_En(plain.GetParseError()));
    return;
  }
  if (auto schema = schemaProblem(f.name, plain)) {
    problem("", *schema);
    return;
  }
  f.document.Parse<rapidjson::kParseNumbersAsStringsFlag>(f.text.c_str(), f.text.size());
}

}  // namespace

std::shared_ptr<const MappingFile> checkMappingFile(std::string name, std::string label, std::string text) {
  auto f = std::make_shared<MappingFile>();
  f->name = std::move(name);
  f->label = std::move(label);
  f->text = std::move(text);
  check(*f);
  return f;
}

std::shared_ptr<const MappingFile> readMappingFile(const std::filesystem::path& dir, const std::string& name) {
  const std::string label = (dir / name).string();
  std::ifstream in(dir / name, std::ios::binary);
  if (!in) {
    auto f = std::make_shared<MappingFile>();
    f->name = name;
    f->label = label;
    f->problems.push_back(problemText(label, "/", "cannot be read (missing or no permission)"));
    return f;
  }
  std::stringstream text;
  text << in.rdbuf();
  return checkMappingFile(name, label, text.str());
}

}  // namespace fa::mapping
