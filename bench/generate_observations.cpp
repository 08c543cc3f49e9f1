#include "generate_observations.h"

#include <array>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string_view>
#include <vector>

namespace fa::bench {
namespace {

// splitmix64: small, fast, and the same sequence on every platform.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  std::uint64_t below(std::uint64_t n) { return next() % n; }
  double unit() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }
  bool chance(double p) { return unit() < p; }

 private:
  std::uint64_t state_;
};

// Days since 1970-01-01 <-> civil date (H. Hinnant's algorithms).
struct Civil {
  int y;
  unsigned m, d;
};
long daysFromCivil(int y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<long>(era) * 146097 + static_cast<long>(doe) - 719468;
}
Civil civilFromDays(long z) {
  z += 719468;
  const long era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const long y = static_cast<long>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<int>(y + (m <= 2)), m, d};
}

struct LabCode {
  const char* loinc;
  const char* display;
  const char* local_code;  // the LIS's own code, sent as a second coding
  const char* text;
  const char* unit;  // UCUM code (also the display unit)
  double low, high;  // reference interval in `unit`
  int decimals;
  int weight;  // relative frequency in a hospital export
  bool trial;
};

// Trial analytes (docs/trial-rules.md) first, then common tests the trial ignores.
constexpr std::array<LabCode, 36> kCodes = {{
    {"1975-2", "Bilirubin.total [Mass/volume] in Serum or Plasma", "TBIL", "Total bilirubin", "umol/L", 3.4, 20.5, 1, 6, true},
    {"1751-7", "Albumin [Mass/volume] in Serum or Plasma", "ALB", "Albumin", "g/L", 40, 55, 1, 6, true},
    {"5902-2", "Prothrombin time (PT)", "PT", "Prothrombin time", "s", 11.0, 14.5, 1, 4, true},
    {"6301-6", "INR in Platelet poor plasma by Coagulation assay", "INR", "INR", "{INR}", 0.8, 1.2, 2, 4, true},
    {"5894-1", "Prothrombin time actual/normal in Platelet poor plasma by Coagulation assay", "PTA", "Prothrombin activity", "%",
     70, 120, 0, 3, true},
    {"3173-2", "aPTT in Blood by Coagulation assay", "APTT", "Activated partial thromboplastin time", "s", 25.0, 37.0, 1, 4,
     true},
    {"3255-7", "Fibrinogen [Mass/volume] in Platelet poor plasma by Coagulation assay", "FIB", "Fibrinogen", "g/L", 2.0, 4.0, 2,
     3, true},
    {"2465-3", "IgG [Mass/volume] in Serum", "IGG", "Immunoglobulin G", "g/L", 7.0, 16.0, 2, 1, true},
    {"2458-8", "IgA [Mass/volume] in Serum", "IGA", "Immunoglobulin A", "g/L", 0.7, 4.0, 2, 1, true},
    {"2472-9", "IgM [Mass/volume] in Serum", "IGM", "Immunoglobulin M", "g/L", 0.4, 2.3, 2, 1, true},
    {"42595-9", "Hepatitis B virus DNA [#/volume] (viral load) in Serum or Plasma by NAA with probe detection", "HBVDNA",
     "HBV DNA viral load", "[IU]/mL", 0, 20, 0, 1, true},
    {"2345-7", "Glucose [Mass/volume] in Serum or Plasma", "GLU", "Glucose", "mmol/L", 3.9, 6.1, 2, 10, false},
    {"2160-0", "Creatinine [Mass/volume] in Serum or Plasma", "CREA", "Creatinine", "umol/L", 57, 111, 0, 10, false},
    {"2951-2", "Sodium [Moles/volume] in Serum or Plasma", "NA", "Sodium", "mmol/L", 137, 147, 1, 10, false},
    {"2823-3", "Potassium [Moles/volume] in Serum or Plasma", "K", "Potassium", "mmol/L", 3.5, 5.3, 2, 10, false},
    {"2075-0", "Chloride [Moles/volume] in Serum or Plasma", "CL", "Chloride", "mmol/L", 99, 110, 1, 8, false},
    {"17861-6", "Calcium [Mass/volume] in Serum or Plasma", "CA", "Calcium", "mmol/L", 2.11, 2.52, 2, 6, false},
    {"3094-0", "Urea nitrogen [Mass/volume] in Serum or Plasma", "BUN", "Urea", "mmol/L", 2.9, 8.2, 2, 8, false},
    {"718-7", "Hemoglobin [Mass/volume] in Blood", "HGB", "Hemoglobin", "g/L", 115, 150, 0, 10, false},
    {"6690-2", "Leukocytes [#/volume] in Blood by Automated count", "WBC", "White blood cells", "10*9/L", 3.5, 9.5, 2, 10, false},
    {"789-8", "Erythrocytes [#/volume] in Blood by Automated count", "RBC", "Red blood cells", "10*12/L", 3.8, 5.1, 2, 8, false},
    {"777-3", "Platelets [#/volume] in Blood by Automated count", "PLT", "Platelets", "10*9/L", 125, 350, 0, 10, false},
    {"4544-3", "Hematocrit [Volume Fraction] of Blood by Automated count", "HCT", "Hematocrit", "%", 35, 45, 1, 8, false},
    {"1742-6", "Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma", "ALT", "ALT", "U/L", 9, 50, 0, 8,
     false},
    {"1920-8", "Aspartate aminotransferase [Enzymatic activity/volume] in Serum or Plasma", "AST", "AST", "U/L", 15, 40, 0, 8,
     false},
    {"6768-6", "Alkaline phosphatase [Enzymatic activity/volume] in Serum or Plasma", "ALP", "Alkaline phosphatase", "U/L", 45,
     125, 0, 5, false},
    {"2324-2", "Gamma glutamyl transferase [Enzymatic activity/volume] in Serum or Plasma", "GGT", "GGT", "U/L", 10, 60, 0, 5,
     false},
    {"1968-7", "Bilirubin.direct [Mass/volume] in Serum or Plasma", "DBIL", "Direct bilirubin", "umol/L", 0, 6.8, 1, 5, false},
    {"2885-2", "Protein [Mass/volume] in Serum or Plasma", "TP", "Total protein", "g/L", 65, 85, 1, 5, false},
    {"2093-3", "Cholesterol [Mass/volume] in Serum or Plasma", "CHOL", "Cholesterol", "mmol/L", 2.8, 5.2, 2, 4, false},
    {"2571-8", "Triglyceride [Mass/volume] in Serum or Plasma", "TG", "Triglycerides", "mmol/L", 0.5, 1.7, 2, 4, false},
    {"1988-5", "C reactive protein [Mass/volume] in Serum or Plasma", "CRP", "C-reactive protein", "mg/L", 0, 10, 1, 5, false},
    {"4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", "HBA1C", "HbA1c", "%", 4.0, 6.0, 1, 3, false},
    {"3016-3", "Thyrotropin [Units/volume] in Serum or Plasma", "TSH", "TSH", "m[IU]/L", 0.27, 4.2, 2, 3, false},
    {"14804-9", "Lactate dehydrogenase [Enzymatic activity/volume] in Serum or Plasma by Lactate to pyruvate reaction", "LDH",
     "LDH", "U/L", 120, 250, 0, 4, false},
    {"2532-0", "Lactate dehydrogenase [Enzymatic activity/volume] in Serum or Plasma", "LD", "LD", "U/L", 120, 250, 0, 1, false},
}};

