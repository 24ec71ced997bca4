// The decision of the checkpassword programs (DESIGN.md sections 2-8), shared by
// checkpw and cram-md5-checkpw so each main stays one screen. Reads the request from
// fd 3, decides against the database opened read-only, logs one line, and on success
// takes the account's identity and execs the subprogram. It returns only when it did
// not exec, with the verdict main turns into the exit status.
#pragma once

#include "checkpw/verdict.h"
#include "checkpw/visibility.h"

namespace checkpw {

enum class Program {
  kCheckpw,         // the secret field is a plaintext password
  kCramMd5Checkpw,  // CRAM-MD5 in either field order, else plaintext
};

[[nodiscard]] CHECKPW_API Verdict checkpassword_run(Program program, int argc,
                                                    char** argv) noexcept;

}  // namespace checkpw
