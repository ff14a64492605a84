#include "signals.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* Read by the handlers, written only while the timer is off. */
static char timeout_text[512];
static char memory_text[512];
static double deadline;
static long long memory_limit;
atomic_int sandbox_filter_running = 0;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void fail(const char *text) {
    /* Only async-signal-safe calls: write(2) and _exit(2). */
    ssize_t ignored = write(2, text, strlen(text));
    (void)ignored;
    _exit(5);
}

/* Resident bytes from /proc/self/statm (its second field, in pages); 0 where there is no /proc. */
static long long resident_bytes(void) {
    char buffer[128];
    int fd = open("/proc/self/statm", O_RDONLY);
    if (fd < 0) return 0;
    ssize_t n = read(fd, buffer, sizeof buffer - 1);
    close(fd);
    if (n <= 0) return 0;
    buffer[n] = 0;
    char *p = buffer;
    while (*p && *p != ' ') p++;
    long long pages = 0;
    while (*p == ' ') p++;
    while (*p >= '0' && *p <= '9') pages = pages * 10 + (*p++ - '0');
    return pages * sysconf(_SC_PAGESIZE);
}

static void tick(int signal) {
    (void)signal;
    if (!atomic_load(&sandbox_filter_running)) return;
    if (now() > deadline) fail(timeout_text);
    if (memory_limit > 0 && resident_bytes() > memory_limit) fail(memory_text);
}

void sandbox_filter_guard_start(double seconds, long long max_bytes, const char *timeout_message,
                                const char *memory_message) {
    strncpy(timeout_text, timeout_message, sizeof timeout_text - 1);
    strncpy(memory_text, memory_message, sizeof memory_text - 1);
    deadline = now() + seconds;
    memory_limit = max_bytes;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = tick;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &action, NULL);
    /* A parent may start us with signals blocked (Foundation's Process blocks nearly all). */
    sigset_t alarm;
    sigemptyset(&alarm);
    sigaddset(&alarm, SIGALRM);
    pthread_sigmask(SIG_UNBLOCK, &alarm, NULL);
    atomic_store(&sandbox_filter_running, 1);
    /* A signal that came before the filter started would otherwise wait for the time bound. */
    int signal = sandbox_interrupt_signal();
    if (signal) {
        static const char text[] = "interrupted while the --filter ran\n";
        ssize_t ignored = write(2, text, sizeof text - 1);
        (void)ignored;
        _exit(128 + signal);
    }
    struct itimerval every = {{0, 50000}, {0, 50000}};
    setitimer(ITIMER_REAL, &every, NULL);
}

void sandbox_filter_guard_stop(void) {
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    atomic_store(&sandbox_filter_running, 0);
}