constexpr std::array<const char*, 4> kPerformers = {"Organization/lab-central", "Organization/lab-emergency",
                                                    "Organization/lab-hepatology", "Organization/lab-outpatient"};
constexpr std::array<const char*, 4> kPerformerNames = {"Central Laboratory", "Emergency Laboratory", "Hepatology Laboratory",
                                                        "Outpatient Laboratory"};

class Writer {
 public:
  explicit Writer(const std::string& path) : file_(std::fopen(path.c_str(), "wb")), path_(path) {
    if (!file_) throw std::runtime_error(path + ": " + std::strerror(errno));
    buffer_.reserve(1 << 20);
  }
  ~Writer() {
    if (file_) std::fclose(file_);
  }
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  std::string& buffer() { return buffer_; }
  void flushIfLarge() {
    if (buffer_.size() >= (1 << 20) - 4096) flush();
  }
  void close() {
    flush();
    if (std::fclose(file_) != 0) {
      file_ = nullptr;
      throw std::runtime_error(path_ + ": " + std::strerror(errno));
    }
    file_ = nullptr;
  }

 private:
  void flush() {
    if (std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size())
      throw std::runtime_error(path_ + ": " + std::strerror(errno));
    buffer_.clear();
  }
  std::FILE* file_;
  std::string path_;
  std::string buffer_;
};

