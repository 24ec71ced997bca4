// Argon2id's memory in the checkpassword programs on transparent huge pages. libsodium
// maps each verify's memory (19 MiB at the default cost) with mmap(MAP_POPULATE): on
// 4 KiB pages that is about 4,900 page faults taken, and as many pages freed, in every
// plaintext login, a third of its time. The programs are linked with -Wl,--wrap=mmap
// (Makefile, STATIC_LDFLAGS), which sends the mmap calls of the libraries linked into
// them (libsodium's, SQLite's) here; glibc's own (malloc's) do not come through here.
// A private anonymous mapping of at least 2 MiB is placed on a 2 MiB boundary, marked
// MADV_HUGEPAGE (THP in "madvise" mode, Debian's default, uses huge pages only where
// asked) and populated as asked: about ten faults instead. Its length and contents are
// those asked for, so munmap() and libsodium's wiping work as before; where the kernel
// has no huge page to give, it is the 4 KiB mapping it would have been. Everything else
// goes to mmap unchanged. Linked as an object into those programs alone.
#include <sys/mman.h>

#include <cstddef>
#include <cstdint>

extern "C" void* __real_mmap(void* addr, std::size_t length, int prot, int flags, int fd,
                             off_t offset);

extern "C" void* __wrap_mmap(void* addr, std::size_t length, int prot, int flags, int fd,
                             off_t offset) {
  constexpr std::size_t kHuge = std::size_t{2} << 20;
  constexpr std::size_t kPage = 4096;
  constexpr int kKind = MAP_PRIVATE | MAP_ANONYMOUS;
  const bool argon2_like = addr == nullptr && fd == -1 && offset == 0 && length >= kHuge &&
                           (flags & (kKind | MAP_SHARED | MAP_FIXED)) == kKind &&
                           length <= SIZE_MAX - 2 * kHuge;
  if (!argon2_like) return __real_mmap(addr, length, prot, flags, fd, offset);
  const std::size_t wanted = (length + kPage - 1) & ~(kPage - 1);
  const std::size_t span = wanted + kHuge;
  void* got = __real_mmap(nullptr, span, prot, flags & ~MAP_POPULATE, -1, 0);
  if (got == MAP_FAILED) return __real_mmap(addr, length, prot, flags, fd, offset);
  const auto start = reinterpret_cast<std::uintptr_t>(got);
  const std::uintptr_t aligned = (start + kHuge - 1) & ~(std::uintptr_t{kHuge} - 1);
  if (aligned > start) munmap(got, aligned - start);
  const std::uintptr_t end = aligned + wanted, span_end = start + span;
  if (span_end > end) munmap(reinterpret_cast<void*>(end), span_end - end);
  void* const p = reinterpret_cast<void*>(aligned);
  madvise(p, wanted, MADV_HUGEPAGE);  // fails only where THP is absent: 4 KiB pages
#ifdef MADV_POPULATE_WRITE
  if ((flags & MAP_POPULATE) != 0) madvise(p, wanted, MADV_POPULATE_WRITE);  // else on use
#endif
  return p;
}
