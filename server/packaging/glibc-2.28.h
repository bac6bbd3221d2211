/*
 * Forced into every file of the SQLite add-on (-include): binds the glibc symbols it uses to their
 * oldest versions, so an add-on compiled against Debian 12's glibc 2.36 loads on glibc 2.28 (Kylin V10,
 * UOS 20, openEuler 20.03, EL8), the floor of the Node.js 20 the packages carry. glibc 2.34 moved the
 * pthread and dl functions into libc and 2.29/2.33 gave math and stat new versions; the old versions
 * are still exported, and the stat family goes through __xstat64 as before 2.33. Likewise for libstdc++:
 * Node.js 20 itself needs no more than GLIBCXX_3.4.21 (GCC 5), GCC 11+ code calls one newer function.
 */
#if defined(__aarch64__)
#define WEIAN_GLIBC_BASE "GLIBC_2.17"
#define WEIAN_STAT_VER 0
#elif defined(__x86_64__)
#define WEIAN_GLIBC_BASE "GLIBC_2.2.5"
#define WEIAN_STAT_VER 1
#else
#error "glibc-2.28.h: unknown architecture"
#endif
#define WEIAN_OLD(f) __asm__(".symver " #f "," #f "@" WEIAN_GLIBC_BASE);
WEIAN_OLD(pthread_create)
WEIAN_OLD(pthread_join)
WEIAN_OLD(pthread_once)
WEIAN_OLD(pthread_mutexattr_init)
WEIAN_OLD(pthread_mutexattr_settype)
WEIAN_OLD(pthread_mutexattr_destroy)
WEIAN_OLD(pthread_mutex_trylock)
WEIAN_OLD(dlopen)
WEIAN_OLD(dlsym)
WEIAN_OLD(dlerror)
WEIAN_OLD(dlclose)
WEIAN_OLD(exp)
WEIAN_OLD(log)
WEIAN_OLD(log2)
WEIAN_OLD(pow)
WEIAN_OLD(__xstat64)
WEIAN_OLD(__fxstat64)
WEIAN_OLD(__lxstat64)
#ifdef __cplusplus
extern "C" {
#endif
struct stat64;
int __xstat64(int, const char *, struct stat64 *);
int __fxstat64(int, int, struct stat64 *);
int __lxstat64(int, const char *, struct stat64 *);
/* Linked with --wrap=stat64 etc.: every call of the 2.33 functions lands here. Weak: one copy whatever the number of files. */
__attribute__((weak, visibility("hidden"))) int __wrap_stat64(const char *p, struct stat64 *b) { return __xstat64(WEIAN_STAT_VER, p, b); }
__attribute__((weak, visibility("hidden"))) int __wrap_fstat64(int fd, struct stat64 *b) { return __fxstat64(WEIAN_STAT_VER, fd, b); }
__attribute__((weak, visibility("hidden"))) int __wrap_lstat64(const char *p, struct stat64 *b) { return __lxstat64(WEIAN_STAT_VER, p, b); }
#ifdef __cplusplus
}
#endif
#ifdef __cplusplus
/* GLIBCXX_3.4.29 (GCC 11): what `new T[n]` calls on an impossible n. Defined here, hidden, instead of taken
 * from libstdc++; the add-on is built without exceptions (node-gyp's -fno-exceptions), so it aborts as a throw would. */
namespace std {
__attribute__((weak, visibility("hidden"), noreturn)) void __throw_bad_array_new_length() { __builtin_abort(); }
}
#endif
