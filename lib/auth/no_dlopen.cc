// The checkpassword programs are linked statically (-static-pie; Makefile, STATIC_PROGRAMS)
// with -Wl,--wrap=dlopen, which sends SQLite's one call of dlopen (extension loading,
// never enabled here) to this function instead: SQLite cannot load a shared object into a
// program that may run setuid, and the static link has no dlopen warning to ignore.
// Linked as an object into those programs alone, never through the archive.
extern "C" void* __wrap_dlopen(const char* /*file*/, int /*mode*/) {
  return nullptr;
}
