#include "signals.h"

#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

static atomic_int requested = 0;

/* Set while a --filter runs (filter_guard.c): libjq never looks at the flag, so the signal ends
   the process at once; the tool's own work is done by then. */
extern atomic_int sandbox_filter_running;

static void handler(int signal) {
    atomic_store(&requested, signal);
    if (atomic_load(&sandbox_filter_running)) {
        static const char text[] = "interrupted while the --filter ran\n";
        ssize_t ignored = write(2, text, sizeof text - 1);
        (void)ignored;
        _exit(128 + signal);
    }
}

void sandbox_interrupt_install(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = handler;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0; /* no SA_RESTART */
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGTERM, &action, NULL);
}

int sandbox_interrupt_signal(void) { return atomic_load(&requested); }

void sandbox_interrupt_set(int signal) { atomic_store(&requested, signal); }
