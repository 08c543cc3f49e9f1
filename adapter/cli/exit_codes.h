#pragma once
// Exit codes of CONTRACT.md.
namespace fa::cli {

inline constexpr int kExitOk = 0;           // every input read, every matched resource usable
inline constexpr int kExitRejected = 1;     // some input rejected; every valid record still written
inline constexpr int kExitUsage = 2;        // usage or configuration error; nothing written
inline constexpr int kExitAuditBroken = 3;  // audit verify: the log was tampered with

}  // namespace fa::cli
