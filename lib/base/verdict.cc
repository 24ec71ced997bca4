#include "base/verdict.h"

namespace checkpw {

int exit_code(Verdict verdict) noexcept {
  switch (verdict) {
    case Verdict::kReject:
      return 1;
    case Verdict::kMisuse:
      return 2;
    case Verdict::kUnknownUser:
      return 3;
    case Verdict::kAccept:
    case Verdict::kTempFail:
      break;
  }
  return 111;
}

const char* verdict_name(Verdict verdict) noexcept {
  switch (verdict) {
    case Verdict::kAccept:
      return "accept";
    case Verdict::kReject:
      return "reject";
    case Verdict::kMisuse:
      return "misuse";
    case Verdict::kUnknownUser:
      return "unknown";
    case Verdict::kTempFail:
      break;
  }
  return "tempfail";
}

}  // namespace checkpw
