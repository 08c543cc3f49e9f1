#pragma once
// `[review]`: the review console (docs/contract.md, "The review console"). Present = enabled.
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "callback/callback_server.h"
#include "console/login_guard.h"
#include "console/sessions.h"

namespace fa::console {

struct ConsoleSettings {
  bool enabled = false;
  callback::CallbackServerSettings server;  // listen, cert, key; small bodies (forms only)
  std::filesystem::path users_file;         // written by `fhir-adapter user`
  std::vector<std::string> override_reasons = {"analytical error",           "haemolysed sample",
                                               "transcription error",        "reference range not applicable",
                                               "clinically not significant", "other"};
  SessionLimits sessions;
  LoginLimits logins;
};

// The default limits of the console's listener: forms are small.
inline callback::CallbackServerSettings defaultConsoleServer() {
  callback::CallbackServerSettings s;
  s.host = "127.0.0.1";
  s.port = 8444;
  s.max_body_bytes = 64u << 10;
  s.max_connections = 64;
  return s;
}

}  // namespace fa::console
