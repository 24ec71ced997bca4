/* Linked into the static checkpassword programs only (Makefile, STATIC_PROGRAMS), beside
 * Debian's libpq.a, which is built with GSSAPI and LDAP: there are no static Kerberos or
 * OpenLDAP libraries to link, and these programs want neither. Every function libpq calls
 * fails here, so a GSSAPI login or an ldap:// service lookup fails (111) instead of
 * running code we did not choose. The store also asks for gssencmode=disable (pg.cc).
 * The signatures are reduced to what the x86-64 and AArch64 calling conventions pass
 * (pointers and integers); libpq only ever sees the failure codes. */
#include <stddef.h>

#define GSS_FAILURE 0x000d0000u /* GSS_S_FAILURE */

void* GSS_C_NT_HOSTBASED_SERVICE = NULL;

static unsigned int gss_fail(unsigned int* minor) {
  if (minor != NULL) *minor = 0;
  return GSS_FAILURE;
}

unsigned int gss_acquire_cred(unsigned int* minor) {
  return gss_fail(minor);
}
unsigned int gss_delete_sec_context(unsigned int* minor) {
  return gss_fail(minor);
}
unsigned int gss_display_status(unsigned int* minor) {
  return gss_fail(minor);
}
unsigned int gss_import_name(unsigned int* minor) {
  return gss_fail(minor);
}
unsigned int gss_init_sec_context(unsigned int* minor) {
  return gss_fail(minor);
}
unsigned int gss_release_buffer(unsigned int* minor) {
  return gss_fail(minor);
}
unsigned int gss_release_cred(unsigned int* minor) {
  return gss_fail(minor);
}
unsigned int gss_release_name(unsigned int* minor) {
  return gss_fail(minor);
}
unsigned int gss_unwrap(unsigned int* minor) {
  return gss_fail(minor);
}
unsigned int gss_wrap(unsigned int* minor) {
  return gss_fail(minor);
}
unsigned int gss_wrap_size_limit(unsigned int* minor) {
  return gss_fail(minor);
}

/* OpenLDAP: no handle, every call an error (LDAP_OTHER, 80). */
void* ldap_init(const char* host, int port) {
  (void)host;
  (void)port;
  return NULL;
}
int ldap_count_entries(void) {
  return -1;
}
const char* ldap_err2string(int err) {
  (void)err;
  return "LDAP is not available in this program";
}
void* ldap_first_entry(void) {
  return NULL;
}
void* ldap_get_values_len(void) {
  return NULL;
}
int ldap_msgfree(void) {
  return -1;
}
int ldap_result(void) {
  return -1;
}
int ldap_search_st(void) {
  return 80;
}
int ldap_set_option(void) {
  return -1;
}
int ldap_simple_bind(void) {
  return -1;
}
int ldap_unbind(void) {
  return 80;
}
void ldap_value_free_len(void) {}
