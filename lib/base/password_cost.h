// The Argon2id cost of new hashes: a setting the store keeps and the hashing obeys.
#pragma once

#include <cstddef>

namespace checkpw {

struct PasswordCost {
  unsigned long long opslimit;  // passes (t)
  std::size_t memlimit;         // bytes (m, in KiB, times 1024)
};

}  // namespace checkpw