void appendf(std::string& out, const char* format, auto... args) {
  char tmp[512];
  int n = std::snprintf(tmp, sizeof tmp, format, args...);
  out.append(tmp, static_cast<std::size_t>(n));
}

void appendNumber(std::string& out, double value, int decimals) {
  if (value < 0) value = 0;
  appendf(out, "%.*f", decimals, value);
}

void appendHex(std::string& out, std::uint64_t v, int digits) {
  static const char* hex = "0123456789abcdef";
  for (int i = digits - 1; i >= 0; --i)
    out.push_back(hex[(v >> (4 * i)) & 15]);
}

void appendUuid(std::string& out, Rng& rng) {
  std::uint64_t a = rng.next(), b = rng.next();
  appendHex(out, a >> 32, 8);
  out.push_back('-');
  appendHex(out, (a >> 16) & 0xffff, 4);
  out.push_back('-');
  appendHex(out, 0x4000 | (a & 0x0fff), 4);
  out.push_back('-');
  appendHex(out, 0x8000 | ((b >> 48) & 0x3fff), 4);
  out.push_back('-');
  appendHex(out, b & 0xffffffffffffull, 12);
}

// "2023-05-04T07:31:00+08:00" (local clock) or "...Z" (UTC), from minutes since the epoch in UTC.
void appendDateTime(std::string& out, long utc_minutes, bool as_utc, int seconds, int millis = -1) {
  long local = as_utc ? utc_minutes : utc_minutes + 8 * 60;
  long days = local >= 0 ? local / 1440 : (local - 1439) / 1440;
  long minute_of_day = local - days * 1440;
  Civil c = civilFromDays(days);
  appendf(out, "%04d-%02u-%02uT%02ld:%02ld:%02d", c.y, c.m, c.d, minute_of_day / 60, minute_of_day % 60, seconds);
  if (millis >= 0) appendf(out, ".%03d", millis);
  out += as_utc ? "Z" : "+08:00";
}

void appendQuantity(std::string& out, double value, const LabCode& code) {
  out += "{\"value\":";
  appendNumber(out, value, code.decimals);
  appendf(out, ",\"unit\":\"%s\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"%s\"}", code.unit, code.unit);
}

struct Patient {
  std::string id;
  long dose1_day = 0;  // rostered patients: first infusion (days since epoch)
  bool rostered = false;
};

struct Line {
  const LabCode* code;
  const Patient* patient;
  long effective_minutes;  // UTC
  double value;
};

