#pragma once
// The HTML report's templates (mustache, kainjow/mustache.hpp from Debian's
// libkainjow-mustache-dev) and its style sheet, compiled in: the page is one self-contained file
// with no script, no external style, font or image. {{x}} is HTML-escaped by mustache; {{{x}}}
// is used only for markup the report rendered itself from escaped parts (the charts, the CSS).
#include <string>

namespace fa::report {

const std::string& pageTemplate();
const std::string& chartTemplate();
const std::string& styleSheet();

}  // namespace fa::report
