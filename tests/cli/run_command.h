#pragma once
// Test helpers for the command-line contract suite: run the built binary with an argument vector
// (no shell, so no quoting problems) and optional standard input, capture standard output,
// standard error and the exit code; parse NDJSON and CSV output; read the summary line.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

extern char** environ;

namespace fa::cli_test {

struct CommandResult {
  int exit_code = -1;  // 128 + signal number when the process was killed by a signal
  std::string out;
  std::string err;

  // Non-empty lines of standard error.
  std::vector<std::string> errLines() const {
    std::vector<std::string> lines;
    std::istringstream in(err);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) lines.push_back(line);
    }
    return lines;
  }
  std::string lastErrLine() const {
    auto lines = errLines();
    return lines.empty() ? std::string() : lines.back();
  }
  // The standard error lines that contain every one of the given fragments.
  std::vector<std::string> errLinesWith(std::initializer_list<std::string> fragments) const {
    std::vector<std::string> found;
    for (const std::string& line : errLines()) {
      bool all = true;
      for (const std::string& f : fragments)
        all = all && line.find(f) != std::string::npos;
      if (all) found.push_back(line);
    }
    return found;
  }
};

// Runs `program args...`; stdin_text, when given, is written to its standard input (else the
// child's standard input is /dev/null). Stdout and stderr are drained concurrently with the
// stdin writer through poll(), so large outputs cannot deadlock.
inline CommandResult runCommand(const std::string& program, const std::vector<std::string>& args,
                                const std::optional<std::string>& stdin_text = std::nullopt) {
  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) != 0 || pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0)
    throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (stdin_text) {
    posix_spawn_file_actions_adddup2(&actions, in_pipe[0], 0);
  } else {
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  }
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);

  std::vector<std::string> argv_storage;
  argv_storage.push_back(program);
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_storage)
    argv.push_back(a.data());
  argv.push_back(nullptr);

  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, program.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(in_pipe[0]);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (spawned != 0) {
    close(in_pipe[1]);
    close(out_pipe[0]);
    close(err_pipe[0]);
    throw std::runtime_error("posix_spawn " + program + ": " + std::strerror(spawned));
  }

  // A child that exits before reading all of its input must not kill the test with SIGPIPE.
  struct sigaction ignore {
  }, previous{};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  sigaction(SIGPIPE, &ignore, &previous);

  CommandResult result;
  int in_fd = in_pipe[1];
  std::size_t written = 0;
  if (!stdin_text || stdin_text->empty()) {
    close(in_fd);
    in_fd = -1;
  } else {
    fcntl(in_fd, F_SETFL, fcntl(in_fd, F_GETFL) | O_NONBLOCK);
  }
  int out_fd = out_pipe[0], err_fd = err_pipe[0];
  char buffer[65536];
  while (out_fd >= 0 || err_fd >= 0 || in_fd >= 0) {
    std::vector<pollfd> fds;
    if (in_fd >= 0) fds.push_back({in_fd, POLLOUT, 0});
    if (out_fd >= 0) fds.push_back({out_fd, POLLIN, 0});
    if (err_fd >= 0) fds.push_back({err_fd, POLLIN, 0});
    const int ready = poll(fds.data(), fds.size(), 60000);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) {
      kill(pid, SIGKILL);  // a hung child: fail the test instead of hanging the suite
      break;
    }
    for (const pollfd& p : fds) {
      if (p.revents == 0) continue;
      if (p.fd == in_fd) {
        ssize_t n = write(in_fd, stdin_text->data() + written, stdin_text->size() - written);
        if (n > 0) written += static_cast<std::size_t>(n);
        if (n < 0 && errno != EAGAIN && errno != EINTR) written = stdin_text->size();  // EPIPE: child stopped reading
        if (written == stdin_text->size()) {
          close(in_fd);
          in_fd = -1;
        }
      } else {
        ssize_t n = read(p.fd, buffer, sizeof buffer);
        if (n > 0) {
          (p.fd == out_fd ? result.out : result.err).append(buffer, static_cast<std::size_t>(n));
        } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
          close(p.fd);
          (p.fd == out_fd ? out_fd : err_fd) = -1;
        }
      }
    }
  }
  for (int fd : {in_fd, out_fd, err_fd}) {
    if (fd >= 0) close(fd);
  }
  sigaction(SIGPIPE, &previous, nullptr);

  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status))
    result.exit_code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status))
    result.exit_code = 128 + WTERMSIG(status);
  return result;
}