void appendObservation(std::string& out, Rng& rng, const Line& l, const std::string& id, int version, const char* status,
                       long updated_minutes, std::uint64_t serial) {
  const LabCode& c = *l.code;
  out += "{\"resourceType\":\"Observation\",\"id\":\"";
  out += id;
  appendf(out, "\",\"meta\":{\"versionId\":\"%d\",\"lastUpdated\":\"", version);
  appendDateTime(out, updated_minutes, true, static_cast<int>(rng.below(60)), static_cast<int>(rng.below(1000)));
  out += "\",\"source\":\"#lis-export\"},";
  appendf(out, "\"identifier\":[{\"system\":\"urn:oid:1.2.156.112635.1.2.4\",\"value\":\"LIS%010llu\"}],",
          static_cast<unsigned long long>(serial));
  appendf(out, "\"status\":\"%s\",", status);
  out +=
      "\"category\":[{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/observation-category\","
      "\"code\":\"laboratory\",\"display\":\"Laboratory\"}],\"text\":\"Laboratory\"}],";
  appendf(out, "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"%s\",\"display\":\"%s\"}", c.loinc, c.display);
  if (rng.chance(0.3)) {
    appendf(out, ",{\"system\":\"http://hospital.example.cn/fhir/CodeSystem/lis-test-codes\",\"code\":\"%s\",\"display\":\"%s\"}",
            c.local_code, c.text);
  }
  appendf(out, "],\"text\":\"%s\"},", c.text);
  if (rng.chance(0.05)) {
    appendf(out, "\"subject\":{\"reference\":\"https://fhir.hospital.example.cn/fhir/Patient/%s\"},", l.patient->id.c_str());
  } else {
    appendf(out, "\"subject\":{\"reference\":\"Patient/%s\"},", l.patient->id.c_str());
  }
  appendf(out, "\"encounter\":{\"reference\":\"Encounter/enc-%llu\"},", static_cast<unsigned long long>(serial / 11));
  const bool utc = rng.chance(0.2);
  out += "\"effectiveDateTime\":\"";
  appendDateTime(out, l.effective_minutes, utc, 0);
  out += "\",\"issued\":\"";
  appendDateTime(out, l.effective_minutes + 60 + static_cast<long>(rng.below(300)), utc, static_cast<int>(rng.below(60)),
                 static_cast<int>(rng.below(1000)));
  out += "\",";
  std::size_t performer = rng.below(kPerformers.size());
  appendf(out, "\"performer\":[{\"reference\":\"%s\",\"display\":\"%s\"}],", kPerformers[performer], kPerformerNames[performer]);
  if (std::string_view(c.loinc) == "42595-9" && l.value < 20) {
    out +=
        "\"valueQuantity\":{\"value\":20,\"comparator\":\"<\",\"unit\":\"IU/mL\",\"system\":\"http://unitsofmeasure.org\","
        "\"code\":\"[IU]/mL\"}";
  } else {
    out += "\"valueQuantity\":";
    appendQuantity(out, l.value, c);
  }
  const char* interpretation = l.value > c.high ? "H" : (l.value < c.low ? "L" : "N");
  const char* interpretationText = *interpretation == 'H' ? "High" : (*interpretation == 'L' ? "Low" : "Normal");
  if (*interpretation != 'N')
    appendf(
        out,
        ",\"interpretation\":[{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation\","
        "\"code\":\"%s\",\"display\":\"%s\"}]}]",
        interpretation, interpretationText);
  if (rng.chance(0.35)) {
    out += ",\"referenceRange\":[{";
    if (c.low > 0) {
      out += "\"low\":";
      appendQuantity(out, c.low, c);
      out += ",";
    }
    out += "\"high\":";
    appendQuantity(out, c.high, c);
    out += ",\"text\":\"";
    if (c.low > 0) {
      appendNumber(out, c.low, c.decimals);
      out += "-";
    } else {
      out += "<";
    }
    appendNumber(out, c.high, c.decimals);
    appendf(out, " %s\"}]", c.unit);
  }
  appendf(out, ",\"specimen\":{\"reference\":\"Specimen/sp-%llu\"}}\n", static_cast<unsigned long long>(serial / 5));
}

}  // namespace

const char* variantName(Variant v) {
  return v == Variant::Mixed ? "mixed" : "trial-only";
}

