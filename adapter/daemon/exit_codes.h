#pragma once
// The process exit codes of docs/contract.md, one definition for the daemon and the CLI.
namespace fa {

inline constexpr int kExitOk = 0;           // done; every input read, every matched resource usable
inline constexpr int kExitFailed = 1;       // the server failed (run --once), or some input was rejected (map)
inline constexpr int kExitConfig = 2;       // usage or configuration error; nothing written
inline constexpr int kExitAuditBroken = 3;  // audit verify: the log was tampered with

}  // namespace fa
