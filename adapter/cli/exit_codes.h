#pragma once
// Exit codes of docs/contract.md (defined once, in daemon/exit_codes.h), by the CLI's names.
#include "daemon/exit_codes.h"

namespace fa::cli {

inline constexpr int kExitOk = fa::kExitOk;                    // every input read, every matched resource usable
inline constexpr int kExitRejected = fa::kExitFailed;          // some input rejected; every valid record still written
inline constexpr int kExitUsage = fa::kExitConfig;             // usage or configuration error; nothing written
inline constexpr int kExitAuditBroken = fa::kExitAuditBroken;  // audit verify: the log was tampered with

}  // namespace fa::cli