GeneratorResult generateObservations(const GeneratorOptions& options, const std::string& ndjson_path,
                                     const std::string& subjects_path) {
  Rng rng(options.seed + (options.variant == Variant::TrialOnly ? 1 : 0));
  const long first_day = daysFromCivil(2022, 6, 1);
  const long span_days = 900;

  // Patients: numeric LIS ids; the first `roster_size` are the trial's, with first infusions
  // spread over 2023 and the second 168 days later (some not given yet).
  const int patients = options.variant == Variant::TrialOnly ? options.roster_size : options.patients;
  std::vector<Patient> all(static_cast<std::size_t>(patients));
  {
    Writer roster(subjects_path);
    roster.buffer() += "subject_id,patient,dose1_date,dose2_date\n";
    for (int i = 0; i < patients; ++i) {
      Patient& p = all[static_cast<std::size_t>(i)];
      p.id = std::to_string(1000003 + static_cast<long>(i) * 7919 % 8999987);
      if (i < options.roster_size) {
        p.rostered = true;
        p.dose1_day = daysFromCivil(2023, 1, 9) + static_cast<long>(rng.below(300));
        Civil d1 = civilFromDays(p.dose1_day), d2 = civilFromDays(p.dose1_day + 168);
        appendf(roster.buffer(), "S%03d,Patient/%s,%04d-%02u-%02u,", i + 1, p.id.c_str(), d1.y, d1.m, d1.d);
        if (i % 6 != 5) appendf(roster.buffer(), "%04d-%02u-%02u", d2.y, d2.m, d2.d);
        roster.buffer() += "\n";
      }
    }
    roster.close();
  }

  int total_weight = 0, trial_weight = 0;
  for (const LabCode& c : kCodes) {
    total_weight += c.weight;
    if (c.trial) trial_weight += c.weight;
  }
  auto pickCode = [&](bool trial_only) -> const LabCode& {
    int w = static_cast<int>(rng.below(static_cast<std::uint64_t>(trial_only ? trial_weight : total_weight)));
    for (const LabCode& c : kCodes) {
      if (trial_only && !c.trial) continue;
      if (w < c.weight) return c;
      w -= c.weight;
    }
    return kCodes[0];
  };

  GeneratorResult result;
  Writer out(ndjson_path);
  std::string& buf = out.buffer();
  std::string id;
  std::uint64_t serial = 5000000;
  while (result.bytes < options.target_bytes) {
    // Rostered patients are seen far more often than the average patient (cirrhosis follow-up):
    // in the mixed variant about 2% of the lines are theirs.
    const Patient* patient;
    if (options.variant == Variant::TrialOnly || rng.chance(0.02)) {
      patient = &all[rng.below(static_cast<std::uint64_t>(options.roster_size))];
    } else {
      patient = &all[rng.below(all.size())];
    }
    const LabCode& code = pickCode(options.variant == Variant::TrialOnly);
    Line line{&code, patient, 0, 0};
    long day = patient->rostered ? patient->dose1_day - 40 + static_cast<long>(rng.below(570))
                                 : first_day + static_cast<long>(rng.below(span_days));
    // Collected between 06:00 and 12:00 local time.
    line.effective_minutes = day * 1440 + 6 * 60 - 8 * 60 + static_cast<long>(rng.below(360));
    const double spread = code.high - code.low;
    line.value = code.low + spread * (rng.unit() * 1.6 - 0.3);
    if (std::string_view(code.loinc) == "42595-9") line.value = rng.chance(0.5) ? 5 : std::floor(std::exp(rng.unit() * 14.0));

    id.clear();
    appendUuid(id, rng);
    ++serial;
    const long updated = line.effective_minutes + 120 + static_cast<long>(rng.below(600));
    const double r = rng.unit();
    const char* status = r < 0.97 ? "final" : (r < 0.985 ? "preliminary" : "corrected");
    std::size_t before = buf.size();
    appendObservation(buf, rng, line, id, 1, status, updated, serial);
    ++result.lines;
    if (code.trial && patient->rostered) ++result.trial_lines;
    // A few results are amended later: the new version follows in the same export.
    if (rng.chance(0.03)) {
      line.value *= 1.0 + (rng.unit() - 0.5) * 0.1;
      appendObservation(buf, rng, line, id, 2, "amended", updated + 1440 + static_cast<long>(rng.below(1440)), serial);
      ++result.lines;
      if (code.trial && patient->rostered) ++result.trial_lines;
    }
    result.bytes += buf.size() - before;
    out.flushIfLarge();
  }
  out.close();
  return result;
}

}  // namespace fa::bench