// fhir-adapter with the given arguments.
inline CommandResult runAdapter(const std::vector<std::string>& args,
                                const std::optional<std::string>& stdin_text = std::nullopt) {
  return runCommand(FA_BINARY, args, stdin_text);
}

// One parsed NDJSON line, with its member names in the order they were written.
struct JsonRecord {
  std::shared_ptr<rapidjson::Document> doc;
  std::vector<std::string> keys;
  std::string line;

  const rapidjson::Value& operator[](const char* name) const {
    static const rapidjson::Value kMissing;          // null: callers check presence through keys
    auto it = std::as_const(*doc).FindMember(name);  // const: clang -Wambiguous-reversed-operator
    return it == doc->MemberEnd() ? kMissing : it->value;
  }
  bool has(const std::string& name) const { return doc->HasMember(name.c_str()); }
  std::string str(const char* name) const {
    const rapidjson::Value& v = (*this)[name];
    return v.IsString() ? std::string(v.GetString(), v.GetStringLength()) : std::string("<not a string>");
  }
};

// Parses NDJSON; numbers_as_strings keeps each number's exact text (RawNumber as a string).
// Throws on a line that is not a JSON object, with the line in the message.
inline std::vector<JsonRecord> parseNdjson(const std::string& text, bool numbers_as_strings = false) {
  std::vector<JsonRecord> records;
  std::istringstream in(text);
  std::size_t number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    if (line.empty()) continue;
    JsonRecord r;
    r.line = line;
    r.doc = std::make_shared<rapidjson::Document>();
    if (numbers_as_strings)
      r.doc->Parse<rapidjson::kParseNumbersAsStringsFlag>(line.c_str(), line.size());
    else
      r.doc->Parse(line.c_str(), line.size());
    if (r.doc->HasParseError() || !r.doc->IsObject())
      throw std::runtime_error("output line " + std::to_string(number) + " is not a JSON object: " + line);
    for (const auto& member : std::as_const(*r.doc).GetObject())
      r.keys.emplace_back(member.name.GetString());
    records.push_back(std::move(r));
  }
  return records;
}

// RFC 4180: rows of fields; quoted fields may hold commas, doubled quotes and newlines.
inline std::vector<std::vector<std::string>> parseCsv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, any = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field.push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field.push_back(c);
      }
      continue;
    }
    if (c == '"' && field.empty()) {
      quoted = true;
      any = true;
    } else if (c == ',') {
      row.push_back(field);
      field.clear();
      any = true;
    } else if (c == '\n') {
      row.push_back(field);
      rows.push_back(row);
      row.clear();
      field.clear();
      any = false;
    } else if (c != '\r') {
      field.push_back(c);
      any = true;
    }
  }
  if (any || !field.empty()) {
    row.push_back(field);
    rows.push_back(row);
  }
  return rows;
}

// The contract's summary line: resources read, records written, rejected, skipped, ignored.
struct Summary {
  long read = -1, written = -1, rejected = -1, skipped = -1, ignored = -1;
};

inline std::optional<Summary> parseSummary(const std::string& line) {
  auto number = [&](const char* pattern) -> long {
    std::smatch m;
    if (!std::regex_search(line, m, std::regex(pattern))) return -1;
    return std::stol(m[1].str());
  };
  Summary s;
  s.read = number(R"((\d+) resources? read)");
  s.written = number(R"((\d+) records? written)");
  s.rejected = number(R"((\d+) rejected)");
  s.skipped = number(R"((\d+) skipped)");
  s.ignored = number(R"((\d+) ignored)");
  if (s.read < 0 || s.written < 0 || s.rejected < 0 || s.skipped < 0 || s.ignored < 0) return std::nullopt;
  return s;
}

// A fresh temporary folder, removed with everything in it when the object goes away.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "fa-cli-test-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    // Restore permissions a test may have taken away, so removal works.
    for (auto it = std::filesystem::recursive_directory_iterator(path_, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      std::filesystem::permissions(it->path(), std::filesystem::perms::owner_all, std::filesystem::perm_options::add, ec);
    }
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream out(path_ / name, std::ios::binary);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + file(name));
    return file(name);
  }

 private:
  std::filesystem::path path_;
};

inline std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace fa::cli_test
