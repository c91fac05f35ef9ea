/* lazylib.c: libcurl, libarchive and libcrypto, loaded at their first use instead of at the
 * process's start.
 *
 * Debian builds both (and their dependencies: krb5, LDAP, SASL, SSH, nghttp2, libxml2, ICU...)
 * with BIND_NOW, so linking them costs every process that links vos their loading and
 * relocation: 33 shared libraries and 3.6 ms of a `vos -c 'echo 1'` that takes 6 ms, whether
 * or not it ever runs curl, wget or tar. Here each function the project calls is defined under
 * its own name (the headers check every signature against the library's), and its first call
 * opens the library with dlopen and finds the real function; the rest of the tree calls them
 * as before. A library that cannot be loaded ends the process with the loader's message, as a
 * missing library at start would have. */
#define CURL_DISABLE_TYPECHECK /* curl.h's type-checking macros would rename the definitions */
#define OPENSSL_SUPPRESS_DEPRECATED 1 /* the digests' one-call API (src/lib/digest.c) */
#include <archive.h>
#include <archive_entry.h>
#include <curl/curl.h>
#include <dlfcn.h>
#include <openssl/md5.h>
#include <openssl/sha.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { LIB_CURL, LIB_ARCHIVE, LIB_CRYPTO };

static void *lib_sym(int lib, const char *name)
{
    static _Atomic(void *) handle[3];
    static const char *const soname[3] = {"libcurl.so.4", "libarchive.so.13", "libcrypto.so.3"};
    void *h = atomic_load(&handle[lib]);
    /* two threads may both open it: dlopen counts the second and returns the same handle */
    if (!h && (h = dlopen(soname[lib], RTLD_NOW | RTLD_LOCAL))) atomic_store(&handle[lib], h);
    void *f = h ? dlsym(h, name) : NULL;
    if (!f) {
        const char *why = dlerror();
        char msg[512];
        int n = snprintf(msg, sizeof msg, "vos: cannot load %s (%s): %s\n", soname[lib], name,
                         why ? why : "no such symbol");
        ssize_t w = write(2, msg, n > 0 && (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);
        (void)w;
        abort();
    }
    return f;
}

/* name's real function (of name's own type), found once */
#define REAL(lib, name)                                                                            \
    static _Atomic(void *) real_;                                                                  \
    void *f_ = atomic_load_explicit(&real_, memory_order_acquire);                                 \
    if (!f_) {                                                                                     \
        f_ = lib_sym(lib, #name);                                                                  \
        atomic_store_explicit(&real_, f_, memory_order_release);                                   \
    }                                                                                              \
    __typeof__(&name) fn_ = (__typeof__(&name))f_

#define LAZY(lib, ret, name, params, args)                                                         \
    ret name params                                                                                \
    {                                                                                              \
        REAL(lib, name);                                                                           \
        return fn_ args;                                                                           \
    }

#define LAZYV(lib, name, params, args)                                                             \
    void name params                                                                               \
    {                                                                                              \
        REAL(lib, name);                                                                           \
        fn_ args;                                                                                  \
    }

/* ---- libarchive ---- */
LAZY(LIB_ARCHIVE, mode_t, archive_entry_filetype, (struct archive_entry *a0), (a0))
LAZYV(LIB_ARCHIVE, archive_entry_free, (struct archive_entry *a0), (a0))
LAZY(LIB_ARCHIVE, la_int64_t, archive_entry_gid, (struct archive_entry *a0), (a0))
LAZY(LIB_ARCHIVE, const char *, archive_entry_gname, (struct archive_entry *a0), (a0))
LAZY(LIB_ARCHIVE, const char *, archive_entry_hardlink, (struct archive_entry *a0), (a0))
LAZY(LIB_ARCHIVE, mode_t, archive_entry_mode, (struct archive_entry *a0), (a0))
LAZY(LIB_ARCHIVE, time_t, archive_entry_mtime, (struct archive_entry *a0), (a0))
LAZY(LIB_ARCHIVE, long, archive_entry_mtime_nsec, (struct archive_entry *a0), (a0))
LAZY(LIB_ARCHIVE, struct archive_entry *, archive_entry_new, (void), ())
LAZY(LIB_ARCHIVE, const char *, archive_entry_pathname, (struct archive_entry *a0), (a0))
LAZY(LIB_ARCHIVE, mode_t, archive_entry_perm, (struct archive_entry *a0), (a0))
LAZY(LIB_ARCHIVE, dev_t, archive_entry_rdevmajor, (struct archive_entry *a0), (a0))
LAZY(LIB_ARCHIVE, dev_t, archive_entry_rdevminor, (struct archive_entry *a0), (a0))
LAZYV(LIB_ARCHIVE, archive_entry_set_gid, (struct archive_entry *a0, la_int64_t a1), (a0, a1))
LAZYV(LIB_ARCHIVE, archive_entry_set_gname, (struct archive_entry *a0, const char *a1), (a0, a1))
LAZYV(LIB_ARCHIVE, archive_entry_set_hardlink, (struct archive_entry *a0, const char *a1), (a0, a1))
LAZYV(LIB_ARCHIVE, archive_entry_set_mode, (struct archive_entry *a0, mode_t a1), (a0, a1))
LAZYV(LIB_ARCHIVE, archive_entry_set_mtime,
      (struct archive_entry *a0, time_t a1, long a2),
      (a0, a1, a2))
LAZYV(LIB_ARCHIVE, archive_entry_set_pathname, (struct archive_entry *a0, const char *a1), (a0, a1))
LAZYV(LIB_ARCHIVE, archive_entry_set_size, (struct archive_entry *a0, la_int64_t a1), (a0, a1))
LAZYV(LIB_ARCHIVE, archive_entry_set_symlink, (struct archive_entry *a0, const char *a1), (a0, a1))
LAZYV(LIB_ARCHIVE, archive_entry_set_uid, (struct archive_entry *a0, la_int64_t a1), (a0, a1))
LAZYV(LIB_ARCHIVE, archive_entry_set_uname, (struct archive_entry *a0, const char *a1), (a0, a1))
LAZY(LIB_ARCHIVE, la_int64_t, archive_entry_size, (struct archive_entry *a0), (a0))
LAZY(LIB_ARCHIVE, const char *, archive_entry_symlink, (struct archive_entry *a0), (a0))
LAZY(LIB_ARCHIVE, la_int64_t, archive_entry_uid, (struct archive_entry *a0), (a0))
LAZY(LIB_ARCHIVE, const char *, archive_entry_uname, (struct archive_entry *a0), (a0))
LAZY(LIB_ARCHIVE, const char *, archive_error_string, (struct archive *a0), (a0))
LAZY(LIB_ARCHIVE, int, archive_filter_code, (struct archive *a0, int a1), (a0, a1))
LAZY(LIB_ARCHIVE, int, archive_filter_count, (struct archive *a0), (a0))
LAZY(LIB_ARCHIVE, int, archive_format, (struct archive *a0), (a0))
LAZY(LIB_ARCHIVE, int, archive_read_data_block,
     (struct archive *a0, const void **a1, size_t *a2, la_int64_t *a3),
     (a0, a1, a2, a3))
LAZY(LIB_ARCHIVE, int, archive_read_data_skip, (struct archive *a0), (a0))
LAZY(LIB_ARCHIVE, int, archive_read_free, (struct archive *a0), (a0))
LAZY(LIB_ARCHIVE, struct archive *, archive_read_new, (void), ())
LAZY(LIB_ARCHIVE, int, archive_read_next_header,
     (struct archive *a0, struct archive_entry **a1),
     (a0, a1))
LAZY(LIB_ARCHIVE, int, archive_read_open,
     (struct archive *a0, void *a1, archive_open_callback *a2, archive_read_callback *a3,
      archive_close_callback *a4),
     (a0, a1, a2, a3, a4))
LAZY(LIB_ARCHIVE, int, archive_read_support_filter_all, (struct archive *a0), (a0))
LAZY(LIB_ARCHIVE, int, archive_read_support_filter_bzip2, (struct archive *a0), (a0))
LAZY(LIB_ARCHIVE, int, archive_read_support_filter_gzip, (struct archive *a0), (a0))
LAZY(LIB_ARCHIVE, int, archive_read_support_filter_xz, (struct archive *a0), (a0))
LAZY(LIB_ARCHIVE, int, archive_read_support_filter_zstd, (struct archive *a0), (a0))
LAZY(LIB_ARCHIVE, int, archive_read_support_format_gnutar, (struct archive *a0), (a0))
LAZY(LIB_ARCHIVE, int, archive_read_support_format_tar, (struct archive *a0), (a0))
LAZY(LIB_ARCHIVE, int, archive_write_add_filter_bzip2, (struct archive *a0), (a0))
LAZY(LIB_ARCHIVE, int, archive_write_add_filter_gzip, (struct archive *a0), (a0))
LAZY(LIB_ARCHIVE, int, archive_write_add_filter_xz, (struct archive *a0), (a0))
LAZY(LIB_ARCHIVE, int, archive_write_add_filter_zstd, (struct archive *a0), (a0))
LAZY(LIB_ARCHIVE, int, archive_write_close, (struct archive *a0), (a0))
LAZY(LIB_ARCHIVE, la_ssize_t, archive_write_data,
     (struct archive *a0, const void *a1, size_t a2),
     (a0, a1, a2))
LAZY(LIB_ARCHIVE, int, archive_write_free, (struct archive *a0), (a0))
LAZY(LIB_ARCHIVE, int, archive_write_header,
     (struct archive *a0, struct archive_entry *a1),
     (a0, a1))
LAZY(LIB_ARCHIVE, struct archive *, archive_write_new, (void), ())
LAZY(LIB_ARCHIVE, int, archive_write_open,
     (struct archive *a0, void *a1, archive_open_callback *a2, archive_write_callback *a3,
      archive_close_callback *a4),
     (a0, a1, a2, a3, a4))
LAZY(LIB_ARCHIVE, int, archive_write_set_bytes_in_last_block,
     (struct archive *a0, int a1),
     (a0, a1))
LAZY(LIB_ARCHIVE, int, archive_write_set_bytes_per_block, (struct archive *a0, int a1), (a0, a1))
LAZY(LIB_ARCHIVE, int, archive_write_set_filter_option,
     (struct archive *a0, const char *a1, const char *a2, const char *a3),
     (a0, a1, a2, a3))
LAZY(LIB_ARCHIVE, int, archive_write_set_format_gnutar, (struct archive *a0), (a0))
LAZY(LIB_ARCHIVE, int, archive_write_set_format_pax, (struct archive *a0), (a0))
LAZY(LIB_ARCHIVE, int, archive_write_set_format_pax_restricted, (struct archive *a0), (a0))
LAZY(LIB_ARCHIVE, int, archive_write_set_format_ustar, (struct archive *a0), (a0))
LAZY(LIB_ARCHIVE, int, archive_write_set_format_v7tar, (struct archive *a0), (a0))

/* the project passes "%s" and one string (archive_vfs.c): formatted here, passed on whole */
void archive_set_error(struct archive *a, int err, const char *fmt, ...)
{
    REAL(LIB_ARCHIVE, archive_set_error);
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fn_(a, err, "%s", msg);
}

/* ---- libcurl ---- */
LAZYV(LIB_CURL, curl_easy_cleanup, (CURL *a0), (a0))
LAZY(LIB_CURL, CURL *, curl_easy_init, (void), ())
LAZY(LIB_CURL, const char *, curl_easy_strerror, (CURLcode a0), (a0))
LAZYV(LIB_CURL, curl_free, (void *a0), (a0))
LAZY(LIB_CURL, CURLcode, curl_global_init, (long a0), (a0))
LAZY(LIB_CURL, curl_mimepart *, curl_mime_addpart, (curl_mime *a0), (a0))
LAZY(LIB_CURL, CURLcode, curl_mime_data,
     (curl_mimepart *a0, const char *a1, size_t a2),
     (a0, a1, a2))
LAZY(LIB_CURL, CURLcode, curl_mime_filename, (curl_mimepart *a0, const char *a1), (a0, a1))
LAZYV(LIB_CURL, curl_mime_free, (curl_mime *a0), (a0))
LAZY(LIB_CURL, CURLcode, curl_mime_headers,
     (curl_mimepart *a0, struct curl_slist *a1, int a2),
     (a0, a1, a2))
LAZY(LIB_CURL, curl_mime *, curl_mime_init, (CURL *a0), (a0))
LAZY(LIB_CURL, CURLcode, curl_mime_name, (curl_mimepart *a0, const char *a1), (a0, a1))
LAZY(LIB_CURL, CURLcode, curl_mime_type, (curl_mimepart *a0, const char *a1), (a0, a1))
LAZY(LIB_CURL, CURLMcode, curl_multi_add_handle, (CURLM *a0, CURL *a1), (a0, a1))
LAZY(LIB_CURL, CURLMcode, curl_multi_cleanup, (CURLM *a0), (a0))
LAZY(LIB_CURL, CURLMsg *, curl_multi_info_read, (CURLM *a0, int *a1), (a0, a1))
LAZY(LIB_CURL, CURLM *, curl_multi_init, (void), ())
LAZY(LIB_CURL, CURLMcode, curl_multi_perform, (CURLM *a0, int *a1), (a0, a1))
LAZY(LIB_CURL, CURLMcode, curl_multi_poll,
     (CURLM *a0, struct curl_waitfd *a1, unsigned int a2, int a3, int *a4),
     (a0, a1, a2, a3, a4))
LAZY(LIB_CURL, CURLMcode, curl_multi_remove_handle, (CURLM *a0, CURL *a1), (a0, a1))
LAZY(LIB_CURL, CURLSHcode, curl_share_cleanup, (CURLSH *a0), (a0))
LAZY(LIB_CURL, CURLSH *, curl_share_init, (void), ())
LAZY(LIB_CURL, struct curl_slist *, curl_slist_append,
     (struct curl_slist *a0, const char *a1),
     (a0, a1))
LAZYV(LIB_CURL, curl_slist_free_all, (struct curl_slist *a0), (a0))
LAZY(LIB_CURL, CURLU *, curl_url, (void), ())
LAZYV(LIB_CURL, curl_url_cleanup, (CURLU *a0), (a0))
LAZY(LIB_CURL, CURLUcode, curl_url_get,
     (CURLU *a0, CURLUPart a1, char **a2, unsigned int a3),
     (a0, a1, a2, a3))
LAZY(LIB_CURL, CURLUcode, curl_url_set,
     (CURLU *a0, CURLUPart a1, const char *a2, unsigned int a3),
     (a0, a1, a2, a3))

/* curl's option setters and getinfo take exactly one more argument: a long, a curl_off_t, an
 * object or a function pointer, each passed as one 64-bit integer-class value (LP64: x86-64
 * and arm64 alike), passed on as such */
#define LAZY_ONE(ret, name, htype, otype)                                                          \
    ret name(htype h, otype opt, ...)                                                              \
    {                                                                                              \
        REAL(LIB_CURL, name);                                                                      \
        va_list ap;                                                                                \
        va_start(ap, opt);                                                                         \
        void *arg = va_arg(ap, void *);                                                            \
        va_end(ap);                                                                                \
        return fn_(h, opt, arg);                                                                   \
    }
LAZY_ONE(CURLcode, curl_easy_setopt, CURL *, CURLoption)
LAZY_ONE(CURLcode, curl_easy_getinfo, CURL *, CURLINFO)
LAZY_ONE(CURLSHcode, curl_share_setopt, CURLSH *, CURLSHoption)

/* ---- libcrypto: the digests of md5sum and the sha*sum commands ---- */
LAZY(LIB_CRYPTO, int, MD5_Init, (MD5_CTX *a0), (a0))
LAZY(LIB_CRYPTO, int, MD5_Update, (MD5_CTX *a0, const void *a1, size_t a2), (a0, a1, a2))
LAZY(LIB_CRYPTO, int, MD5_Final, (unsigned char *a0, MD5_CTX *a1), (a0, a1))
LAZY(LIB_CRYPTO, int, SHA1_Init, (SHA_CTX *a0), (a0))
LAZY(LIB_CRYPTO, int, SHA1_Update, (SHA_CTX *a0, const void *a1, size_t a2), (a0, a1, a2))
LAZY(LIB_CRYPTO, int, SHA1_Final, (unsigned char *a0, SHA_CTX *a1), (a0, a1))
LAZY(LIB_CRYPTO, int, SHA224_Init, (SHA256_CTX *a0), (a0))
LAZY(LIB_CRYPTO, int, SHA224_Update, (SHA256_CTX *a0, const void *a1, size_t a2), (a0, a1, a2))
LAZY(LIB_CRYPTO, int, SHA224_Final, (unsigned char *a0, SHA256_CTX *a1), (a0, a1))
LAZY(LIB_CRYPTO, int, SHA256_Init, (SHA256_CTX *a0), (a0))
LAZY(LIB_CRYPTO, int, SHA256_Update, (SHA256_CTX *a0, const void *a1, size_t a2), (a0, a1, a2))
LAZY(LIB_CRYPTO, int, SHA256_Final, (unsigned char *a0, SHA256_CTX *a1), (a0, a1))
LAZY(LIB_CRYPTO, int, SHA384_Init, (SHA512_CTX *a0), (a0))
LAZY(LIB_CRYPTO, int, SHA384_Update, (SHA512_CTX *a0, const void *a1, size_t a2), (a0, a1, a2))
LAZY(LIB_CRYPTO, int, SHA384_Final, (unsigned char *a0, SHA512_CTX *a1), (a0, a1))
LAZY(LIB_CRYPTO, int, SHA512_Init, (SHA512_CTX *a0), (a0))
LAZY(LIB_CRYPTO, int, SHA512_Update, (SHA512_CTX *a0, const void *a1, size_t a2), (a0, a1, a2))
LAZY(LIB_CRYPTO, int, SHA512_Final, (unsigned char *a0, SHA512_CTX *a1), (a0, a1))
