#pragma once
// The console's page templates (mustache, kainjow/mustache.hpp) and its style sheet, embedded
// in the binary: no files to deploy, no CDN. {{x}} is HTML-escaped by mustache; {{{x}}} is used
// only for markup the console itself rendered from escaped parts (the page body, the charts).
#include <string>

namespace fa::console {

const std::string& layoutTemplate();
const std::string& loginTemplate();
const std::string& queueTemplate();
const std::string& subjectTemplate();
const std::string& recordTemplate();
const std::string& auditTemplate();
const std::string& messageTemplate();
const std::string& styleSheet();

}  // namespace fa::console
