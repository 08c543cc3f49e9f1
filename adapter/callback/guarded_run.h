#pragma once
// guardedRun: io_context::run() that survives an exception thrown from a completion handler.
//
// Asio lets a handler's exception propagate out of run(); the handler (and the connection it
// kept alive) is destroyed while unwinding, and run() may simply be called again. Some such
// exceptions come from inside Boost.Beast's own composed operations, where no handler of ours
// is on the stack (std::length_error for a header or trailer field over 65,535 bytes), so this
// loop is the one place they can all be caught: a failed request costs its connection, never
// the process.
#include <exception>
#include <functional>

#include <boost/asio/io_context.hpp>

namespace fa::callback {

// Runs `ioc` until it stops; each exception is reported through `onException` (which must not
// throw) and the loop goes on.
inline void guardedRun(boost::asio::io_context& ioc, const std::function<void()>& onException) {
  for (;;) {
    try {
      ioc.run();
      return;
    } catch (...) {
      try {
        if (onException) onException();
      } catch (...) {
        // Reporting failed: the loop must still go on.
      }
    }
  }
}

}  // namespace fa::callback
