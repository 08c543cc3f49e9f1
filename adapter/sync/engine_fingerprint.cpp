// The engine part of what the records were computed from (record_builder.h): the adapter build
// (its GNU build id: another build may compute other records from the same inputs), the tz
// database version (local dates and study days come from it) and the FHIR base URL (absolute
// subject references match only under it).
#include <date/tz.h>
#include <elf.h>
#include <link.h>

#include <cstring>
#include <string>

#include "common/hex.h"
#include "sync/record_builder.h"

namespace fa::sync {
namespace {

// The main program's NT_GNU_BUILD_ID note, in hex; "" without one.
std::string buildId() {
  std::string id;
  dl_iterate_phdr(
      [](dl_phdr_info* info, std::size_t, void* out) {
        auto& found = *static_cast<std::string*>(out);
        for (int i = 0; i < info->dlpi_phnum; ++i) {
          const ElfW(Phdr)& ph = info->dlpi_phdr[i];
          if (ph.p_type != PT_NOTE) continue;
          const char* at = reinterpret_cast<const char*>(info->dlpi_addr + ph.p_vaddr);
          const char* end = at + ph.p_memsz;
          while (at + sizeof(ElfW(Nhdr)) <= end) {
            ElfW(Nhdr) note;
            std::memcpy(&note, at, sizeof note);
            const char* name = at + sizeof note;
            const char* desc = name + ((note.n_namesz + 3) & ~3u);
            if (note.n_type == NT_GNU_BUILD_ID && note.n_namesz == 4 && std::memcmp(name, "GNU", 4) == 0 &&
                desc + note.n_descsz <= end) {
              found = common::toHex(std::string_view(desc, note.n_descsz));
              return 1;
            }
            at = desc + ((note.n_descsz + 3) & ~3u);
          }
        }
        return 1;  // the first object is the main program: look no further
      },
      &id);
  return id;
}

}  // namespace

std::string engineFingerprint(const std::string& base_url) {
  static const std::string build = buildId();
  if (build.empty()) return "";
  std::string tzdb = "none";
  try {
    tzdb = date::get_tzdb().version;
  } catch (const std::exception&) {
    // No tz database: only fixed offsets, which do not depend on its version.
  }
  return "build=" + build + ";tzdb=" + tzdb + ";base_url=" + base_url;
}

}  // namespace fa::sync
