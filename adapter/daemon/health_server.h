#pragma once
// HealthServer: the operator's HTTP listener (localhost by default) for /healthz, /readyz and
// /metrics, on Boost.Beast. Plain HTTP: it serves no patient data. Every read and write is
// bounded by a timeout, bodies by a limit; runs on its own thread.
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "daemon/daemon_config.h"

namespace fa::daemon {

struct HealthHandlers {
  std::function<std::string()> metrics;                 // Prometheus text
  std::function<std::pair<bool, std::string>()> ready;  // ready?, one-line reason
};

class HealthServer {
 public:
  HealthServer(const HostPort& listen, HealthHandlers handlers);
  ~HealthServer();
  HealthServer(const HealthServer&) = delete;
  HealthServer& operator=(const HealthServer&) = delete;

  unsigned short port() const;  // the bound port (useful with port 0)
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fa::daemon
